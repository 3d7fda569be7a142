"""The leads' overview: every visible landscape × the four pathways, filtered, searched, paged, or as CSV.

The page costs the same number of SQL queries for 10 or 1,000 landscapes: one count, one page of
landscapes, one prefetch of their pathways, one for pending approvals (and one for the "expiring" filter's
pathways). The CSV and the JSON read all rows in two queries: the landscapes, and their pathways by
subquery. Status and expiry come from `standing.of`, as on every other page.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from pathways import catalog, expiry, standing
from pathways.approval import pending_for, still_pending
from pathways.models import Landscape, Pathway, Tier, only_looks
from pathways.status import FAILING, PathwayStatus, label

if TYPE_CHECKING:
    from collections.abc import Iterable
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
    their messages showed, in the same query."""
    return Pathway.objects.select_related("message_watch").only(*ROW_PATHWAY_FIELDS, *ROW_WATCH_FIELDS)


def with_pathways(landscapes: QuerySet[Landscape]) -> QuerySet[Landscape]:
    return landscapes.only(*ROW_LANDSCAPE_FIELDS).prefetch_related(
        Prefetch("pathways", queryset=row_pathways().order_by("key"))
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
    grouped: dict[int, list[Pathway]] = {}
    for pathway in (
        row_pathways().filter(landscape__in=landscapes.values("pk")).order_by("landscape_id", "key")
    ):
        grouped.setdefault(pathway.landscape_id, []).append(pathway)
    return landscape_rows(list(landscapes.only(*ROW_LANDSCAPE_FIELDS)), grouped)


def landscape_rows(
    landscapes: Iterable[Landscape], grouped: dict[int, list[Pathway]] | None = None
) -> list[dict]:
    """One row per landscape with its four cells in catalog order (a missing pathway is an empty cell).

    Pathways come from `grouped` ({landscape id: pathways}) when given, else from a prefetch.
    """
    now = timezone.now()
    rows = []
    for landscape in landscapes:
        pathways = grouped.get(landscape.pk, []) if grouped is not None else landscape.pathways.all()
        by_key = {p.key: p for p in pathways}
        cells = [
            pathway_cell(by_key[key], landscape, now) if key in by_key else None for key in CATALOG_ORDER
        ]
        rows.append({"landscape": landscape, "cells": cells})
    return rows


@login_required
def overview(request: SignedInRequest) -> HttpResponse:
    landscapes, filters = filtered_landscapes(request, request.user)
    page = Paginator(with_pathways(landscapes), PAGE_SIZE).get_page(request.GET.get("page"))
    pending = still_pending(list(pending_for(request.user)[:20]))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "pathways/leads/overview.html",
        {
            "page": page,
            "rows": landscape_rows(page.object_list),
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
