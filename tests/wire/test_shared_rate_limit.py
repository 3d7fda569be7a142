"""One CPI rate-limit bucket per tenant shared by every run and worker: runs together stay below SAP's
12 requests/s per tenant, so the sandbox never answers 429."""

import threading

import pytest

from pathways.engine.connect import Connection
from pathways.engine.shared import DatabaseStore, RedisStore
from pathways.sap.throttle import SharedThrottle

pytestmark = pytest.mark.django_db(transaction=True)


def most_in_one_second(moments: list[float]) -> int:
    moments = sorted(moments)
    return max(sum(1 for m in moments if start <= m < start + 1.0) for start in moments)


@pytest.mark.parametrize("kind", ["database", "redis"])
def test_throttles_sharing_a_store_keep_one_tenant_at_eight_a_second_with_bursts_of_three(kind, settings):
    if kind == "redis" and not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    store = DatabaseStore() if kind == "database" else RedisStore(settings.REDIS_URL, prefix="test-wire:")
    now = [1_000_000.0 + id(store) % 1000]
    started: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    runs = [SharedThrottle(store, clock=lambda: now[0], sleep=sleep) for _ in range(2)]
    host = f"tenant-{id(store)}.example"
    for _ in range(20):
        for throttle in runs:
            throttle.acquire(host)
            started.append(now[0])
    assert most_in_one_second(started) <= 11
    assert started[-1] - started[0] == pytest.approx((40 - 3) / 8, abs=0.01)


def test_two_runs_of_one_landscape_together_provoke_no_429(landscape, sandbox_server, sandbox_tenant):
    seq_calls = sandbox_server.calls()
    since = seq_calls[-1]["seq"] if seq_calls else 0
    errors: list[BaseException] = []

    def run() -> None:
        from django.db import connection as db

        try:
            with Connection(landscape) as connection:
                for _ in range(10):
                    connection.cpi.list_user_credentials()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            db.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    cpi = [c for c in sandbox_server.calls(since=since) if c["kind"] == "cpi"]
    assert len(cpi) == 20
    assert [c for c in cpi if c["status"] == 429] == []
