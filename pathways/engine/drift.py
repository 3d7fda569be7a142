"""Drift: reads what an applied pathway left remotely and says, sentence by sentence, what differs now.

Each credential shape compares its remote objects with `pathway.applied` (what the last successful apply
recorded): the it-rt instance and key still there under the same guids and with the same certificate; the
User Credentials still there with the same user and not redeployed by hand after the apply; the keystore key
pair and trusted root still there with the fingerprints handed over; and the confirmed parameters of the
pathway's iFlows still naming what the apply set (pathways/engine/iflows.py). Credentials the pathway no
longer uses (retired or left over from a method switch) are not in `applied`, so they are never flagged. Reads
only; nothing remote is changed. Findings are stored through `Pathway.record_drift`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from pathways import shapes
from pathways.engine.connect import Connection
from pathways.errors import EngineError
from pathways.sap.errors import SapError

if TYPE_CHECKING:
    from pathways.models import Pathway


def clock_skew() -> timedelta:
    """How much later than `applied_at` a DeployedOn may be before it counts as a redeploy by hand."""
    return timedelta(seconds=float(settings.AUTHWIZARD_DRIFT_CLOCK_SKEW_SECONDS))


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def differences(connection: Connection, pathway: Pathway) -> list[str]:
    """What differs between the remote objects and `pathway.applied`, one sentence each; [] when in sync."""
    from pathways.engine import iflows

    applied = pathway.applied or {}
    shape = shapes.of_applied(applied)
    found = shape.drift(connection, applied) if shape is not None else []
    return found + iflows.drift(connection, pathway)


def check_pathways(pathways: Sequence[Pathway]) -> dict[int, dict]:
    """Drift findings of applied pathways of one landscape, read over one connection, and stored on each row.

    Returns {pathway id: {"differences": [...], "error": "", "checked_at": iso}}. A remote failure is kept
    as `error` (the pathway is then not called drifted: nobody could tell).
    """
    pathways = [p for p in pathways if p.applied]
    if not pathways:
        return {}
    findings: dict[int, dict] = {}
    with Connection(pathways[0].landscape) as connection:
        for pathway in pathways:
            now = timezone.now()
            try:
                found, error = differences(connection, pathway), ""
            except (SapError, EngineError) as failure:
                found, error = [], failure.message[:300]
            finding = {"differences": found, "error": error, "checked_at": now.isoformat(timespec="seconds")}
            pathway.record_drift(finding)
            findings[pathway.pk] = finding
    return findings
