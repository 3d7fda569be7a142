"""An approval covers the draft, the landscape's connection settings and the tier; the worker checks it again
before its first remote write, and lowering a production tier is a lead's decision."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pathways import approval as approvals
from pathways import engine, gate
from pathways.engine.retire import start_retire
from pathways.models import ApprovalState, AuditEvent, LeftoverCredential, RunKind
from tests.factories import LandscapeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def prod():
    landscape = LandscapeFactory(name="Gate PROD", tier="prod")
    people = {name: UserFactory(username=name) for name in ("carla", "leo", "lena")}
    MembershipFactory(landscape=landscape, user=people["carla"], role="consultant")
    MembershipFactory(landscape=landscape, user=people["leo"], role="lead")
    MembershipFactory(landscape=landscape, user=people["lena"], role="lead")
    landscape.people = people
    return landscape


def approved(landscape):
    pathway = landscape.pathways.get(key="cpi_to_s4")
    request = approvals.request_approval(pathway, landscape.people["carla"])
    approvals.decide(request, landscape.people["leo"], approve=True)
    return pathway, request


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("cf_user", "other@example.com", "connection settings changed"),
        ("runtime_url", "https://other.it-cpi001-rt.cfapps.eu10.hana.ondemand.com", "connection settings"),
        ("ca_bundle", "-----BEGIN CERTIFICATE-----\n", "connection settings changed"),
        ("ssc_host", "ssc.other.example.com", "connection settings changed"),
        ("tier", "dev", "tier changed"),
    ],
)
def test_changing_what_the_approval_covers_withdraws_it_with_the_reason(prod, field, value, why):
    pathway, request = approved(prod)
    setattr(prod, field, value)
    prod.save()
    pathway.refresh_from_db()
    assert approvals.current_approval(pathway) is None
    request.refresh_from_db()
    assert request.state == ApprovalState.WITHDRAWN and why in request.withdrawn_reason
    event = AuditEvent.objects.get(action="approval.withdrawn")
    assert why in event.note  # the lead reads why in the history


def test_a_landscape_secret_set_again_withdraws_the_approval(prod):
    from pathways.models import Secret

    pathway, request = approved(prod)
    Secret.store(landscape=prod, name="cf_password", value="a-new-Passw0rd!")
    assert approvals.current_approval(pathway) is None


def test_a_consultant_cannot_lower_the_tier_from_production_in_the_form(prod):
    client = Client()
    client.force_login(prod.people["carla"])
    page = client.get(reverse("landscape_edit", args=[prod.code])).content.decode()
    assert "tier" in page
    data = {
        "name": prod.name,
        "tier": "dev",
        "version": str(prod.version),
        "runtime_url": prod.runtime_url,
        "endpoint_path": prod.endpoint_path,
        "cf_api_url": prod.cf_api_url,
        "cf_uaa_url": prod.cf_uaa_url,
        "cf_org": prod.cf_org,
        "cf_space": prod.cf_space,
        "cf_user": prod.cf_user,
        "expiry_threshold_days": "30",
    }
    response = client.post(reverse("landscape_edit", args=[prod.code]), data)
    assert response.status_code == 200
    assert "only a lead of this" in response.content.decode()
    prod.refresh_from_db()
    assert prod.tier == "prod"


def test_a_lead_lowers_the_tier_and_the_open_approvals_are_withdrawn(prod):
    pathway, request = approved(prod)
    client = Client()
    client.force_login(prod.people["lena"])
    response = client.post(reverse("landscape_tier", args=[prod.code]), {"tier": "test"})
    assert response.status_code == 302
    prod.refresh_from_db()
    request.refresh_from_db()
    assert prod.tier == "test" and request.state == ApprovalState.WITHDRAWN
    assert "tier changed" in request.withdrawn_reason
    assert AuditEvent.objects.filter(action="landscape.change", changes__tier=["prod", "test"]).exists()


def test_the_worker_stops_a_run_whose_approval_no_longer_holds(prod):
    """Started with a valid approval; the tier is lowered before the worker takes it: nothing is written."""
    pathway, request = approved(prod)
    leftover = LeftoverCredential.objects.create(
        pathway=pathway, shape="user_credentials", facts={"name": "OLD"}, label="User Credentials OLD"
    )
    run = start_retire(leftover, prod.people["carla"])
    assert run.approval_id == request.pk
    prod.tier = "dev"
    prod.save()
    engine.execute_run(run.id)
    run.refresh_from_db()
    assert run.state == "failed" and run.http_calls == 0
    assert "Stopped before changing anything" in run.message and "tier changed" in run.message
    assert not run.steps.exists()


def test_the_worker_refuses_when_the_role_was_taken_away_after_the_start(prod):
    pathway = prod.pathways.get(key="cpi_to_s4")
    prod.tier = "dev"
    prod.save()
    run = engine.start_run(pathway, RunKind.RETIRE, prod.people["carla"], params={"leftover": 0})
    prod.memberships.filter(user=prod.people["carla"]).update(role="viewer")
    engine.execute_run(run.id)
    run.refresh_from_db()
    assert run.state == "failed" and "Stopped before changing anything: Only consultants" in run.message


def test_a_plan_is_never_held_up_by_four_eyes(prod):
    pathway = prod.pathways.get(key="cpi_to_s4")
    assert gate.refusal(pathway, RunKind.PLAN, prod.people["carla"]) is None
    assert gate.refusal(pathway, RunKind.APPLY, prod.people["carla"]).code == gate.FOUR_EYES


def test_a_page_only_reads_the_withdrawal_happened_when_the_change_was_saved(prod):
    """The draft changes: the approval is withdrawn (audited) at that moment; the lead's page writes nothing
    and shows why."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pathway, request = approved(prod)
    pathway.save_field("user", "OTHER_USER", seen_version=pathway.version, user=prod.people["carla"])
    request.refresh_from_db()
    assert request.state == ApprovalState.WITHDRAWN and "draft changed" in request.withdrawn_reason
    client = Client()
    client.force_login(prod.people["leo"])
    client.get(reverse("pathway_history", args=[prod.code, pathway.key]))  # sessions etc. settle first
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("pathway_history", args=[prod.code, pathway.key])).content.decode()
        client.get(reverse("approval_panel", args=[prod.code, pathway.key]))
        client.get(reverse("overview"))
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert not writes, writes
    assert "the pathway&#x27;s draft changed after the request" in page or "draft changed after" in page
