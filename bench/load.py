"""Load: 50 concurrent users on the wizard and status pages for 60 s against a live server on PostgreSQL;
the figure that matters is 0 errors. Bounded in time and users, loopback only."""

from __future__ import annotations

import threading
import time

import requests

from bench.live import live_server, percentile, session_cookie
from bench.wizard import make_users


def _user_loop(base: str, cookies: dict, urls: list[str], until: float, counts: dict, lock) -> None:
    done = errors = 0
    with requests.Session() as http:
        http.trust_env = False
        http.cookies.update(cookies)
        number = 0
        while time.monotonic() < until:
            try:
                response = http.get(base + urls[number % len(urls)], timeout=30, allow_redirects=False)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            done += 1
            errors += not ok
            number += 1
    with lock:
        counts["requests"] += done
        counts["errors"] += errors


def interleave(wizard_urls: list[str], status_urls: list[str]) -> list[str]:
    """A wizard step, then a status page, in turn."""
    mixed = []
    for number, url in enumerate(wizard_urls):
        mixed += [url, status_urls[number % len(status_urls)]]
    return mixed


def measure(users: int = 50, seconds: float = 60.0) -> dict:
    from django.db import connection
    from django.urls import NoReverseMatch, reverse

    if connection.vendor != "postgresql":
        return {"skipped": "the load test runs on PostgreSQL only: set DATABASE_URL=postgres://…"}
    people = make_users(users)
    status_pages = [reverse("home")]
    try:
        status_pages.append(reverse("overview"))
    except NoReverseMatch:
        pass
    counts = {"requests": 0, "errors": 0}
    lock = threading.Lock()
    with live_server() as (base, times):
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=_user_loop,
                args=(base, session_cookie(user), interleave(urls, status_pages), until, counts, lock),
            )
            for user, urls in people
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        durations = times.durations()
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": counts["requests"],
        "errors": counts["errors"],
        "requests_per_second": round(counts["requests"] / elapsed, 1),
        "p50_ms": round(percentile(durations, 0.5) * 1000, 1),
        "p95_ms": round(percentile(durations, 0.95) * 1000, 1),
    }
