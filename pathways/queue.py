"""Sending work to the Celery broker, and the one answer when the broker cannot take it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from pathways.errors import Refused

if TYPE_CHECKING:
    from celery import Task

logger = logging.getLogger(__name__)

QUEUE_UNAVAILABLE = gettext_lazy("the job queue is unavailable; nothing was changed — try again")
QUEUE_HINT = gettext_lazy(
    "Check that the broker (Redis or the local queue folder) is running, then start again."
)


class QueueUnavailable(Refused):
    """The broker did not take the task; the message says so for the page, the hint what to check."""

    def __init__(self) -> None:
        super().__init__(str(QUEUE_UNAVAILABLE), code="queue_unavailable")
        self.hint = str(QUEUE_HINT)


def publish(task: Task, *args: object) -> str:
    """Queue `task(*args)` (ids only, never secrets) without retrying; its task id, or QueueUnavailable."""
    try:
        result = task.apply_async(args=list(args), retry=False)
    except Exception as error:  # noqa: BLE001 - any broker failure means the same thing to the user
        logger.warning("%s could not be queued: %s", task.name, type(error).__name__)
        raise QueueUnavailable() from error
    return getattr(result, "id", None) or ""
