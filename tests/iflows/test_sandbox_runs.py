"""Discovery, plan and apply of iFlow parameters against the sandbox over HTTPS: only the confirmed parameters
change, each changed iFlow is redeployed and started, and a start that fails shows CPI's error text."""

from __future__ import annotations

import pytest

from pathways import engine
from pathways.models import AuditEvent, IFlowParameter, Run, RunKind

pytestmark = pytest.mark.django_db(transaction=True)

BP = "com.sap.fixture.ssc2.ReplicateBusinessPartnerToS4HANA"
CUSTOMER = "com.sap.fixture.ssc2.ReplicateCustomerFromS4HANA"
PRODUCT = "com.sap.fixture.ssc2.ReplicateProductFromS4HANA"
QUOTE = "com.sap.fixture.ssc2.ReplicateSalesQuoteFromSSC"


def run_now(target, kind: str) -> Run:
    pathway = target if hasattr(target, "spec") else None
    landscape = pathway.landscape if pathway else target
    run = Run.objects.create(landscape=landscape, pathway=pathway, kind=kind)
    engine.execute_run(run.id)
    run.refresh_from_db()
    return run


def content_of(sandbox_server, tenant) -> dict:
    return sandbox_server.state(tenant["subdomain"])["tenants"][tenant["subdomain"]]["content"]["iflows"]


@pytest.fixture
def discovered(landscape, sandbox_tenant):
    landscape.integration_packages = ", ".join(sandbox_tenant["integration_packages"])
    landscape.save()
    run = run_now(landscape, RunKind.DISCOVER)
    assert run.state == "succeeded", run.message
    return run


@pytest.fixture
def add_fault(sandbox_server, sandbox_tenant):
    def add(**spec) -> dict:
        spec.setdefault("subdomain", sandbox_tenant["subdomain"])
        response = sandbox_server.admin("POST", "faults", spec)
        assert response.status_code == 201, response.text
        return response.json()

    return add


def confirm_guesses(landscape, key: str, user=None) -> None:
    pathway = landscape.pathways.get(key=key)
    for row in IFlowParameter.objects.filter(landscape=landscape, guessed_pathway=key):
        row.confirm(pathway, user=user or _anonymous())


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def test_discovery_records_the_authentication_parameters_with_a_first_guess(landscape, discovered):
    rows = {(r.flow_id, r.key): r for r in IFlowParameter.objects.filter(landscape=landscape)}
    assert (BP, "Sender Address") not in rows and (BP, "Receiver Timeout") not in rows
    assert rows[(BP, "Receiver Credential Name")].value == "S4_OLD"
    assert rows[(BP, "Receiver Credential Name")].guessed_pathway == "cpi_to_s4"
    assert rows[(BP, "Sender Authorization")].guessed_pathway == "ssc_to_cpi"
    assert rows[(PRODUCT, "Sender User Role")].guessed_pathway == "s4_to_cpi"
    assert rows[(CUSTOMER, "Receiver Private Key Alias")].guessed_pathway == "cpi_to_ssc"
    assert len(rows) == 4 * 6  # six authentication parameters in each of the four iFlows
    assert discovered.result["new"] == 24 and "24 to confirm" in discovered.message
    assert not IFlowParameter.objects.filter(confirmed_at__isnull=False).exists()  # guesses only


def test_a_confirmation_survives_discovery_and_an_iflow_with_a_draft_is_reported_not_forgotten(
    landscape, discovered, sandbox_server, sandbox_tenant
):
    confirm_guesses(landscape, "cpi_to_s4")
    response = sandbox_server.admin(
        "POST", f"tenants/{sandbox_tenant['subdomain']}/designtime/{BP}", {"draft": True}
    )
    assert response.status_code == 200, response.text
    again = run_now(landscape, RunKind.DISCOVER)
    assert again.state == "succeeded" and BP in again.message and "draft" in again.message
    row = IFlowParameter.objects.get(flow_id=BP, key="Receiver Credential Name")
    assert row.confirmed and row.missing_since is None and row.pathway.key == "cpi_to_s4"


def test_a_landscape_without_a_package_is_told_which_packages_look_like_the_content(landscape):
    run = run_now(landscape, RunKind.DISCOVER)
    assert run.state == "failed"
    assert "names no integration package" in run.message and "SSCv2S4HANAMasterDataFixture" in run.message


def test_apply_sets_only_the_confirmed_parameter_redeploys_and_waits_until_started(
    landscape, discovered, prepare, sandbox_server, sandbox_tenant
):
    pathway = prepare("cpi_to_s4", "basic")
    confirm_guesses(landscape, "cpi_to_s4")
    before = content_of(sandbox_server, sandbox_tenant)

    plan = run_now(pathway, RunKind.PLAN)
    assert plan.state == "succeeded", plan.message
    iflow_items = [(a["kind"], a["target"]) for a in plan.result["plan"] if a["resource"].startswith("iflow")]
    bp, quote = "Replicate Business Partner to SAP S4HANA", "Replicate Sales Quote from SAP Sales Cloud V2"
    assert iflow_items == [  # both iFlows send to S/4HANA: the pathway's credential is theirs
        ("update", f"iFlow {bp}: Receiver Credential Name"),
        ("update", f"iFlow {quote}: Receiver Credential Name"),
        ("deploy", f"iFlow {bp}"),
        ("deploy", f"iFlow {quote}"),
    ]
    reason = plan.result["plan"][1]["reason"]
    assert reason == f"iFlow {bp} uses credential S4_OLD; this pathway's draft names S4_BASIC"

    applied = run_now(pathway, RunKind.APPLY)
    steps = list(applied.steps.values_list("label", "state", "message"))
    assert applied.state == "succeeded", (applied.message, steps)
    assert (
        "Update iFlow Replicate Business Partner to SAP S4HANA: Receiver Credential Name",
        "succeeded",
        "Receiver Credential Name of iFlow Replicate Business Partner to SAP S4HANA set to S4_BASIC",
    ) in steps
    deploy = next(s for s in steps if s[0].startswith("Deploy"))
    assert deploy[1] == "succeeded" and deploy[2].endswith("and started")

    after = content_of(sandbox_server, sandbox_tenant)
    assert after[BP]["parameters"]["Receiver Credential Name"] == "S4_BASIC"
    assert after[BP]["runtime_status"] == "STARTED"
    changed = {
        (flow, key)
        for flow in before
        for key, value in before[flow]["parameters"].items()
        if after[flow]["parameters"][key] != value
    }
    assert changed == {(BP, "Receiver Credential Name"), (QUOTE, "Receiver Credential Name")}  # nothing else
    assert after[BP]["version"] == before[BP]["version"]
    events = AuditEvent.objects.filter(landscape=landscape, action__startswith="iflow.")
    assert {e.action for e in events} >= {"iflow.parameter_set", "iflow.deployed"}
    changes = [e.changes for e in events.filter(action="iflow.parameter_set")]
    assert {f"{BP} Receiver Credential Name": ["S4_OLD", "S4_BASIC"]} in changes and len(changes) == 2

    pathway.refresh_from_db()
    assert pathway.status == "verified"
    again = run_now(pathway, RunKind.APPLY)
    assert again.state == "succeeded", again.message
    assert [a["kind"] for a in again.result["plan"] if a["resource"] == "iflow"] == ["keep", "keep"]
    deployed = AuditEvent.objects.filter(action="iflow.deployed")
    assert deployed.count() == 2


def test_a_start_that_fails_ends_the_apply_with_cpis_error_text(
    landscape, discovered, prepare, add_fault, sandbox_tenant
):
    pathway = prepare("cpi_to_s4", "basic")
    confirm_guesses(landscape, "cpi_to_s4")
    add_fault(kind="fail_start", host="cpi", name=BP, body="Credential S4_BASIC could not be resolved")
    run = run_now(pathway, RunKind.APPLY)
    assert run.state == "failed"
    assert "failed to start" in run.message and "Credential S4_BASIC could not be resolved" in run.message
    assert "fix what is named" in run.hint
    assert AuditEvent.objects.filter(action="iflow.deploy_failed", landscape=landscape).exists()


def test_a_certificate_pathway_sets_the_alias_and_switches_a_basic_receiver_with_a_literal_of_the_tenant(
    landscape, discovered, prepare, sandbox_server, sandbox_tenant
):
    pathway = prepare("cpi_to_ssc", "certificate")
    confirm_guesses(landscape, "cpi_to_ssc")  # the Customer and the Product iFlow send to SSCv2
    run = run_now(pathway, RunKind.APPLY)
    assert run.state == "succeeded", (run.message, list(run.steps.values_list("label", "message")))
    after = content_of(sandbox_server, sandbox_tenant)
    alias = pathway.value("alias")
    assert after[CUSTOMER]["parameters"]["Receiver Private Key Alias"] == alias
    assert after[PRODUCT]["parameters"]["Receiver Authentication"] == "Client Certificate"
    assert after[PRODUCT]["parameters"]["Receiver Private Key Alias"] == alias
    assert after[PRODUCT]["parameters"]["Receiver Credential Name"] == "SSC_PRODUCT"  # not used, not touched
    assert after[CUSTOMER]["runtime_status"] == after[PRODUCT]["runtime_status"] == "STARTED"


def test_on_production_the_iflow_writes_wait_for_another_lead_and_a_changed_confirmation_withdraws_it(
    landscape, discovered, prepare, sandbox_server, sandbox_tenant
):
    from pathways import approval as approvals
    from pathways import gate
    from pathways.errors import Refused
    from tests.factories import MembershipFactory

    landscape.tier = "prod"
    landscape.save()
    consultant = MembershipFactory(landscape=landscape, role="consultant").user
    lead = MembershipFactory(landscape=landscape, role="lead").user
    pathway = prepare("cpi_to_s4", "basic")
    confirm_guesses(landscape, "cpi_to_s4", consultant)

    with pytest.raises(Refused) as refused:
        gate.check(pathway, RunKind.APPLY, consultant)
    assert refused.value.code == gate.FOUR_EYES
    assert AuditEvent.objects.filter(action="approval.apply_refused", landscape=landscape).exists()

    approvals.decide(approvals.request_approval(pathway, consultant), lead, approve=True)
    ticket = gate.check(pathway, RunKind.APPLY, consultant)
    run = Run.objects.create(
        landscape=landscape,
        pathway=pathway,
        kind=RunKind.APPLY,
        requested_by=consultant,
        approval=ticket.approval,
    )
    engine.execute_run(run.id)
    run.refresh_from_db()
    assert run.state == "succeeded", run.message
    assert (
        content_of(sandbox_server, sandbox_tenant)[BP]["parameters"]["Receiver Credential Name"] == "S4_BASIC"
    )

    # The approval still holds; then a parameter of the pathway is confirmed as no pathway's: it goes.
    assert gate.refusal(pathway, RunKind.APPLY, consultant) is None
    row = IFlowParameter.objects.get(flow_id=QUOTE, key="Receiver Credential Name")
    row.confirm(None, user=consultant)
    approvals.withdraw_changed(landscape)
    with pytest.raises(Refused) as refused:
        gate.check(pathway, RunKind.APPLY, consultant)
    assert refused.value.code == gate.APPROVAL_WITHDRAWN


def test_an_iflow_parameter_changed_in_cpi_after_the_apply_is_drift(
    landscape, discovered, prepare, sandbox_server, sandbox_tenant
):
    from pathways.engine.connect import Connection
    from pathways.engine.drift import check_pathways

    pathway = prepare("cpi_to_s4", "basic")
    confirm_guesses(landscape, "cpi_to_s4")
    assert run_now(pathway, RunKind.APPLY).state == "succeeded"
    pathway.refresh_from_db()
    assert check_pathways([pathway])[pathway.pk]["differences"] == []

    with Connection(landscape) as connection:  # someone sets the old credential again in CPI
        connection.content.update_configuration(BP, "active", "Receiver Credential Name", "S4_OLD")
    finding = check_pathways([pathway])[pathway.pk]
    assert finding["differences"] == [
        "iFlow Replicate Business Partner to SAP S4HANA uses credential S4_OLD; this pathway created S4_BASIC"
    ]
    assert AuditEvent.objects.filter(action="drift.found", pathway_key="cpi_to_s4").exists()
