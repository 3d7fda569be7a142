"""Credentials a pathway no longer uses: found after an apply (a method switch, a new key name), listed on the
pathway as still live, and deleted by a retire run through their shape — confirmed by the user, behind the
apply gate (four-eyes on production), audited. Retired credentials are gone from `applied`, so drift never
flags them.

Public API: `record_leftovers(pathway, before, work)` (after an apply), `leftovers_of(pathway)` (for pages;
reads only), `start_retire(leftover, user)` -> Run, `execute(run, recorder, connection)` (the run's body).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from pathways import shapes
from pathways.errors import EngineError, Refused
from pathways.models import AuditEvent, LeftoverCredential, LeftoverState, Run, RunKind
from pathways.sap.errors import SapError
from pathways.shapes.base import Work

if TYPE_CHECKING:
    from pathways.engine.connect import Connection
    from pathways.engine.runs import Recorder
    from pathways.models import Pathway
    from pathways.models.audit import Actor


class RetireRefused(Refused):
    """A retirement cannot start now; `.message` says why, for the page."""


def record_leftovers(pathway: Pathway, before: dict, work: Work) -> list[LeftoverCredential]:
    """After an apply: the credential the previous apply recorded in `before`, if the pathway no longer uses
    it and this apply did not delete it, becomes a live leftover."""
    old_shape = shapes.of_applied(before)
    if old_shape is None:
        return []
    old = old_shape.identity(before)
    if old is None:
        return []
    new_shape = shapes.of_applied(work.applied)
    new = new_shape.identity(work.applied) if new_shape is not None else None
    if new_shape is old_shape and new is not None and old_shape.same(old, new):
        return []
    if any(old_shape.same(old, removed) for removed in work.removed):
        return []
    exists = LeftoverCredential.objects.filter(
        pathway=pathway, shape=old_shape.key, state__in=[LeftoverState.LIVE, LeftoverState.RETIRING]
    )
    if any(old_shape.same(old, row.facts) for row in exists):
        return []
    leftover = LeftoverCredential.objects.create(
        pathway=pathway, shape=old_shape.key, facts=old, label=old_shape.describe(old)[:200]
    )
    AuditEvent.record(
        user=None,
        action="leftover.found",
        landscape=pathway.landscape,
        pathway_key=pathway.key,
        note=_("%(label)s is no longer used by the pathway and is still live") % {"label": leftover.label},
    )
    return [leftover]


def _last_run(leftover: LeftoverCredential) -> Run | None:
    return (
        Run.objects.filter(pathway=leftover.pathway, kind=RunKind.RETIRE, result__leftover=leftover.pk)
        .order_by("-created_at", "-id")
        .first()
    )


def leftovers_of(pathway: Pathway) -> list[LeftoverCredential]:
    """The pathway's live (or being retired) leftovers, as they effectively are: one whose retire run ended
    without retiring it shows as live again (computed, not written: pages only read)."""
    rows = list(pathway.leftovers.filter(state__in=[LeftoverState.LIVE, LeftoverState.RETIRING]))
    for row in rows:
        if row.state == LeftoverState.RETIRING:
            run = _last_run(row)
            if run is None or not run.is_active:
                row.as_live(run.message if run is not None else row.message)
    return rows


def start_retire(leftover: LeftoverCredential, user: Actor | None) -> Run:
    """Queue the run that deletes the leftover through the gate; `Refused` when it may not start."""
    from pathways import gate
    from pathways.engine.runs import start_run

    pathway = leftover.pathway
    gate.check(pathway, RunKind.RETIRE, user)  # the refusal is recorded before anything else happens
    with transaction.atomic():
        fresh = LeftoverCredential.objects.select_for_update().get(pk=leftover.pk)
        if fresh.state == LeftoverState.RETIRING:
            run = _last_run(fresh)
            if run is not None and run.is_active:
                return run
            fresh.mark_live()
        if not fresh.mark_retiring(user):
            raise RetireRefused(_("The %(label)s is already retired.") % {"label": fresh.label})
        run = start_run(pathway, RunKind.RETIRE, user, params={"leftover": fresh.pk})
        AuditEvent.record(
            user=user,
            action="leftover.retire",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            note=_("retirement of the %(label)s requested") % {"label": fresh.label},
        )
    return run


def execute(run: Run, recorder: Recorder, connection: Connection) -> str:
    """Delete the leftover named by the run through its shape; returns the run's message."""
    leftover = LeftoverCredential.objects.select_related("pathway__landscape").get(pk=run.result["leftover"])
    if leftover.state == LeftoverState.RETIRED:
        return _("The %(label)s was already retired") % {"label": leftover.label}
    shape = shapes.get(leftover.shape)
    in_use = shape.identity(leftover.pathway.applied or {})
    if in_use is not None and shape.same(in_use, leftover.facts):
        leftover.mark_retired(_("in use again by the pathway; not deleted"))
        raise EngineError(
            _("The %(label)s is the pathway's current credential again; it was not deleted")
            % {"label": leftover.label},
            code="in_use",
        )
    try:
        message = shape.retire(connection, recorder, leftover.facts, leftover.pathway)
    except BaseException as error:
        leftover.mark_live(
            error.message if isinstance(error, (SapError, EngineError)) else _("the retire run failed")
        )
        raise
    leftover.mark_retired(message)
    AuditEvent.record(
        user=run.requested_by,
        action="leftover.retired",
        landscape=leftover.pathway.landscape,
        pathway_key=leftover.pathway.key,
        note=message,
    )
    return message
