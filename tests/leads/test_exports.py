"""The overview's filters, CSV and /api/status.json are scoped to what the caller may see; API tokens."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pathways.models import ApiToken, AuditEvent
from tests.factories import LandscapeFactory, MembershipFactory


@pytest.fixture
def hidden(db):
    """A landscape none of the personas belongs to."""
    return LandscapeFactory(name="Secret Project PROD", tier="prod")


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_csv_lists_only_the_callers_landscapes(as_user, prod, dev, hidden):
    rows = csv_rows(as_user("viewer").get(reverse("overview_csv")))
    assert {row["landscape"] for row in rows} == {prod.name, dev.name}
    assert len(rows) == 8
    assert as_user("outsider").get(reverse("overview_csv")).content.decode().strip().splitlines() == [
        "landscape,tier,pathway,method,status,drifted,drift,last_verified_at,certificate_not_after,days_left,expiry,"
        "failing_since,failing"
    ]


def test_csv_cells_cannot_become_spreadsheet_formulas(as_user, people):
    landscape = LandscapeFactory(name="=HYPERLINK(1)")
    MembershipFactory(landscape=landscape, user=people["viewer"], role="viewer")
    rows = csv_rows(as_user("viewer").get(reverse("overview_csv") + "?q=HYPERLINK"))
    assert {row["landscape"] for row in rows} == {"'=HYPERLINK(1)"}


def test_status_json_is_scoped_and_filterable(as_user, prod, dev, hidden):
    data = as_user("lead").get(reverse("status_json")).json()
    assert [item["name"] for item in data["landscapes"]] == [dev.name, prod.name]
    only_prod = as_user("lead").get(reverse("status_json"), {"tier": "prod"}).json()
    assert [item["name"] for item in only_prod["landscapes"]] == [prod.name]
    assert as_user("outsider").get(reverse("status_json")).json()["landscapes"] == []


def test_a_bearer_token_reads_status_json_as_its_owner(people, prod, dev, hidden):
    _, token = ApiToken.issue(people["viewer"], "wallboard")
    response = Client().get(reverse("status_json"), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert {item["name"] for item in response.json()["landscapes"]} == {prod.name, dev.name}
    row = ApiToken.objects.get()
    assert row.last_used_at is not None and row.digest != token and token not in row.hint + row.name


@pytest.mark.parametrize("header", ["Bearer aw_wrong", "Basic dXNlcjpwYXNz", "Bearer "])
def test_a_wrong_or_malformed_token_is_401(db, header):
    response = Client().get(reverse("status_json"), headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"]


def test_a_token_stops_working_when_revoked(as_user, people):
    page = as_user("consultant").post(reverse("api_tokens"), {"action": "create", "name": "Grafana"})
    token = page.content.decode().split('value="aw_')[1].split('"')[0]
    assert "no-store" in page["Cache-Control"]
    bearer = {"Authorization": f"Bearer aw_{token}"}
    assert Client().get(reverse("status_json"), headers=bearer).status_code == 200
    listing = as_user("consultant").get(reverse("api_tokens")).content.decode()
    assert "Grafana" in listing and f"aw_{token}" not in listing
    row = ApiToken.objects.get()
    assert (
        as_user("lead").post(reverse("api_tokens"), {"action": "revoke", "token": row.pk}).status_code == 302
    )
    assert ApiToken.objects.filter(pk=row.pk).exists()  # someone else's token is not theirs to revoke
    as_user("consultant").post(reverse("api_tokens"), {"action": "revoke", "token": row.pk})
    assert Client().get(reverse("status_json"), headers=bearer).status_code == 401
    assert list(AuditEvent.objects.values_list("action", flat=True).order_by("id")) == [
        "api_token.create",
        "api_token.revoke",
    ]


def test_a_token_name_is_checked_beside_the_field(as_user):
    response = as_user("consultant").post(reverse("api_tokens"), {"action": "create", "name": "x" * 81})
    assert response.status_code == 200
    assert "at most 80 characters" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_overview_filters_by_tier_status_expiring_and_search(as_user, prod, dev):
    now = timezone.now()
    prod.pathways.filter(key="cpi_to_ssc").update(
        status="verified", certificate_not_after=now + timedelta(days=10)
    )
    dev.pathways.filter(key="cpi_to_ssc").update(certificate_not_after=now + timedelta(days=200))
    client = as_user("lead")

    def names(**params):
        page = client.get(reverse("overview"), params).content.decode()
        return {name for name in (prod.name, dev.name) if f">{name}</a>" in page}

    assert names() == {prod.name, dev.name}
    assert names(tier="dev") == {dev.name}
    assert names(status="verified") == {prod.name}
    assert names(expiring="1") == {prod.name}
    assert names(q="dev") == {dev.name}
    assert names(status="nonsense", tier="nonsense") == {prod.name, dev.name}
    page = client.get(reverse("overview")).content.decode()
    assert "10 days left" in page or "9 days left" in page


def test_overview_pages_25_landscapes_at_a_time(as_user, people):
    for n in range(30):
        MembershipFactory(
            landscape=LandscapeFactory(name=f"Zone {n:02d}"), user=people["viewer"], role="viewer"
        )
    client = as_user("viewer")
    first = client.get(reverse("overview"), {"q": "Zone"}).content.decode()
    second = client.get(reverse("overview"), {"q": "Zone", "page": "2"}).content.decode()
    assert "Zone 00" in first and "Zone 24" in first and "Zone 25" not in first
    assert "Zone 25" in second and "Zone 29" in second and "page 2 of 2" in second
    assert "q=Zone&amp;page=2" in first
    assert client.get(reverse("overview"), {"page": "999"}).status_code == 200
