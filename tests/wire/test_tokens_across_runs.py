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
    pathway = prepare("s4_to_cpi", "basic")
    start = last_seq(sandbox_server)
    for kind in ("plan", "apply", "verify"):
        run = run_now(pathway, kind)
        assert run.state == "succeeded", run.message
    fetches = token_fetches(sandbox_server.calls(since=start))
    assert [c["flags"] for c in fetches if c["flags"]] == []
    assert sorted(c["kind"] for c in fetches) == ["uaa", "xsuaa"]  # the CF user's and the new key's
    again = last_seq(sandbox_server)
    for kind in ("plan", "apply", "verify"):
        assert run_now(pathway, kind).state == "succeeded"
    assert token_fetches(sandbox_server.calls(since=again)) == []


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
