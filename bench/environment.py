"""The benchmark's world: Django on a throwaway database, the sandbox in a subprocess, landscapes on its
tenants (made through the landscape form, as a consultant makes them)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def database_kind() -> str:
    return connection.vendor


def database_url() -> str:
    """A URL for the benchmark database, for worker and web processes that share it."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings.get("USER") or ""
        password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
        auth = f"{user}{password}@" if user else ""
        host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{settings['NAME']}"
    return f"sqlite:///{settings['NAME']}"


@contextlib.contextmanager
def throwaway_database(folder: Path):
    """A fresh database for the run (a file for SQLite, `bench_<name>` on PostgreSQL), dropped afterwards."""
    from django.test.utils import setup_test_environment, teardown_test_environment

    test = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test["NAME"] = str(folder / "bench.sqlite3")
    else:  # its own name, so a test session on the same server is not disturbed
        test["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    setup_test_environment(debug=False)
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


@contextlib.contextmanager
def sandbox(folder: Path):
    """The sandbox in a subprocess; `*.localhost` names resolve to it in this process."""
    from sandbox.process import SandboxProcess, localhost_resolution

    with localhost_resolution():
        server = SandboxProcess(folder / "sandbox")
        try:
            yield server
        finally:
            server.stop()


@contextlib.contextmanager
def world():
    """Everything a measurement needs: (sandbox handle, scratch folder), the database ready."""
    from django.conf import settings

    try:
        with tempfile.TemporaryDirectory(prefix="authwizard-bench-") as scratch:
            folder = Path(scratch)
            with throwaway_database(folder), sandbox(folder) as server:
                yield server, folder
    finally:
        if Path(settings.VAR_DIR).name.startswith("authwizard-bench-var-"):  # made by bench/settings.py
            shutil.rmtree(settings.VAR_DIR, ignore_errors=True)


def sandbox_timing(server, *, latency_ms: int = 0, job_polls: int = 0, deploy_polls: int = 0) -> None:
    """The sandbox's latency, and how many polls of its async jobs and deployments still find them running."""
    server.admin("POST", "latency", {"ms": latency_ms}).raise_for_status()
    server.admin(
        "POST", "async", {"job_polls": job_polls, "deploy_polls": deploy_polls, "job_seconds": 3.0}
    ).raise_for_status()


def consultant():
    """The consultant who makes the benchmark's landscapes (one per run)."""
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="bench-consultant")
    return user


def last_call(server) -> int:
    """The sequence number of the sandbox's latest logged call (0 when none)."""
    calls = server.calls()
    return calls[-1]["seq"] if calls else 0
