"""One vocabulary of statuses for pathways and runs, with labels and Fiori semantics."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# A pathway whose real messages fail authentication (pathways/standing.py puts it in place of the status).
FAILING = "failing"


class PathwayStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PLANNED = "planned", _("Planned")
    APPLYING = "applying", _("Applying")
    APPLIED = "applied", _("Applied")
    VERIFIED = "verified", _("Verified")
    FAILED = "failed", _("Failed")


class RunState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    INTERRUPTED = "interrupted", _("Interrupted")
    SKIPPED = "skipped", _("Skipped")


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
    FAILING: "negative",
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
    "deploy": "critical",
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
    FAILING: _("Failing"),
    "expiring": _("Expiring"),
    "expired": _("Expired"),
    "drifted": _("Drifted"),
    "pending": _("Pending"),
    "approved": _("Approved"),
    "rejected": _("Rejected"),
    "create": _("Create"),
    "keep": _("Keep"),
    "update": _("Update"),
    "replace": _("Replace"),
    "delete": _("Delete"),
    "deploy": _("Deploy"),
}


def semantic(status: str) -> str:
    """Fiori's semantic of a status: positive, critical, negative, information or neutral."""
    return SEMANTICS.get(status, "neutral")


def icon(status: str) -> str:
    return ICONS[semantic(status)]


def label(status: str) -> str:
    return LABELS.get(status, status.replace("_", " ").capitalize())
