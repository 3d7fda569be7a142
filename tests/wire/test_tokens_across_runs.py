"""Tokens are shared by every run of a landscape: plan → apply → verify fetches each client's token once,
the landscape check logs in once, and concurrent runs wait for one fetch."""

import threading
import time

import pytest

from pathways.engine.shared import DatabaseStore, RedisStore, shared_tokens
from pathways.models import Run
from pathways.sap.tokencache import SharedTokens
from pathways.sap.xsuaa import AccessToken

from .helpers import last_seq, run_now, token_fetches

pytestmark = pytest.mark.django_db(transaction=True)


def test_plan_apply_verify_fetches_no_token_while_a_valid_one_exists(prepare, sandbox_server):
    """AuthWizard's own logins (the CF user's UAA token) are fetched once and then shared; the pathway's new
    key gets a token anew at each verification (the end of an apply, and a verify run), because that fetch
    is the proof that the key works now — so only those may come while an earlier token is still valid."""
    pathway = prepare("s4_to_cpi", "basic")
    start = last_seq(sandbox_server)
    for kind in ("plan", "apply", "verify"):
        run = run_now(pathway, kind)
        assert run.state == "succeeded", run.message
    fetches = token_fetches(sandbox_server.calls(since=start))
    assert [c["kind"] for c in fetches].count("uaa") == 1
    assert [c["flags"] for c in fetches if c["kind"] == "uaa" and c["flags"]] == []
    verifications = [c for c in fetches if c["kind"] == "xsuaa"]
    assert len(verifications) == 2  # the apply's verification and the verify run's
    again = last_seq(sandbox_server)
    for kind in ("plan", "apply", "verify"):
        assert run_now(pathway, kind).state == "succeeded"
    fetches = token_fetches(sandbox_server.calls(since=again))
    assert [c["kind"] for c in fetches] == ["xsuaa", "xsuaa"]  # no login again, only the two proofs


def test_landscape_check_logs_in_once(landscape, sandbox_server):
    start = last_seq(sandbox_server)
    run = Run.objects.create(landscape=landscape, kind="check")
    from pathways import engine

    engine.execute_run(run.id)
    run.refresh_from_db()
    assert run.state == "succeeded", run.message
    fetches = token_fetches(sandbox_server.calls(since=start))
    assert sorted(c["kind"] for c in fetches) == ["uaa", "xsuaa"]


def _token(now: float) -> AccessToken:
    return AccessToken(f"t-{now:f}", "bearer", 3600, now, ("x.read",))


@pytest.mark.parametrize("kind", ["database", "redis"])
def test_concurrent_runs_wait_for_one_fetch(kind, settings):
    if kind == "redis" and not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    if kind == "database" and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("threads on SQLite's shared-cache test database lock whole tables at once")
    store = DatabaseStore() if kind == "database" else RedisStore(settings.REDIS_URL, prefix="test-wire:")
    shared = SharedTokens(store=store, salt=f"test-{time.time():f}".encode())
    fetched = []
    release = threading.Event()

    def fetch() -> AccessToken:
        fetched.append(1)
        release.wait(5)
        return _token(time.time())

    name = shared.name("https://x.example/oauth/token", "client", "secret")
    results: list[str] = []

    def run() -> None:
        from django.db import connection

        try:
            results.append(shared.get(name, fetch).access_token)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    while not fetched:
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(fetched) == 1
    assert len(results) == 4 and len(set(results)) == 1


def test_shared_tokens_are_sealed_by_the_vault():
    shared = shared_tokens()
    name = shared.name("https://x.example/oauth/token", "client", "secret")
    token = shared.get(name, lambda: _token(time.time()))
    stored = shared.store.load(name)
    assert stored and token.access_token not in stored
    assert shared.get(name, lambda: _token(0.0)).access_token == token.access_token


def test_a_verification_proves_the_key_now_not_with_a_token_from_before_it_was_deleted(prepare):
    from pathways.engine.connect import Connection

    pathway = prepare("s4_to_cpi", "basic")
    assert run_now(pathway, "apply").state == "succeeded"  # its verification left a valid token shared
    pathway.refresh_from_db()
    with Connection(pathway.landscape) as connection:
        connection.cf.delete_key(pathway.applied["key_guid"])  # deleted in the cockpit, say
    run = run_now(pathway, "verify")
    assert run.state == "failed", run.message
