"""From the message processing logs of a pathway's iFlows to its verdict, and how that reads on a page.

`observe` is pure: the newest message that says something about the pathway's credential decides. A message
that got through (COMPLETED) proves it works; one that failed authentication at the receiver the pathway's
credential is for (the iFlow's receiver credential or key alias is the pathway's) makes it failing, since the
first failure after the last message that got through. Failures of another kind (a mapping, a receiver's
500) and messages still under way are shown, and decide nothing. An inbound pathway's credential is checked
by CPI before a message exists, so its iFlows' messages can only prove it works.

`of(pathway)` is what standing.py reads: the stored watch as a `Traffic`, with the cause in one sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from pathways import redact
from pathways.models import Observation, TrafficState
from pathways.traffic import classify

if TYPE_CHECKING:
    from pathways.models import MessageWatch, Pathway

SHOWN = 10  # messages kept per pathway for its page
ERROR_CHARS = 500


@dataclass(frozen=True)
class Binding:
    """An iFlow that uses the pathway's credential: on its receiver side (`receiver`: the credential name or
    key alias parameter is the pathway's), or on its sender side."""

    iflow_id: str
    iflow_name: str = ""
    receiver: bool = False
    credential_kind: str = ""  # classify.USER_CREDENTIALS or classify.KEY_ALIAS ("" on the sender side)
    credential_name: str = ""


@dataclass(frozen=True)
class Log:
    """One message processing log as read, with its error text ("" when it has none or was not read)."""

    guid: str
    iflow_id: str
    status: str
    started: datetime | None = None
    ended: datetime | None = None
    error: str = ""

    @property
    def at(self) -> datetime | None:
        return self.ended or self.started


def _newest_first(logs: Iterable[Log]) -> list[Log]:
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(logs, key=lambda log: log.at or floor, reverse=True)


def shown(log: Log, binding: Binding | None, failure: classify.Failure | None) -> dict[str, Any]:
    """A log as the page shows it (public facts; the error text redacted and cut)."""
    return {
        "guid": log.guid,
        "iflow": log.iflow_id,
        "iflow_name": (binding.iflow_name if binding else "") or log.iflow_id,
        "status": log.status,
        "at": log.at.isoformat() if log.at else "",
        "error": redact.log_text(log.error.strip())[:ERROR_CHARS] if log.error else "",
        "kind": failure.kind if failure and log.error else "",  # a text not read tells no class
    }


def observe(
    receiver: str, bindings: Iterable[Binding], logs: Iterable[Log], keep: int = SHOWN
) -> Observation:
    """The pathway's verdict from its iFlows' logs; `receiver` is the system its credential is for."""
    by_flow = {b.iflow_id: b for b in bindings}
    ordered = [log for log in _newest_first(logs) if log.iflow_id in by_flow]
    verdict, cause_facts = "", {}
    failed_at: datetime | None = None
    completed_at: datetime | None = None
    messages = []
    streak_open = True  # still inside the failures newer than the last message that got through
    for log in ordered:
        binding = by_flow[log.iflow_id]
        failure = classify.classify(log.status, log.error)
        if len(messages) < keep:
            messages.append(shown(log, binding, failure))
        if log.status.upper() == classify.COMPLETED:
            completed_at = completed_at or log.at
            verdict = verdict or TrafficState.WORKING
            streak_open = False
            continue
        if failure is None or not failure.is_authentication or not binding.receiver:
            continue
        if not verdict:
            verdict = TrafficState.FAILING
            cause_facts = {
                **failure.as_dict(),
                "receiver": receiver,
                "credential_kind": binding.credential_kind,
                "credential_name": binding.credential_name,
                "iflow": binding.iflow_name or binding.iflow_id,
                "guid": log.guid,
            }
        if verdict == TrafficState.FAILING and streak_open:
            failed_at = log.at or failed_at
    return Observation(
        verdict=verdict,
        failure=cause_facts,
        failed_at=failed_at,
        completed_at=completed_at,
        messages=messages,
    )


def readable(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored messages with their time as a datetime again (they are kept as ISO text)."""
    return [{**m, "at": parse_datetime(m["at"]) if m.get("at") else None} for m in messages]


def cause_of(failure: dict[str, Any]) -> str:
    """The stored cause facts in one sentence, in the reader's language."""
    if not failure:
        return ""
    return classify.cause(
        classify.Failure.from_dict(failure),
        receiver=str(failure.get("receiver") or ""),
        credential_kind=str(failure.get("credential_kind") or ""),
        credential_name=str(failure.get("credential_name") or ""),
    )


def since_text(moment: datetime, now: datetime | None = None) -> str:
    """10:42 today, else 2026-12-03 10:42 (the site's time zone)."""
    local, today = timezone.localtime(moment), timezone.localtime(now or timezone.now()).date()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Traffic:
    """What the pathway's messages showed at the last message check."""

    state: str = TrafficState.UNKNOWN
    failing_since: datetime | None = None
    failure: dict[str, Any] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    checked_at: datetime | None = None
    last_completed_at: datetime | None = None
    error: str = ""

    @property
    def failing(self) -> bool:
        return self.state == TrafficState.FAILING

    @property
    def cause(self) -> str:
        return cause_of(self.failure) if self.failing else ""

    @property
    def sentence(self) -> str:
        """ "Failing since 10:42: SAP S/4HANA rejected the user of credential S4_BASIC (HTTP 401)"."""
        if not self.failing:
            return ""
        if self.failing_since is None:
            return gettext("Failing: %(cause)s") % {"cause": self.cause}
        return gettext("Failing since %(time)s: %(cause)s") % {
            "time": since_text(self.failing_since),
            "cause": self.cause,
        }


NOTHING_SEEN = Traffic()


def from_watch(watch: MessageWatch) -> Traffic:
    return Traffic(
        state=watch.state,
        failing_since=watch.failing_since,
        failure=dict(watch.failure or {}),
        messages=list(watch.messages or []),
        checked_at=watch.checked_at,
        last_completed_at=watch.last_completed_at,
        error=watch.error,
    )


def of(pathway: Pathway) -> Traffic:
    """The pathway's traffic as last checked (nothing seen before its first message check)."""
    try:
        watch = pathway.message_watch
    except ObjectDoesNotExist:
        return NOTHING_SEEN
    return from_watch(watch)


def bindings_of(pathway: Pathway) -> list[Binding]:
    """The iFlows that use the pathway (its confirmed parameters, as `iflows_of` finds them), each with the
    side it is used on and the credential name or key alias the iFlow's parameter names."""
    from pathways.iflows import SENDER_ROLES
    from pathways.models.iflow import IFlowParameter, ParameterRole

    names = {
        ParameterRole.CREDENTIAL_NAME: classify.USER_CREDENTIALS,
        ParameterRole.PRIVATE_KEY_ALIAS: classify.KEY_ALIAS,
    }
    found: dict[str, dict[str, Any]] = {}
    for parameter in IFlowParameter.objects.of_pathway(pathway).order_by("flow_name", "flow_id", "key"):
        flow = found.setdefault(
            parameter.flow_id,
            {"iflow_id": parameter.flow_id, "iflow_name": parameter.flow_name, "receiver": False},
        )
        if parameter.role not in SENDER_ROLES:
            flow["receiver"] = True
        if parameter.role in names and parameter.value:
            flow["credential_kind"], flow["credential_name"] = names[parameter.role], parameter.value
    return [Binding(**flow) for flow in found.values()]
