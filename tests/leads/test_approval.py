"""Four-eyes approval on prod: who may request and decide, withdrawal on draft change, the apply gate."""

import html

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from pathways import approval as approvals
from pathways import gate
from pathways.models import ApprovalState, AuditEvent, Run
from tests.factories import MembershipFactory, UserFactory

from .conftest import fill_basic_draft


@pytest.fixture
def prod_pathway(prod, people):
    return fill_basic_draft(prod.pathways.get(key="cpi_to_s4"), people["consultant"])


def apply_url(landscape, key="cpi_to_s4"):
    return reverse("pathway_run", args=[landscape.code, key, "apply"])


def approved(pathway, people):
    request = approvals.request_approval(pathway, people["consultant"], "ready for go-live")
    return approvals.decide(request, people["lead"], approve=True, comment="looks right")


def test_a_request_pins_the_draft_and_is_recorded_in_the_audit_trail(prod_pathway, people):
    request = approvals.request_approval(prod_pathway, people["consultant"], "please")
    assert request.state == ApprovalState.PENDING
    assert request.fingerprint == approvals.draft_fingerprint(prod_pathway)
    assert AuditEvent.objects.filter(action="approval.request", pathway_key="cpi_to_s4").exists()
    again = approvals.request_approval(prod_pathway, people["consultant"])
    assert again.pk == request.pk


def test_self_approval_is_refused(prod, prod_pathway):
    operator = UserFactory(username="root", is_superuser=True)
    request = approvals.request_approval(prod_pathway, operator)
    with pytest.raises(approvals.ApprovalRefused, match="another lead"):
        approvals.decide(request, operator, approve=True)
    request.refresh_from_db()
    assert request.state == ApprovalState.PENDING


def test_the_approver_may_not_apply_what_they_approved(prod_pathway, people):
    operator = UserFactory(username="root", is_superuser=True)
    request = approvals.request_approval(prod_pathway, people["consultant"])
    approvals.decide(request, operator, approve=True)
    assert "yourself" in str(gate.refusal(prod_pathway, "apply", operator))
    assert gate.refusal(prod_pathway, "apply", people["consultant"]) is None


def test_a_consultant_cannot_decide_and_a_rejection_needs_a_reason(prod_pathway, people):
    request = approvals.request_approval(prod_pathway, people["consultant"])
    with pytest.raises(approvals.ApprovalRefused, match="Only a lead"):
        approvals.decide(request, people["consultant"], approve=True)
    with pytest.raises(approvals.ApprovalRefused, match="why"):
        approvals.decide(request, people["lead"], approve=False, comment="  ")
    rejected = approvals.decide(request, people["lead"], approve=False, comment="wrong user")
    assert rejected.state == ApprovalState.REJECTED
    assert approvals.current_approval(prod_pathway) is None
    assert AuditEvent.objects.filter(action="approval.reject", note="wrong user").exists()


@pytest.mark.parametrize(
    "change",
    [
        ("user", "OTHER_USER"),
        ("password", "Another-Passw0rd!"),
        ("method", "certificate"),
    ],
)
def test_changing_the_draft_after_approval_withdraws_it(prod_pathway, people, change):
    approval = approved(prod_pathway, people)
    name, value = change
    prod_pathway.save_field(
        name, value, seen_version=prod_pathway.version, user=people["consultant"], force=True
    )
    prod_pathway.refresh_from_db()
    assert approvals.current_approval(prod_pathway) is None
    approval.refresh_from_db()
    assert approval.state == ApprovalState.WITHDRAWN
    assert AuditEvent.objects.filter(action="approval.withdrawn", pathway_key="cpi_to_s4").count() == 1
    refused = gate.refusal(prod_pathway, "apply", people["consultant"])
    assert refused.code == "approval_withdrawn" and "draft changed" in refused.message


def test_a_draft_change_between_request_and_decision_leaves_nothing_to_approve(prod_pathway, people, as_user):
    request = approvals.request_approval(prod_pathway, people["consultant"])
    prod_pathway.save_field("user", "CHANGED", seen_version=prod_pathway.version, user=people["consultant"])
    response = as_user("lead").post(
        reverse("approval_decide", args=[prod_pathway.landscape.code, "cpi_to_s4"]),
        {"decision": "approve", "fingerprint": request.fingerprint},
        follow=True,
    )
    assert "nothing was decided" in response.content.decode()
    request.refresh_from_db()
    assert request.state == ApprovalState.WITHDRAWN


def test_prod_apply_without_approval_is_refused_with_a_message_on_the_review_page(
    prod, prod_pathway, as_user
):
    response = as_user("consultant").post(apply_url(prod), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("/step/review/")
    assert "Production needs four eyes" in response.content.decode()
    assert not Run.objects.filter(kind="apply").exists()
    assert AuditEvent.objects.filter(action="approval.apply_refused").count() == 1


def test_prod_apply_waits_while_the_request_is_pending(prod, prod_pathway, people, as_user):
    approvals.request_approval(prod_pathway, people["consultant"])
    response = as_user("consultant").post(apply_url(prod), follow=True)
    assert "still pending" in response.content.decode()
    assert not Run.objects.filter(kind="apply").exists()


def test_prod_apply_starts_once_another_lead_approved(prod, prod_pathway, people, as_user):
    approved(prod_pathway, people)
    response = as_user("consultant").post(apply_url(prod))
    run = Run.objects.get(kind="apply")
    assert response["Location"] == reverse("run", args=[run.code])
    assert AuditEvent.objects.filter(
        action="approval.apply_allowed", note__startswith="Approved by leo"
    ).exists()


def test_non_prod_landscapes_apply_without_any_approval(dev, people, as_user):
    fill_basic_draft(dev.pathways.get(key="cpi_to_s4"), people["consultant"])
    as_user("consultant").post(apply_url(dev))
    assert Run.objects.filter(kind="apply", landscape=dev).count() == 1
    assert not AuditEvent.objects.filter(action__startswith="approval.").exists()
    with pytest.raises(approvals.ApprovalRefused, match="Only production"):
        approvals.request_approval(dev.pathways.get(key="cpi_to_s4"), people["consultant"])


def test_apply_all_on_prod_starts_only_the_approved_pathways(prod, prod_pathway, people, as_user):
    approved(prod_pathway, people)
    response = as_user("consultant").post(
        reverse("landscape_run", args=[prod.code, "apply-all"]), follow=True
    )
    assert list(Run.objects.filter(kind="apply").values_list("pathway__key", flat=True)) == ["cpi_to_s4"]
    page = html.unescape(response.content.decode())
    assert page.count("was not started: Production needs four eyes") == 3


def test_the_cli_refuses_a_prod_apply_without_approval_and_runs_it_with_one(prod, prod_pathway, people):
    with pytest.raises(CommandError, match="Not started: Production needs four eyes"):
        call_command("pathway", "apply", prod.name, "cpi_to_s4")
    assert not Run.objects.exists()
    approved(prod_pathway, people)
    call_command("pathway", "apply", prod.name, "cpi_to_s4")
    assert Run.objects.filter(kind="apply", pathway=prod_pathway).count() == 1


def test_leads_see_pending_requests_on_the_overview_and_the_pathway_page(prod, prod_pathway, people, as_user):
    approvals.request_approval(prod_pathway, people["consultant"], "go-live friday")
    overview = as_user("lead").get(reverse("overview")).content.decode()
    assert "Waiting for your approval" in overview and "go-live friday" in overview
    history = as_user("lead").get(reverse("pathway_history", args=[prod.code, "cpi_to_s4"])).content.decode()
    assert 'value="approve"' in history
    viewer_page = as_user("viewer").get(reverse("overview")).content.decode()
    assert "Waiting for your approval" not in viewer_page


def test_the_review_step_offers_the_request_on_prod_only(prod, dev, prod_pathway, as_user):
    review = as_user("consultant").get(reverse("wizard_step", args=[prod.code, "cpi_to_s4", "review"]))
    assert reverse("approval_panel", args=[prod.code, "cpi_to_s4"]) in review.content.decode()
    panel = as_user("consultant").get(reverse("approval_panel", args=[prod.code, "cpi_to_s4"]))
    assert "Request approval" in panel.content.decode()
    dev_review = as_user("consultant").get(reverse("wizard_step", args=[dev.code, "cpi_to_s4", "review"]))
    assert "approval-slot" not in dev_review.content.decode()


def test_a_lead_of_another_landscape_cannot_decide(prod, prod_pathway, people):
    stranger_lead = MembershipFactory(role="lead", user__username="lars").user
    request = approvals.request_approval(prod_pathway, people["consultant"])
    with pytest.raises(approvals.ApprovalRefused):
        approvals.decide(request, stranger_lead, approve=True)


def test_what_an_apply_stores_for_the_handoff_sheet_does_not_withdraw_the_approval(prod_pathway, people):
    from pathways.models import Secret

    approval = approved(prod_pathway, people)
    Secret.store(
        landscape=prod_pathway.landscape, pathway=prod_pathway, name="handoff_certificate", value="PEM"
    )
    assert approvals.current_approval(prod_pathway).pk == approval.pk


def test_a_request_whose_draft_changed_leaves_the_leads_list(prod, prod_pathway, people, as_user):
    approvals.request_approval(prod_pathway, people["consultant"], "friday")
    prod_pathway.save_field("user", "CHANGED", seen_version=prod_pathway.version, user=people["consultant"])
    overview = as_user("lead").get(reverse("overview")).content.decode()
    assert "Waiting for your approval" not in overview
    assert AuditEvent.objects.filter(action="approval.withdrawn").count() == 1
