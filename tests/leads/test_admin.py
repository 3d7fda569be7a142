"""The operators' admin lists approvals and API tokens read-only, without token digests or secrets."""

import pytest
from django.test import Client
from django.urls import reverse

from pathways import approval as approvals
from pathways.models import ApiToken, Secret
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
