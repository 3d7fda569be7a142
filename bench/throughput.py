"""P5: many landscapes × four pathways applied by two worker processes (each the shipped worker command)
on Redis and PostgreSQL at zero latency: pathways per second, errors, and how many calls SAP answered 429.

Each landscape is its own CPI tenant, so the per-tenant rate limit (8 calls/s) binds only within one.
"""

from __future__ import annotations

import os
import time

from bench.drafts import tenant_landscape
from bench.environment import consultant, database_kind, last_call, sandbox_timing
from bench.processes import cpu_seconds, database_backends, shipped_concurrency, workers

TARGET_PER_SECOND = 20.0


def measure(server, folder, landscapes: int = 200, worker_count: int = 2, timeout: float = 900) -> dict:
    if not os.environ.get("REDIS_URL") or database_kind() != "postgresql":
        return {"skipped": "this figure needs Redis (REDIS_URL) and PostgreSQL (DATABASE_URL)"}
    from pathways import engine
    from pathways.models import Run

    user = consultant()
    sandbox_timing(server, latency_ms=0, job_polls=0, deploy_polls=0)
    warm_up = tenant_landscape(server, user, "Throughput warm-up")
    built = [tenant_landscape(server, user, f"Throughput {n:04d}") for n in range(landscapes)]
    with workers(folder, worker_count) as processes:
        engine.apply_all(warm_up, user)
        _wait(Run, timeout)
        since = last_call(server)
        pools = [process.pid for process in processes]
        backends = {pid: cpu_seconds([pid]) for pid in database_backends()}
        cpu_before = cpu_seconds(pools), cpu_seconds([server.process.pid]), time.process_time()
        started = time.perf_counter()
        for landscape in built:
            engine.apply_all(landscape, user)
        finished = _wait(Run, timeout)
        cpu_after = cpu_seconds(pools), cpu_seconds([server.process.pid]), time.process_time()
        # PostgreSQL's side: the backends serving this database at the end (the workers keep theirs open),
        # less what each had used before the applies began.
        database = sum(cpu_seconds([pid]) - backends.get(pid, 0.0) for pid in database_backends())
    elapsed = finished - started
    cpu = [after - before for before, after in zip(cpu_before, cpu_after, strict=True)] + [database]
    calls = server.calls(since)
    runs = Run.objects.filter(kind="apply", landscape__in=built)
    total = runs.count()
    succeeded = runs.filter(state="succeeded").count()
    too_many = sum(1 for call in calls if str(call["status"]) == "429")
    rate = round(succeeded / elapsed, 2) if elapsed else 0.0
    return {
        "landscapes": landscapes,
        "workers": worker_count,
        "worker_concurrency": shipped_concurrency(),
        "pathways": total,
        "succeeded": succeeded,
        "errors": total - succeeded,
        "error_samples": list(runs.exclude(state="succeeded").values_list("message", flat=True)[:5]),
        "sandbox_calls": len(calls),
        "answered_429": too_many,
        "seconds": round(elapsed, 1),
        # CPU per apply: the worker pools, the sandbox (SAP's side), this process (queueing, watching) and
        # PostgreSQL's backends for this database.
        "cpu_ms_per_apply": {
            name: round(seconds / max(total, 1) * 1000, 1)
            for name, seconds in zip(("workers", "sandbox", "bench", "postgresql"), cpu, strict=True)
        },
        "pathways_per_second": rate,
        "target_per_second": TARGET_PER_SECOND,
        "passed": rate >= TARGET_PER_SECOND and total == succeeded and too_many == 0,
    }


def _wait(run_model, timeout: float) -> float:
    """Until no run is queued or running (a run that stalls for 2 minutes ends the wait); the time then."""
    deadline = time.monotonic() + timeout
    last_done, last_change = -1, time.monotonic()
    while run_model.objects.filter(state__in=("queued", "running")).exists():
        done = run_model.objects.exclude(state__in=("queued", "running")).count()
        if done != last_done:
            last_done, last_change = done, time.monotonic()
        if time.monotonic() > deadline or time.monotonic() - last_change > 120:
            break  # reported as errors: runs that never finished
        time.sleep(0.1)
    return time.perf_counter()
