"""Four-eyes approval of applies on prod: request, decide, and withdraw when what it covers changes.

An approval pins a fingerprint of everything an apply uses: the pathway's draft (method, values, set-at times
of its secrets), the landscape's connection settings (and set-at times of its secrets) and the tier. When
the fingerprint differs from the pinned one, the approval is withdrawn — audited, with the part that changed
as the reason — when the landscape is saved or the next time anyone looks at it. Whether a run may start
(and so whether an approval opens it) is decided by `pathways.gate`.
"""

from __future__ import annotations

import hashlib
import json

from django.db import transaction

from pathways import catalog
from pathways.errors import Refused
from pathways.models import Approval, ApprovalState, AuditEvent, IFlowParameter, Pathway, Secret, Tier

DRAFT_CHANGED = "the draft changed after the request"
WITHDRAWN_BECAUSE = {
    "draft": "the pathway's draft changed after the request",
    "connection": "the landscape's connection settings changed after the request",
    "tier": "the landscape's tier changed after the request",
    "iflows": "the iFlow parameters confirmed for the pathway changed after the request",
}

# What an apply uses of the landscape besides the draft: addresses, identities and trust.
CONNECTION_FIELDS = (
    "cpi_api_url",
    "cpi_token_url",
    "cpi_client_id",
    "cpi_auth",
    "cpi_certificate",
    "runtime_url",
    "endpoint_path",
    "cf_api_url",
    "cf_uaa_url",
    "cf_org",
    "cf_space",
    "cf_user",
    "sm_url",
    "sm_token_url",
    "sm_client_id",
    "ca_bundle",
    "s4_host",
    "ssc_host",
)
LANDSCAPE_SECRET_NAMES = ("cpi_secret", "cpi_key", "cf_password", "sm_secret")


class ApprovalRefused(Refused):
    """The request or decision is not allowed; the message says why, for the page."""


def needs_approval(pathway: Pathway) -> bool:
    return pathway.landscape.tier == Tier.PROD


TYPED_SECRET_NAMES = sorted(
    {f.name for p in catalog.PATHWAYS.values() for f in p.all_fields().values() if f.is_secret}
)


def _digest(material: object) -> str:
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def fingerprint_parts(
    pathway: Pathway,
    secret_times: dict[str, str] | None = None,
    landscape_times: dict[str, str] | None = None,
    iflow_mapping: list[list[str]] | None = None,
) -> dict[str, str]:
    """What an approval pins, part by part: the draft (method, values, when each typed secret was set —
    never the values), the landscape's connection settings (and when its secrets were set), the tier, and
    the iFlow parameters confirmed for the pathway (only when there are any: those an apply sets).

    Only secrets the user types count; what an apply stores for the hand-off sheet does not, so an apply or
    a resume keeps the approval valid. The `*_times` arguments save queries when read in bulk.
    """
    landscape = pathway.landscape
    if secret_times is None:
        secret_times = secret_times_of([pathway.pk]).get(pathway.pk, {})
    if landscape_times is None:
        landscape_times = landscape_secret_times_of([landscape.pk]).get(landscape.pk, {})
    if iflow_mapping is None:
        iflow_mapping = iflow_mappings_of([pathway.pk]).get(pathway.pk, [])
    connection = {name: getattr(landscape, name) for name in CONNECTION_FIELDS}
    parts = {
        "draft": _digest({"method": pathway.method, "draft": pathway.draft, "secrets": secret_times}),
        "connection": _digest({"settings": connection, "secrets": landscape_times}),
        "tier": str(landscape.tier),
    }
    if iflow_mapping:
        parts["iflows"] = _digest(iflow_mapping)
    return parts


def iflow_mappings_of(pathway_ids) -> dict[int, list[list[str]]]:
    """{pathway id: [[iFlow id, parameter key, role], …]} of the parameters confirmed for many pathways, in
    one query."""
    mappings: dict[int, list[list[str]]] = {}
    rows = (
        IFlowParameter.objects.present()
        .filter(pathway_id__in=pathway_ids, confirmed_at__isnull=False)
        .order_by("flow_id", "key")
        .values_list("pathway_id", "flow_id", "key", "role")
    )
    for pathway_id, flow_id, key, role in rows:
        mappings.setdefault(pathway_id, []).append([flow_id, key, role])
    return mappings


def draft_fingerprint(pathway: Pathway, secret_times: dict[str, str] | None = None, **kwargs) -> str:
    """SHA-256 over `fingerprint_parts`: the draft, the landscape's connection settings and the tier."""
    return _digest(fingerprint_parts(pathway, secret_times, **kwargs))


def secret_times_of(pathway_ids) -> dict[int, dict[str, str]]:
    """{pathway id: {secret name: set_at iso}} of the typed secrets of many pathways, in one query."""
    times: dict[int, dict[str, str]] = {}
    rows = Secret.objects.filter(pathway_id__in=pathway_ids, name__in=TYPED_SECRET_NAMES).values_list(
        "pathway_id", "name", "set_at"
    )
    for pathway_id, name, set_at in rows:
        times.setdefault(pathway_id, {})[name] = set_at.isoformat()
    return times


def landscape_secret_times_of(landscape_ids) -> dict[int, dict[str, str]]:
    """{landscape id: {secret name: set_at iso}} of the landscapes' own connection secrets, in one query."""
    times: dict[int, dict[str, str]] = {}
    rows = Secret.objects.filter(
        landscape_id__in=landscape_ids, pathway__isnull=True, name__in=LANDSCAPE_SECRET_NAMES
    ).values_list("landscape_id", "name", "set_at")
    for landscape_id, name, set_at in rows:
        times.setdefault(landscape_id, {})[name] = set_at.isoformat()
    return times


def withdrawn_reason(approval: Approval, parts: dict[str, str]) -> str:
    """Why `approval` no longer matches: the first pinned part that changed, in words."""
    for name in ("tier", "connection", "iflows", "draft"):
        if approval.pinned and approval.pinned.get(name) != parts.get(name):
            return WITHDRAWN_BECAUSE[name]
    return DRAFT_CHANGED


def withdraw_stale(pathway: Pathway, approvals: list[Approval], parts=None) -> list[Approval]:
    """Withdraw the open approvals whose fingerprint no longer matches; returns the ones still valid."""
    parts = parts or fingerprint_parts(pathway)
    current = _digest(parts)
    still_open = []
    for approval in approvals:
        if approval.fingerprint == current:
            still_open.append(approval)
            continue
        was, reason = approval.state, withdrawn_reason(approval, parts)
        if approval.withdraw(reason):
            AuditEvent.record(
                user=None,
                action="approval.withdrawn",
                landscape=pathway.landscape,
                pathway_key=pathway.key,
                changes={"approval": [was, "withdrawn"]},
                note=f"Requested by {approval.requested_by_name}: {reason}",
            )
    return still_open


def withdraw_changed(landscape) -> int:
    """After a landscape was saved: withdraw (and audit) each open approval it no longer matches."""
    count = 0
    for pathway in landscape.pathways.all():
        pathway.landscape = landscape
        open_ones = list(pathway.approvals.filter(state__in=[ApprovalState.PENDING, ApprovalState.APPROVED]))
        count += len(open_ones) - len(withdraw_stale(pathway, open_ones))
    return count


def current_approval(pathway: Pathway, *, withdraw: bool = True) -> Approval | None:
    """The pathway's open (pending or approved) approval that still matches what it covers, if any.

    With `withdraw=False` (pages, which only read) a stale one is left as it is and not returned; it was
    withdrawn when its draft or landscape changed (`withdraw_on_change`), or the gate withdraws it.
    """
    open_ones = list(pathway.approvals.filter(state__in=[ApprovalState.PENDING, ApprovalState.APPROVED]))
    if not withdraw:
        current = draft_fingerprint(pathway)
        return next((a for a in open_ones if a.fingerprint == current), None)
    valid = withdraw_stale(pathway, open_ones)
    return valid[0] if valid else None


def open_count(landscape) -> int:
    """How many approvals of the landscape's pathways are open (pending or approved)."""
    return Approval.objects.filter(
        pathway__landscape=landscape, state__in=[ApprovalState.PENDING, ApprovalState.APPROVED]
    ).count()


def withdraw_on_change(sender, instance, **kwargs) -> None:
    """post_save of a Pathway, a Secret or a Landscape: withdraw (and audit) the open approvals the change
    no longer matches, at the moment it happens."""
    from pathways.models import Landscape

    if isinstance(instance, Landscape):
        withdraw_changed(instance)
        return
    pathway_id = getattr(instance, "pathway_id", None) if not isinstance(instance, Pathway) else instance.pk
    if pathway_id is None:
        landscape_id = getattr(instance, "landscape_id", None)
        if (
            landscape_id is not None
            and Approval.objects.filter(
                pathway__landscape_id=landscape_id, state__in=[ApprovalState.PENDING, ApprovalState.APPROVED]
            ).exists()
        ):
            withdraw_changed(Landscape.objects.get(pk=landscape_id))
        return
    open_ones = list(
        Approval.objects.filter(
            pathway_id=pathway_id, state__in=[ApprovalState.PENDING, ApprovalState.APPROVED]
        )
    )
    if open_ones:
        withdraw_stale(Pathway.objects.select_related("landscape").get(pk=pathway_id), open_ones)


def request_approval(pathway: Pathway, user, note: str = "", plan_run=None) -> Approval:
    """A consultant asks for the draft as it is now to be approved; an open request for it is reused.
    `plan_run` is the plan the consultant reviewed: the lead sees it beside Approve / Reject."""
    if not pathway.landscape.may(user, "run"):
        raise ApprovalRefused("Only someone who may apply this pathway can ask for its approval.")
    if not needs_approval(pathway):
        raise ApprovalRefused("Only production landscapes need an approval before an apply.")
    with transaction.atomic():
        Pathway.objects.select_for_update().filter(pk=pathway.pk).first()
        existing = current_approval(pathway)
        if existing is not None:
            return existing
        parts = fingerprint_parts(pathway)
        approval = Approval.objects.create(
            pathway=pathway,
            fingerprint=_digest(parts),
            pinned=parts,
            plan_run=plan_run,
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
        if not withdraw_stale(pathway, [fresh]):
            raise ApprovalRefused(
                f"The request was withdrawn because {fresh.withdrawn_reason}; "
                "the consultant has to ask again."
            )
        fresh.decide(user, approve=approve, comment=comment)
        AuditEvent.record(
            user=user,
            action="approval.approve" if approve else "approval.reject",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            changes={"approval": ["pending", fresh.state]},
            note=comment,
        )
    return fresh


def still_pending(pending: list[Approval]) -> list[Approval]:
    """The requests of a listed page that still match what they cover (two queries; nothing is written)."""
    times = secret_times_of({a.pathway_id for a in pending})
    landscape_times = landscape_secret_times_of({a.pathway.landscape_id for a in pending})
    mappings = iflow_mappings_of({a.pathway_id for a in pending})
    return [
        approval
        for approval in pending
        if draft_fingerprint(
            approval.pathway,
            times.get(approval.pathway_id, {}),
            landscape_times=landscape_times.get(approval.pathway.landscape_id, {}),
            iflow_mapping=mappings.get(approval.pathway_id, []),
        )
        == approval.fingerprint
    ]


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
