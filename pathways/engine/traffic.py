"""A message check: the latest message processing logs of the iFlows a landscape's pathways are confirmed in,
the error texts of their failures, and each pathway's verdict stored (pathways/traffic/).

Reads only. Per iFlow, the newest `PER_IFLOW` messages of the last `AUTHWIZARD_TRAFFIC_WINDOW_HOURS` (one
call each, so a busy iFlow cannot hide a quiet one); the error text of each failed message among the newest
ones a page shows, never twice (the texts of messages already shown are kept). A pathway that starts
failing is audited (MessageWatch.record) and its members get one e-mail (pathways/traffic/notify.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from pathways import standing
from pathways.models import MessageWatch, Observation, Pathway, TrafficState
from pathways.sap.errors import SapError
from pathways.status import FAILING
from pathways.traffic import notify
from pathways.traffic import watch as traffic

if TYPE_CHECKING:
    from pathways.engine.connect import Connection
    from pathways.engine.runs import Recorder
    from pathways.models import Run
    from pathways.sap.content import MessageLog

PER_IFLOW = 20  # newest messages read per iFlow


def window() -> timedelta:
    return timedelta(hours=float(settings.AUTHWIZARD_TRAFFIC_WINDOW_HOURS))


def watched_pathways(landscape_id: int) -> list[tuple[Pathway, list[traffic.Binding]]]:
    """The landscape's pathways that are confirmed in at least one iFlow, with their iFlows."""
    found = []
    for pathway in (
        Pathway.objects.filter(landscape_id=landscape_id).select_related("landscape").order_by("key")
    ):
        bindings = traffic.bindings_of(pathway)
        if bindings:
            found.append((pathway, bindings))
    return found


def _needs_error(logs: list[MessageLog]) -> list[MessageLog]:
    """The failed messages among an iFlow's newest ones (those a page shows, and those that can decide)."""
    return [log for log in logs[: traffic.SHOWN] if log.failed]


def _known_errors(pathways: list[Pathway]) -> dict[str, str]:
    """Error texts already read by an earlier check (by message guid)."""
    known: dict[str, str] = {}
    for watch in MessageWatch.objects.filter(pathway__in=pathways):
        for shown in watch.messages or []:
            if shown.get("guid") and shown.get("error"):
                known[shown["guid"]] = shown["error"]
    return known


def execute(run: Run, recorder: Recorder, connection: Connection) -> str:
    """The run's body; returns its closing message. A failed read is stored on every watched pathway (it
    shows beside their messages) and fails the run."""
    watched = watched_pathways(run.landscape_id)
    run.plan_steps(3 if watched else 1)
    if not watched:
        with recorder.step(gettext("Find the iFlows the pathways are confirmed in")) as outcome:
            outcome.message = gettext("No iFlow parameter is confirmed for a pathway of this landscape yet")
        run.result = {"checked": 0, "failing": 0}
        return gettext("Nothing to check: no pathway is confirmed in an iFlow yet")
    flows = sorted({b.iflow_id for _, bindings in watched for b in bindings})
    since = timezone.now() - window()
    logs: list[MessageLog] = []
    errors: dict[str, str] = {}
    try:
        reading = ngettext(
            "Read the latest messages of %(count)d iFlow",
            "Read the latest messages of %(count)d iFlows",
            len(flows),
        )
        with recorder.step(reading % {"count": len(flows)}) as outcome:
            for flow_id in flows:
                logs.extend(connection.content.message_logs([flow_id], since, top=PER_IFLOW))
            outcome.message = ngettext(
                "%(count)d message since %(since)s UTC", "%(count)d messages since %(since)s UTC", len(logs)
            ) % {"count": len(logs), "since": f"{since:%Y-%m-%d %H:%M}"}
        with recorder.step(gettext("Read the error texts of failed messages")) as outcome:
            known = _known_errors([p for p, _ in watched])
            for flow_id in flows:
                for log in _needs_error([entry for entry in logs if entry.iflow_id == flow_id]):
                    if log.guid not in known:
                        known[log.guid] = connection.content.message_error(log.guid)
                    errors[log.guid] = known[log.guid]
            outcome.message = ngettext(
                "%(count)d failed message read", "%(count)d failed messages read", len(errors)
            ) % {"count": len(errors)}
    except SapError as failure:
        for pathway, _ in watched:
            MessageWatch.record(pathway, Observation(error=failure.message))
        raise
    failing = 0
    with recorder.step(gettext("Record what the messages show")) as outcome:
        said = []
        read = [
            traffic.Log(
                guid=log.guid,
                iflow_id=log.iflow_id,
                status=log.status,
                started=log.log_start,
                ended=log.log_end,
                error=errors.get(log.guid, ""),
            )
            for log in logs
        ]
        for pathway, bindings in watched:
            observation = traffic.observe(pathway.spec.target, bindings, read)
            note = (
                traffic.cause_of(observation.failure) if observation.verdict == TrafficState.FAILING else ""
            )
            watch, _change = MessageWatch.record(pathway, observation, note=note)
            seen = traffic.from_watch(watch)
            # The watcher reads the status as every page does: while an apply changes the pathway it is not
            # called failing, and the e-mail waits for the next check (it is sent once per streak).
            if standing.status_of(Pathway.objects.get(pk=pathway.pk), seen) == FAILING:
                failing += 1
                notify.tell_members(watch, pathway)
                said.append(f"{pathway.spec.label}: {seen.sentence}")
        outcome.message = "; ".join(said) or ngettext(
            "%(count)d pathway works or has no telling message",
            "%(count)d pathways work or have no telling message",
            len(watched),
        ) % {"count": len(watched)}
    run.result = {"checked": len(watched), "failing": failing, "messages": len(logs)}
    return ngettext("%(count)d pathway checked", "%(count)d pathways checked", len(watched)) % {
        "count": len(watched)
    } + ngettext(
        " against %(count)d message; %(failing)d failing",
        " against %(count)d messages; %(failing)d failing",
        len(logs),
    ) % {"count": len(logs), "failing": failing}
