"""A pathway's history (runs with steps, audit trail, approvals, drift) and the four-eyes approval actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pathways import approval as approvals
from pathways import drift
from pathways.models import AuditEvent, RunKind
from pathways.views.access import landscape_for, pathway_for, safe_next
from pathways.views.runs import may_start_reads, start_landscape_read

if TYPE_CHECKING:
    from uuid import UUID

    from django.http import HttpRequest, HttpResponse

    from pathways.models import Actor, Pathway
    from pathways.views.access import SignedInRequest

RUNS_PER_PAGE = 25
EVENTS_PER_PAGE = 50


def _apply_refusal(pathway: Pathway, user: Actor) -> str | None:
    from pathways import gate

    refused = gate.refusal(pathway, RunKind.APPLY, user, withdraw=False)
    return refused.message if refused is not None and refused.code != gate.ACTIVE_RUN else None


def approval_context(pathway: Pathway, user: Actor) -> dict:
    """What the approval panel shows and offers to this user."""
    landscape = pathway.landscape
    # A page only reads: an approval that no longer matches was withdrawn when the change was saved.
    current = (
        approvals.current_approval(pathway, withdraw=False) if approvals.needs_approval(pathway) else None
    )
    return {
        "pathway": pathway,
        "landscape": landscape,
        "needed": approvals.needs_approval(pathway),
        "approval": current,
        "can_request": landscape.may(user, "run") and current is None,
        "can_decide": (
            current is not None
            and current.state == "pending"
            and landscape.may(user, "approve")
            and current.requested_by_id != user.pk
        ),
        "own_request": current is not None and current.requested_by_id == user.pk,
        "refusal": _apply_refusal(pathway, user) if landscape.may(user, "run") else None,
        "latest_closed": pathway.approvals.exclude(state__in=["pending", "approved"]).first(),
        "plan_run": current.plan_run if current is not None else None,
    }


@login_required
def pathway_history(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key)
    # Previews (plans shown on the review step) are not history; a plan an approval was asked on stays.
    kept = pathway.runs.exclude(kind=RunKind.PLAN) | pathway.runs.filter(
        pk__in=pathway.approvals.exclude(plan_run=None).values("plan_run")
    )
    runs = Paginator(kept.select_related("requested_by").prefetch_related("steps"), RUNS_PER_PAGE).get_page(
        request.GET.get("runs")
    )
    events = AuditEvent.objects.filter(landscape=pathway.landscape, pathway_key=pathway.key)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "pathways/leads/history.html",
        {
            **approval_context(pathway, request.user),
            "spec": pathway.spec,
            "runs": runs,
            "events": page,
            "approvals": pathway.approvals.all()[:20],
            "drifted": drift.is_drifted(pathway),
            "drift": pathway.drift or {},
            "can_run": pathway.landscape.may(request.user, "run"),
        },
    )


@login_required
def approval_panel(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    """The approval panel alone (htmx fragment for the wizard's review step)."""
    pathway = pathway_for(request, code, key)
    return render(
        request,
        "pathways/leads/htmx/approval_panel.html",
        {**approval_context(pathway, request.user), "next": request.GET.get("next", "")},
    )


def _back(request: HttpRequest, pathway: Pathway) -> HttpResponse:
    fallback = reverse("pathway_history", args=[pathway.landscape.code, pathway.key]) + "#approval"
    return redirect(safe_next(request, fallback))


@login_required
@require_POST
def approval_request(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key, "run")
    try:
        plan_run = pathway.runs.filter(kind=RunKind.PLAN, state="succeeded").first()
        approvals.request_approval(pathway, request.user, request.POST.get("note", ""), plan_run=plan_run)
    except approvals.ApprovalRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Approval requested; a lead other than you has to approve this draft."))
    return _back(request, pathway)


@login_required
@require_POST
def approval_decide(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key, "approve")
    decision = request.POST.get("decision")
    current = approvals.current_approval(pathway)
    if decision not in ("approve", "reject"):
        messages.error(request, "Choose approve or reject.")
    elif current is None or current.fingerprint != request.POST.get("fingerprint"):
        messages.error(
            request,
            "The draft changed (or the request was withdrawn) since you opened the page; "
            "nothing was decided. Review the current request.",
        )
    else:
        try:
            approvals.decide(
                current, request.user, approve=decision == "approve", comment=request.POST.get("comment", "")
            )
        except approvals.ApprovalRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("Approved: the draft may be applied now.")
                if decision == "approve"
                else _("Rejected; the consultant sees your comment."),
            )
    return _back(request, pathway)


@login_required
@require_POST
def drift_check(request: SignedInRequest, code: UUID) -> HttpResponse:
    """Start a drift check of this landscape's applied pathways (reads only) through the gate."""
    landscape = landscape_for(request, code)
    if not may_start_reads(landscape, request):
        raise PermissionDenied(_("Only consultants and leads can start a drift check."))
    return start_landscape_read(
        request,
        landscape,
        RunKind.DRIFT,
        _("The drift check was not started: %(reason)s."),
        "drift.check_requested",
    )
