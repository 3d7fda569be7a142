"""Runs: start one (row + queued task), execute it step by step, record steps, detect interrupted runs."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pathways import certs, emails, gate, language, queue, redact, shapes
from pathways import plan as planning
from pathways.engine import actions, check, verify
from pathways.engine.connect import Connection
from pathways.engine.state import Work, desired_state, read_remote_state
from pathways.errors import EngineError, Refused
from pathways.models import Actor, Landscape, Pathway, Run, RunKind, RunStep
from pathways.models.secret import secrets_kept
from pathways.sap.errors import SapError
from pathways.status import ACTIVE_RUN_STATES, PathwayStatus, RunState

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY_SECONDS = 5.0


def stale_after() -> timedelta:
    return timedelta(minutes=float(settings.AUTHWIZARD_RUN_STALE_MINUTES))


def one_line(text: str, limit: int = 500) -> str:
    """First line only, private keys and Authorization values removed (`redact.message`), cut to `limit`."""
    cleaned = redact.message(text)
    lines = cleaned.strip().splitlines()
    first = lines[0] if lines else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


# --- starting ----------------------------------------------------------------------------------------------


def start_run(
    target: Pathway | Landscape, kind: str, user: Actor | None = None, *, params: dict | None = None
) -> Run:
    """The only way a run starts: the gate (pathways/gate.py) decides, then the Run row is created and
    `pathways.tasks.execute_run(run.id)` is queued once the row is committed.

    `target` is a Pathway (plan, apply, verify, rotate, retire, csr, chain) or a Landscape (check, drift).
    `params` (public facts only: a rotation's phase, a leftover's id, an uploaded chain) start the run's
    result. Raises `Refused` (one sentence, a code) when the gate says no; an active plan is reused. When
    the queue cannot take the task, the run is marked failed with the queue's sentence and returned.
    """
    kind = gate.validate_kind(target, kind)
    landscape = target.landscape if isinstance(target, Pathway) else target
    pathway = target if isinstance(target, Pathway) else None
    mark_interrupted_runs()
    refused: Refused | None = None
    with transaction.atomic():
        Landscape.objects.select_for_update().filter(pk=landscape.pk).first()
        if kind == RunKind.PLAN and pathway is not None:
            existing = gate.active_run(landscape, pathway, kind)
            if existing is not None and _still_current(existing, pathway):
                return existing
        try:
            ticket = gate.check(target, kind, user)
        except Refused as error:
            refused = error
        else:
            run = Run.objects.create(
                landscape=landscape,
                pathway=pathway,
                kind=kind,
                requested_by=user if user is not None and user.is_authenticated else None,
                approval=ticket.approval,
                result=dict(params or {}),
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
            gate.admitted(run, ticket, user)
    if refused is not None:
        raise refused
    transaction.on_commit(lambda: enqueue(run))
    return run


def _still_current(plan: Run, pathway: Pathway) -> bool:
    """A plan under way answers for this visit too unless the draft or the remote side (another run of the
    pathway) changed after it started."""
    if pathway.updated_at > plan.created_at:
        return False
    return not pathway.runs.exclude(kind=RunKind.PLAN).filter(finished_at__gt=plan.created_at).exists()


def enqueue(run: Run) -> None:
    """Send the run's id (nothing else) to the queue; on failure the row says so."""
    from pathways.tasks import execute_run

    try:
        task_id = queue.publish(execute_run, run.id)
    except queue.QueueUnavailable as unavailable:
        run.fail(unavailable.message, unavailable.hint)
        return
    run.set_task(task_id)


def apply_all(landscape: Landscape, user: Actor | None = None) -> tuple[list[Run], dict[str, Refused]]:
    """Start an apply of each of the landscape's four pathways through the gate; workers run them side by
    side. Returns the runs started and, by pathway key, why the others were not."""
    runs: list[Run] = []
    refused: dict[str, Refused] = {}
    for pathway in landscape.pathways.select_related("landscape").order_by("key"):
        try:
            runs.append(start_run(pathway, RunKind.APPLY, user))
        except Refused as error:
            refused[pathway.key] = error
    return runs, refused


def resume(pathway: Pathway, user: Actor | None = None) -> Run:
    """Resuming is a new apply: every step looks up what exists first, so nothing is created twice."""
    return start_run(pathway, RunKind.APPLY, user)


def landscape_check_result(landscape: Landscape) -> dict | None:
    """The latest finished check of the landscape: {"ok", "checks": [{name, status, sentence}], "at", …}."""
    run = (
        Run.objects.filter(landscape=landscape, kind=RunKind.CHECK, pathway=None)
        .exclude(state__in=ACTIVE_RUN_STATES)
        .order_by("-created_at", "-id")
        .first()
    )
    if run is None:
        return None
    return {
        **run.result,
        "state": run.state,
        "message": run.message,
        "at": (run.finished_at or run.created_at).isoformat(),
        "run": str(run.code),
    }


# --- interrupted runs --------------------------------------------------------------------------------------


def queue_limit() -> timedelta:
    return timedelta(minutes=float(settings.AUTHWIZARD_RUN_QUEUE_MINUTES))


def mark_interrupted_runs() -> int:
    """Runs 'running' without a heartbeat for AUTHWIZARD_RUN_STALE_MINUTES become interrupted, and runs no
    worker took within AUTHWIZARD_RUN_QUEUE_MINUTES fail (nothing was changed); returns how many."""
    count = Run.expire_unclaimed(timezone.now() - queue_limit())
    limit = timezone.now() - stale_after()
    stale = Run.objects.filter(state=RunState.RUNNING).filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    )
    for run in stale.select_related("pathway"):
        if not run.interrupt(
            _("The worker stopped answering during this run (restart or time-out)."),
            _("Resume: a new apply looks up what exists and finishes the rest without duplicates."),
        ):
            continue
        count += 1
        if run.pathway is not None and run.pathway.status == PathwayStatus.APPLYING:
            run.pathway.mark_failed(_("The last apply was interrupted; resume it."))
    return count


# --- executing ---------------------------------------------------------------------------------------------


def claim(run_id: int) -> Run | None:
    """Move a queued (or abandoned running) run to running; None when it is gone, finished or busy
    elsewhere.
    """
    return Run.start(run_id, timezone.now() - stale_after())


@dataclass
class StepOutcome:
    """What a step ended with, handed to `RunStep.finish` (the one writer of a step's state)."""

    message: str = ""
    ended: str = RunState.SUCCEEDED


class Recorder:
    """Writes RunSteps (label, state, duration, HTTP calls, one-line message) and the run's heartbeat.

    A step costs two writes: its row when it starts (the page shows what is under way), and at its end one
    transaction with the step's outcome and the run's heartbeat and call count together.
    """

    def __init__(self, run: Run, connection: Connection | None = None) -> None:
        self.run = run
        self.connection = connection
        self.index = run.steps.count()
        self._last_beat = time.monotonic()

    def beat(self) -> None:
        """The heartbeat during a long step (polls, rate-limit waits); a step's end beats anyway."""
        now = time.monotonic()
        if now - self._last_beat >= HEARTBEAT_EVERY_SECONDS:
            self._last_beat = now
            self.run.beat()

    def calls(self) -> int:
        return self.connection.call_count if self.connection else 0

    @contextmanager
    def step(self, label: str) -> Iterator[StepOutcome]:
        step = RunStep.begin(self.run, self.index, label)
        self.index += 1
        before, started = self.calls(), time.monotonic()
        outcome = StepOutcome()
        try:
            yield outcome
        except BaseException as error:
            self._finish(step, RunState.FAILED, _error_message(error), before, started)
            raise
        self._finish(step, outcome.ended, outcome.message, before, started)

    def _finish(self, step: RunStep, state: str, message: str, before: int, started: float) -> None:
        calls = self.calls()
        step.finish(
            state,
            one_line(message),
            duration_ms=int((time.monotonic() - started) * 1000),
            http_calls=calls - before,
            run_calls=calls,
        )
        self.run.heartbeat_at, self.run.http_calls = step.finished_at, calls
        self._last_beat = time.monotonic()


def _error_message(error: BaseException) -> str:
    if isinstance(error, (SapError, EngineError)):
        return error.message
    if isinstance(error, SoftTimeLimitExceeded):
        return _("The run took longer than its time limit and was stopped")
    return _("Internal error (%(error)s); see the worker log") % {"error": type(error).__name__}


def hint_for(error: BaseException) -> str:
    """What to do about a failure, in one sentence."""
    if isinstance(error, SoftTimeLimitExceeded):
        return _("Resume the apply: finished steps are found and kept.")
    if isinstance(error, EngineError) and error.code == "gate":
        return _("Nothing was changed; settle what the message names, then start the run again.")
    if not isinstance(error, (SapError, EngineError)):
        return _("This is a fault in AuthWizard; report it with the time of the run.")
    code, status = error.code or "", error.status
    if code in ("invalid_client", "unauthorized") or status == 401:
        return _("Check the landscape's credentials (CF user and password, CPI API key) and run again.")
    if code == "role_missing":
        return _(
            "Add the missing role template to the CPI api-plan instance, wait for it to apply, and resume."
        )
    if code == "not_space_developer" or status == 403:
        return _("Ask a space manager for the Space Developer role (or the missing role) and resume.")
    if code in ("tls", "unsafe_url"):
        return _("Check the landscape's addresses and CA bundle.")
    if code in ("plan_problem", "draft_problem"):
        return _("Fix the draft as the message says, review the plan, then apply.")
    if code in ("deploy_failed", "start_failed", "not_started", "draft", "unknown_parameter"):
        return _("Open the iFlow in CPI (Manage Integration Content), fix what is named, then apply again.")
    if code.startswith("runtime_"):
        return _("Check the iFlow is deployed with a sender role the instance grants, then verify again.")
    if code == "fingerprint_mismatch":
        return _("Rotate the credential or apply again to hand over what is really deployed.")
    if error.retryable:
        return _("This is temporary; resume the apply — steps already done are not repeated.")
    return _("Fix the cause named above, then resume the apply; steps already done are kept.")


def execute_run(run_id: int) -> None:
    """The body of the Celery task: run a claimed run to its end, recording every step.

    Step texts, messages and hints are written in the language the run was started in."""
    run = claim(run_id)
    if run is None:
        found = Run.objects.filter(pk=run_id).values_list("state", flat=True).first()
        logger.info("run %s is %s; nothing to do", run_id, found or "gone")
        return
    with translation.override(language.of_run(run)):
        _execute(run)


def _execute(run: Run) -> None:
    recorder = Recorder(run)
    connection = Connection(run.landscape, heartbeat=recorder.beat)
    recorder.connection = connection
    try:
        with connection, certs.parsed_once(), secrets_kept():
            if run.kind == RunKind.CHECK:
                _check(run, recorder, connection)
            elif run.kind == RunKind.DRIFT:
                _drift(run, recorder, connection)
            elif run.kind == RunKind.DISCOVER:
                from pathways.engine import iflows

                _finish_run(run, RunState.SUCCEEDED, iflows.discover(run, recorder, connection), connection)
            elif run.kind == RunKind.TRAFFIC:
                from pathways.engine import traffic

                _finish_run(run, RunState.SUCCEEDED, traffic.execute(run, recorder, connection), connection)
            elif run.kind in (RunKind.ROTATE, RunKind.CHAIN, RunKind.CSR):
                _finish_run(run, RunState.SUCCEEDED, _single(run, recorder, connection), connection)
            else:
                _pathway_run(run, recorder, connection)
    except (SapError, EngineError, SoftTimeLimitExceeded) as error:
        _fail(run, error, connection)
    except Exception as error:
        logger.exception("run %s failed with an internal error", run.id)
        _fail(run, error, connection)
    except BaseException as error:
        _fail(run, error, connection)
        raise


def _finish_run(run: Run, state: str, message: str, connection: Connection) -> None:
    run.finish(
        one_line(message, 1000),
        http_calls=connection.call_count,
        succeeded=state == RunState.SUCCEEDED,
        hint=run.hint,
    )


def _fail(run: Run, error: BaseException, connection: Connection) -> None:
    # The pathway first: whoever sees the run ended sees the pathway's status already follow it.
    if run.pathway_id and run.kind in (RunKind.APPLY, RunKind.VERIFY):
        Pathway.objects.get(pk=run.pathway_id).mark_failed(one_line(_error_message(error)))
    run.fail(_error_message(error), one_line(hint_for(error)), http_calls=connection.call_count)
    emails.run_failed(run)


def _check(run: Run, recorder: Recorder, connection: Connection) -> None:
    findings: list[check.Finding] = []
    groups = list(check.groups(connection))
    run.plan_steps(len(groups))
    for group in groups:
        with recorder.step(group.label) as outcome:
            found = group.run()
            findings.extend(found)
            missing = [f for f in found if f.status != check.OK]
            outcome.ended = RunState.FAILED if missing else RunState.SUCCEEDED
            outcome.message = "; ".join(f.sentence for f in (missing or found))
    ok = all(f.status == check.OK for f in findings)
    run.result = {"ok": ok, "checks": [f.as_dict() for f in findings]}
    absent = sum(f.status != check.OK for f in findings)
    message = (
        _("Every check passed")
        if ok
        else _("%(absent)s of %(count)s checks found something missing")
        % {"absent": absent, "count": len(findings)}
    )
    _finish_run(run, RunState.SUCCEEDED if ok else RunState.FAILED, message, connection)


def _single(run: Run, recorder: Recorder, connection: Connection) -> str:
    """A rotation phase, a chain import or a CSR download: the gate again before anything is written."""
    from pathways.engine import certificates, rotate

    if run.kind in gate.WRITES:
        gate.recheck(run)
    if run.kind == RunKind.ROTATE:
        return rotate.execute(run, recorder, connection)
    if run.kind == RunKind.CHAIN:
        return certificates.execute_chain(run, recorder, connection)
    return certificates.execute_csr(run, recorder, connection)


def _drift(run: Run, recorder: Recorder, connection: Connection) -> None:
    """Read back each applied pathway of the landscape; findings go through `Pathway.record_drift`."""
    from pathways.engine import drift as engine_drift

    pathways = list(
        Pathway.objects.filter(landscape=run.landscape)
        .exclude(applied={})
        .select_related("landscape")
        .order_by("key")
    )
    run.plan_steps(max(len(pathways), 1))
    drifted = 0
    with recorder.step(_("Read what the applied pathways left remotely")) as outcome:
        findings = engine_drift.check_pathways(pathways)
        drifted = sum(bool(f["differences"]) for f in findings.values())
        outcome.message = _("%(checked)s checked, %(drifted)s drifted") % {
            "checked": len(findings),
            "drifted": drifted,
        }
    run.result = {"checked": len(findings), "drifted": drifted}
    message = (
        _("%(checked)s pathway(s) checked; %(drifted)s drifted")
        % {"checked": len(findings), "drifted": drifted}
        if findings
        else _("Nothing applied yet")
    )
    _finish_run(run, RunState.SUCCEEDED, message, connection)


def _pathway_run(run: Run, recorder: Recorder, connection: Connection) -> None:
    """Plan, apply, verify or retire one pathway; what is read, done and proven is the pathway's shape's."""
    pathway = run.pathway
    if pathway is None:
        raise EngineError(_("This run has no pathway to work on"), code="no_pathway")
    if run.kind == RunKind.RETIRE:
        from pathways.engine import retire

        gate.recheck(run)
        _finish_run(run, RunState.SUCCEEDED, retire.execute(run, recorder, connection), connection)
        return
    shape = shapes.of(pathway)
    before = dict(pathway.applied or {})
    # Facts of another shape (the method was switched) are not this apply's: it starts from none.
    carried = before if shapes.of_applied(before) is shape else {}
    work = Work(
        pathway=pathway, desired=desired_state(pathway), applied=dict(carried), requested_by=run.requested_by
    )
    if run.kind == RunKind.APPLY:
        # The same rules as the wizard's review step, so no path (page, command, API) writes a bad draft.
        from pathways.forms.wizard import missing_and_invalid

        problems = missing_and_invalid(pathway)
        if problems:
            raise EngineError(
                _("The draft needs attention before it can be applied: %(problems)s")
                % {
                    "problems": "; ".join(
                        f"{pathway.spec.label_of(name, pathway.method)}: {text}"
                        for name, text in problems.items()
                    )
                },
                code="draft_problem",
            )
        pathway.mark_applying()
    with recorder.step(_("Read the remote state")) as outcome:
        from pathways.engine import iflows

        remote = iflows.read_for_plan(connection, work, read_remote_state(connection, work))
        outcome.message = _describe_remote(remote)
    with recorder.step(_("Plan")) as outcome:
        actions_planned = planning.plan(pathway.key, pathway.method, work.desired, remote)
        run.result = {
            "plan": [action.as_dict() for action in actions_planned],
            "problems": planning.problems(actions_planned),
        }
        # The steps are known now: read, plan, one per action (apply), the verify checks.
        if run.kind == RunKind.APPLY:
            total = recorder.index + len(actions_planned) + verify.count_for(work)
        elif run.kind == RunKind.VERIFY:
            total = recorder.index + verify.count_for(work)
        else:
            total = recorder.index
        run.plan_steps(total, result=run.result)
        changes = sum(action.changes_remote for action in actions_planned)
        outcome.message = _("%(change)s to change, %(keep)s to keep") % {
            "change": changes,
            "keep": len(actions_planned) - changes,
        }
        if run.result["problems"] and run.kind == RunKind.APPLY:
            raise EngineError(
                _("The plan cannot be applied: %(problems)s")
                % {"problems": "; ".join(run.result["problems"])},
                code="plan_problem",
            )
    if run.kind == RunKind.PLAN:
        if run.result["problems"]:
            message = _("Planned, but the draft needs attention: %(problems)s") % {
                "problems": "; ".join(run.result["problems"])
            }
        else:
            message = _("Planned: %(summary)s") % {"summary": outcome.message}
        pathway.mark_planned(one_line(message))
        _finish_run(run, RunState.SUCCEEDED, message, connection)
        return
    if run.kind == RunKind.APPLY:
        gate.recheck(run)
        for action in actions_planned:
            with recorder.step(action.label) as outcome:
                outcome.message = actions.execute(connection, work, action)
        work.applied["applied_at"] = timezone.now().isoformat()
        pathway.mark_applied(work.applied)
        from pathways.engine.retire import record_leftovers

        record_leftovers(pathway, before, work)
    elif not work.applied:
        raise EngineError(
            _("Nothing has been applied for this pathway with its drafted method yet; apply it first"),
            code="not_applied",
        )
    else:
        _refresh_from_remote(connection, work)
    findings = verify.Findings()
    for item in verify.checks_for(connection, work, findings):
        with recorder.step(item.label) as outcome:
            outcome.message = item.run()
    proof = findings.proven(pathway.method_spec.label)
    pathway.mark_verified(proof=proof, not_after=findings.certificate_not_after)
    done = _("Applied and verified") if run.kind == RunKind.APPLY else _("Verified")
    _finish_run(
        run,
        RunState.SUCCEEDED,
        f"{done} {pathway.spec.label} ({pathway.method}); {proof}",
        connection,
    )


def _refresh_from_remote(connection: Connection, work: Work) -> None:
    """A verify run takes what the shape read (e.g. the key found by name) as the applied facts."""
    if shapes.of(work.pathway).refresh(connection, work):
        work.pathway.mark_applied(work.applied)


def _describe_remote(remote: planning.RemoteState) -> str:
    parts = [_("%(what)s %(name)s found") % {"what": label, "name": name} for label, name in remote.found()]
    flows = {p.flow_id for p in remote.iflow_parameters}
    if flows:
        parts.append(
            ngettext("%(count)d iFlow read", "%(count)d iFlows read", len(flows)) % {"count": len(flows)}
        )
    return "; ".join(parts) if parts else _("nothing of this pathway exists yet")
