"""The engine's run logic called as a plain function (no queue): apply, verify, plan, check, failures."""

import pytest

from pathways import engine
from pathways.models import Run

from .conftest import COMBINATIONS

pytestmark = pytest.mark.django_db(transaction=True)


def run_now(target, kind: str) -> Run:
    pathway = target if hasattr(target, "spec") else None
    landscape = pathway.landscape if pathway else target
    run = Run.objects.create(landscape=landscape, pathway=pathway, kind=kind)
    engine.execute_run(run.id)
    run.refresh_from_db()
    return run


@pytest.mark.parametrize(("key", "method"), COMBINATIONS)
def test_apply_creates_and_verifies_each_combination(prepare, key, method):
    pathway = prepare(key, method)
    run = run_now(pathway, "apply")
    steps = list(run.steps.values_list("label", "state", "message"))
    assert run.state == "succeeded", (run.message, steps)
    pathway.refresh_from_db()
    assert pathway.status == "verified"
    assert pathway.last_verified_at is not None
