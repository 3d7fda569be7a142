"""Carries out one planned action through the pathway's credential shape, adopting what already exists
(idempotent)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathways import iflows, shapes
from pathways.shapes.base import (
    HANDOFF_CERTIFICATE,
    HANDOFF_CLIENTSECRET,
    HANDOFF_PRIVATE_KEY,
    Action,
    Work,
    store_handoff,
)
from pathways.shapes.it_rt_key import record_key
from pathways.shapes.key_pair import entry_facts

if TYPE_CHECKING:
    from pathways.engine.connect import Connection

__all__ = [
    "HANDOFF_CERTIFICATE",
    "HANDOFF_CLIENTSECRET",
    "HANDOFF_PRIVATE_KEY",
    "entry_facts",
    "execute",
    "record_key",
    "store_handoff",
]


def execute(connection: Connection, work: Work, action: Action) -> str:
    """Do one action; returns the one-line message for its step. SapError propagates."""
    if action.resource in iflows.RESOURCES:
        from pathways.engine import iflows as engine_iflows

        return engine_iflows.execute(connection, work, action)
    return shapes.of(work.pathway).execute(connection, work, action)
