"""Drift detection across landscapes (the periodic task's body) and how a finding reads on a page.

The remote reads live in pathways.engine.drift (each shape's own); this module picks the pathways to check
and answers "is it drifted, and how". Findings and their audit rows go through `Pathway.record_drift`.
"""

from __future__ import annotations

import logging

from pathways.engine import drift as engine_drift
from pathways.models import Landscape, Pathway

logger = logging.getLogger(__name__)


def is_drifted(pathway: Pathway) -> bool:
    return bool((pathway.drift or {}).get("differences"))


def summary(pathway: Pathway) -> str:
    """One line for a badge's title: what differs, or an empty string."""
    return " ".join((pathway.drift or {}).get("differences") or [])


def detect_drift(landscapes=None) -> dict:
    """Check every applied pathway of `landscapes` (default: all); returns counts {checked, drifted,
    errors}. Each finding is stored (and a change audited) by `Pathway.record_drift`.
    """
    scope = Landscape.objects.all() if landscapes is None else landscapes
    counts = {"checked": 0, "drifted": 0, "errors": 0}
    for landscape in scope.order_by("pk"):
        pathways = list(
            Pathway.objects.filter(landscape=landscape)
            .exclude(applied={})
            .select_related("landscape")
            .order_by("key")
        )
        if not pathways:
            continue
        findings = engine_drift.check_pathways(pathways)
        for finding in findings.values():
            counts["checked"] += 1
            counts["errors"] += bool(finding["error"])
            counts["drifted"] += bool(finding["differences"])
    logger.info("drift check: %(checked)s checked, %(drifted)s drifted, %(errors)s unreadable", counts)
    return counts
