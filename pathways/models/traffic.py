"""What a pathway's real traffic shows: the latest message processing logs of its iFlows, and whether it is
failing authentication since when, with the cause; and whether the members were told of this failure.

One row per pathway, written only by `MessageWatch.record` (a message check's findings) and the notice claim;
a change between working and failing is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.models.audit import AuditEvent

if TYPE_CHECKING:
    from pathways.models.pathway import Pathway


class TrafficState(models.TextChoices):
    UNKNOWN = "unknown", _("No messages yet")
    WORKING = "working", _("Working")
    FAILING = "failing", _("Failing")


# What a check may do to the state: no message that says anything about authentication keeps it as it is.
FAILING = TrafficState.FAILING
WORKING = TrafficState.WORKING


@dataclass(frozen=True)
class Observation:
    """A message check's findings for one pathway.

    `verdict` is WORKING (the newest telling message got through), FAILING (it failed authentication) or ""
    (no message tells either way); `failure` the cause facts of the newest failure ({"kind", "http_status",
    "detail", "name", "receiver", "credential_kind", "credential_name", "iflow", "guid"}); `failed_at` when
    the failing streak began; `messages` the latest logs as shown on the page; `error` why they could not be
    read ("" when they were).
    """

    verdict: str = ""
    failure: dict[str, Any] = field(default_factory=dict)
    failed_at: datetime | None = None
    completed_at: datetime | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


class MessageWatch(models.Model):
    pathway = models.OneToOneField("pathways.Pathway", on_delete=models.CASCADE, related_name="message_watch")
    state = models.CharField(max_length=8, choices=TrafficState.choices, default=TrafficState.UNKNOWN)
    failing_since = models.DateTimeField(null=True, blank=True)
    failure = models.JSONField(default=dict, blank=True)  # the cause facts (Observation.failure), no secrets
    messages = models.JSONField(default=list, blank=True)  # the latest logs of the pathway's iFlows
    last_completed_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)  # why the last check could not read the logs
    # The failing_since whose e-mail went out: one e-mail per failing streak.
    notified_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.pathway_id} {self.state}"

    @property
    def is_failing(self) -> bool:
        return self.state == TrafficState.FAILING

    # --- state changes: the only writers ----------------------------------------------------------------

    @classmethod
    def record(cls, pathway: Pathway, observation: Observation, note: str = "") -> tuple[MessageWatch, str]:
        """Store a check's findings; returns the row and what changed: "failing" (it started failing),
        "recovered", or "". A streak that goes on keeps its start; `note` (the cause) goes into the audit."""
        now = timezone.now()
        with transaction.atomic():
            watch, _created = cls.objects.select_for_update().get_or_create(pathway=pathway)
            was = watch.state
            fields: dict[str, Any] = {"checked_at": now, "error": observation.error[:500]}
            if not observation.error and observation.messages:  # a quiet window keeps the last ones shown
                fields["messages"] = observation.messages
            if observation.completed_at and (
                watch.last_completed_at is None or observation.completed_at > watch.last_completed_at
            ):
                fields["last_completed_at"] = observation.completed_at
            if observation.verdict == FAILING:
                fields.update(state=FAILING, failure=observation.failure)
                if was != FAILING:
                    fields["failing_since"] = observation.failed_at or now
            elif observation.verdict == WORKING:
                fields.update(state=WORKING, failure={}, failing_since=None)
            cls.objects.filter(pk=watch.pk).update(**fields)
            for name, value in fields.items():
                setattr(watch, name, value)
            change = ""
            if was != FAILING and watch.state == FAILING:
                change = "failing"
            elif was == FAILING and watch.state == WORKING:
                change = "recovered"
            if change:
                AuditEvent.record(
                    user=None,
                    action=f"traffic.{change}",
                    landscape=pathway.landscape,
                    pathway_key=pathway.key,
                    changes={"traffic": [was, watch.state]},
                    note=note,
                )
        return watch, change

    def claim_notice(self) -> bool:
        """Whether this caller is the one to e-mail the members about the current failing streak (once)."""
        if not self.is_failing or self.failing_since is None:
            return False
        claimed = (
            MessageWatch.objects.filter(pk=self.pk, state=FAILING, failing_since=self.failing_since)
            .exclude(notified_since=self.failing_since)
            .update(notified_since=self.failing_since)
        )
        if claimed:
            self.notified_since = self.failing_since
        return bool(claimed)

    def release_notice(self) -> None:
        """The e-mail could not be sent: the next check tries again."""
        MessageWatch.objects.filter(pk=self.pk, notified_since=self.notified_since).update(
            notified_since=None
        )
        self.notified_since = None
