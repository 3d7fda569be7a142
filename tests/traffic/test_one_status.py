"""A failing pathway is failing everywhere: its pages, the overview and its filter, the CSV and
/api/status.json tell the same status and the same sentence, from standing.py."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from pathways import standing
from pathways.models import Membership, MessageWatch, Observation, TrafficState
from pathways.traffic import classify
from tests.factories import LandscapeFactory, UserFactory

pytestmark = pytest.mark.django_db

SINCE = datetime(2026, 12, 1, 10, 42, tzinfo=UTC)
CAUSE = "SAP S/4HANA rejected the user of credential S4_BASIC (HTTP 401)"


@pytest.fixture
def failing():
    landscape = LandscapeFactory(name="Sales QA")
    landscape.pathways.filter(key="cpi_to_s4").update(status="verified", verified_method="basic")
    pathway = landscape.pathways.get(key="cpi_to_s4")
    MessageWatch.record(
        pathway,
        Observation(
            verdict=TrafficState.FAILING,
            failure={
                "kind": classify.REJECTED,
                "http_status": 401,
                "receiver": "SAP S/4HANA",
                "credential_kind": classify.USER_CREDENTIALS,
                "credential_name": "S4_BASIC",
            },
            failed_at=SINCE,
        ),
    )
    return landscape


def test_a_failing_pathway_says_so_with_its_cause_on_every_page_and_export(failing, client):
    lead = UserFactory(username="lena")
    Membership.objects.create(landscape=failing, user=lead, role="lead")
    client.force_login(lead)
    sentence = standing.of(failing.pathways.get(key="cpi_to_s4")).failing_sentence
    assert sentence == f"Failing since 2026-12-01 10:42: {CAUSE}"

    pages = [
        reverse("landscape", args=[failing.code]),
        reverse("pathway_traffic", args=[failing.code, "cpi_to_s4"]),
        reverse("pathway_history", args=[failing.code, "cpi_to_s4"]),
        reverse("wizard_step", args=[failing.code, "cpi_to_s4", "review"]),
        reverse("overview"),
        reverse("overview") + "?status=failing",
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert sentence in body and 'data-status="failing"' in body, url
    assert failing.name not in client.get(reverse("overview") + "?status=verified").content.decode()

    rows = list(csv.DictReader(io.StringIO(client.get(reverse("overview_csv")).content.decode())))
    row = next(r for r in rows if r["pathway"] == "cpi_to_s4")
    assert (row["status"], row["failing"], row["failing_since"]) == ("failing", sentence, SINCE.isoformat())
    assert next(r for r in rows if r["pathway"] == "cpi_to_ssc")["failing"] == ""

    cells = {p["key"]: p for p in client.get(reverse("status_json")).json()["landscapes"][0]["pathways"]}
    assert (cells["cpi_to_s4"]["status"], cells["cpi_to_s4"]["failing"]) == ("failing", sentence)
    assert cells["cpi_to_s4"]["failing_since"] == SINCE.isoformat()
    assert cells["s4_to_cpi"]["failing"] == "" and cells["s4_to_cpi"]["failing_since"] is None
