"""Runs of remote work (check, plan, apply, verify, rotate) and their steps; the row is the truth."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.status import ACTIVE_RUN_STATES, RunState


class RunKind(models.TextChoices):
    CHECK = "check", _("Check landscape")
    PLAN = "plan", _("Plan")
    APPLY = "apply", _("Apply")
    VERIFY = "verify", _("Verify")
    ROTATE = "rotate", _("Rotate")
    RETIRE = "retire", _("Retire")
    CSR = "csr", _("Signing request")  # download the CSR of a CPI key pair
    CHAIN = "chain", _("Signed chain")  # import a CA-signed chain onto a CPI key pair
    DRIFT = "drift", _("Drift check")  # a landscape's applied pathways read back
    DISCOVER = "discover", _("Discover iFlows")  # the landscape's iFlows and their authentication parameters
    TRAFFIC = "traffic", _("Message check")  # the message processing logs of a landscape's iFlows read


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
    # How many steps the run has, fixed once its plan is made (None until then): "Step N of M" never grows.
    total_steps = models.PositiveSmallIntegerField(null=True, blank=True)
    # The language of the page or command that started the run: its steps and messages are written in it.
    language = models.CharField(max_length=8, blank=True, default="")
    # The approval a production run was let through with; the worker checks it still holds.
    approval = models.ForeignKey(
        "pathways.Approval", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.state}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_RUN_STATES

    @property
    def finished_steps(self) -> int:
        done = sum(1 for step in self.steps.all() if step.state not in ACTIVE_RUN_STATES)
        return min(done, self.step_total) if self.step_total else done

    @property
    def step_total(self) -> int:
        """The run's number of steps: fixed once planned; before that, the steps known so far (at least 1).
        A run that ended has as many as it went through, so its bar is full."""
        recorded = self.steps.count()
        if not self.is_active:
            return max(recorded, 1) if recorded else 0
        return max(self.total_steps or 0, recorded, 1)

    @property
    def percent(self) -> int:
        total = self.step_total
        if not self.is_active:
            return 100
        return int(100 * self.finished_steps / total) if total else 0

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from the first claim to the end (or now); never less than an earlier reading."""
        if not self.started_at:
            return None
        end = self.finished_at or timezone.now()
        return max((end - self.started_at).total_seconds(), 0.0)

    # --- state changes: the only writers of `state` --------------------------------------------------------

    def _set(self, only_if: dict[str, Any] | None = None, **fields: Any) -> bool:
        updated = Run.objects.filter(pk=self.pk, **(only_if or {})).update(**fields)
        if updated:
            for name, value in fields.items():
                setattr(self, name, value)
        return bool(updated)

    @classmethod
    def start(cls, run_id: int, stale_before: datetime) -> Run | None:
        """A worker claims a queued run (or one abandoned while running); None when it is not claimable.
        A run started before keeps its first start time, so the elapsed time never goes back."""
        now = timezone.now()
        claimable = models.Q(state=RunState.QUEUED) | models.Q(
            state=RunState.RUNNING, heartbeat_at__lt=stale_before
        )
        updated = (
            cls.objects.filter(claimable, pk=run_id)
            .filter(started_at__isnull=True)
            .update(state=RunState.RUNNING, started_at=now, heartbeat_at=now, finished_at=None)
        ) or cls.objects.filter(claimable, pk=run_id).update(
            state=RunState.RUNNING, heartbeat_at=now, finished_at=None
        )
        if not updated:
            return None
        run = cls.objects.select_related("landscape", "pathway", "requested_by").get(pk=run_id)
        if run.pathway is not None:
            run.pathway.landscape = run.landscape  # one landscape object for the run, not a second read
        return run

    @classmethod
    def expire_unclaimed(cls, created_before: datetime) -> int:
        """Queued runs no worker took in time fail; nothing was changed. Returns how many."""
        return cls.objects.filter(
            state=RunState.QUEUED, started_at__isnull=True, created_at__lt=created_before
        ).update(
            state=RunState.FAILED,
            finished_at=timezone.now(),
            message="No worker started this run in time; nothing was changed.",
            hint="Check that a worker is running (the page shows it), then start the run again.",
        )

    @classmethod
    def prune_routine_checks(cls, finished_before: datetime) -> int:
        """Delete the periodic message checks nobody asked for that succeeded before `finished_before`, with
        their steps: one per landscape every few minutes adds up, and what they found that matters (a pathway
        started failing, or recovered) is kept as an audit event. Returns how many runs went."""
        deleted, per_model = cls.objects.filter(
            kind=RunKind.TRAFFIC,
            requested_by__isnull=True,
            state=RunState.SUCCEEDED,
            finished_at__lt=finished_before,
        ).delete()
        return per_model.get(cls._meta.label, 0)

    def plan_steps(self, total: int, *, result: dict | None = None) -> None:
        """The plan is made: the run has `total` steps from now on (set once, never grown); `result` (the
        plan) is saved with it in the same write."""
        fields: dict[str, Any] = {} if result is None else {"result": result}
        if self.total_steps is None:
            fields["total_steps"] = total
        if fields:
            self._set(**fields)

    def beat(self) -> None:
        self._set(heartbeat_at=timezone.now())

    def finish(self, message: str, *, http_calls: int = 0, succeeded: bool = True, hint: str = "") -> None:
        """The run reached its end: succeeded, or failed with findings (a check that found rights missing)."""
        self._set(
            state=RunState.SUCCEEDED if succeeded else RunState.FAILED,
            message=message[:1000],
            hint=hint[:500],
            finished_at=timezone.now(),
            http_calls=http_calls,
            result=self.result,
        )

    def fail(self, message: str, hint: str = "", *, http_calls: int | None = None) -> None:
        fields: dict[str, Any] = {
            "state": RunState.FAILED,
            "message": message[:1000],
            "hint": hint[:500],
            "finished_at": timezone.now(),
            "result": self.result,
        }
        if http_calls is not None:
            fields["http_calls"] = http_calls
        self._set(**fields)

    def interrupt(self, message: str, hint: str) -> bool:
        """The worker stopped answering during the run; False when the run is not running any more."""
        done = self._set(
            only_if={"state": RunState.RUNNING},
            state=RunState.INTERRUPTED,
            finished_at=timezone.now(),
            message=message[:1000],
            hint=hint[:500],
        )
        if done:
            RunStep.objects.filter(run=self, state=RunState.RUNNING).update(state=RunState.INTERRUPTED)
        return done

    def set_task(self, task_id: str) -> None:
        self._set(task_id=task_id)


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

    @classmethod
    def begin(cls, run: Run, index: int, label: str) -> RunStep:
        """A step of `run` starts (its row, state running, so the page shows what is under way)."""
        return cls.objects.create(
            run=run, index=index, label=label[:200], state=RunState.RUNNING, started_at=timezone.now()
        )

    def finish(
        self, state: str, message: str, *, duration_ms: int, http_calls: int, run_calls: int | None = None
    ) -> None:
        """The step ended (succeeded, failed or skipped) with its one-line message. With `run_calls` the
        run's heartbeat and call count are written in the same transaction (on PostgreSQL in one
        statement: one round trip and one commit per step)."""
        self.state, self.message, self.finished_at = state, message[:500], timezone.now()
        self.duration_ms, self.http_calls = duration_ms, http_calls
        fields = ["state", "message", "finished_at", "duration_ms", "http_calls"]
        if run_calls is None:
            self.save(update_fields=fields)
            return
        connection = connections[router.db_for_write(RunStep)]
        if connection.vendor != "postgresql":
            with transaction.atomic(using=connection.alias):
                self.save(update_fields=fields)
                Run.objects.filter(pk=self.run_id).update(heartbeat_at=self.finished_at, http_calls=run_calls)
            return
        quote = connection.ops.quote_name

        def column(model: type[models.Model], name: str) -> str:
            field = model._meta.get_field(name)
            assert isinstance(field, models.Field)
            return quote(field.column)

        step_table, run_table = quote(RunStep._meta.db_table), quote(Run._meta.db_table)
        assignments = ", ".join(f"{column(RunStep, name)} = %s" for name in fields)
        # Only the models' own (quoted) table and column names are formatted in; every value is a parameter.
        sql = (
            f"WITH step AS (UPDATE {step_table} SET {assignments} WHERE {column(RunStep, 'id')} = %s) "  # noqa: S608
            f"UPDATE {run_table} SET {column(Run, 'heartbeat_at')} = %s, {column(Run, 'http_calls')} = %s "
            f"WHERE {column(Run, 'id')} = %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    *(getattr(self, name) for name in fields),
                    self.pk,
                    self.finished_at,
                    run_calls,
                    self.run_id,
                ],
            )
