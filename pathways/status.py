"""One vocabulary of statuses for pathways and runs, with labels and badge colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
}
LABELS = {
    **dict(PathwayStatus.choices),
    **dict(RunState.choices),
    "expiring": _("Expiring"),
    "drifted": _("Drifted"),
    "create": _("Create"),
    "keep": _("Keep"),
    "update": _("Update"),
    "replace": _("Replace"),
    "delete": _("Delete"),
}


def colour(status: str) -> str:
    return COLOURS.get(status, "grey")


def label(status: str) -> str:
    return LABELS.get(status, status.replace("_", " ").capitalize())
