"""One vocabulary of statuses for pathways and runs, with labels and Fiori semantics."""

from django.db import models


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

# Fiori's semantic of every status of every kind (fundamental-styles' object status, message strip):
# "positive" works, "critical" needs attention soon, "negative" is broken, "information" is under way or
# neutral news, "neutral" says nothing good or bad. Every status renders through the one badge tag.
SEMANTICS = {
    "draft": "neutral",
    "planned": "information",
    "queued": "information",
    "applying": "information",
    "running": "information",
    "applied": "information",
    "verified": "positive",
    "succeeded": "positive",
    "failed": "negative",
    "interrupted": "negative",
    "skipped": "neutral",
    "expiring": "critical",
    "expired": "negative",
    "drifted": "negative",
    "pending": "information",
    "approved": "positive",
    "rejected": "negative",
    # plan actions
    "create": "information",
    "keep": "positive",
    "update": "critical",
    "replace": "critical",
    "delete": "negative",
}
# The SAP icon that says the same without colour (SAP-icons font of the Horizon theme).
ICONS = {
    "positive": "sys-enter-2",
    "critical": "alert",
    "negative": "error",
    "information": "information",
    "neutral": "",
}
LABELS = {
    **dict(PathwayStatus.choices),
    **dict(RunState.choices),
    "expiring": "Expiring",
    "expired": "Expired",
    "drifted": "Drifted",
    "pending": "Pending",
    "approved": "Approved",
    "rejected": "Rejected",
    "create": "Create",
    "keep": "Keep",
    "update": "Update",
    "replace": "Replace",
    "delete": "Delete",
}


def semantic(status: str) -> str:
    """Fiori's semantic of a status: positive, critical, negative, information or neutral."""
    return SEMANTICS.get(status, "neutral")


def icon(status: str) -> str:
    return ICONS[semantic(status)]


def label(status: str) -> str:
    return LABELS.get(status, status.replace("_", " ").capitalize())
