"""What a lead sees of one landscape over time: its certificates' validity (as SVG geometry) and its activity.

Certificates are the ones the expiry watch knows (`expiry.certificates_of`: what the last apply or verify
recorded, and certificates pasted into drafts), never read remotely; levels and thresholds are the
expiry module's, so this page agrees with the overview, the badges and the e-mails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways import expiry

DAY = timedelta(days=1)
WIDTH, LEFT, ROW, TOP = 720, 190, 26, 30
PAST_DAYS = 30
LABEL_GAP = 34  # user units a threshold label ("30 d" at 12px) needs beside the one before it
LABEL_LINE = 14  # the height of one line of threshold labels


def label_lines(xs: list[float]) -> list[int]:
    """For labels centred at `xs` (ascending), the line each goes on: the first line that has room for it."""
    ends: list[float] = []  # per line: the x up to which it is taken
    lines = []
    for x in xs:
        line = next((i for i, end in enumerate(ends) if x - end >= LABEL_GAP), len(ends))
        if line == len(ends):
            ends.append(x)
        else:
            ends[line] = x
        lines.append(line)
    return lines


def days_left(not_after: datetime | None, now: datetime | None = None) -> int | None:
    if not_after is None:
        return None
    return int((not_after - (now or timezone.now())) // DAY)


@dataclass
class Certificate:
    label: str
    not_after: datetime
    not_before: datetime | None = None
    source: str = ""

    @property
    def days_left(self) -> int:
        return expiry.days_until(self.not_after, timezone.now())


def pathway_certificates(pathway) -> list[Certificate]:
    """Every certificate of the pathway the expiry watch knows (`expiry.certificates_of`), applied first."""
    label = pathway.spec.label
    return [
        Certificate(f"{label}: {watched.source}", watched.not_after, source=watched.source)
        for watched in expiry.certificates_of(pathway)
    ]


# Fiori semantic colours of the Horizon theme (negative, critical, positive).
COLOURS = {
    "expired": "var(--sapNegativeColor)",
    "critical": "var(--sapNegativeColor)",
    "expiring": "var(--sapCriticalColor)",
    "ok": "var(--sapPositiveColor)",
}


def svg_geometry(
    certificates: list[Certificate], landscape_threshold: int = 30, now: datetime | None = None
) -> dict:
    """Coordinates for the server-rendered SVG: one bar per certificate, a line for today and each
    threshold.
    """
    now = now or timezone.now()
    start = now - PAST_DAYS * DAY
    latest = max(
        [c.not_after for c in certificates] + [now + max([*expiry.thresholds(), landscape_threshold]) * DAY]
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
        level = expiry.level(left, landscape_threshold)
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
    thresholds = [
        {"x": x(now + days * DAY), "label": _("%(days)s d") % {"days": days}}
        for days in sorted({*expiry.thresholds(), landscape_threshold})
    ]
    lines = label_lines([mark["x"] for mark in thresholds])
    shift = (max(lines, default=0)) * LABEL_LINE
    for bar in bars:
        bar["y"] += shift
        bar["text_y"] += shift
    height = TOP + shift + max(len(certificates), 1) * ROW + 24
    axis_bottom = height - 20
    marks = [{"x": x(now), "label": _("today"), "dashed": False, "label_y": height - 6, "top": 16 + shift}]
    marks += [
        {**mark, "dashed": True, "label_y": 12 + line * LABEL_LINE, "top": 16 + line * LABEL_LINE}
        for mark, line in zip(thresholds, lines, strict=True)
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


# The timeline's filter by kind of entry: what runs did, or what people changed (the audit trail).
ACTIVITY_KINDS = (("run", gettext_lazy("Runs")), ("event", gettext_lazy("Changes")))


def activity(landscape, limit: int = 30, pathway: str = "", kind: str = "") -> list[dict]:
    """Runs and audit events of the landscape, newest first, merged into one list of entries; `pathway` (a
    pathway key) and `kind` ("run" or "event") narrow it, empty keeps everything.

    The periodic message checks that succeeded are left out: they run every few minutes, and what they found
    that matters (a pathway started failing, or recovered) is an audit event here.
    """
    from pathways.models import RunKind
    from pathways.status import RunState

    routine = landscape.runs.filter(kind=RunKind.TRAFFIC, requested_by=None, state=RunState.SUCCEEDED)
    runs = (
        landscape.runs.exclude(pk__in=routine.values("pk"))
        .select_related("pathway", "requested_by")
        .order_by("-created_at", "-id")
    )
    events = landscape.audit_events.order_by("-at", "-id")
    if pathway:
        runs = runs.filter(pathway__key=pathway)
        events = events.filter(pathway_key=pathway)
    entries = []
    if kind in ("", "run"):
        entries += [{"at": run.created_at, "kind": "run", "run": run} for run in runs[:limit]]
    if kind in ("", "event"):
        entries += [{"at": event.at, "kind": "event", "event": event} for event in events[:limit]]
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries[:limit]
