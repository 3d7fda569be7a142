"""Plan → apply → verify of one pathway against the sandbox: how many tokens and CSRF tokens it fetches."""

import pytest

from pathways import engine
from pathways.models import Run

pytestmark = pytest.mark.django_db(transaction=True)


def run_now(pathway, kind: str) -> Run:
    run = Run.objects.create(landscape=pathway.landscape, pathway=pathway, kind=kind)
    engine.execute_run(run.id)
    run.refresh_from_db()
    return run


def token_fetches(calls: list[dict], subdomain: str) -> list[dict]:
    return [
        call
        for call in calls
        if call["method"] == "POST"
        and call["path"].startswith("/oauth/token")
        and (call["subdomain"] == subdomain or call["kind"] == "uaa")
    ]


def test_plan_apply_verify_of_an_inbound_pathway_counts(prepare, sandbox_server, sandbox_tenant):
    pathway = prepare("s4_to_cpi", "basic")
    start = sandbox_server.calls()[-1]["seq"] if sandbox_server.calls() else 0
    for kind in ("plan", "apply", "verify"):
        run = run_now(pathway, kind)
        assert run.state == "succeeded", run.message
    calls = sandbox_server.calls(since=start)
    fetches = token_fetches(calls, sandbox_tenant["subdomain"])
    print("token fetches", len(fetches), [(c["kind"], c.get("flags")) for c in fetches])
    print("calls", len(calls))
