"""One vocabulary of statuses for pathways and runs, with labels and badge colours."""

from django.db import models
from django.utils.translation import gettext_lazy

# A pathway whose real messages fail authentication (pathways/standing.py puts it in place of the status).
FAILING = "failing"


class PathwayStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PLANNED = "planned", "Planned"
    APPLYING = "applying", "Applying"
    APPLIED = "applied", "Applied"
    VERIFIED = "verified", "Verified"
    FAILED = "failed", "Failed"


class RunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"
    SKIPPED = "skipped", "Skipped"


ACTIVE_RUN_STATES = {RunState.QUEUED, RunState.RUNNING}

# Colour classes in static/authwizard.css; every status of every kind renders through one badge.
COLOURS = {
    "draft": "grey",
    "planned": "blue",
    "queued": "blue",
    "applying": "amber",
    "running": "amber",
    "applied": "teal",
    "verified": "green",
    "succeeded": "green",
    "failed": "red",
    FAILING: "red",
    "interrupted": "red",
    "skipped": "grey",
    "expiring": "amber",
    "drifted": "purple",
    # plan actions
    "create": "blue",
    "keep": "green",
    "update": "amber",
    "replace": "amber",
    "delete": "red",
    "deploy": "amber",
}
LABELS = {
    **dict(PathwayStatus.choices),
    **dict(RunState.choices),
    FAILING: gettext_lazy("Failing"),
    "expiring": "Expiring",
    "drifted": "Drifted",
    "create": "Create",
    "keep": "Keep",
    "update": "Update",
    "replace": "Replace",
    "delete": "Delete",
    "deploy": "Deploy",
}


def colour(status: str) -> str:
    return COLOURS.get(status, "grey")


def label(status: str) -> str:
    return LABELS.get(status, status.replace("_", " ").capitalize())
