"""p95 server time of a wizard step under 20 concurrent users (threads against a live server), beside the
same figure for one user alone."""

from __future__ import annotations

import threading

import requests

from bench.live import live_server, percentile, session_cookie


def make_users(count: int):
    """`count` consultants, each on a landscape of their own, and the wizard step URLs they visit."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from pathways.models import Landscape, Membership
    from pathways.views.wizard import step_keys

    people = []
    for number in range(count):
        user = get_user_model().objects.create_user(f"bench-wizard-{number}", password="bench-password-123")
        landscape = Landscape.objects.create(
            name=f"Wizard {number:03d}", runtime_url="https://x.it-cpi001-rt.cfapps.eu10.hana.ondemand.com"
        )
        Membership.objects.create(landscape=landscape, user=user, role="consultant")
        urls = [
            reverse("wizard_step", args=[landscape.code, p.key, step])
            for p in landscape.pathways.all()
            for step in step_keys(p)
        ]
        people.append((user, urls))
    return people


def _hammer(base: str, cookies: dict, urls: list[str], requests_each: int, errors: list) -> None:
    with requests.Session() as http:
        http.trust_env = False
        http.cookies.update(cookies)
        for number in range(requests_each):
            response = http.get(base + urls[number % len(urls)], timeout=30, allow_redirects=False)
            if response.status_code != 200:
                errors.append(response.status_code)


def run_users(base, times, people, requests_each: int) -> dict:
    times.reset()
    errors: list = []
    threads = [
        threading.Thread(target=_hammer, args=(base, session_cookie(user), urls, requests_each, errors))
        for user, urls in people
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    durations = times.durations()
    return {
        "users": len(people),
        "requests": len(durations),
        "errors": len(errors),
        "p50_ms": round(percentile(durations, 0.5) * 1000, 1),
        "p95_ms": round(percentile(durations, 0.95) * 1000, 1),
    }


def measure(users: int = 20, requests_each: int = 25) -> dict:
    people = make_users(users)
    with live_server() as (base, times):
        run_users(base, times, people[:1], 5)  # warm-up
        alone = run_users(base, times, people[:1], requests_each * 2)
        crowd = run_users(base, times, people, requests_each)
    return {
        "one_user": alone,
        "concurrent": crowd,
        "p95_ratio": round(crowd["p95_ms"] / max(0.1, alone["p95_ms"]), 2),
    }
