"""The leads' overview: every visible landscape × the four pathways, filtered, searched, paged, or as CSV.

The page costs the same number of SQL queries for 10 or 1,000 landscapes: one count, one page of
landscapes, one for their pathways, one for pending approvals (and one for the "expiring" filter's
pathways). The CSV and the JSON read all rows in two queries: the landscapes, and their pathways by
subquery. Status and expiry come from `standing.of`, as on every other page.
"""

from __future__ import annotations

import csv
from functools import cache
from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy, ngettext

from pathways import catalog, expiry, standing
from pathways.approval import pending_for, still_pending
from pathways.models import Landscape, Pathway, Tier, only_looks
from pathways.status import FAILING, PathwayStatus, label
from pathways.templatetags.authwizard import badge, tier_marker

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

    from django.db.models import QuerySet
    from django.http import HttpRequest

    from pathways.models import Actor
    from pathways.models.landscape import LandscapeQuerySet
    from pathways.views.access import SignedInRequest

PAGE_SIZE = 25
STATUS_FILTERS = [*PathwayStatus.choices, (FAILING, label(FAILING)), ("drifted", gettext_lazy("Drifted"))]
CATALOG_ORDER = list(catalog.PATHWAYS)


def filtered_landscapes(request: HttpRequest, user: Actor) -> tuple[LandscapeQuerySet, dict[str, object]]:
    """Visible landscapes narrowed by ?q (name), ?tier, ?status (a pathway status as standing.py says it,
    or drifted), ?expiring=1."""
    landscapes = Landscape.objects.visible_to(user)
    query = (request.GET.get("q") or "").strip()[:80]
    tier = request.GET.get("tier") or ""
    status = request.GET.get("status") or ""
    expiring = request.GET.get("expiring") == "1"
    if query:
        landscapes = landscapes.filter(name__icontains=query)
    if tier in Tier.values:
        landscapes = landscapes.filter(tier=tier)
    pathways = Pathway.objects.all()
    narrowed = False
    if status == "drifted":
        pathways = pathways.filter(drift__has_key="differences").exclude(drift__differences=[])
        narrowed = True
    elif status == FAILING:
        pathways = pathways.filter(FAILING_NOW)
        narrowed = True
    elif status in PathwayStatus.values:
        pathways = pathways.filter(status=status).exclude(FAILING_NOW)
        narrowed = True
    if narrowed:
        landscapes = landscapes.filter(pk__in=pathways.values("landscape_id"))
    if expiring:
        landscapes = landscapes.filter(pk__in=expiring_landscape_ids(landscapes))
    filters = {
        "q": query,
        "tier": tier if tier in Tier.values else "",
        "status": status if status in dict(STATUS_FILTERS) else "",
        "expiring": expiring,
    }
    return landscapes.order_by("name", "pk"), filters


# A pathway whose messages fail shows as failing, except while it is being applied (standing.status_of).
FAILING_NOW = Q(message_watch__state=FAILING) & ~Q(status=PathwayStatus.APPLYING)


def expiring_landscape_ids(landscapes: QuerySet[Landscape]) -> list[int]:
    """Landscapes with a pathway whose standing is expiring or expired (one query)."""
    now = timezone.now()
    pathways = (
        row_pathways()
        .filter(landscape__in=landscapes.values("pk"))
        .select_related("landscape")
        .only(*ROW_PATHWAY_FIELDS, *ROW_WATCH_FIELDS, "landscape__expiry_threshold_days")
    )
    return sorted({p.landscape_id for p in pathways if standing.of(p, p.landscape, now).is_expiring})


ROW_PATHWAY_FIELDS = (
    "id",
    "landscape_id",
    "key",
    "method",
    "draft",
    "applied",
    "status",
    "verified_method",
    "last_verified_at",
    "certificate_not_after",
    "drift",
)
ROW_LANDSCAPE_FIELDS = ("id", "code", "name", "tier", "expiry_threshold_days")
# What the pathway's messages showed (standing.py reads it for the status and the failing sentence).
ROW_WATCH_FIELDS = tuple(
    f"message_watch__{name}"
    for name in ("state", "failing_since", "failure", "messages", "checked_at", "last_completed_at", "error")
)


def row_pathways() -> QuerySet[Pathway]:
    """Pathways with only what a row shows (the draft and applied facts hold the certificates), and what
    their messages showed, in the same query; unordered (a row puts its cells in catalog order)."""
    return (
        Pathway.objects.select_related("message_watch")
        .only(*ROW_PATHWAY_FIELDS, *ROW_WATCH_FIELDS)
        .order_by()
    )


def pathway_cell(pathway: Pathway, landscape: Landscape, now: datetime) -> dict:
    """One pathway's cell: its standing, with the method that was verified (not the draft's)."""
    stands = standing.of(pathway, landscape, now)
    return {
        "pathway": pathway,
        "key": pathway.key,
        "label": catalog.PATHWAYS[pathway.key].label,
        "status": stands.status,
        "verified_method": stands.verified_method,
        "method": stands.verified_method_label,
        "last_verified_at": stands.last_verified_at,
        "certificate_not_after": stands.not_after,
        "days_left": stands.days_left,
        "expiry": stands.expiry_level,
        "drifted": stands.drifted,
        "drift_summary": stands.drift_summary,
        "failing_since": stands.traffic.failing_since if stands.failing else None,
        "failing": stands.failing_sentence,
    }


def all_rows(landscapes: QuerySet[Landscape]) -> list[dict]:
    """Rows of every landscape of the queryset in two queries (landscapes; their pathways by subquery)."""
    return landscape_rows(
        list(landscapes.only(*ROW_LANDSCAPE_FIELDS)),
        row_pathways().filter(landscape__in=landscapes.values("pk")),
    )


def landscape_rows(landscapes: list[Landscape], pathways: Iterable[Pathway]) -> list[dict]:
    """One row per landscape with its four cells in catalog order (a missing pathway is an empty cell);
    `pathways` are theirs, read in one query."""
    now = timezone.now()
    by_landscape: dict[int, dict[str, Pathway]] = {}
    for pathway in pathways:
        by_landscape.setdefault(pathway.landscape_id, {})[pathway.key] = pathway
    rows = []
    for landscape in landscapes:
        by_key = by_landscape.get(landscape.pk, {})
        cells = [
            pathway_cell(by_key[key], landscape, now) if key in by_key else None for key in CATALOG_ORDER
        ]
        rows.append({"landscape": landscape, "cells": cells})
    return rows


NIL = UUID(int=0)
EXPIRY_BADGES = {"expired": "expired", "critical": "expiring", "expiring": "expiring"}


def landscape_url(name: str, *args: str) -> Callable[[UUID], str]:
    """The named URL of any landscape by its code, reversed once (with the nil UUID in the code's place)."""
    url, nil = reverse(name, args=[NIL, *args]), str(NIL)
    return lambda code: url.replace(nil, str(code))


class PageRows:
    """What the page shows of each row, with what rows share worked out once per page: one reverse per
    route, one badge per status and title, one tier marker per tier, one short date per day, the sentences
    translated once."""

    def __init__(self) -> None:
        self.landscape = landscape_url("landscape")
        self.history = {key: landscape_url("pathway_history", key) for key in CATALOG_ORDER}
        self.traffic = {key: landscape_url("pathway_traffic", key) for key in CATALOG_ORDER}
        self.badge = cache(badge)
        self.markers: dict[str, SafeString] = {}
        self.labels = {key: str(spec.label) for key, spec in catalog.PATHWAYS.items()}
        self.methods = {key: str(label) for key, label in catalog.METHOD_LABELS.items()}
        self.history_label = gettext("— %(label)s of %(name)s, history")
        self.expired = gettext("Certificate expired %(certificate_not_after)s")
        self.day = cache(lambda day: formats.date_format(day, "SHORT_DATE_FORMAT"))
        self.days_left = cache(
            lambda days: (
                ngettext("Certificate: %(counter)s day left", "Certificate: %(counter)s days left", days)
                % {"counter": formats.localize(days)}
            )
        )

    def short_date(self, moment: datetime) -> str:
        return self.day(timezone.template_localtime(moment).date())

    def row(self, row: dict) -> dict:
        landscape = row["landscape"]
        if landscape.tier not in self.markers:
            self.markers[landscape.tier] = tier_marker(landscape)
        return {
            **row,
            "url": self.landscape(landscape.code),
            "tier_marker": self.markers[landscape.tier],
            "cells": [self.cell(cell, landscape) if cell else None for cell in row["cells"]],
        }

    def cell(self, cell: dict, landscape: Landscape) -> dict:
        """The cell as the page shows it (a link to the pathway's history, its badges and sentences)."""
        key, days_left, verified = cell["key"], cell["days_left"], cell["last_verified_at"]
        expiry_badge = EXPIRY_BADGES.get(cell["expiry"])
        return {
            "history_url": self.history[key](landscape.code),
            "badge": self.badge(cell["status"], cell["failing"]),
            "history_label": self.history_label % {"label": self.labels[key], "name": landscape.name},
            "drift_badge": self.badge("drifted", cell["drift_summary"]) if cell["drifted"] else "",
            "expiry_badge": self.badge(expiry_badge) if expiry_badge else "",
            "failing": cell["failing"],
            "traffic_url": self.traffic[key](landscape.code) if cell["failing"] else "",
            "method": self.methods.get(cell["verified_method"], cell["verified_method"]),
            "verified_at": timezone.template_localtime(verified).isoformat() if verified else "",
            "verified_on": self.short_date(verified) if verified else "",
            "expiry": cell["expiry"],
            "days_left": days_left,
            "certificate": (
                ""
                if days_left is None
                else self.expired % {"certificate_not_after": self.short_date(cell["certificate_not_after"])}
                if days_left < 0
                else self.days_left(days_left)
            ),
        }


@login_required
def overview(request: SignedInRequest) -> HttpResponse:
    landscapes, filters = filtered_landscapes(request, request.user)
    page = Paginator(landscapes.only(*ROW_LANDSCAPE_FIELDS), PAGE_SIZE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    rows = landscape_rows(listed, row_pathways().filter(landscape__in=[landscape.pk for landscape in listed]))
    pending = still_pending(list(pending_for(request.user)[:20]))
    query = request.GET.copy()
    query.pop("page", None)
    shown = PageRows()
    return render(
        request,
        "pathways/leads/overview.html",
        {
            "page": page,
            "rows": [shown.row(row) for row in rows],
            "filters": filters,
            "catalog": catalog.PATHWAYS,
            "tiers": Tier.choices,
            "statuses": STATUS_FILTERS,
            "pending": pending,
            "query": query.urlencode(),
            "thresholds": expiry.thresholds(),
            "may_start": not only_looks(request.user),
        },
    )


CSV_COLUMNS = [
    "landscape",
    "tier",
    "pathway",
    "method",
    "status",
    "drifted",
    "drift",
    "last_verified_at",
    "certificate_not_after",
    "days_left",
    "expiry",
    "failing_since",
    "failing",
]


def csv_safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def overview_csv(request: SignedInRequest) -> HttpResponse:
    landscapes, _ = filtered_landscapes(request, request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="authwizard-overview.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in all_rows(landscapes):
        landscape = row["landscape"]
        for cell in filter(None, row["cells"]):
            writer.writerow(
                [
                    csv_safe(v)
                    for v in (
                        landscape.name,
                        landscape.tier,
                        cell["key"],
                        cell["verified_method"],
                        cell["status"],
                        "yes" if cell["drifted"] else "no",
                        cell["drift_summary"],
                        cell["last_verified_at"].isoformat() if cell["last_verified_at"] else "",
                        cell["certificate_not_after"].isoformat() if cell["certificate_not_after"] else "",
                        "" if cell["days_left"] is None else cell["days_left"],
                        cell["expiry"],
                        cell["failing_since"].isoformat() if cell["failing_since"] else "",
                        cell["failing"],
                    )
                ]
            )
    return response
