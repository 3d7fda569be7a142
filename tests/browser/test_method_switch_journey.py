"""A consultant switches S/4HANA → CPI from Basic to an SAP-generated certificate in a real browser: the
review step's plan refuses to keep the secret key under the certificate key's name and offers a new name,
Apply proves the certificate over mTLS, and the old secret key is listed as still live until retired."""

import pytest

from pathways import engine
from pathways.demo import landscape_from_facts
from pathways.models import Membership, Role
from tests.browser.conftest import log_in, wait_for_finished_run
from tests.factories import PASSWORD, UserFactory
from tests.fixtures.worker import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def key_names(sandbox_server, tenant: dict) -> set[str]:
    state = sandbox_server.state(tenant["subdomain"])["tenants"][tenant["subdomain"]]
    return {k["name"] for k in state["keys"]}


def test_a_switch_to_a_certificate_gets_a_new_key_proven_over_mtls_and_the_old_key_is_retired(
    page, live_server, axe, celery_worker, fast_waits, sandbox_server, sandbox_tenant
):
    consultant = UserFactory(username="sven")
    landscape = landscape_from_facts(sandbox_tenant, name="Browser switch", user=consultant, tier="dev")
    Membership.objects.create(landscape=landscape, user=consultant, role=Role.CONSULTANT)
    pathway = landscape.pathways.get(key="s4_to_cpi")
    pathway.method, pathway.draft = "basic", {"key_name": "s4-key"}
    pathway.save()
    assert wait_for(engine.start_run(landscape, "check")).state == "succeeded"
    assert wait_for(engine.start_run(pathway, "apply")).state == "succeeded"
    base = f"{live_server.url}/l/{landscape.code}/p/s4_to_cpi"

    log_in(page, live_server, consultant.username, PASSWORD)
    page.goto(f"{base}/step/method/")
    page.check("input[name=method][value=certificate]")
    page.wait_for_selector("#method-status:has-text('Saved')")
    page.goto(f"{base}/step/key/")
    assert page.input_value("#id_key_name") == "s4-cert-key"  # the certificate method's own default name
    # The consultant types the old name back: the plan must not keep the secret key under it.
    page.fill("#id_key_name", "s4-key")
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-key_name .saved")
    page.select_option("#id_certificate_source", "sap_generated")
    page.wait_for_selector("#id_validity_days")
    page.goto(f"{base}/step/review/")
    page.wait_for_selector("#plan table.plan")
    plan = page.inner_text("#plan")
    assert "s4-key is a ClientId/Secret key" in plan and "Use the new name s4-cert-key" in plan
    axe.check(page, "review with a key of another kind under the draft's name")
    page.click("#plan button:has-text('Use the new name s4-cert-key')")
    page.wait_for_selector(".messages")
    assert "Service key name is now s4-cert-key" in page.inner_text(".messages")
    page.wait_for_selector("#plan table.plan")
    plan = page.inner_text("#plan")
    assert (
        "service key s4-cert-key\tno key of this name exists: create an SAP-generated certificate key" in plan
    )
    page.click("form[action$='/run/apply/'] button")
    page.wait_for_selector("h1:has-text('Apply')")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")
    panel = page.inner_text("#run-panel")
    assert "verified: client certificate, mTLS token issued" in panel
    assert "client secret" not in panel.lower()

    page.goto(f"{live_server.url}/l/{landscape.code}/")
    card = page.inner_text("main")
    assert "Still live, no longer used: service key s4-key (ClientId/Secret key)" in card
    axe.check(page, "landscape page with a credential still live")
    page.click("a:has-text('retire')")
    page.wait_for_selector("#leftovers-h")
    page.click("#leftovers-h ~ ul a:has-text('Retire')")
    page.wait_for_selector("h1:has-text('Retire the service key s4-key')")
    axe.check(page, "retire confirmation")
    page.check("input[name=confirm] + label")  # the Fiori checkbox is drawn by its label
    page.click("button:has-text('Retire it')")
    page.wait_for_selector("h1:has-text('Retire')")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")
    assert "s4-key" not in key_names(sandbox_server, sandbox_tenant)
    assert "s4-cert-key" in key_names(sandbox_server, sandbox_tenant)
    page.goto(f"{live_server.url}/l/{landscape.code}/")
    assert "Still live, no longer used" not in page.inner_text("main")
