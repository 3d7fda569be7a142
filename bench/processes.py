"""Celery workers and gunicorn started exactly as docker-compose.yml ships them (its `command:` lines are
read, not copied), on the benchmark's database, with their output in the scratch folder."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.environment import REPO, database_url

COMPOSE = REPO / "docker-compose.yml"


def shipped_command(service: str) -> list[str]:
    """The `command:` of `service` in docker-compose.yml, e.g. ["celery", "-A", "authwizard", "worker", …]."""
    block = re.search(rf"^  {service}:\n((?:    .*\n)+)", COMPOSE.read_text(), re.MULTILINE)
    line = re.search(r"^    command: (\[.*\])$", block.group(1) if block else "", re.MULTILINE)
    if line is None:
        raise RuntimeError(f"docker-compose.yml has no command for the {service} service")
    return json.loads(line.group(1))


def shipped_concurrency() -> int:
    command = shipped_command("worker")
    return (
        int(command[command.index("--concurrency") + 1])
        if "--concurrency" in command
        else os.cpu_count() or 1
    )


def _environment() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
    }


def _python(command: list[str]) -> list[str]:
    """`celery …` / `gunicorn …` run by this interpreter (the same virtualenv)."""
    return [sys.executable, "-m", command[0], *command[1:]]


def _start(command: list[str], log: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=REPO,
            env={**_environment(), **(extra_env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def workers(folder: Path, count: int = 1, extra_env: dict[str, str] | None = None):
    """`count` Celery workers, each the shipped worker command (pool and concurrency as shipped); waits
    until every worker answers a ping."""
    from authwizard.celery import app

    app.control.purge()
    command = shipped_command("worker")
    started = [
        _start(
            _python([*command, "--hostname", f"bench{number}@%h"]), folder / f"worker{number}.log", extra_env
        )
        for number in range(count)
    ]
    try:
        _wait_for_workers(app, count, started)
        yield started
    finally:
        stop(started)


def _wait_for_workers(app, count: int, started: list[subprocess.Popen], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    replies: dict = {}
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in started):
            raise RuntimeError("a benchmark worker exited at start; see its log in the scratch folder")
        replies = app.control.inspect(timeout=1.0).ping() or {}
        if len([name for name in replies if name.startswith("bench")]) >= count:
            return
    raise RuntimeError(f"only {len(replies)} of {count} workers answered within {timeout} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(folder: Path):
    """The web service as shipped (its worker count and options), bound to a free loopback port; yields the
    base URL once it answers."""
    command = shipped_command("web")
    port = free_port()
    command = [f"127.0.0.1:{port}" if part.startswith("0.0.0.0:") else part for part in command]
    if "--access-logfile" in command:
        command[command.index("--access-logfile") + 1] = str(folder / "gunicorn-access.log")
    process = _start(_python(command), folder / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_http(base, process)
        yield base
    finally:
        stop([process])


def _wait_for_http(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start; see gunicorn.log in the scratch folder")
        try:
            requests.get(base + "/login/", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout} s")


def database_backends() -> list[int]:
    """The process ids of the PostgreSQL backends serving this database now (empty on another database)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [pid for (pid,) in cursor.fetchall()]


def cpu_seconds(root_pids: list[int]) -> float:
    """CPU time (user + system) used so far by these processes and every descendant still running (Linux
    /proc; 0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    table: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the name: state ppid … utime (14th field overall) stime (15th)
        table[int(entry.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    wanted, total = set(root_pids), 0.0
    grew = True
    while grew:
        grew = False
        for pid, (parent, _) in table.items():
            if parent in wanted and pid not in wanted:
                wanted.add(pid)
                grew = True
    for pid in wanted:
        total += table.get(pid, (0, 0.0))[1]
    return total
