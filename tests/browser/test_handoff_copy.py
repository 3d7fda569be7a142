"""The copy buttons of the hand-off sheet copy exactly what the other administrator types — the client ID and
the client secret revealed once — into the clipboard, and say so; the secret's page fits a phone."""

from __future__ import annotations

import pytest

from pathways.models import Membership, Role
from tests.browser.conftest import log_in
from tests.browser.test_screens import assert_fits
from tests.factories import PASSWORD, UserFactory
from tests.fixtures.drafts import fill_draft
from tests.rotation.conftest import run_now

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIPBOARD = "() => navigator.clipboard.readText()"


def test_the_copy_buttons_copy_the_client_id_and_the_revealed_secret(
    browser, live_server, axe, landscape, sandbox_tenant, sandbox_server
):
    consultant = UserFactory(username="cleo")
    Membership.objects.create(landscape=landscape, user=consultant, role=Role.CONSULTANT)
    pathway = fill_draft(landscape, sandbox_tenant, sandbox_server, "s4_to_cpi", "basic")
    assert run_now(pathway, "apply").state == "succeeded"
    pathway.refresh_from_db()
    clientid = pathway.applied["clientid"]

    context = browser.new_context(
        viewport={"width": 390, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, live_server, consultant.username, PASSWORD)
        page.goto(f"{live_server.url}/l/{landscape.code}/p/s4_to_cpi/handoff/")
        row = page.locator("tr", has=page.locator("th", has_text="Client ID"))
        row.locator("button.copy").click()
        row.locator(".copy-done", has_text="Copied").wait_for()
        assert page.evaluate(CLIPBOARD) == clientid

        page.click("button:has-text('Reveal the client secret once')")
        page.wait_for_selector("#secret")
        axe.check(page, "client secret page at 390 px")
        assert_fits(page, "client secret page at 390 px")
        secret = page.input_value("#secret")
        assert secret
        page.locator("button.copy[data-copy=secret]").click()
        page.locator(".copy-done", has_text="Copied").wait_for()
        assert page.evaluate(CLIPBOARD) == secret
    finally:
        context.close()
