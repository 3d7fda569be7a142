"""A consultant wires CPI → S/4HANA (Basic) into the iFlows that use it, in a real browser against the sandbox
and a real worker: the landscape names its package, Discover iFlows, confirm the guessed pathways, see the
mismatch in words, plan, apply (parameter set, deployed, started) and see the iFlow agree. Every page on the
way is audited with axe-core."""

import pytest

from pathways.models import AuditEvent, Membership
from tests.browser.conftest import log_in, wait_for_finished_run
from tests.factories import PASSWORD, UserFactory
from tests.fixtures.landscapes import landscape_from

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BP = "Replicate Business Partner to SAP S4HANA"
BP_ID = "com.sap.fixture.ssc2.ReplicateBusinessPartnerToS4HANA"


def test_a_consultant_wires_cpi_to_s4hana_basic_into_its_iflows(
    page, live_server, axe, celery_worker, fast_waits, sandbox_server, sandbox_tenant
):
    landscape = landscape_from(sandbox_tenant, "iFlow journey")
    user = UserFactory(username="ines")
    Membership.objects.create(landscape=landscape, user=user, role="consultant")
    log_in(page, live_server, user.username, PASSWORD, axe)
    landscape_url = f"{live_server.url}/l/{landscape.code}/"

    # The landscape names its integration package.
    page.goto(landscape_url + "edit/")
    page.fill("#id_integration_packages", sandbox_tenant["integration_packages"][0])
    page.click("form.form button[type=submit]")
    page.wait_for_selector("h1:has-text('iFlow journey')")

    # Discover iFlows (read only), then confirm the guesses on the iFlows page.
    page.click("a:has-text('iFlows')")
    page.wait_for_selector("h1:has-text('iFlows and their authentication parameters')")
    axe.check(page, "iFlows page before discovery")
    page.click("button:has-text('Discover iFlows')")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")
    assert "24 to confirm" in page.inner_text("#run-panel")
    axe.check(page, "discovery run page")
    page.goto(landscape_url + "iflows/")
    page.wait_for_selector(f"h2:has-text('{BP}')")
    assert "24 parameters are not confirmed yet" in page.inner_text("#unconfirmed")
    credential = page.locator("tr", has=page.locator("code", has_text="Receiver Credential Name")).first
    assert "S4_OLD" in page.inner_text("main")
    assert credential.locator("select").count() == 1
    axe.check(page, "iFlows page with guesses")
    page.click("button:has-text('Confirm these pathways')")
    page.wait_for_selector("text=24 parameter(s) confirmed.")
    assert "not confirmed yet" not in page.inner_text("main")
    axe.check(page, "iFlows page confirmed")

    # The pathway: Basic with the S/4HANA communication user; the review step says what disagrees.
    page.goto(f"{landscape_url}p/cpi_to_s4/step/credential/")
    page.fill("#id_user", "COMM_USER_IFLOW")
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-user .saved")
    page.fill("#id_password", "S4-Iflow-Journey-Pw-8!")
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-password .saved")
    page.click("button:has-text('Save and continue')")
    page.wait_for_selector("h2#review-h")
    words = page.inner_text("#pathway-iflows")
    assert f"iFlow {BP} uses credential S4_OLD; this pathway's draft names S4_BASIC" in words
    assert "Apply sets it to S4_BASIC and redeploys the iFlow." in words
    page.wait_for_selector("#plan table.plan", timeout=30_000)
    plan = page.inner_text("#plan table.plan")
    assert f"iFlow {BP}: Receiver Credential Name" in plan and "Deploy" in plan
    axe.check(page, "review step with the iFlows and the plan")

    # Apply: the credential, the parameter, the deployment, started.
    page.click("form[action$='/run/apply/'] button")
    page.wait_for_selector("#run-panel")
    assert wait_for_finished_run(page, timeout=90_000) == "succeeded", page.inner_text("#run-panel")
    steps = page.inner_text("#run-panel .run-steps")
    assert f"Receiver Credential Name of iFlow {BP} set to S4_BASIC" in steps
    assert f"iFlow {BP} deployed (version 1.0.3) and started" in steps
    axe.check(page, "apply run page")

    subdomain = sandbox_tenant["subdomain"]
    content = sandbox_server.state(subdomain)["tenants"][subdomain]["content"]["iflows"]
    assert content[BP_ID]["parameters"]["Receiver Credential Name"] == "S4_BASIC"
    assert content[BP_ID]["runtime_status"] == "STARTED"
    assert AuditEvent.objects.filter(action="iflow.parameter_set", username="ines").count() == 2

    page.goto(f"{landscape_url}p/cpi_to_s4/step/review/")
    page.wait_for_selector("#pathway-iflows")
    assert f"iFlow {BP} uses credential S4_BASIC, as this pathway" in page.inner_text("#pathway-iflows")
    axe.check(page, "review step after the apply")
