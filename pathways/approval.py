"""Four-eyes approval of applies on prod: request, decide, withdraw on draft change, and the apply gate.

An approval pins a fingerprint of the pathway's draft, method and the set-at times of its secrets. When the
fingerprint of the pathway differs from the pinned one, the approval is withdrawn (and recorded as such) the
next time anyone looks at it; only an approval by a lead other than the requester and the applier opens the
gate. Landscapes of other tiers are not gated.
"""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils import timezone

from pathways import catalog
from pathways.errors import Refused
from pathways.models import Approval, ApprovalState, AuditEvent, Pathway, Secret, Tier

DRAFT_CHANGED = "the draft changed after the request"


class ApprovalRefused(Refused):
    """The request or decision is not allowed; the message says why, for the page."""


def needs_approval(pathway: Pathway) -> bool:
    return pathway.landscape.tier == Tier.PROD


TYPED_SECRET_NAMES = sorted(
    {f.name for p in catalog.PATHWAYS.values() for f in p.all_fields().values() if f.is_secret}
)


def draft_fingerprint(pathway: Pathway, secret_times: dict[str, str] | None = None) -> str:
    """SHA-256 over method, draft values and when each of the draft's secrets was last set (never the values).

    Only secrets the user types (the catalog's secret fields) count; what an apply stores for the hand-off
    sheet does not, so an apply or a resume keeps the approval valid. `secret_times` ({name: iso}) saves the
    query when the caller has read them in bulk.
    """
    if secret_times is None:
        secret_times = secret_times_of([pathway.pk]).get(pathway.pk, {})
    material = {"method": pathway.method, "draft": pathway.draft, "secrets": secret_times}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def secret_times_of(pathway_ids) -> dict[int, dict[str, str]]:
    """{pathway id: {secret name: set_at iso}} of the typed secrets of many pathways, in one query."""
    times: dict[int, dict[str, str]] = {}
    rows = Secret.objects.filter(pathway_id__in=pathway_ids, name__in=TYPED_SECRET_NAMES).values_list(
        "pathway_id", "name", "set_at"
    )
    for pathway_id, name, set_at in rows:
        times.setdefault(pathway_id, {})[name] = set_at.isoformat()
    return times


def _withdraw_stale(pathway: Pathway, approvals: list[Approval]) -> list[Approval]:
    """Withdraw the open approvals whose fingerprint no longer matches; returns the ones still valid."""
    current = draft_fingerprint(pathway)
    still_open = []
    for approval in approvals:
        if approval.fingerprint == current:
            still_open.append(approval)
            continue
        updated = Approval.objects.filter(
            pk=approval.pk, state__in=[ApprovalState.PENDING, ApprovalState.APPROVED]
        )
        if updated.update(state=ApprovalState.WITHDRAWN, withdrawn_reason=DRAFT_CHANGED):
            AuditEvent.record(
                user=None,
                action="approval.withdrawn",
                landscape=pathway.landscape,
                pathway_key=pathway.key,
                changes={"approval": [approval.state, "withdrawn"]},
                note=f"Requested by {approval.requested_by_name}: {DRAFT_CHANGED}",
            )
        approval.state, approval.withdrawn_reason = ApprovalState.WITHDRAWN, DRAFT_CHANGED
    return still_open


def current_approval(pathway: Pathway) -> Approval | None:
    """The pathway's open (pending or approved) approval that still matches the draft, if any."""
    open_ones = list(pathway.approvals.filter(state__in=[ApprovalState.PENDING, ApprovalState.APPROVED]))
    valid = _withdraw_stale(pathway, open_ones)
    return valid[0] if valid else None


def request_approval(pathway: Pathway, user, note: str = "") -> Approval:
    """A consultant asks for the draft as it is now to be approved; an open request for it is reused."""
    if not pathway.landscape.may(user, "run"):
        raise ApprovalRefused("Only someone who may apply this pathway can ask for its approval.")
    if not needs_approval(pathway):
        raise ApprovalRefused("Only production landscapes need an approval before an apply.")
    with transaction.atomic():
        Pathway.objects.select_for_update().filter(pk=pathway.pk).first()
        existing = current_approval(pathway)
        if existing is not None:
            return existing
        approval = Approval.objects.create(
            pathway=pathway,
            fingerprint=draft_fingerprint(pathway),
            requested_by=user,
            requested_by_name=user.get_username(),
            note=note.strip()[:500],
        )
        AuditEvent.record(
            user=user,
            action="approval.request",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            changes={"approval": ["", "pending"]},
            note=note.strip(),
        )
    return approval


def decide(approval: Approval, user, *, approve: bool, comment: str = "") -> Approval:
    """A lead approves or rejects a pending request; the requester may not decide their own request."""
    pathway = approval.pathway
    if not pathway.landscape.may(user, "approve"):
        raise ApprovalRefused("Only a lead of this landscape can approve or reject.")
    if approval.requested_by_id == user.pk:
        raise ApprovalRefused("You asked for this approval; another lead has to decide it (four eyes).")
    comment = comment.strip()
    if not approve and not comment:
        raise ApprovalRefused("Say why you reject it, so the consultant knows what to change.")
    with transaction.atomic():
        fresh = Approval.objects.select_for_update().get(pk=approval.pk)
        if fresh.state != ApprovalState.PENDING:
            raise ApprovalRefused(f"This request is already {fresh.get_state_display().lower()}.")
        if not _withdraw_stale(pathway, [fresh]):
            raise ApprovalRefused(
                "The draft changed after the request, so the request was withdrawn; "
                "the consultant has to ask again."
            )
        fresh.state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
        fresh.decided_by, fresh.decided_by_name = user, user.get_username()
        fresh.decided_at, fresh.comment = timezone.now(), comment[:500]
        fresh.save(update_fields=["state", "decided_by", "decided_by_name", "decided_at", "comment"])
        AuditEvent.record(
            user=user,
            action="approval.approve" if approve else "approval.reject",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            changes={"approval": ["pending", fresh.state]},
            note=comment,
        )
    return fresh


def apply_refusal(pathway: Pathway, user) -> str | None:
    """Why an apply of `pathway` by `user` must not start now, or None when it may (the apply gate)."""
    if not needs_approval(pathway):
        return None
    approval = current_approval(pathway)
    if approval is None:
        return (
            "Production needs four eyes: request an approval of this draft on the review step; "
            "a lead other than you has to approve it before it can be applied."
        )
    if approval.state == ApprovalState.PENDING:
        return (
            f"The approval requested by {approval.requested_by_name} is still pending; "
            "a lead has to approve it."
        )
    if user is not None and approval.decided_by_id == getattr(user, "pk", None):
        return "You approved this draft yourself; someone else has to apply it (four eyes)."
    return None


def gate_apply(pathway: Pathway, user) -> str | None:
    """The apply gate with its outcome recorded: a refusal lands in the audit trail, an approved apply too."""
    refusal = apply_refusal(pathway, user)
    if refusal:
        AuditEvent.record(
            user=user,
            action="approval.apply_refused",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            note=refusal,
        )
    elif needs_approval(pathway):
        approval = current_approval(pathway)
        AuditEvent.record(
            user=user,
            action="approval.apply_allowed",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            note=f"Approved by {approval.decided_by_name} on {approval.decided_at:%Y-%m-%d %H:%M}",
        )
    return refusal


def still_pending(pending: list[Approval]) -> list[Approval]:
    """The requests of a listed page whose draft is unchanged; stale ones are withdrawn (one query to
    check).
    """
    times = secret_times_of({a.pathway_id for a in pending})
    fresh, stale = [], []
    for approval in pending:
        current = draft_fingerprint(approval.pathway, times.get(approval.pathway_id, {}))
        (fresh if current == approval.fingerprint else stale).append(approval)
    for approval in stale:
        _withdraw_stale(approval.pathway, [approval])
    return fresh


def pending_for(user, landscapes=None):
    """Pending approvals the user may decide (lead of the landscape, not the requester), oldest first."""
    from pathways.models import Landscape, Role

    if not user.is_authenticated:
        return Approval.objects.none()
    scope = Landscape.objects.visible_to(user) if landscapes is None else landscapes
    pending = (
        Approval.objects.filter(state=ApprovalState.PENDING, pathway__landscape__in=scope)
        .exclude(requested_by=user)
        .select_related("pathway", "pathway__landscape")
        .order_by("requested_at")
    )
    if not user.is_superuser:
        pending = pending.filter(
            pathway__landscape__memberships__user=user, pathway__landscape__memberships__role=Role.LEAD
        )
    return pending
