"""The run pages: who may start runs, and the panel that polls only while a run is active."""

import pytest
from django.urls import reverse

from pathways.models import Run, RunStep


@pytest.fixture
def finished_run(landscape, people):
    pathway = landscape.pathways.get(key="cpi_to_s4")
    run = Run.objects.create(
        landscape=landscape,
        pathway=pathway,
        kind="apply",
        state="failed",
        message="CPI refused the credential",
        hint="Check the CredentialsEdit role",
        requested_by=people["consultant"],
    )
    RunStep.objects.create(run=run, index=0, label="Create User Credentials", state="failed", duration_ms=12)
    return run


@pytest.mark.parametrize(
    "persona, status",
    [
        ("consultant", 200),
        ("lead", 200),
        ("viewer", 200),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_the_run_page_is_for_members(as_user, finished_run, persona, status):
    assert as_user(persona).get(reverse("run", args=[finished_run.code])).status_code == status


def test_a_finished_run_stops_polling_and_offers_retry(as_user, finished_run):
    html = (
        as_user("consultant")
        .get(reverse("run", args=[finished_run.code]), HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "hx-trigger" not in html and "Retry" in html
    assert "CPI refused the credential" in html and "Check the CredentialsEdit role" in html


def test_an_active_run_polls_every_second_while_the_tab_is_visible(as_user, finished_run):
    finished_run.state = "running"
    finished_run.save()
    html = as_user("viewer").get(reverse("run", args=[finished_run.code])).content.decode()
    assert "hx-trigger=\"every 1s [document.visibilityState === 'visible']\"" in html
    assert "Retry" not in html


@pytest.mark.parametrize(
    "persona, status",
    [
        ("lead", 403),
        ("viewer", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_only_consultants_may_start_runs(as_user, landscape, persona, status):
    url = reverse("pathway_run", kwargs={"code": landscape.code, "key": "cpi_to_s4", "kind": "apply"})
    assert as_user(persona).post(url).status_code == status
    assert not Run.objects.exists()
