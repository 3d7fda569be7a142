"""Where a pathway stands: its status, what was verified, drift and the expiry of its soonest certificate.

Every page (overview, landscape page, lead pages), the CSV, /api/status.json and the expiry watcher read a
pathway's status and expiry from here or from `expiry.certificates_of` beneath it, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from pathways import catalog, drift, expiry

if TYPE_CHECKING:
    from pathways.models import Landscape, Pathway


@dataclass(frozen=True)
class Standing:
    pathway: Pathway
    status: str
    verified_method: str  # the method the last verify proved ("" before any); never the draft's
    last_verified_at: datetime | None
    drifted: bool
    drift_summary: str
    expiry: expiry.Expiry | None

    @property
    def verified_method_label(self) -> str:
        return catalog.METHOD_LABELS.get(self.verified_method, self.verified_method)

    @property
    def not_after(self) -> datetime | None:
        return self.expiry.not_after if self.expiry else None

    @property
    def days_left(self) -> int | None:
        return self.expiry.days_left if self.expiry else None

    @property
    def expiry_level(self) -> str:
        """ "expired", "critical", "expiring", "ok", or "" without a certificate (see expiry.level)."""
        return self.expiry.level if self.expiry else ""

    @property
    def is_expiring(self) -> bool:
        return self.expiry is not None and self.expiry.is_expiring


def of(pathway: Pathway, landscape: Landscape | None = None, now: datetime | None = None) -> Standing:
    """The pathway's standing; pass its `landscape` when it is at hand (saves a query per pathway)."""
    landscape = landscape or pathway.landscape
    return Standing(
        pathway=pathway,
        status=pathway.status,
        verified_method=pathway.verified_method,
        last_verified_at=pathway.last_verified_at,
        drifted=drift.is_drifted(pathway),
        drift_summary=drift.summary(pathway),
        expiry=expiry.expiry_of(pathway, now or timezone.now(), landscape.expiry_threshold_days),
    )
