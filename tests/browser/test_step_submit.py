"""Submitting a whole wizard step (Save and continue) keeps what autosave stored, pasted certificates
included.
"""

import pytest

from pathways.models import Pathway
from tests.browser.conftest import log_in
from tests.browser.test_draft_journey import client_certificate_pem
from tests.factories import PASSWORD, LandscapeFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_save_and_continue_keeps_a_pasted_certificate(page, live_server):
    landscape = LandscapeFactory(name="Submit DEV")
    user = MembershipFactory(landscape=landscape, role="consultant", user__username="sam").user
    log_in(page, live_server, user.username, PASSWORD)
    pem = client_certificate_pem("sscv2-submit.example.com")
    page.goto(f"{live_server.url}/l/{landscape.code}/p/ssc_to_cpi/step/key/")
    page.fill("#id_external_certificate", pem)
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-external_certificate .saved")
    page.click("button:has-text('Save and continue')")
    page.wait_for_selector("h2#review-h")
    stored = Pathway.objects.get(landscape=landscape, key="ssc_to_cpi").draft["external_certificate"]
    assert stored.strip() == pem.strip()
    assert "provided" in page.inner_text("dl.review")
