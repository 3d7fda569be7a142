"""Members get one e-mail per failing streak; the periodic task starts one message check per landscape whose
pathways are confirmed in an iFlow, through the gate; the iFlows a pathway is confirmed in bind it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test.utils import override_settings

from pathways import tasks
from pathways.models import (
    FoundParameter,
    IFlowParameter,
    Membership,
    MessageWatch,
    Observation,
    ParameterRole,
    Run,
    TrafficState,
)
from pathways.traffic import classify, notify
from pathways.traffic.watch import Binding, bindings_of
from tests.factories import LandscapeFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 4, 10, 42, tzinfo=UTC)
FLOW = "com.sap.fixture.ssc2.ReplicateBusinessPartnerToS4HANA"


def failing_since(moment: datetime) -> Observation:
    return Observation(
        verdict=TrafficState.FAILING,
        failure={
            "kind": classify.NOT_FOUND,
            "detail": classify.USER_CREDENTIALS,
            "name": "S4_OLD",
            "receiver": "SAP S/4HANA",
            "iflow": "Replicate Business Partner to S/4HANA",
            "guid": "AFq478Bblxi4wCjBcDb_G0vAGGZG",
        },
        failed_at=moment,
    )


@pytest.fixture
def landscape():
    landscape = LandscapeFactory(name="Sales DEV")
    for name in ("carla", "lena"):
        Membership.objects.create(landscape=landscape, user=UserFactory(username=name), role="consultant")
    return landscape


def test_members_get_one_e_mail_when_a_pathway_starts_failing_and_again_after_it_recovered(landscape):
    pathway = landscape.pathways.get(key="cpi_to_s4")
    watch, _ = MessageWatch.record(pathway, failing_since(T0))
    assert notify.tell_members(watch, pathway) is True
    assert sorted(m.to[0] for m in mail.outbox) == ["carla@example.com", "lena@example.com"]
    message = mail.outbox[0]
    assert message.subject == f"[AuthWizard] Failing: {pathway.spec.label} in Sales DEV"
    assert "Cloud Integration has no User Credentials named S4_OLD (credential not found)" in message.body
    assert "AFq478Bblxi4wCjBcDb_G0vAGGZG" in message.body

    watch, _ = MessageWatch.record(pathway, failing_since(T0 + timedelta(minutes=20)))
    assert notify.tell_members(watch, pathway) is False  # the same streak: no second e-mail
    assert len(mail.outbox) == 2

    MessageWatch.record(pathway, Observation(verdict=TrafficState.WORKING))
    watch, _ = MessageWatch.record(pathway, failing_since(T0 + timedelta(hours=3)))
    assert notify.tell_members(watch, pathway) is True
    assert len(mail.outbox) == 4


@override_settings(EMAIL_BACKEND="tests.traffic.test_notify_and_schedule.BrokenBackend")
def test_an_e_mail_that_could_not_be_sent_is_tried_again_at_the_next_check(landscape):
    pathway = landscape.pathways.get(key="cpi_to_s4")
    watch, _ = MessageWatch.record(pathway, failing_since(T0))
    assert notify.tell_members(watch, pathway) is False
    assert MessageWatch.objects.get(pk=watch.pk).notified_since is None
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        assert notify.tell_members(MessageWatch.objects.get(pk=watch.pk), pathway) is True


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server")

    def open(self):
        raise ConnectionRefusedError("no mail server")

    def close(self):
        pass


PARAMETERS = [
    ("Receiver Authentication", ParameterRole.RECEIVER_AUTH_TYPE, "Basic"),
    ("Receiver Credential Name", ParameterRole.CREDENTIAL_NAME, "S4_BASIC"),
    ("Sender User Role", ParameterRole.USER_ROLE, "ESBMessaging.send"),
]


def confirm(landscape, key: str, keys: list[str]) -> None:
    """FLOW's parameters as a discovery records them; those named in `keys` confirmed as pathway `key`'s."""
    if not IFlowParameter.objects.filter(landscape=landscape).exists():
        IFlowParameter.record_discovery(
            landscape,
            [
                FoundParameter("Pkg", FLOW, "1.0.0", "Replicate Business Partner to S/4HANA", k, "", r, v, "")
                for k, r, v in PARAMETERS
            ],
        )
    user = UserFactory()
    for parameter in IFlowParameter.objects.filter(landscape=landscape, key__in=keys):
        parameter.confirm(landscape.pathways.get(key=key), user=user)


def test_a_pathway_confirmed_in_an_iflows_receiver_parameters_is_bound_on_the_receiver_side(landscape):
    confirm(landscape, "cpi_to_s4", ["Receiver Authentication", "Receiver Credential Name"])
    confirm(landscape, "ssc_to_cpi", ["Sender User Role"])
    assert bindings_of(landscape.pathways.get(key="cpi_to_s4")) == [
        Binding(FLOW, "Replicate Business Partner to S/4HANA", True, classify.USER_CREDENTIALS, "S4_BASIC")
    ]
    assert bindings_of(landscape.pathways.get(key="ssc_to_cpi")) == [
        Binding(FLOW, "Replicate Business Partner to S/4HANA", False)
    ]
    assert bindings_of(landscape.pathways.get(key="s4_to_cpi")) == []


def test_the_periodic_task_starts_one_message_check_per_landscape_with_confirmed_iflows(landscape):
    idle = LandscapeFactory(name="Nothing confirmed")
    assert tasks.watch_message_traffic() == {"started": 0, "busy": 0, "refused": 0, "not_queued": 0}
    confirm(landscape, "cpi_to_s4", ["Receiver Credential Name"])
    assert tasks.watch_message_traffic()["started"] == 1
    run = Run.objects.get(landscape=landscape, kind="traffic")
    assert (run.state, run.requested_by) == ("queued", None)
    assert not Run.objects.filter(landscape=idle).exists()
    # the gate lets one message check of a landscape run at a time
    assert tasks.watch_message_traffic()["busy"] == 1
    assert Run.objects.filter(landscape=landscape, kind="traffic").count() == 1


def test_the_timeline_keeps_message_checks_people_started_or_that_failed_not_the_routine_ones(landscape):
    from pathways import timeline

    person = landscape.memberships.first().user
    kept = [
        Run.objects.create(landscape=landscape, kind="traffic", state="succeeded", requested_by=person),
        Run.objects.create(landscape=landscape, kind="traffic", state="failed", message="CPI answered 403"),
    ]
    Run.objects.create(landscape=landscape, kind="traffic", state="succeeded", message="routine")
    shown = [entry["run"] for entry in timeline.activity(landscape) if entry["kind"] == "run"]
    assert sorted(run.pk for run in shown) == sorted(run.pk for run in kept)


def test_routine_message_checks_that_succeeded_are_deleted_after_the_kept_days_the_rest_stays(
    landscape, settings
):
    from django.utils import timezone

    settings.AUTHWIZARD_ROUTINE_CHECKS_KEEP_DAYS = 7
    person = landscape.memberships.first().user
    old = timezone.now() - timedelta(days=8)

    def check(**fields) -> Run:
        run = Run.objects.create(landscape=landscape, kind="traffic", **fields)
        run.steps.create(index=1, label="Read the message processing logs", state="succeeded")
        return run

    routine_old = check(state="succeeded", finished_at=old)
    kept = [
        check(state="succeeded", finished_at=timezone.now() - timedelta(days=6)),  # routine, still recent
        check(state="succeeded", finished_at=old, requested_by=person),  # someone asked for it
        check(state="failed", finished_at=old, message="CPI answered 403"),  # a failure stays on record
        Run.objects.create(landscape=landscape, kind="drift", state="succeeded", finished_at=old),
    ]

    assert tasks.prune_routine_checks() == 1
    assert not Run.objects.filter(pk=routine_old.pk).exists()
    assert sorted(Run.objects.values_list("pk", flat=True)) == sorted(run.pk for run in kept)
    assert (
        tasks.app.conf.beat_schedule["prune-routine-checks"]["task"] == "pathways.tasks.prune_routine_checks"
    )
