"""The wizard under gunicorn as shipped: a step page (GET) and an autosave (htmx POST of one field) beside a
bare signed-in view (bench/urls.py) in the same run, for one user and for 20 at once. Server times come
from the gunicorn process's point of view as seen by the client (loopback), medians and p95 of at least
30 requests each."""

from __future__ import annotations

import re
import secrets
import statistics
import threading
import time

import requests

from bench.processes import gunicorn

REQUESTS_EACH = 30
VERSION = re.compile(rb'id="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*id="version"')


def make_users(count: int) -> list[dict]:
    """`count` consultants, each on a landscape of their own: cookies and the URLs they visit."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
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
        client = Client()
        client.force_login(user)
        csrf = secrets.token_hex(16)
        pathway = landscape.pathways.get(key="cpi_to_s4")
        people.append(
            {
                "cookies": {
                    settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
                    settings.CSRF_COOKIE_NAME: csrf,
                },
                "csrf": csrf,
                # Every step but review (which starts a plan run: a run, not a page).
                "steps": [
                    reverse("wizard_step", args=[landscape.code, p.key, step])
                    for p in landscape.pathways.all()
                    for step in step_keys(p)
                    if step != "review"
                ],
                "autosave": reverse("wizard_field", args=[landscape.code, pathway.key, "user"]),
                "version": pathway.version,
                "bare": reverse("bench_bare"),
            }
        )
    return people


def _visit(base: str, person: dict, kind: str, count: int, durations: list, errors: list) -> None:
    with requests.Session() as http:
        http.trust_env = False
        http.cookies.update(person["cookies"])
        version = person["version"]
        for number in range(count):
            started = time.perf_counter()
            if kind == "autosave":
                response = http.post(
                    base + person["autosave"],
                    data={"user": f"COMM_USER_{number}", "version": str(version)},
                    headers={"HX-Request": "true", "X-CSRFToken": person["csrf"]},
                    timeout=30,
                )
                found = VERSION.search(response.content)
                version = int(next(group for group in found.groups() if group)) if found else version
            else:
                url = person["bare"] if kind == "bare" else person["steps"][number % len(person["steps"])]
                response = http.get(base + url, timeout=30, allow_redirects=False)
            durations.append(time.perf_counter() - started)
            if response.status_code != 200:
                errors.append(response.status_code)
        person["version"] = version


def run(base: str, people: list[dict], kind: str, count: int) -> dict:
    durations: list[float] = []
    errors: list[int] = []
    threads = [
        threading.Thread(target=_visit, args=(base, person, kind, count, durations, errors))
        for person in people
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(durations)
    return {
        "users": len(people),
        "requests": len(durations),
        "errors": len(errors),
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000, 1),
    }


def measure(folder, users: int = 20) -> dict:
    people = make_users(users)
    results: dict = {"server": "gunicorn as shipped (docker-compose.yml web)"}
    with gunicorn(folder) as base:
        for kind in ("bare", "step", "autosave"):
            run(base, people[:1], kind, 5)  # warm-up: every gunicorn worker imported and connected
        for label, crowd in (("one_user", people[:1]), ("concurrent", people)):
            results[label] = {
                kind: run(base, crowd, kind, REQUESTS_EACH) for kind in ("bare", "step", "autosave")
            }
    for label in ("one_user", "concurrent"):
        bare = results[label]["bare"]["median_ms"]
        for kind in ("step", "autosave"):
            results[label][kind]["over_bare"] = round(results[label][kind]["median_ms"] / max(0.1, bare), 2)
    return results
