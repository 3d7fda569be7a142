"""P3: status pages at scale: SQL queries and server time (median of 30 requests after a warm-up) of the
overview and the home page at 10 and 1,000 landscapes, measured in-process so the time is the server's
alone. Target: the time at 1,000 within 1.5× the time at 10, and the same number of queries."""

from __future__ import annotations

import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

REPEATS = 30
TARGET_TIME_RATIO = 1.5


def add_landscapes(user, count: int, start: int) -> None:
    """`count` landscapes with their four pathways, the user a lead on each (bulk inserts)."""
    from pathways import catalog
    from pathways.models import Landscape, Membership, Pathway

    created = Landscape.objects.bulk_create(
        [
            Landscape(
                name=f"Status {start + n:05d}",
                tier=("dev", "test", "prod")[n % 3],
                runtime_url="https://x.it-cpi001-rt.cfapps.eu10.hana.ondemand.com",
            )
            for n in range(count)
        ]
    )
    if created and created[0].pk is None:  # a database that does not return keys from bulk inserts
        created = list(Landscape.objects.filter(name__startswith="Status ").order_by("-id")[:count])
    Pathway.objects.bulk_create(
        [
            Pathway(landscape=landscape, key=spec.key, method=spec.default_method)
            for landscape in created
            for spec in catalog.PATHWAYS.values()
        ]
    )
    Membership.objects.bulk_create(
        [Membership(landscape=landscape, user=user, role="lead") for landscape in created]
    )


def refresh_statistics() -> None:
    """The planner's statistics of the tables just filled, as autovacuum keeps them in a running database:
    without them PostgreSQL plans the 1,000-landscape page for tables it has never measured (all landscapes
    joined and sorted for a page of 25, every pathway scanned for the page's 100)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _page_urls() -> dict[str, str]:
    from django.urls import NoReverseMatch, reverse

    urls = {"home": reverse("home")}
    try:
        urls["overview"] = reverse("overview")
    except NoReverseMatch:
        pass
    return urls


def time_page(client, url: str) -> dict:
    client.get(url)  # warm-up: templates compiled, caches filled
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return {
        "queries": len(queries),
        "median_ms": round(statistics.median(times) * 1000, 1),
        "bytes": len(response.content),
    }


def measure(sizes: tuple[int, ...] = (10, 1000)) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_user("bench-lead", password="bench-password-123")
    client = Client()
    client.force_login(user)
    results: dict = {"sizes": list(sizes), "pages": {}}
    have = 0
    for size in sizes:
        add_landscapes(user, size - have, have)
        refresh_statistics()
        have = size
        for name, url in _page_urls().items():
            results["pages"].setdefault(name, {"url": url})[str(size)] = time_page(client, url)
    small, large = str(sizes[0]), str(sizes[-1])
    for page in results["pages"].values():
        page["query_ratio"] = round(page[large]["queries"] / max(1, page[small]["queries"]), 2)
        page["time_ratio"] = round(page[large]["median_ms"] / max(0.1, page[small]["median_ms"]), 2)
        page["passed"] = (
            page[large]["queries"] == page[small]["queries"] and page["time_ratio"] <= TARGET_TIME_RATIO
        )
    results["target_time_ratio"] = TARGET_TIME_RATIO
    return results
