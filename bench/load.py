"""Load: 50 concurrent users on the wizard steps and the status pages for 60 s against gunicorn as shipped
on PostgreSQL; the figure that matters is 0 errors. Bounded in time and users, loopback only."""

from __future__ import annotations

import threading
import time

import requests

from bench.processes import gunicorn
from bench.wizard import make_users


def _user_loop(base: str, person: dict, urls: list[str], until: float, tally: dict, lock) -> None:
    done, errors, durations = 0, 0, []
    with requests.Session() as http:
        http.trust_env = False
        http.cookies.update(person["cookies"])
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                response = http.get(base + urls[done % len(urls)], timeout=30, allow_redirects=False)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            durations.append(time.perf_counter() - started)
            done += 1
            errors += not ok
    with lock:
        tally["requests"] += done
        tally["errors"] += errors
        tally["durations"] += durations


def measure(folder, users: int = 50, seconds: float = 60.0) -> dict:
    from django.db import connection
    from django.urls import reverse

    if connection.vendor != "postgresql":
        return {"skipped": "the load test runs on PostgreSQL only: set DATABASE_URL=postgres://…"}
    people = make_users(users)
    status = [reverse("home"), reverse("overview")]
    tally: dict = {"requests": 0, "errors": 0, "durations": []}
    lock = threading.Lock()
    with gunicorn(folder) as base:
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=_user_loop,
                args=(
                    base,
                    person,
                    [u for pair in zip(person["steps"], status * 99, strict=False) for u in pair],
                    until,
                    tally,
                    lock,
                ),
            )
            for person in people
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    ordered = sorted(tally["durations"]) or [0.0]
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": tally["requests"],
        "errors": tally["errors"],
        "requests_per_second": round(tally["requests"] / elapsed, 1),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000, 1),
    }
