"""Drift found against the sandbox after its state is changed behind the app's back, shown, and cleared."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from pathways import drift, engine, tasks
from pathways.demo import landscape_from_facts
from pathways.engine.connect import Connection
from pathways.models import AuditEvent, Membership, Run, Secret
from pathways.sap.cpi import KeyPairRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quick(fast_waits):
    fast_waits.AUTHWIZARD_DRIFT_CLOCK_SKEW_SECONDS = 0
    return fast_waits


@pytest.fixture
def consultant(db):
    return UserFactory(username="carla")


@pytest.fixture
def landscape(sandbox_tenant, quick, consultant):
    landscape = landscape_from_facts(
        sandbox_tenant, name=f"Drift {sandbox_tenant['subdomain']}", user=consultant
    )
    Membership.objects.create(landscape=landscape, user=consultant, role="consultant")
    return landscape


def applied(landscape, key: str, draft: dict, secrets: dict | None = None):
    """Fill the draft of `key`, run its apply in-process against the sandbox, and return the pathway."""
    pathway = landscape.pathways.get(key=key)
    pathway.draft.update(draft)
    pathway.save()
    for name, value in (secrets or {}).items():
        Secret.store(landscape=landscape, pathway=pathway, name=name, value=value)
    run = Run.objects.create(landscape=landscape, pathway=pathway, kind="apply")
    engine.execute_run(run.id)
    run.refresh_from_db()
    assert run.state == "succeeded", (run.message, list(run.steps.values_list("label", "message")))
    pathway.refresh_from_db()
    return pathway


def test_an_applied_pathway_is_in_sync_until_its_key_is_deleted_in_the_cockpit(landscape, consultant, client):
    pathway = applied(landscape, "s4_to_cpi", {"token_validity": "7200"})
    assert tasks.detect_drift(landscape.id) == {"checked": 1, "drifted": 0, "errors": 0}
    pathway.refresh_from_db()
    assert pathway.drift["differences"] == [] and pathway.drift_checked_at is not None

    with Connection(landscape) as remote:
        remote.cf.delete_key(pathway.applied["key_guid"])
    assert tasks.detect_drift(landscape.id)["drifted"] == 1
    pathway.refresh_from_db()
    assert pathway.drift["differences"] == [f"The service key {pathway.applied['key_name']} was deleted."]
    assert AuditEvent.objects.filter(action="drift.found", pathway_key="s4_to_cpi").count() == 1

    client.force_login(consultant)
    page = client.get(reverse("landscape", args=[landscape.code])).content.decode()
    assert 'data-status="drifted"' in page and "fd-object-status--negative" in page and "was deleted" in page
    overview = client.get(reverse("overview") + "?status=drifted").content.decode()
    assert landscape.name in overview and "Drifted" in overview
    history = client.get(reverse("pathway_history", args=[landscape.code, "s4_to_cpi"])).content.decode()
    assert "Re-apply" in history
    status = client.get(reverse("status_json")).json()
    cells = {cell["key"]: cell for cell in status["landscapes"][0]["pathways"]}
    assert cells["s4_to_cpi"]["drifted"] is True and cells["cpi_to_s4"]["drifted"] is False
    assert cells["s4_to_cpi"]["drift"] == pathway.drift["differences"]

    again = Run.objects.create(landscape=landscape, pathway=pathway, kind="apply")
    engine.execute_run(again.id)
    assert tasks.detect_drift(landscape.id)["drifted"] == 0
    pathway.refresh_from_db()
    assert not drift.is_drifted(pathway)
    assert AuditEvent.objects.filter(action="drift.cleared", pathway_key="s4_to_cpi").count() == 1


def test_a_credential_redeployed_by_hand_is_drift(landscape):
    pathway = applied(landscape, "cpi_to_s4", {"user": "COMM_USER_S4"}, {"password": "S4-Passw0rd!"})
    assert tasks.detect_drift(landscape.id)["drifted"] == 0
    with Connection(landscape) as remote:
        remote.cpi.update_user_credential(
            pathway.applied["credential_name"],
            "COMM_USER_S4",
            "typed-by-hand",
            description="changed in the CPI UI",
        )
        remote.cpi.wait_until_deployed(pathway.applied["credential_name"])
    tasks.detect_drift(landscape.id)
    pathway.refresh_from_db()
    assert len(pathway.drift["differences"]) == 1
    assert "was deployed again" in pathway.drift["differences"][0]


def test_a_keystore_entry_replaced_under_the_same_alias_is_drift(landscape):
    pathway = applied(landscape, "cpi_to_ssc", {"key_source": "generate"})
    alias = pathway.applied["alias"]
    assert tasks.detect_drift(landscape.id)["drifted"] == 0
    with Connection(landscape) as remote:
        remote.cpi.delete_keystore_entry(alias)
        now = datetime.now(UTC)
        remote.cpi.generate_key_pair(
            KeyPairRequest(
                alias=alias,
                common_name="someone-else",
                country="DE",
                valid_not_before=now,
                valid_not_after=now + timedelta(days=9),
            )
        )
    tasks.detect_drift(landscape.id)
    pathway.refresh_from_db()
    assert pathway.drift["differences"][0].startswith(f"The key pair {alias} was replaced in the keystore")


def test_an_unreachable_landscape_is_an_error_not_drift(landscape):
    pathway = applied(landscape, "cpi_to_s4", {"user": "COMM_USER_S4"}, {"password": "S4-Passw0rd!"})
    landscape.cpi_client_id = "sb-nobody"
    landscape.save()
    counts = tasks.detect_drift(landscape.id)
    pathway.refresh_from_db()
    assert counts == {"checked": 1, "drifted": 0, "errors": 1}
    assert pathway.drift["error"] and not drift.is_drifted(pathway)
