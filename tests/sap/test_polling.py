"""Async work is polled as a careful client does: first after 0.25 s, doubling to the maximum, Retry-After
honoured, never faster than 0.2 s, and on the resource itself so the last poll is the read needed."""

import time

import pytest

from pathways.sap.cloudfoundry import CloudFoundry, JobPolling

from .conftest import INSTANCE_PARAMETERS


@pytest.fixture
def careful(http, sandbox_tenant):
    """A CF client with the shipped polling defaults whose sleeps are recorded instead of slept, on a clock
    only those sleeps move (a poll's own time does not shorten the next wait here)."""
    waits: list[float] = []
    now = [1000.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    user = sandbox_tenant["cf_user"]
    client = CloudFoundry(
        http,
        sandbox_tenant["cf_api"],
        username=user["username"],
        password=user["password"],
        uaa_url=sandbox_tenant["uaa_url"],
        polling=JobPolling(sleep=sleep, clock=lambda: now[0]),
    )
    return client, waits


def test_instance_and_key_are_polled_from_a_quarter_second_doubling_without_job_reads(
    careful, http, space, flow_plan, faults
):
    client, waits = careful
    faults.set_async(job_polls=3, job_seconds=3600)
    before = len(http.calls)
    instance = client.create_instance(space.guid, flow_plan.guid, "polled", INSTANCE_PARAMETERS)
    assert instance.last_operation.state == "succeeded"
    assert waits == [0.25, 0.25, 0.5, 1.0]  # polls 0.25, 0.5, 1 and 2 s after the write
    key = client.create_key(instance.guid, "polled-key")
    assert key.last_operation.state == "succeeded"
    calls = http.calls[before:]
    assert [c for c in calls if "/v3/jobs/" in c.url] == []
    # POST + 4 polls of the instance (the last is the read the caller gets), the same for the key
    assert len([c for c in calls if "/oauth/token" not in c.url]) == 10


def test_retry_after_is_honoured_up_to_the_maximum_and_no_poll_comes_sooner_than_the_floor():
    waits: list[float] = []
    polling = JobPolling(first_interval=0.05, max_interval=10.0, sleep=waits.append)
    polling.wait(0.25, 2.0)
    polling.wait(0.25, 60.0)
    polling.wait(0.05, None)
    polling.wait(0.05, 0.0)
    assert waits == [2.0, 10.0, 0.2, 0.2]
    assert [w for w, _ in zip(JobPolling().waits(), range(9), strict=False)] == [
        0.25,
        0.25,
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        10.0,
        10.0,
    ]


def test_a_job_nobody_polls_completes_after_its_seconds_and_a_listing_sees_it(cf, space, flow_plan, faults):
    faults.set_async(job_polls=1000, job_seconds=0.2)
    response = cf._call(
        "POST",
        "/v3/service_instances",
        what="the instance",
        expected=(202,),
        json={
            "type": "managed",
            "name": "left-alone",
            "relationships": {
                "space": {"data": {"guid": space.guid}},
                "service_plan": {"data": {"guid": flow_plan.guid}},
            },
        },
    )
    assert response.status_code == 202
    listed = [cf.list_instances(space.guid, "integration-flow")]
    deadline = time.monotonic() + 5
    while listed[-1][0].in_progress and time.monotonic() < deadline:
        listed.append(cf.list_instances(space.guid, "integration-flow"))
    assert [i.name for i in listed[-1]] == ["left-alone"]
    assert listed[-1][0].last_operation.state == "succeeded"
    assert listed[0][0].in_progress
