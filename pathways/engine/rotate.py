"""Rotation without downtime: the successor is created beside the old credential and both are verified;
the old one is retired in a second run, only after the user confirms the other side has switched.

What a successor is, and how the switch happens, is the credential shape's (pathways/shapes/): a new it-rt
service key under a new name, or a new keystore key pair under a temporary alias that takes the stable alias
at retire (a CA-signed key pair waits for its new chain first). This module keeps the bookkeeping: the
Rotation row (its states change through its model methods), the runs, audit and the pathway's move.

Public API: `rotation_blocker(pathway)`, `plan_rotation(pathway)`, `start_rotation(pathway, user,
new_certificate="")`, `start_retire(pathway, user)`, `open_rotation(pathway)`, `execute(run, recorder,
connection)` (called by the run executor for kind "rotate").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways import certinspect, certs, shapes
from pathways.engine import verify
from pathways.engine.connect import Connection
from pathways.errors import EngineError, Refused
from pathways.models import Actor, AuditEvent, Pathway, Rotation, RotationState, Run, RunKind
from pathways.models.certificates import OPEN_ROTATION_STATES
from pathways.models.pathway import drafted_sender_fingerprint
from pathways.sap.errors import SapError
from pathways.shapes import it_rt_key
from pathways.shapes.base import Work

if TYPE_CHECKING:
    from datetime import datetime

    from pathways.engine.runs import Recorder
    from pathways.shapes.base import Shape

CREATE, RETIRE = "create", "retire"


class RotationRefused(Refused):
    """A rotation or retirement cannot start; the message says why, for the page."""


# --- what can be rotated, and the plan ---------------------------------------------------------------------


def _last_run(pathway: Pathway, rotation: Rotation) -> Run | None:
    return (
        Run.objects.filter(pathway=pathway, kind=RunKind.ROTATE, result__rotation=rotation.pk)
        .order_by("-created_at", "-id")
        .first()
    )


def _effective(pathway: Pathway, rotation: Rotation | None) -> Rotation | None:
    """The rotation as it effectively is: one whose run ended without reaching its own end (a queue that
    refused the task, an interrupted worker) is shown settled — creating → failed, retiring → back to the
    overlap — without writing (a page GET reads only; `settle` writes it when a run starts or ends)."""
    if rotation is None or rotation.state not in (RotationState.CREATING, RotationState.RETIRING):
        return rotation
    run = _last_run(pathway, rotation)
    if run is None or run.is_active or run.state == "succeeded":
        return rotation
    return rotation.as_settled(run.message)


def open_rotation(pathway: Pathway) -> Rotation | None:
    """The rotation under way (in its effective state, see `_effective`), or None."""
    rotation = pathway.rotations.filter(state__in=OPEN_ROTATION_STATES).order_by("-created_at").first()
    rotation = _effective(pathway, rotation)
    return rotation if rotation is not None and rotation.is_open else None


def last_rotation(pathway: Pathway) -> Rotation | None:
    """The pathway's latest rotation in its effective state, for the page."""
    return _effective(pathway, pathway.rotations.order_by("-created_at", "-id").first())


def settle(pathway: Pathway) -> None:
    """Write what `open_rotation` computes: called when a run has ended (worker side, never on a GET)."""
    rotation = (
        pathway.rotations.filter(state__in=[RotationState.CREATING, RotationState.RETIRING])
        .order_by("-created_at")
        .first()
    )
    if rotation is None:
        return
    run = _last_run(pathway, rotation)
    if run is not None and not run.is_active and run.state != "succeeded":
        rotation.settle(run.message)


def needs_new_certificate(pathway: Pathway) -> bool:
    """Inbound External Certificate keys rotate to a certificate the sender provides."""
    shape = shapes.of_applied(pathway.applied or {}) or shapes.of(pathway)
    return shape.needs_new_certificate(pathway)


def rotation_blocker(pathway: Pathway) -> str | None:
    """Why this pathway cannot be rotated now, or None."""
    blocker = shapes.of(pathway).rotation_blocker(pathway)
    if blocker:
        return blocker
    if open_rotation(pathway) is not None:
        return _("A rotation of this pathway is already under way; finish or retire it first.")
    return None


def plan_rotation(pathway: Pathway) -> list[dict]:
    """The rotation's actions with the overlap, for the page and the run's result."""
    return shapes.of(pathway).rotation_plan(pathway)


def rotation_words(pathway: Pathway) -> dict[str, str]:
    return shapes.of(pathway).rotation_words(pathway.spec)


# --- starting ----------------------------------------------------------------------------------------------


OLD_FACTS = (
    "key_name",
    "key_guid",
    "key_kind",
    "clientid",
    "instance_guid",
    "alias",
    "fingerprint",
    "validuntil",
    "subject_dn",
    "key_type",
    "key_size",
    "signed_by",
)

if TYPE_CHECKING:
    from pathways.shapes.base import Shape


def _old_facts(pathway: Pathway) -> dict:
    applied = pathway.applied or {}
    return {key: applied[key] for key in OLD_FACTS if applied.get(key) is not None}


def _check_new_certificate(pathway: Pathway, text: str) -> dict:
    if not text.strip():
        raise RotationRefused(
            _("Upload the new %(other_system)s client certificate first.")
            % {"other_system": pathway.spec.other_system}
        )
    inspection = certinspect.inspect_text(
        text,
        certs.Purpose.CLIENT_EXTERNAL,
        threshold_days=pathway.landscape.expiry_threshold_days,
        known=certinspect.known_fingerprints(None),
    )
    if inspection.parsed is None:
        raise RotationRefused(inspection.read_error)
    if inspection.errors:
        raise RotationRefused(" ".join(f.message for f in inspection.errors))
    leaf = inspection.parsed.leaf
    return {"certificate": leaf.pem.decode("ascii"), "fingerprint": leaf.fingerprint_sha256}


def _start(pathway: Pathway, user: Actor | None, phase: str, rotation: Rotation) -> Run:
    from pathways.engine.runs import start_run

    return start_run(pathway, RunKind.ROTATE, user, params={"phase": phase, "rotation": rotation.pk})


def start_rotation(pathway: Pathway, user: Actor | None = None, new_certificate: str = "") -> Run:
    """Record the rotation and queue its first run (create and verify the successor); `Refused` (the gate)
    or RotationRefused."""
    from pathways import gate

    gate.check(pathway, RunKind.ROTATE, user)  # before anything of the rotation is looked at or recorded
    settle(pathway)
    blocker = rotation_blocker(pathway)
    if blocker:
        raise RotationRefused(blocker)
    new = _check_new_certificate(pathway, new_certificate) if needs_new_certificate(pathway) else {}
    with transaction.atomic():
        rotation = Rotation.objects.create(
            pathway=pathway,
            old=_old_facts(pathway),
            new=new,
            started_by=user if user is not None and user.is_authenticated else None,
        )
        run = _start(pathway, user, CREATE, rotation)
        AuditEvent.record(
            user=user,
            action="rotation.start",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            note=_("rotation of %(label)s started") % {"label": _label(rotation.old)},
        )
    return run


def start_retire(pathway: Pathway, user: Actor | None = None) -> Run:
    """The user confirms the other side has switched: queue the run that retires the old credential."""
    from pathways import gate

    gate.check(pathway, RunKind.ROTATE, user)
    settle(pathway)
    rotation = open_rotation(pathway)
    if rotation is None or rotation.state != RotationState.OVERLAP:
        raise RotationRefused(_("There is no rotation waiting for retirement; start a rotation first."))
    blocker = shapes.of(pathway).retire_blocker(rotation)
    if blocker:
        raise RotationRefused(blocker)
    with transaction.atomic():
        rotation.confirm(user)
        run = _start(pathway, user, RETIRE, rotation)
        AuditEvent.record(
            user=user,
            action="rotation.confirm",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            note=_("%(other_system)s switched to %(label)s; retiring %(label2)s")
            % {
                "other_system": pathway.spec.other_system,
                "label": _label(rotation.new),
                "label2": _label(rotation.old),
            },
        )
    return run


def _label(facts: dict) -> str:
    if facts.get("key_name"):
        return _("service key %(key_name)s") % {"key_name": facts["key_name"]}
    if facts.get("alias"):
        return _("key pair %(alias)s") % {"alias": facts["alias"]}
    return _("the credential")


# --- executing ---------------------------------------------------------------------------------------------


def execute(run: Run, recorder: Recorder, connection: Connection) -> str:
    """Run one phase of a rotation; returns the final message. A SapError or EngineError fails the run."""
    phase = (run.result or {}).get("phase")
    rotation = Rotation.objects.select_related("pathway__landscape").get(pk=run.result["rotation"])
    pathway = rotation.pathway
    if phase not in (CREATE, RETIRE):
        raise EngineError(
            _("This rotate run does not say what to do; start the rotation again"), code="no_phase"
        )
    rotation.open(RotationState.CREATING if phase == CREATE else RotationState.RETIRING)
    shape = shapes.of(pathway)
    with recorder.step(_("Plan the rotation (overlap)")) as outcome:
        run.result["plan"] = plan_rotation(pathway)
        Run.objects.filter(pk=run.pk).update(result=run.result)
        outcome.message = "; ".join(f"{a['kind']} {a['target']}: {a['reason']}" for a in run.result["plan"])
    try:
        if phase == CREATE:
            return shape.rotation_create(rotation, recorder, connection)
        return shape.rotation_retire(rotation, recorder, connection)
    except BaseException as error:
        text = (
            error.message
            if isinstance(error, (SapError, EngineError))
            else _("internal error (%(name)s)") % {"name": type(error).__name__}
        )
        rotation.settle(text)
        raise


def verify_work(
    shape: Shape, connection: Connection, recorder: Recorder, label: str, work: Work
) -> verify.Findings:
    """Run the shape's verification of one credential (old or new) as steps labelled `label: …`."""
    findings = verify.Findings()
    for item in shape.verify_checks(connection, work, findings):
        with recorder.step(f"{label}: {item.label.removeprefix('Verify: ')}") as outcome:
            outcome.message = item.run()
    return findings


# --- bookkeeping -------------------------------------------------------------------------------------------


def forget_reveals(pathway: Pathway) -> None:
    """A new hand-off may be revealed once again."""
    it_rt_key.forget_reveals(pathway)


def move_pathway(
    pathway: Pathway, *, draft: dict | None, applied: dict, not_after: datetime | None, proof: str
) -> None:
    """The pathway now uses the successor: its draft (a new key name), `applied`, and the verified claim."""
    now = timezone.now()
    with transaction.atomic():
        fresh = Pathway.objects.select_for_update().get(pk=pathway.pk)
        if draft is not None:
            meta = dict(fresh.draft_meta)
            changed = [name for name, value in draft.items() if fresh.draft.get(name) != value]
            version = fresh.version + 1
            for name in changed:
                meta[name] = {"version": version, "by": "rotation", "at": now.isoformat(timespec="seconds")}
            Pathway.objects.filter(pk=pathway.pk).update(
                draft=draft,
                draft_meta=meta,
                version=version,
                sender_fingerprint=drafted_sender_fingerprint(fresh.key, fresh.method, draft),
            )
            pathway.draft, pathway.draft_meta, pathway.version = draft, meta, version
        pathway.mark_applied(applied)
        pathway.mark_verified(proof=proof, not_after=not_after)


def finish(rotation: Rotation, pathway: Pathway) -> None:
    rotation.finish()
    AuditEvent.record(
        user=None,
        action="rotation.retire",
        landscape=pathway.landscape,
        pathway_key=pathway.key,
        changes={"credential": [_label(rotation.old), _label(rotation.new)]},
        note=_("%(label)s retired") % {"label": _label(rotation.old)},
    )
