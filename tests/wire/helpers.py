"""Run a pathway's runs in-process and read what the sandbox saw."""

from __future__ import annotations

from pathways import engine
from pathways.models import Run


def run_now(pathway, kind: str) -> Run:
    run = Run.objects.create(landscape=pathway.landscape, pathway=pathway, kind=kind)
    engine.execute_run(run.id)
    run.refresh_from_db()
    return run


def last_seq(server) -> int:
    calls = server.calls()
    return calls[-1]["seq"] if calls else 0


def token_fetches(calls: list[dict]) -> list[dict]:
    return [c for c in calls if c["method"] == "POST" and c["path"].startswith("/oauth/token")]
