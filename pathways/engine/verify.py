"""Proves an applied pathway works with the drafted method, through its credential shape: a token and a
runtime call (inbound secret or SAP-generated certificate key, the latter over mTLS), the stored certificate
(External Certificate), the CPI artifact of the drafted kind read back (outbound)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathways import shapes
from pathways.shapes.base import Check, Findings, Work

if TYPE_CHECKING:
    from pathways.engine.connect import Connection

__all__ = ["Check", "Findings", "checks_for", "count_for"]


def checks_for(connection: Connection, work: Work, findings: Findings) -> list[Check]:
    return shapes.of(work.pathway).verify_checks(connection, work, findings)


def count_for(work: Work) -> int:
    """How many verify steps a run plans for: the shape's most (a run that proves less ends sooner)."""
    return shapes.of(work.pathway).verify_steps
