"""The engine's own failures are EngineErrors with a code: the run says what went wrong and what to do, not
"internal error", and no SAP error is invented for them."""

import pytest

from pathways import engine
from pathways.engine.runs import hint_for
from pathways.errors import EngineError, Refused
from pathways.models import Run
from tests.factories import LandscapeFactory

pytestmark = pytest.mark.django_db


def test_a_run_without_its_pathway_fails_with_the_engines_sentence_not_an_internal_error():
    landscape = LandscapeFactory()
    run = Run.objects.create(landscape=landscape, pathway=None, kind="apply")
    engine.execute_run(run.id)
    run.refresh_from_db()
    assert (run.state, run.message) == ("failed", "This run has no pathway to work on")
    assert "fault in AuthWizard" not in run.hint


@pytest.mark.parametrize(
    "code, hint",
    [("draft_problem", "Fix the draft"), ("plan_problem", "Fix the draft"), ("no_phase", "Fix the cause")],
)
def test_engine_errors_get_the_hint_of_their_code(code, hint):
    assert hint_for(EngineError("something local", code=code)).startswith(hint)


def test_the_refusals_share_one_base_with_a_sentence_for_the_page():
    from pathways.approval import ApprovalRefused
    from pathways.engine.certificates import ChainRefused
    from pathways.engine.retire import RetireRefused
    from pathways.engine.rotate import RotationRefused
    from pathways.handoff import HandoffError
    from pathways.sender_keys import SenderKeyError

    for kind in (ApprovalRefused, ChainRefused, RetireRefused, RotationRefused, HandoffError, SenderKeyError):
        refusal = kind("Not now: another run is active.")
        assert isinstance(refusal, Refused) and refusal.message == "Not now: another run is active."


def test_a_landscape_without_connection_settings_is_a_local_failure_the_check_reports():
    from pathways.engine.connect import Connection, cpi_api_key
    from pathways.models import Landscape

    landscape = Landscape.objects.create(name="Not configured")
    with pytest.raises(EngineError) as raised:
        cpi_api_key(landscape)
    assert raised.value.code == "not_configured"
    with (
        Connection(landscape) as connection,
        pytest.raises(EngineError, match="no Cloud Foundry API address"),
    ):
        connection.cf  # noqa: B018 - the property raises
    run = Run.objects.create(landscape=landscape, kind="check")
    engine.execute_run(run.id)
    run.refresh_from_db()
    assert "Internal error" not in run.message
    assert any(
        "no CPI API key" in step.message or "Cloud Foundry" in step.message for step in run.steps.all()
    )
