"""The newest telling message decides; a failing streak keeps its start; one audit row per change."""

from datetime import UTC, datetime, timedelta

import pytest

from pathways import standing
from pathways.models import AuditEvent, MessageWatch, Observation, TrafficState
from pathways.traffic import classify
from pathways.traffic.watch import Binding, Log, observe
from tests.factories import LandscapeFactory

T0 = datetime(2026, 12, 4, 10, 42, tzinfo=UTC)
S4 = "SAP S/4HANA"
FLOW = "com.sap.fixture.ssc2.ReplicateBusinessPartnerToS4HANA"
RECEIVER = Binding(FLOW, "Replicate Business Partner to S/4HANA", True, classify.USER_CREDENTIALS, "S4_BASIC")
SENDER = Binding(FLOW, "Replicate Business Partner to S/4HANA", False)
UNAUTHORIZED = "HTTP response '401: Unauthorized' when communicating with https://s4.example.com/x"


def log(minutes: int, status: str = "COMPLETED", error: str = "", flow: str = FLOW) -> Log:
    at = T0 + timedelta(minutes=minutes)
    return Log(guid=f"AF{minutes:026d}", iflow_id=flow, status=status, started=at, ended=at, error=error)


def test_the_newest_message_that_got_through_makes_the_pathway_work():
    seen = observe(S4, [RECEIVER], [log(0, "FAILED", UNAUTHORIZED), log(5)])
    assert seen.verdict == TrafficState.WORKING
    assert seen.completed_at == T0 + timedelta(minutes=5)
    assert [m["status"] for m in seen.messages] == ["COMPLETED", "FAILED"]


def test_failures_after_the_last_completed_message_fail_it_since_the_first_of_them():
    seen = observe(S4, [RECEIVER], [log(-10), log(0, "FAILED", UNAUTHORIZED), log(3, "FAILED", UNAUTHORIZED)])
    assert seen.verdict == TrafficState.FAILING
    assert seen.failed_at == T0
    assert seen.failure["kind"] == classify.REJECTED and seen.failure["http_status"] == 401
    assert seen.failure["credential_name"] == "S4_BASIC" and seen.failure["guid"] == log(3).guid


def test_a_failure_that_is_not_authentication_decides_nothing():
    seen = observe(S4, [RECEIVER], [log(0), log(3, "FAILED", "Mapping failed: no element")])
    assert seen.verdict == TrafficState.WORKING
    assert seen.messages[0]["kind"] == classify.OTHER
    assert observe(S4, [RECEIVER], [log(3, "FAILED", "statusCode: 500")]).verdict == ""


def test_a_receiver_failure_does_not_fail_the_pathway_on_the_iflows_sender_side():
    assert observe(S4, [SENDER], [log(0, "FAILED", UNAUTHORIZED)]).verdict == ""
    assert observe(S4, [SENDER], [log(0, "FAILED", UNAUTHORIZED), log(-5)]).verdict == TrafficState.WORKING


def test_messages_of_other_iflows_are_not_the_pathways():
    seen = observe(S4, [RECEIVER], [log(0, "FAILED", UNAUTHORIZED, flow="other.flow")])
    assert seen.verdict == "" and seen.messages == []


def test_an_error_text_is_kept_redacted_and_short():
    secret = "Authorization: Basic dXNlcjpwYXNzd29yZA== " + "x" * 900
    seen = observe(S4, [RECEIVER], [log(0, "FAILED", secret)])
    assert "dXNlcjpwYXNzd29yZA" not in seen.messages[0]["error"]
    assert len(seen.messages[0]["error"]) <= 500


FAILING = Observation(
    verdict=TrafficState.FAILING,
    failure={
        "kind": classify.REJECTED,
        "http_status": 401,
        "receiver": S4,
        "credential_kind": classify.USER_CREDENTIALS,
        "credential_name": "S4_BASIC",
    },
    failed_at=T0,
)
WORKING = Observation(verdict=TrafficState.WORKING, completed_at=T0 + timedelta(hours=1))


@pytest.fixture
def pathway(db):
    landscape = LandscapeFactory()
    landscape.pathways.filter(key="cpi_to_s4").update(status="verified")
    return landscape.pathways.get(key="cpi_to_s4")


def test_the_pathway_turns_failing_with_the_cause_in_one_sentence_and_recovers(pathway, time_machine):
    time_machine.move_to(T0 + timedelta(minutes=5))
    watch, change = MessageWatch.record(pathway, FAILING, note="cause")
    assert change == "failing" and watch.failing_since == T0
    stands = standing.of(type(pathway).objects.get(pk=pathway.pk))
    assert stands.status == "failing"
    assert stands.failing_sentence == (
        "Failing since 10:42: SAP S/4HANA rejected the user of credential S4_BASIC (HTTP 401)"
    )
    later = Observation(**{**FAILING.__dict__, "failed_at": T0 + timedelta(minutes=30)})
    watch, change = MessageWatch.record(pathway, later)
    assert change == "" and watch.failing_since == T0  # the streak keeps its start
    watch, change = MessageWatch.record(pathway, WORKING)
    assert change == "recovered" and watch.failing_since is None
    assert standing.of(type(pathway).objects.get(pk=pathway.pk)).status == "verified"
    actions = list(
        AuditEvent.objects.filter(pathway_key=pathway.key, action__startswith="traffic.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["traffic.failing", "traffic.recovered"]


def test_a_check_without_a_telling_message_keeps_the_state(pathway):
    MessageWatch.record(pathway, FAILING)
    watch, change = MessageWatch.record(pathway, Observation(messages=[{"guid": "x"}]))
    assert watch.state == TrafficState.FAILING and change == ""
    assert watch.messages == [{"guid": "x"}]


def test_an_unreadable_check_keeps_the_messages_shown_and_says_why(pathway):
    MessageWatch.record(pathway, Observation(verdict=TrafficState.WORKING, messages=[{"guid": "x"}]))
    watch, _ = MessageWatch.record(pathway, Observation(error="CPI answered 403"))
    assert watch.messages == [{"guid": "x"}] and watch.error == "CPI answered 403"
    assert watch.state == TrafficState.WORKING


def test_the_notice_of_a_failing_streak_is_claimed_once_and_again_for_a_new_streak(pathway):
    watch, _ = MessageWatch.record(pathway, FAILING)
    assert watch.claim_notice() is True
    assert MessageWatch.objects.get(pk=watch.pk).claim_notice() is False
    MessageWatch.record(pathway, WORKING)
    again = Observation(**{**FAILING.__dict__, "failed_at": T0 + timedelta(hours=2)})
    watch, change = MessageWatch.record(pathway, again)
    assert change == "failing"
    assert watch.claim_notice() is True


def test_a_notice_that_could_not_be_sent_is_claimed_again(pathway):
    watch, _ = MessageWatch.record(pathway, FAILING)
    assert watch.claim_notice()
    watch.release_notice()
    assert MessageWatch.objects.get(pk=watch.pk).claim_notice()


def test_an_apply_under_way_shows_as_applying_not_failing(pathway):
    MessageWatch.record(pathway, FAILING)
    pathway.refresh_from_db()
    pathway.mark_applying()
    assert standing.status_of(type(pathway).objects.get(pk=pathway.pk)) == "applying"


def test_a_quiet_window_keeps_the_last_messages_shown(pathway):
    MessageWatch.record(pathway, Observation(verdict=TrafficState.WORKING, messages=[{"guid": "x"}]))
    watch, _ = MessageWatch.record(pathway, Observation())
    assert watch.messages == [{"guid": "x"}] and watch.state == TrafficState.WORKING


def test_a_failed_message_whose_text_was_not_read_is_shown_without_a_class_and_decides_nothing():
    seen = observe(S4, [RECEIVER], [log(0, "FAILED")])
    assert seen.verdict == "" and seen.messages[0]["kind"] == ""
