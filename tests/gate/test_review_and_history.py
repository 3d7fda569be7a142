"""The lead decides beside the plan the request was made on; previews of the review step are not history."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pathways.models import Run
from tests.factories import LandscapeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PLAN = [
    {"kind": "create", "target": "User Credentials S4_BASIC", "reason": "no artifact of this name exists"}
]


@pytest.fixture
def prod():
    landscape = LandscapeFactory(name="Review PROD", tier="prod")
    landscape.carla, landscape.leo = UserFactory(username="carla"), UserFactory(username="leo")
    MembershipFactory(landscape=landscape, user=landscape.carla, role="consultant")
    MembershipFactory(landscape=landscape, user=landscape.leo, role="lead")
    return landscape


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def plan_run(pathway) -> Run:
    return Run.objects.create(
        landscape=pathway.landscape,
        pathway=pathway,
        kind="plan",
        state="succeeded",
        finished_at=timezone.now(),
        result={"plan": PLAN, "problems": []},
    )


def test_the_lead_sees_the_plan_beside_approve_and_reject(prod):
    pathway = prod.pathways.get(key="cpi_to_s4")
    plan_run(pathway)
    client_of(prod.carla).post(reverse("approval_request", args=[prod.code, pathway.key]), {"note": "go"})
    panel = client_of(prod.leo).get(reverse("approval_panel", args=[prod.code, pathway.key])).content.decode()
    assert 'id="approval-plan"' in panel and "User Credentials S4_BASIC" in panel
    assert panel.index("approval-plan") < panel.index('value="approve"')


def test_previews_are_not_history_but_the_plan_a_request_was_made_on_is(prod):
    pathway = prod.pathways.get(key="cpi_to_s4")
    preview = plan_run(pathway)
    history = reverse("pathway_history", args=[prod.code, pathway.key])
    assert f"/runs/{preview.code}/" not in client_of(prod.leo).get(history).content.decode()
    client_of(prod.carla).post(reverse("approval_request", args=[prod.code, pathway.key]), {"note": "go"})
    assert f"/runs/{preview.code}/" in client_of(prod.leo).get(history).content.decode()
