"""The gate: whether a run may start, decided in one place, and checked again by the worker.

Every run starts through `pathways.engine.start_run`, which asks `check` here. The answer depends on who asks
and what the run does:

- role: consultants (and the command line, which acts as the operator) start runs; a drift check and a
  message check (both read only) may also be started by a lead; an iFlow discovery only reads, like a check;
- one active run: a pathway (or a landscape's check / drift check) runs one thing at a time; a plan only
  reads and runs beside the others;
- readiness: a run that writes or proves (apply, rotation, retire, chain upload, verify, CSR) waits while
  the landscape's latest check found a right it needs missing (pathways/readiness.py);
- four eyes: on production a run that writes needs an approval of the draft as it is now (draft, the
  landscape's connection settings, the tier — see pathways/approval.py) by a lead other than the starter;
  an approval whose pinned parts changed is withdrawn, and the refusal says why.

A refusal is a `Refused` with a code and one sentence. `recheck` runs in the worker before the first remote
write: the same rules against the draft and landscape as they are then, and the approval the run was let
through with must still match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from pathways import approval as approvals
from pathways import readiness
from pathways.errors import EngineError, Refused
from pathways.models import Approval, ApprovalState, AuditEvent, Landscape, Pathway, Run, RunKind
from pathways.status import ACTIVE_RUN_STATES

if TYPE_CHECKING:
    from pathways.models import Actor

# Runs that change something remote on the pathway: four eyes on production.
WRITES = frozenset({RunKind.APPLY, RunKind.ROTATE, RunKind.RETIRE, RunKind.CHAIN})
# Runs that need the landscape's rights for the pathway: the writes, and the ones that prove or read them.
NEEDS_RIGHTS = WRITES | {RunKind.VERIFY, RunKind.CSR}
PATHWAY_KINDS = NEEDS_RIGHTS | {RunKind.PLAN}
LANDSCAPE_KINDS = frozenset({RunKind.CHECK, RunKind.DRIFT, RunKind.DISCOVER, RunKind.TRAFFIC})
# Landscape runs that only read what was applied: a lead may start them too.
LEADS_MAY_START = frozenset({RunKind.DRIFT, RunKind.TRAFFIC})

ROLE = "role"
ACTIVE_RUN = "active_run"
READINESS = "readiness"
FOUR_EYES = "four_eyes"
APPROVAL_WITHDRAWN = "approval_withdrawn"
REASONS = (ROLE, ACTIVE_RUN, READINESS, FOUR_EYES, APPROVAL_WITHDRAWN)


class Busy(Refused):
    """Another run of the same target is active; `run` is that run (a page may follow it instead)."""

    def __init__(self, message: str, run: Run) -> None:
        super().__init__(message, code=ACTIVE_RUN)
        self.run = run


@dataclass
class Ticket:
    """What let a run through: the approval it relies on (production writes), else none."""

    approval: Approval | None = None


def _target(target: Pathway | Landscape) -> tuple[Landscape, Pathway | None]:
    if isinstance(target, Pathway):
        return target.landscape, target
    if isinstance(target, Landscape):
        return target, None
    raise TypeError("a run is of a Pathway or a Landscape")


def validate_kind(target: Pathway | Landscape, kind: str) -> RunKind:
    kind = RunKind(kind)
    if isinstance(target, Pathway) and kind not in PATHWAY_KINDS:
        raise ValueError(f"a pathway run is one of {', '.join(sorted(PATHWAY_KINDS))}, not {kind}")
    if isinstance(target, Landscape) and kind not in LANDSCAPE_KINDS:
        raise ValueError("a landscape run is a check, a drift check, an iFlow discovery or a message check")
    return kind


# --- the reasons, in the order they are asked --------------------------------------------------------------


def _role(landscape: Landscape, kind: str, user: Actor | None) -> None:
    if user is None:  # the command line and scheduled tasks act as the operator
        return
    if landscape.may(user, "run"):
        return
    if kind in LEADS_MAY_START and landscape.may(user, "approve"):
        return
    if kind == RunKind.DRIFT:
        raise Refused(
            _("Only consultants and leads of this landscape can start this run; your role cannot."), code=ROLE
        )
    raise Refused(_("Only consultants of this landscape can start this run; your role cannot."), code=ROLE)


def active_run(landscape: Landscape, pathway: Pathway | None, kind: str) -> Run | None:
    """The run that holds the lane this run needs, if any (plans have their own lane)."""
    active = Run.objects.filter(landscape=landscape, pathway=pathway, state__in=ACTIVE_RUN_STATES)
    if kind == RunKind.PLAN:
        active = active.filter(kind=RunKind.PLAN)
    elif pathway is None:
        active = active.filter(kind=kind)
    else:
        active = active.exclude(kind=RunKind.PLAN)
    return active.order_by("-created_at").first()


def _active(landscape: Landscape, pathway: Pathway | None, kind: str) -> None:
    if kind == RunKind.PLAN:
        return  # an active plan is reused by start_run, not refused
    running = active_run(landscape, pathway, kind)
    if running is not None:
        what = pathway.spec.label if pathway is not None else landscape.name
        raise Busy(
            _("%(run)s of %(what)s is still running; wait until it has finished.")
            % {"run": running.get_kind_display(), "what": what},
            running,
        )


def _readiness(pathway: Pathway, kind: str) -> None:
    if kind not in NEEDS_RIGHTS:
        return
    from pathways.engine.runs import landscape_check_result

    missing = readiness.missing_rights(pathway, landscape_check_result(pathway.landscape))
    if missing:
        raise Refused(
            _(
                "%(run)s waits until the landscape has what this pathway needs: %(missing)s. "
                "Fix it, then run Check landscape again."
            )
            % {"run": RunKind(kind).label, "missing": "; ".join(missing)},
            code=READINESS,
        )


def _four_eyes(pathway: Pathway, kind: str, user: Actor | None, withdraw: bool = True) -> Approval | None:
    if kind not in WRITES or not approvals.needs_approval(pathway):
        return None
    approval = approvals.current_approval(pathway, withdraw=withdraw)
    if approval is None:
        latest = pathway.approvals.order_by("-requested_at", "-id").first()
        if latest is not None and (latest.state == ApprovalState.WITHDRAWN or latest.is_open):
            # An open one is stale here (a page does not withdraw it): the reason is the same.
            reason = latest.withdrawn_reason or approvals.withdrawn_reason(
                latest, approvals.fingerprint_parts(pathway)
            )
            raise Refused(
                _(
                    "The approval of this pathway was withdrawn because %(reason)s; "
                    "request a new approval on the review step before it can be applied."
                )
                % {"reason": reason},
                code=APPROVAL_WITHDRAWN,
            )
        raise Refused(
            _(
                "Production needs four eyes: request an approval of this draft on the review step; "
                "a lead other than you has to approve it before it can be applied."
            ),
            code=FOUR_EYES,
        )
    if approval.state == ApprovalState.PENDING:
        raise Refused(
            _("The approval requested by %(name)s is still pending; a lead has to approve it.")
            % {"name": approval.requested_by_name},
            code=FOUR_EYES,
        )
    if user is not None and approval.decided_by_id == getattr(user, "pk", None):
        raise Refused(
            _("You approved this draft yourself; someone else has to apply it (four eyes)."), code=FOUR_EYES
        )
    return approval


def _decide(
    target: Pathway | Landscape, kind: str, user: Actor | None, *, worker: bool, withdraw: bool = True
) -> Ticket:
    landscape, pathway = _target(target)
    _role(landscape, kind, user)
    if not worker:
        _active(landscape, pathway, kind)
    if pathway is None:
        return Ticket()
    _readiness(pathway, kind)
    return Ticket(approval=_four_eyes(pathway, kind, user, withdraw))


# --- the entry points --------------------------------------------------------------------------------------


def refusal(
    target: Pathway | Landscape, kind: str, user: Actor | None, *, withdraw: bool = True
) -> Refused | None:
    """Why a run of `kind` by `user` may not start now, or None (nothing is audited; with
    `withdraw=False`, for pages, nothing at all is written)."""
    try:
        _decide(target, validate_kind(target, kind), user, worker=False, withdraw=withdraw)
    except Refused as refused:
        return refused
    return None


def check(target: Pathway | Landscape, kind: str, user: Actor | None) -> Ticket:
    """The ticket for a run that may start; `Refused` (audited on production writes) when it may not."""
    kind = validate_kind(target, kind)
    try:
        return _decide(target, kind, user, worker=False)
    except Refused as refused:
        if isinstance(target, Pathway) and kind in WRITES and refused.code != ROLE:
            AuditEvent.record(
                user=user,
                action="approval.apply_refused"
                if refused.code in (FOUR_EYES, APPROVAL_WITHDRAWN)
                else "run.refused",
                landscape=target.landscape,
                pathway_key=target.key,
                note=refused.message,
            )
        raise


def admitted(run: Run, ticket: Ticket, user: Actor | None) -> None:
    """Record that a production write was let through on an approval (once, when its run is created)."""
    approval = ticket.approval
    if approval is None or run.pathway is None:
        return
    AuditEvent.record(
        user=user,
        action="approval.apply_allowed",
        landscape=run.landscape,
        pathway_key=run.pathway.key,
        note=f"Approved by {approval.decided_by_name} on {approval.decided_at:%Y-%m-%d %H:%M}",
    )


def recheck(run: Run) -> None:
    """In the worker, before the first remote write: the same gate against the draft and landscape as they
    are now; `EngineError(code="gate")` with the reason when the run may not go on."""
    pathway = Pathway.objects.select_related("landscape").get(pk=run.pathway_id) if run.pathway_id else None
    if pathway is not None and run.approval_id is not None:
        pinned = Approval.objects.get(pk=run.approval_id)
        if pinned.state != ApprovalState.APPROVED or not approvals.withdraw_stale(pathway, [pinned]):
            reason = pinned.withdrawn_reason or _("the approval is %(state)s") % {
                "state": str(pinned.get_state_display()).lower()
            }
            raise EngineError(
                _(
                    "Stopped before changing anything: the approval was withdrawn because %(reason)s; "
                    "request a new approval, then start again."
                )
                % {"reason": reason},
                code="gate",
            )
    target: Pathway | Landscape = pathway if pathway is not None else run.landscape
    try:
        _decide(target, run.kind, run.requested_by, worker=True)
    except Refused as refused:
        raise EngineError(
            _("Stopped before changing anything: %(reason)s") % {"reason": refused.message}, code="gate"
        ) from refused
