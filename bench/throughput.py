"""Many landscapes × four pathways applied by two worker processes on Redis at zero latency: pathways per
second and errors. Skipped (with a note) when REDIS_URL is not set."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from bench.environment import REPO, database_url


def start_workers(count: int) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "authwizard",
                "worker",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "--loglevel",
                "ERROR",
                "--hostname",
                f"bench{number}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for number in range(count)
    ]


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def wait_for_workers(app, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.inspect(timeout=1.0).ping() or {}
        if len(replies) >= count:
            return
    raise RuntimeError(f"only {len(replies)} of {count} workers answered within {timeout} s")


def measure(server, landscapes: int = 200, workers: int = 2, timeout: float = 1800) -> dict:
    if not os.environ.get("REDIS_URL"):
        return {"skipped": "REDIS_URL is not set; this figure needs Redis as the broker"}
    from authwizard.celery import app
    from bench.environment import tenant_landscape
    from pathways import engine
    from pathways.models import Run

    built = [tenant_landscape(server, f"Throughput {n:04d}")[0] for n in range(landscapes)]
    app.control.purge()
    processes = start_workers(workers)
    try:
        wait_for_workers(app, workers)
        started = time.perf_counter()
        for landscape in built:
            engine.apply_all(landscape)
        deadline = time.monotonic() + timeout
        stalled_after, last_done, last_change = 120.0, -1, time.monotonic()
        while Run.objects.filter(state__in=("queued", "running")).exists():
            done = Run.objects.exclude(state__in=("queued", "running")).count()
            if done != last_done:
                last_done, last_change = done, time.monotonic()
            if time.monotonic() > deadline or time.monotonic() - last_change > stalled_after:
                break  # reported below as errors: runs that never finished
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        stop_workers(processes)
    runs = Run.objects.filter(kind="apply", landscape__in=built)
    total = runs.count()
    succeeded = runs.filter(state="succeeded").count()
    failures = list(runs.exclude(state="succeeded").values_list("message", flat=True)[:5])
    return {
        "landscapes": landscapes,
        "workers": workers,
        "pathways": total,
        "succeeded": succeeded,
        "errors": total - succeeded,
        "error_samples": failures,
        "seconds": round(elapsed, 1),
        "pathways_per_second": round(succeeded / elapsed, 2) if elapsed else None,
        "per_worker_per_second": round(succeeded / elapsed / workers, 2) if elapsed else None,
    }
