"""What a lead sees of one landscape over time: its certificates' validity (as SVG geometry) and its activity.

Certificates come from facts the app already holds, never from remote calls: each pathway's verified
`certificate_not_after`, the `validuntil` its last apply recorded, and certificates pasted into drafts
(external client certificates, receiver roots). Thresholds: settings.AUTHWIZARD_EXPIRY_THRESHOLDS (30/14/7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from pathways import certs

DAY = timedelta(days=1)
WIDTH, LEFT, ROW, TOP = 720, 190, 26, 30
PAST_DAYS = 30
DRAFT_CERTIFICATES = {
    "external_certificate": "client certificate (draft)",
    "server_root": "receiver root (draft)",
}


def parse_time(value: str | None) -> datetime | None:
    """An ISO timestamp from `applied`, made aware (UTC) when it carries no zone; None when absent or bad."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def thresholds() -> list[int]:
    return sorted({int(x) for x in settings.AUTHWIZARD_EXPIRY_THRESHOLDS}, reverse=True)


def days_left(not_after: datetime | None, now: datetime | None = None) -> int | None:
    if not_after is None:
        return None
    return int((not_after - (now or timezone.now())) // DAY)


def expiry_level(left: int | None, landscape_threshold: int | None = None) -> str:
    """ "expired", "critical" (within the smallest threshold), "expiring" (within the largest), "ok" or ""."""
    if left is None:
        return ""
    if left < 0:
        return "expired"
    limits = thresholds()
    if limits and left <= limits[-1]:
        return "critical"
    if left <= max([*limits, landscape_threshold or 0]):
        return "expiring"
    return "ok"


@dataclass
class Certificate:
    label: str
    not_after: datetime
    not_before: datetime | None = None
    source: str = ""

    @property
    def days_left(self) -> int:
        return days_left(self.not_after)


def pathway_certificates(pathway) -> list[Certificate]:
    """Every certificate of a pathway whose end of validity is known, newest fact first, one per source."""
    found: list[Certificate] = []
    label = pathway.spec.label
    if pathway.certificate_not_after:
        found.append(Certificate(f"{label}: verified", pathway.certificate_not_after, source="verified"))
    else:
        until = parse_time((pathway.applied or {}).get("validuntil"))
        if until:
            found.append(Certificate(f"{label}: applied", until, source="applied"))
    for name, what in DRAFT_CERTIFICATES.items():
        pem = (pathway.draft or {}).get(name) or ""
        if not pem.strip():
            continue
        try:
            leaf = certs.parse_certificates(pem).leaf
        except certs.CertificateError:
            continue
        found.append(Certificate(f"{label}: {what}", leaf.not_after, leaf.not_before, source="draft"))
    return found


COLOURS = {"expired": "#8b1116", "critical": "#b42318", "expiring": "#8a5a00", "ok": "#14532d"}


def svg_geometry(
    certificates: list[Certificate], landscape_threshold: int = 30, now: datetime | None = None
) -> dict:
    """Coordinates for the server-rendered SVG: one bar per certificate, a line for today and each
    threshold.
    """
    now = now or timezone.now()
    start = now - PAST_DAYS * DAY
    latest = max(
        [c.not_after for c in certificates] + [now + max([*thresholds(), landscape_threshold]) * DAY]
    )
    end = min(latest + 15 * DAY, now + 3 * 365 * DAY)
    span = max((end - start) / DAY, 1.0)
    scale = (WIDTH - LEFT - 10) / span

    def x(moment: datetime) -> float:
        days = (min(max(moment, start), end) - start) / DAY
        return round(LEFT + days * scale, 1)

    bars = []
    for index, certificate in enumerate(certificates):
        left = certificate.days_left
        level = expiry_level(left, landscape_threshold)
        begin = certificate.not_before or start
        bars.append(
            {
                "label": certificate.label,
                "y": TOP + index * ROW,
                "x": x(begin),
                "width": max(x(certificate.not_after) - x(begin), 2.0),
                "colour": COLOURS[level],
                "level": level,
                "not_after": certificate.not_after,
                "days_left": left,
                "text_y": TOP + index * ROW + 13,
            }
        )
    height = TOP + max(len(certificates), 1) * ROW + 24
    axis_bottom = height - 20
    marks = [{"x": x(now), "label": "today", "dashed": False, "label_y": height - 6}]
    marks += [
        {"x": x(now + days * DAY), "label": f"{days} d", "dashed": True, "label_y": 12}
        for days in sorted({*thresholds(), landscape_threshold})
    ]
    return {
        "bars": bars,
        "marks": marks,
        "width": WIDTH,
        "height": height,
        "axis_bottom": axis_bottom,
        "start": start,
        "end": end,
        "left": LEFT,
    }


def activity(landscape, limit: int = 30) -> list[dict]:
    """Runs and audit events of the landscape, newest first, merged into one list of entries."""
    runs = list(
        landscape.runs.select_related("pathway", "requested_by").order_by("-created_at", "-id")[:limit]
    )
    events = list(landscape.audit_events.order_by("-at", "-id")[:limit])
    entries = [{"at": run.created_at, "kind": "run", "run": run} for run in runs]
    entries += [{"at": event.at, "kind": "event", "event": event} for event in events]
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries[:limit]
