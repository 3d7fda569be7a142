"""Runs of remote work (check, plan, apply, verify, rotate) and their steps; the row is the truth."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from pathways.status import ACTIVE_RUN_STATES, RunState


class RunKind(models.TextChoices):
    CHECK = "check", "Check landscape"
    PLAN = "plan", "Plan"
    APPLY = "apply", "Apply"
    VERIFY = "verify", "Verify"
    ROTATE = "rotate", "Rotate"
    RETIRE = "retire", "Retire"


class Run(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    landscape = models.ForeignKey("pathways.Landscape", on_delete=models.CASCADE, related_name="runs")
    pathway = models.ForeignKey(
        "pathways.Pathway", null=True, blank=True, on_delete=models.CASCADE, related_name="runs"
    )
    kind = models.CharField(max_length=8, choices=RunKind.choices)
    state = models.CharField(max_length=12, choices=RunState.choices, default=RunState.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=1000, blank=True)
    hint = models.CharField(max_length=500, blank=True)  # what to do about a failure
    http_calls = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)  # plan actions, check findings; never secrets
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.state}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_RUN_STATES

    @property
    def finished_steps(self) -> int:
        return sum(1 for step in self.steps.all() if step.state not in ACTIVE_RUN_STATES)

    @property
    def duration_seconds(self) -> float | None:
        if not self.started_at:
            return None
        return ((self.finished_at or timezone.now()) - self.started_at).total_seconds()


class RunStep(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=200)
    state = models.CharField(max_length=12, choices=RunState.choices, default=RunState.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    http_calls = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="one_step_per_index")]

    def __str__(self) -> str:
        return f"{self.index + 1}. {self.label} ({self.state})"
