"""Progress that adds up: a run's step total is fixed when its plan is made and never grows, "Step N of M"
never has N > M, the elapsed time never goes back, and a finished run's bar is full."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from pathways import engine
from pathways.engine import runs as engine_runs
from pathways.models import Run, RunStep
from tests.factories import MembershipFactory

from .conftest import COMBINATIONS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("key", "method"), COMBINATIONS)
def test_the_step_total_is_known_after_the_plan_and_never_grows(prepare, landscape, monkeypatch, key, method):
    pathway = prepare(key, method)
    run = Run.objects.create(landscape=landscape, pathway=pathway, kind="apply")
    seen: list[tuple[int, int]] = []
    finish = RunStep.finish

    def watch(step, *args, **kwargs):
        finish(step, *args, **kwargs)
        fresh = Run.objects.get(pk=run.pk)
        seen.append((fresh.finished_steps, fresh.step_total, fresh.total_steps))

    monkeypatch.setattr(RunStep, "finish", watch)
    engine.execute_run(run.id)
    run.refresh_from_db()
    assert run.state == "succeeded", run.message
    planned = [total for _, _, total in seen if total is not None]
    assert planned and len(set(planned)) == 1, seen  # set once, never changed
    totals = [total for _, total, fixed in seen if fixed is not None]
    assert totals == sorted(totals, reverse=True) and all(n <= m for n, m, _ in seen), seen
    assert run.steps.count() <= planned[0]
    assert run.percent == 100 and run.finished_steps == run.step_total


def test_a_reclaimed_run_keeps_its_first_start_so_the_elapsed_time_never_goes_back(landscape):
    long_ago = timezone.now() - timedelta(hours=1)
    run = Run.objects.create(
        landscape=landscape,
        kind="check",
        state="running",
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    before = run.duration_seconds
    claimed = engine_runs.claim(run.id)
    assert claimed is not None and claimed.started_at == long_ago
    assert claimed.duration_seconds >= before


def test_the_run_page_never_says_more_steps_done_than_it_has(landscape):
    user = MembershipFactory(landscape=landscape, role="consultant").user
    run = Run.objects.create(landscape=landscape, kind="check", state="running", started_at=timezone.now())
    RunStep.objects.create(run=run, index=0, label="step 0", state="succeeded")
    client = Client()
    client.force_login(user)
    page = client.get(f"/runs/{run.code}/").content.decode()
    assert "Step 1 of 1" not in page and "known once the plan is made" in page  # no total before the plan
    run.plan_steps(2)
    for index in (1, 2):  # a step more than planned (a check group added late) must not read "3 of 2"
        RunStep.objects.create(run=run, index=index, label=f"step {index}", state="succeeded")
    page = client.get(f"/runs/{run.code}/").content.decode()
    assert "Step 3 of 3" in page and "of 2" not in page
    Run.objects.filter(pk=run.pk).update(state="succeeded", finished_at=timezone.now())
    page = client.get(f"/runs/{run.code}/").content.decode()
    assert 'value="3"' in page and 'max="3"' in page  # the finished bar is full
