"""Thin Celery tasks: each takes ids only, and the engine does the work against the database row."""

from django.conf import settings

from authwizard.celery import app
from pathways import engine

MARK_INTERRUPTED_EVERY_SECONDS = 60.0
PURGE_SHARED_VALUES_EVERY_SECONDS = 3600.0


@app.task(
    name="pathways.tasks.execute_run",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    ignore_result=True,
)
def execute_run(run_id: int) -> None:
    """Run the Run row `run_id` to its end; exits quietly when it is gone or already finished."""
    engine.execute_run(run_id)


@app.task(name="pathways.tasks.mark_interrupted_runs", ignore_result=True)
def mark_interrupted_runs() -> int:
    """Periodic: runs whose heartbeat stopped are shown as interrupted."""
    return engine.mark_interrupted_runs()


@app.task(name="pathways.tasks.purge_shared_values", ignore_result=True)
def purge_shared_values() -> int:
    """Periodic: shared tokens, leases and rate-limit buckets that ended are deleted from the database."""
    from pathways.engine.shared import purge_expired

    return purge_expired()


@app.task(name="pathways.tasks.detect_drift", ignore_result=True)
def detect_drift(landscape_id: int | None = None) -> dict:
    """Periodic: compare each applied pathway's remote state with what was applied; store the findings."""
    from pathways import drift
    from pathways.models import Landscape

    scope = None if landscape_id is None else Landscape.objects.filter(pk=landscape_id)
    return drift.detect_drift(scope)


@app.task(name="pathways.tasks.watch_certificate_expiry", ignore_result=True)
def watch_certificate_expiry() -> int:
    """Periodic: e-mail members about certificates within 30/14/7 days of expiry, once per threshold."""
    from pathways import expiry

    return len(expiry.send_expiry_notices())


@app.task(name="pathways.tasks.watch_message_traffic", ignore_result=True)
def watch_message_traffic() -> dict:
    """Periodic: start a message check (a Run, through the gate) of every landscape whose pathways are
    confirmed in an iFlow; one already under way is not started twice."""
    from pathways.traffic import checks

    return checks.start_checks()


@app.task(name="pathways.tasks.prune_routine_checks", ignore_result=True)
def prune_routine_checks() -> int:
    """Periodic: delete succeeded periodic message checks older than AUTHWIZARD_ROUTINE_CHECKS_KEEP_DAYS."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from pathways.models import Run

    keep = timedelta(days=settings.AUTHWIZARD_ROUTINE_CHECKS_KEEP_DAYS)
    return Run.prune_routine_checks(timezone.now() - keep)


app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "mark-interrupted-runs": {
        "task": "pathways.tasks.mark_interrupted_runs",
        "schedule": MARK_INTERRUPTED_EVERY_SECONDS,
    },
    "prune-routine-checks": {
        "task": "pathways.tasks.prune_routine_checks",
        "schedule": 6 * 3600.0,
    },
    "purge-shared-values": {
        "task": "pathways.tasks.purge_shared_values",
        "schedule": PURGE_SHARED_VALUES_EVERY_SECONDS,
    },
}
