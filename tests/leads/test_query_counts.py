"""The overview, its CSV and /api/status.json cost the same number of SQL queries for 10 and 1,000
landscapes.
"""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pathways import catalog
from pathways.models import ApiToken, Landscape, Membership, Pathway
from tests.factories import UserFactory

STATUSES = ["draft", "planned", "applied", "verified", "failed"]
URLS = [
    reverse("overview"),
    reverse("overview") + "?status=verified&tier=prod",
    reverse("overview") + "?expiring=1&q=Landscape",
    reverse("overview") + "?status=drifted&page=2",
    reverse("overview_csv"),
    reverse("status_json"),
]


def add_landscapes(user, start: int, count: int) -> None:
    """`count` landscapes with their four pathways and the user's membership, inserted in bulk."""
    now = timezone.now()
    landscapes = Landscape.objects.bulk_create(
        [
            Landscape(name=f"Landscape {n:05d}", tier=["dev", "test", "prod"][n % 3])
            for n in range(start, start + count)
        ]
    )
    if not all(landscape.pk for landscape in landscapes):  # databases that return no keys from bulk inserts
        landscapes = list(Landscape.objects.filter(name__in=[ls.name for ls in landscapes]))
    Membership.objects.bulk_create([Membership(landscape=ls, user=user, role="lead") for ls in landscapes])
    pathways = []
    for n, landscape in enumerate(landscapes, start=start):
        for index, key in enumerate(catalog.PATHWAYS):
            pathways.append(
                Pathway(
                    landscape=landscape,
                    key=key,
                    method=catalog.PATHWAYS[key].default_method,
                    status=STATUSES[(n + index) % len(STATUSES)],
                    last_verified_at=now - timedelta(days=n % 9),
                    certificate_not_after=now + timedelta(days=(n * 7 + index) % 120),
                    drift={"differences": [f"The service key k{n} was deleted."]} if n % 11 == 0 else {},
                )
            )
    Pathway.objects.bulk_create(pathways)


def measure(client: Client, url: str, headers=None) -> tuple[int, float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content[:500]
    return len(queries), elapsed, len(response.content)


@pytest.mark.django_db
def test_query_counts_do_not_grow_from_10_to_1000_landscapes(django_assert_num_queries):
    user = UserFactory(username="lead-of-many")
    client = Client()
    client.force_login(user)
    _, token = ApiToken.issue(user, "dashboard")
    bearer = {"Authorization": f"Bearer {token}"}
    add_landscapes(user, 0, 10)
    small = {url: measure(client, url) for url in URLS}
    measure(Client(), reverse("status_json"), bearer)  # the first use of a token records last_used_at
    small_api = measure(Client(), reverse("status_json"), bearer)

    add_landscapes(user, 10, 990)
    assert Landscape.objects.count() == 1000
    large, responses = {}, {}
    for url, headers, counts in [*((u, {}, small[u]) for u in URLS), ("bearer", bearer, small_api)]:
        caller = Client() if headers else client
        with django_assert_num_queries(counts[0]):
            started = time.perf_counter()
            response = caller.get(reverse("status_json") if url == "bearer" else url, headers=headers)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200
        large[url], responses[url] = (counts[0], elapsed, len(response.content)), response

    print("\nurl | queries@10 | ms@10 | queries@1000 | ms@1000 | bytes@1000")
    for url, before in [*small.items(), ("bearer", small_api)]:
        after = large[url]
        print(
            f"{url} | {before[0]} | {before[1] * 1000:.0f} | {after[0]} | {after[1] * 1000:.0f} | {after[2]}"
        )

    csv_lines = responses[reverse("overview_csv")].content.decode().strip().splitlines()
    assert len(csv_lines) == 1 + 4000
    data = responses[reverse("status_json")].json()
    assert len(data["landscapes"]) == 1000
    assert all(len(item["pathways"]) == 4 for item in data["landscapes"])
    assert len(responses["bearer"].json()["landscapes"]) == 1000
    assert "31 landscapes" not in responses[reverse("overview")].content.decode()
    assert "1000 landscapes, page 1 of 40" in responses[reverse("overview")].content.decode()
