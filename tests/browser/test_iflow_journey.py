"""A consultant wires a pathway into the iFlows that use it, in a real browser against the sandbox and a real
worker: the landscape names its package, Discover iFlows, confirm the guessed pathways, see the mismatch in
words, plan, apply (parameters set, deployed, started) and see the iFlows agree — CPI → S/4HANA with Basic,
and CPI → SSCv2 with a client certificate; then a message through the iFlow completes, and the sandbox's
failure knob turns the pathway failing with its cause. Every page on the way is audited with axe-core."""

import pytest

from pathways.models import AuditEvent, Membership
from tests.browser.conftest import check_messages, log_in, wait_for_finished_run
from tests.factories import PASSWORD, UserFactory
from tests.fixtures.landscapes import landscape_from
from tests.traffic.conftest import BASIC_CAUSE, CERTIFICATE_CAUSE, fail_next, send

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BP = "Replicate Business Partner to SAP S4HANA"
BP_ID = "com.sap.fixture.ssc2.ReplicateBusinessPartnerToS4HANA"
CUSTOMER, CUSTOMER_ID = (
    "Replicate Customer from SAP S4HANA",
    "com.sap.fixture.ssc2.ReplicateCustomerFromS4HANA",
)
PRODUCT, PRODUCT_ID = "Replicate Product from SAP S4HANA", "com.sap.fixture.ssc2.ReplicateProductFromS4HANA"


def discover_and_confirm(page, axe, live_server, landscape, tenant) -> str:
    """Name the package, discover its iFlows and confirm every guess; returns the landscape page URL."""
    landscape_url = f"{live_server.url}/l/{landscape.code}/"
    page.goto(landscape_url + "edit/")
    page.fill("#id_integration_packages", tenant["integration_packages"][0])
    page.click("form.form button[type=submit]")
    page.wait_for_selector(f"h1:has-text('{landscape.name}')")
    page.click("a:has-text('iFlows')")
    page.click("button:has-text('Discover iFlows')")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")
    page.goto(landscape_url + "iflows/")
    page.click("button:has-text('Confirm these pathways')")
    page.wait_for_selector("text=24 parameter(s) confirmed.")
    return landscape_url


def messages_prove(
    page, axe, sandbox_server, landscape, landscape_url: str, key: str, flow_id: str, failure: str, cause: str
):
    """Traffic through the wired iFlow: its message completes and a message check shows the pathway
    working; the sandbox's knob fails the next message, and the next check turns the pathway failing with
    `cause`."""
    messages_url = f"{landscape_url}p/{key}/messages/"
    [sent] = send(sandbox_server, landscape, flow_id)
    assert sent["status"] == "COMPLETED", sent
    check_messages(page, messages_url)
    page.wait_for_selector("#working-sentence")
    latest = page.inner_text("#messages")
    assert sent["guid"] in latest and "COMPLETED" in latest
    fail_next(sandbox_server, landscape, flow_id, failure)
    [failed] = send(sandbox_server, landscape, flow_id)
    assert failed["status"] == "FAILED", failed
    check_messages(page, messages_url)
    sentence = page.inner_text("#failing-sentence")
    assert sentence.startswith("Failing since ") and cause in sentence, sentence
    axe.check(page, f"messages page of the failing {key}")


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
    page.click("a:has-text('Confirm the parameters')")
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
    assert AuditEvent.objects.filter(action="iflow.discovery_requested", username="ines").count() == 1
    assert AuditEvent.objects.filter(action="iflow.parameter_confirmed", username="ines").count() == 24

    page.goto(f"{landscape_url}p/cpi_to_s4/step/review/")
    page.wait_for_selector("#pathway-iflows")
    assert f"iFlow {BP} uses credential S4_BASIC, as this pathway" in page.inner_text("#pathway-iflows")
    axe.check(page, "review step after the apply")

    messages_prove(
        page, axe, sandbox_server, landscape, landscape_url, "cpi_to_s4", BP_ID, "receiver_401", BASIC_CAUSE
    )


def test_a_consultant_wires_cpi_to_sscv2_with_a_client_certificate_into_its_iflows(
    page, live_server, axe, celery_worker, fast_waits, sandbox_server, sandbox_tenant
):
    landscape = landscape_from(sandbox_tenant, "iFlow certificate journey")
    user = UserFactory(username="ines")
    Membership.objects.create(landscape=landscape, user=user, role="consultant")
    log_in(page, live_server, user.username, PASSWORD)
    landscape_url = discover_and_confirm(page, axe, live_server, landscape, sandbox_tenant)

    # CPI → SSCv2 with a key pair generated in the CPI keystore (the usual method): two iFlows send to SSCv2.
    page.goto(f"{landscape_url}p/cpi_to_ssc/step/key_pair/")
    page.select_option("#id_key_type", "EC-256")
    page.click("button:has-text('Save and continue')")
    page.wait_for_selector("h2:has-text('Receiver trust')")
    page.click("button:has-text('Save and continue')")
    page.wait_for_selector("h2#review-h")
    words = page.inner_text("#pathway-iflows")
    assert f"iFlow {CUSTOMER} uses key pair ssc_client_old; this pathway's draft names ssc_client" in words
    assert f"receiver of iFlow {PRODUCT} authenticates with Basic, pathway is client certificate" in words
    assert "Apply sets it to Client Certificate and redeploys the iFlow." in words
    page.wait_for_selector("#plan table.plan", timeout=30_000)
    axe.check(page, "certificate review step with the iFlows and the plan")

    page.click("form[action$='/run/apply/'] button")
    page.wait_for_selector("#run-panel")
    assert wait_for_finished_run(page, timeout=90_000) == "succeeded", page.inner_text("#run-panel")
    steps = page.inner_text("#run-panel .run-steps")
    assert f"Receiver Authentication of iFlow {PRODUCT} set to Client Certificate" in steps
    assert f"iFlow {CUSTOMER} deployed (version 1.0.3) and started" in steps
    axe.check(page, "certificate apply run page")

    subdomain = sandbox_tenant["subdomain"]
    content = sandbox_server.state(subdomain)["tenants"][subdomain]["content"]["iflows"]
    for flow_id in (CUSTOMER_ID, PRODUCT_ID):
        assert content[flow_id]["parameters"]["Receiver Private Key Alias"] == "ssc_client"
        assert content[flow_id]["parameters"]["Receiver Authentication"] == "Client Certificate"
        assert content[flow_id]["runtime_status"] == "STARTED"
    assert content[PRODUCT_ID]["parameters"]["Receiver Credential Name"] == "SSC_PRODUCT"  # not touched

    page.goto(landscape_url)
    assert "2 iFlows use it, all agree" in page.inner_text("#iflows-cpi_to_ssc")

    messages_prove(
        page,
        axe,
        sandbox_server,
        landscape,
        landscape_url,
        "cpi_to_ssc",
        CUSTOMER_ID,
        "certificate_rejected",
        CERTIFICATE_CAUSE,
    )
