"""Wall time of "apply all four" at a fixed sandbox latency, beside the critical path of dependent calls.

The four runs go side by side, as four worker threads would take them; within one run every call waits for
the one before, so the critical path is the longest run's call count × the latency.
"""

from __future__ import annotations

import threading
import time

from bench.minimums import MINIMUM_CALLS


def measure(server, latency_ms: int = 200) -> dict:
    from django.db import connections

    from bench.environment import tenant_landscape
    from pathways import engine
    from pathways.models import Run
    from tests.faults.harness import last_call

    landscape, _ = tenant_landscape(server, "Apply all")
    runs = [
        Run.objects.create(landscape=landscape, pathway=p, kind="apply")
        for p in landscape.pathways.order_by("key")
    ]
    server.admin("POST", "latency", {"ms": latency_ms})
    since = last_call(server)

    def execute(run_id: int) -> None:
        try:
            engine.execute_run(run_id)
        finally:
            connections.close_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=execute, args=(run.id,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    alone = _longest_alone(server, runs, latency_ms)
    server.admin("POST", "latency", {"ms": 0})
    per_run = []
    for run in runs:
        run.refresh_from_db()
        per_run.append(
            {
                "pathway": run.pathway.key,
                "method": run.pathway.method,
                "state": run.state,
                "calls": run.http_calls,
            }
        )
    longest = max(r["calls"] for r in per_run)
    minimum_longest = max(len(MINIMUM_CALLS[(r["pathway"], r["method"])]) for r in per_run)
    critical = longest * latency_ms / 1000
    return {
        "latency_ms": latency_ms,
        "wall_s": round(wall, 2),
        "runs": per_run,
        "sandbox_calls": len(server.calls(since)),
        "critical_path_calls": longest,
        "critical_path_s": round(critical, 2),
        "minimum_critical_path_s": round(minimum_longest * latency_ms / 1000, 2),
        "wall_over_critical_path": round(wall / critical, 2) if critical else None,
        "longest_alone_s": alone,
        "all_succeeded": all(r["state"] == "succeeded" for r in per_run),
    }


def _longest_alone(server, runs, latency_ms: int) -> float:
    """The longest of the four pathways applied on its own (fresh tenant, same latency): the wall time the
    side-by-side apply would have if the four did not slow each other down."""
    from bench.environment import tenant_landscape
    from tests.faults.harness import run_now

    for run in runs:
        run.refresh_from_db()
    longest = max(runs, key=lambda run: run.http_calls)
    server.admin("POST", "latency", {"ms": 0})
    landscape, _ = tenant_landscape(server, "Apply one")
    pathway = landscape.pathways.get(key=longest.pathway.key)
    server.admin("POST", "latency", {"ms": latency_ms})
    started = time.perf_counter()
    run_now(pathway)
    return round(time.perf_counter() - started, 2)
