"""Where a pathway stands: its status, what was verified, drift, what its real messages show and the expiry
of its soonest certificate.

Every page (overview, landscape page, lead pages), the CSV, /api/status.json, the expiry watcher and the
message watcher read a pathway's status and expiry from here or from `expiry.certificates_of` beneath it, so
they cannot disagree. The status is the pathway's own (draft … verified, failed) unless its iFlows' latest
messages fail authentication: then it is "failing", with the cause (pathways/traffic/), except while an apply
is changing the pathway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from pathways import catalog, drift, expiry
from pathways.status import FAILING, PathwayStatus
from pathways.traffic import watch as traffic

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
    traffic: traffic.Traffic

    @property
    def failing(self) -> bool:
        return self.status == FAILING

    @property
    def failing_sentence(self) -> str:
        """ "Failing since 10:42: SAP S/4HANA rejected the user of credential S4_BASIC (HTTP 401)", or ""."""
        return self.traffic.sentence if self.failing else ""

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


def status_of(pathway: Pathway, seen: traffic.Traffic | None = None) -> str:
    """The one status of a pathway every page, export and watcher shows (its traffic: `seen`, else read)."""
    seen = seen if seen is not None else traffic.of(pathway)
    if seen.failing and pathway.status != PathwayStatus.APPLYING:
        return FAILING
    return pathway.status


def of(pathway: Pathway, landscape: Landscape | None = None, now: datetime | None = None) -> Standing:
    """The pathway's standing; pass its `landscape` when it is at hand (saves a query per pathway)."""
    landscape = landscape or pathway.landscape
    seen = traffic.of(pathway)
    return Standing(
        pathway=pathway,
        status=status_of(pathway, seen),
        verified_method=pathway.verified_method,
        last_verified_at=pathway.last_verified_at,
        drifted=drift.is_drifted(pathway),
        drift_summary=drift.summary(pathway),
        expiry=expiry.expiry_of(pathway, now or timezone.now(), landscape.expiry_threshold_days),
        traffic=seen,
    )
