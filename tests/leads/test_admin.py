"""The operators' admin lists approvals, API tokens, pathways, runs and the audit trail read-only, without
token digests or secrets; the audit trail is append-only in the model too."""

import pytest
from django.test import Client
from django.urls import reverse

from pathways import approval as approvals
from pathways.models import ApiToken, AuditEvent, Run, Secret
from pathways.models.audit import AppendOnly
from tests.factories import UserFactory

from .conftest import fill_basic_draft


@pytest.fixture
def operator(db):
    return UserFactory(username="ops", is_staff=True, is_superuser=True)


def test_admin_shows_approvals_tokens_and_drift_without_secrets(operator, prod, people):
    pathway = fill_basic_draft(prod.pathways.get(key="cpi_to_s4"), people["consultant"])
    approvals.request_approval(pathway, people["consultant"], "admin check")
    row, token = ApiToken.issue(people["viewer"], "wallboard")
    Secret.store(landscape=prod, name="cf_password", value="CF-Passw0rd-secret")
    client = Client()
    client.force_login(operator)
    pages = [
        reverse("admin:pathways_approval_changelist"),
        reverse("admin:pathways_approval_change", args=[pathway.approvals.get().pk]),
        reverse("admin:pathways_apitoken_changelist"),
        reverse("admin:pathways_apitoken_change", args=[row.pk]),
        reverse("admin:pathways_pathway_change", args=[pathway.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in (token, row.digest, "Secret-Passw0rd!", "CF-Passw0rd-secret"):
            assert secret not in html, (url, secret[:6])
    assert client.get(reverse("admin:pathways_approval_add")).status_code == 403
    assert client.get(reverse("admin:pathways_apitoken_add")).status_code == 403


def test_the_drift_check_runs_on_the_beat_schedule(settings):
    import pathways.tasks  # noqa: F401 - merges the periodic tasks into the schedule
    from authwizard.celery import app

    assert settings.CELERY_BEAT_SCHEDULE["detect-drift"]["task"] == "pathways.tasks.detect_drift"
    assert app.conf.beat_schedule["detect-drift"]["task"] == "pathways.tasks.detect_drift"


def test_the_audit_trail_cannot_be_added_to_changed_or_deleted_in_the_admin(operator, prod, people):
    event = AuditEvent.record(user=people["lead"], action="landscape.change", landscape=prod, note="kept")
    client = Client()
    client.force_login(operator)
    assert client.get(reverse("admin:pathways_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:pathways_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:pathways_auditevent_add"), {"action": "forged"}).status_code == 403
    delete = reverse("admin:pathways_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:pathways_auditevent_change", args=[event.pk])
    assert client.post(change, {"action": "forged", "note": "forged"}).status_code == 403
    bulk = client.post(
        reverse("admin:pathways_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert (event.action, event.note) == ("landscape.change", "kept")
    assert not AuditEvent.objects.filter(action="forged").exists()


def test_the_model_refuses_to_change_or_delete_an_audit_event(prod, people):
    event = AuditEvent.record(user=people["lead"], action="landscape.change", landscape=prod, note="kept")
    event.note = "rewritten"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).note == "kept"


def test_deleting_a_landscape_keeps_its_audit_trail(prod, people):
    event = AuditEvent.record(user=people["lead"], action="landscape.change", landscape=prod, note="kept")
    prod.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.landscape is None and event.landscape_name == prod.name


def test_pathway_status_and_run_state_cannot_be_set_by_hand_in_the_admin(operator, prod, people):
    pathway = prod.pathways.get(key="s4_to_cpi")
    run = Run.objects.create(landscape=prod, pathway=pathway, kind="apply", state="failed", result={})
    client = Client()
    client.force_login(operator)
    page = client.get(reverse("admin:pathways_pathway_change", args=[pathway.pk]))
    assert page.status_code == 200 and b'name="status"' not in page.content
    forged = {
        "landscape": prod.pk,
        "key": pathway.key,
        "method": "certificate",
        "status": "verified",
        "status_message": "",
        "last_verified_at_0": "2026-01-01",
        "last_verified_at_1": "10:00:00",
        "certificate_not_after_0": "2036-01-01",
        "certificate_not_after_1": "10:00:00",
    }
    response = client.post(reverse("admin:pathways_pathway_change", args=[pathway.pk]), forged)
    assert response.status_code == 403
    pathway.refresh_from_db()
    assert (pathway.status, pathway.method, pathway.last_verified_at) == ("draft", "basic", None)
    assert pathway.certificate_not_after is None
    assert client.get(reverse("admin:pathways_pathway_add")).status_code == 403
    run_page = reverse("admin:pathways_run_change", args=[run.pk])
    assert client.get(run_page).status_code == 200
    forged_run = {"state": "succeeded", "result": '{"verified": true}', "kind": "apply", "landscape": prod.pk}
    assert client.post(run_page, forged_run).status_code == 403
    run.refresh_from_db()
    assert (run.state, run.result) == ("failed", {})
    assert client.get(reverse("admin:pathways_run_add")).status_code == 403
