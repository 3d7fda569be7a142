"""Submitting a whole wizard step (Save and continue) keeps what autosave stored, pasted certificates
included.
"""

import pytest

from pathways.models import Pathway
from tests.browser.conftest import log_in
from tests.browser.test_draft_journey import client_certificate_pem
from tests.factories import PASSWORD, LandscapeFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_step(page, live_server, name: str, username: str, key: str, step: str):
    """A consultant of a fresh landscape, signed in, on one wizard step; returns the landscape."""
    landscape = LandscapeFactory(name=name)
    user = MembershipFactory(landscape=landscape, role="consultant", user__username=username).user
    log_in(page, live_server, user.username, PASSWORD)
    page.goto(f"{live_server.url}/l/{landscape.code}/p/{key}/step/{step}/")
    return landscape


def test_save_and_continue_keeps_a_pasted_certificate(page, live_server):
    pem = client_certificate_pem("sscv2-submit.example.com")
    landscape = open_step(page, live_server, "Submit DEV", "sam", "ssc_to_cpi", "key")
    page.fill("#id_external_certificate", pem)
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-external_certificate .saved")
    page.click("button:has-text('Save and continue')")
    page.wait_for_selector("h2#review-h")
    stored = Pathway.objects.get(landscape=landscape, key="ssc_to_cpi").draft["external_certificate"]
    assert stored.strip() == pem.strip()
    assert "provided" in page.inner_text("dl.review")


def test_enter_in_a_text_field_saves_and_goes_on_not_back(page, live_server):
    landscape = open_step(page, live_server, "Enter DEV", "erin", "s4_to_cpi", "instance")
    page.fill("#id_instance_name", "s4-inbound-enter")
    page.press("#id_instance_name", "Enter")
    page.wait_for_url("**/p/s4_to_cpi/step/key/")
    assert (
        Pathway.objects.get(landscape=landscape, key="s4_to_cpi").draft["instance_name"] == "s4-inbound-enter"
    )


def test_save_and_continue_with_a_required_field_empty_stays_and_says_so_beside_it(page, live_server):
    open_step(page, live_server, "Required DEV", "rita", "cpi_to_s4", "credential")
    page.fill("#id_user", "")
    page.click("button:has-text('Save and continue')")
    page.wait_for_selector("#field-user .error")
    assert "/step/credential/" in page.url
    assert page.inner_text("#field-user .error").strip()


def test_browser_back_shows_the_value_saved_not_the_page_as_first_loaded(page, live_server):
    landscape = open_step(page, live_server, "Back DEV", "bert", "s4_to_cpi", "instance")
    page.fill("#id_instance_name", "s4-back")
    page.fill("#id_token_validity", "7200")
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-token_validity .saved")
    page.goto(f"{live_server.url}/l/{landscape.code}/p/s4_to_cpi/step/key/")
    page.go_back()
    page.wait_for_selector("#id_token_validity")
    assert page.input_value("#id_token_validity") == "7200"
