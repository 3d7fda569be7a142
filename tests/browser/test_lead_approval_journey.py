"""Four eyes on production in two browsers: a consultant asks, a lead approves, the consultant applies, the
lead
reads the status; against the sandbox with a real worker, every page audited with axe-core."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from pathways.demo import landscape_from_facts
from pathways.models import Membership, Role
from tests.browser.conftest import log_in, wait_for_finished_run
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NOTE = "Go-live of the S/4HANA receiver channel"


def fingerprint_of(pem: str) -> str:
    certificate = x509.load_pem_x509_certificate(pem.encode())
    return ":".join(f"{b:02X}" for b in certificate.fingerprint(hashes.SHA256()))


def remote_keys_with(sandbox_server, tenant: dict, fingerprint: str) -> list[dict]:
    """The service keys the sandbox tenant holds for this certificate."""
    state = sandbox_server.state(tenant["subdomain"])["tenants"][tenant["subdomain"]]
    return [k for k in state["keys"] if k.get("fingerprint") == fingerprint]


def test_a_lead_approves_a_production_apply_made_by_a_consultant_and_reads_the_status(
    page,
    second_page,
    live_server,
    axe,
    celery_worker,
    fast_waits,
    sandbox_server,
    sandbox_tenant,
    issue_certificate,
):
    sscv2_client = issue_certificate(
        f"sscv2-{sandbox_tenant['subdomain']}.example.com"
    )  # SSCv2's own certificate
    consultant, lead = UserFactory(username="cosima"), UserFactory(username="leonie")
    landscape = landscape_from_facts(sandbox_tenant, name="Browser PROD", user=consultant, tier="prod")
    Membership.objects.create(landscape=landscape, user=consultant, role=Role.CONSULTANT)
    Membership.objects.create(landscape=landscape, user=lead, role=Role.LEAD)
    landscape_url = f"{live_server.url}/l/{landscape.code}/"
    review_url = f"{landscape_url}p/ssc_to_cpi/step/review/"

    # The consultant checks the landscape and pastes SSCv2's client certificate (the usual method for SSCv2 →
    # CPI).
    log_in(page, live_server, consultant.username, PASSWORD)
    page.goto(landscape_url)
    page.click("button:has-text('Check landscape')")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")
    page.goto(f"{landscape_url}p/ssc_to_cpi/step/key/")
    assert page.input_value("#id_certificate_source") == "external"
    page.fill("#id_external_certificate", sscv2_client["certificate"])
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-external_certificate .saved")
    assert f"sscv2-{sandbox_tenant['subdomain']}.example.com" in page.inner_text(
        "#field-external_certificate"
    )
    axe.check(page, "production key step with the pasted certificate")
    page.click("button:has-text('Save and continue')")
    page.wait_for_selector("#approval-h")
    assert "No approval yet" in page.inner_text("#approval")
    axe.check(page, "production review with the approval panel")

    # Apply is refused without an approval; the consultant asks for one.
    page.click("form[action$='/run/apply/'] button")
    page.wait_for_selector(".messages .msg-error")
    assert "four eyes" in page.inner_text(".messages")
    axe.check(page, "review with the refusal message")
    assert not remote_keys_with(sandbox_server, sandbox_tenant, fingerprint_of(sscv2_client["certificate"]))
    page.wait_for_selector("#approval-note")
    page.fill("#approval-note", NOTE)
    page.click("button:has-text('Request approval')")
    page.wait_for_selector("#approval .badge:has-text('Pending')")
    assert "Another lead has to decide your request." in page.inner_text("#approval")
    axe.check(page, "review with a pending approval")

    # The lead finds the request on the overview and approves it on the pathway's history page.
    log_in(second_page, live_server, lead.username, PASSWORD, axe)
    second_page.goto(f"{live_server.url}/overview/")
    waiting = second_page.inner_text("section[aria-labelledby=pending-h]")
    assert "Browser PROD — SSCv2 → CPI" in waiting and NOTE in waiting and consultant.username in waiting
    axe.check(second_page, "overview with a pending approval")
    second_page.click("section[aria-labelledby=pending-h] a")
    second_page.wait_for_selector("#approval-h")
    axe.check(second_page, "pathway history with the decision form")
    second_page.fill("#approval-comment", "Checked the user with the S/4HANA basis team")
    second_page.click("#approval button[value=approve]")
    second_page.wait_for_selector("#approval .badge:has-text('Approved')")
    assert "Approved: the draft may be applied now." in second_page.inner_text(".messages")
    assert second_page.locator("form[action$='/run/apply/']").count() == 0  # a lead approves, never applies

    # The consultant applies and verifies.
    page.goto(review_url)
    page.wait_for_selector("#approval .badge:has-text('Approved')")
    assert f"Approved by {lead.username}" in page.inner_text("#approval")
    page.wait_for_selector("#plan table.plan")  # Apply while the plan still runs would show that plan instead
    page.click("form[action$='/run/apply/'] button")
    page.wait_for_selector("h1:has-text('Apply')")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")
    axe.check(page, "production apply run page")
    page.click("#run-panel button:has-text('Verify')")
    page.wait_for_selector("h1:has-text('Verify')")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")
    axe.check(page, "production verify run page")

    # The lead reads the status: verified on the overview, the approval and the runs in the history.
    second_page.goto(f"{live_server.url}/overview/?tier=prod")
    row = second_page.locator("tr", has=second_page.locator("th a:has-text('Browser PROD')"))
    cells = row.locator("td")
    headers = second_page.locator("thead th").all_inner_texts()
    column = headers.index("SSCv2 → CPI") - 1  # the row's first cell is a <th>
    assert "Verified" in cells.nth(column).inner_text()
    assert second_page.locator("section[aria-labelledby=pending-h]").count() == 0
    axe.check(second_page, "overview after the apply")
    cells.nth(column).locator("a").click()
    second_page.wait_for_selector("#approval-h")
    history = second_page.inner_text("main")
    assert "Approved" in history and "Apply" in history and "Verify" in history
    axe.check(second_page, "pathway history after the apply")
    keys = remote_keys_with(sandbox_server, sandbox_tenant, fingerprint_of(sscv2_client["certificate"]))
    assert [k["key_type"] for k in keys] == ["certificate_external"]
