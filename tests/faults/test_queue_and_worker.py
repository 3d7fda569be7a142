"""The queue and the worker fail: the broker is down when the user presses Apply, and the worker process is
killed with SIGKILL in the middle of a run and started again. Nothing is lost and nothing is created twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from pathways import engine
from pathways.engine.runs import stale_after
from pathways.models import Run
from tests.factories import MembershipFactory
from tests.fixtures.output import show_on_failure

from .conftest import draft_snapshot, duplicates
from .harness import (
    in_process_worker,
    instance_polls,
    last_call,
    tenant_objects,
    time_passes_until_jobs_end,
    use_folder_broker,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _use_broker(app, url: str, options: dict) -> None:
    app.conf.update(broker_url=url, broker_transport_options=options)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_app():
    """The Celery app; its broker settings come back after the test, or earlier with
    `app.restore_broker()`.
    """
    from authwizard.celery import app

    saved = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    app.restore_broker = lambda: _use_broker(app, *saved)
    yield app
    app.restore_broker()
    del app.restore_broker


def test_apply_with_the_broker_down_says_so_and_loses_nothing(
    prepare, landscape, celery_app, sandbox_server, sandbox_tenant, client, tmp_path, django_db_blocker
):
    pathway = prepare("cpi_to_s4", "basic")
    before = draft_snapshot(pathway)
    consultant = MembershipFactory(landscape=landscape, role="consultant").user
    client.force_login(consultant)
    _use_broker(
        celery_app, f"redis://127.0.0.1:{closed_port()}/0", {"max_retries": 0, "socket_connect_timeout": 1}
    )
    apply_url = reverse("pathway_run", args=[landscape.code, "cpi_to_s4", "apply"])

    page = client.post(apply_url, follow=True)

    assert page.status_code == 200
    text = page.content.decode()
    # What the consultant must read, said in the test's own words: the queue is down, nothing changed, retry.
    for phrase in ("job queue is unavailable", "nothing was changed", "try again"):
        assert phrase in text, phrase
    failed = Run.objects.get(pathway=pathway)
    assert failed.state == "failed"
    assert "queue is unavailable" in failed.message and "nothing was changed" in failed.message
    assert "broker" in failed.hint and "start again" in failed.hint, failed.hint
    assert draft_snapshot(pathway) == before
    assert tenant_objects(sandbox_server, sandbox_tenant["subdomain"])["user_credentials"] == []

    celery_app.restore_broker()
    with in_process_worker(tmp_path / "broker", django_db_blocker):
        client.post(apply_url)
        again = wait_for(Run.objects.filter(pathway=pathway).exclude(pk=failed.pk).get(), timeout=60)
    assert again.state == "succeeded", again.message
    remote = tenant_objects(sandbox_server, sandbox_tenant["subdomain"])
    assert [c["Name"] for c in remote["user_credentials"]] == ["S4_BASIC"]


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings.get("USER") or ""
        password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
        auth = f"{user}{password}@" if user else ""
        host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{settings['NAME']}"
    return f"sqlite:///{settings['NAME']}"


def start_worker_process(var_dir: Path, log: Path) -> subprocess.Popen:
    """`celery worker` in a process of its own, on the test database; its output goes to `log`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "authwizard.test_settings",
        "DATABASE_URL": _database_url(),
        "AUTHWIZARD_VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
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
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.fixture
def worker_log(tmp_path, request):
    """The worker processes' output, shown when the test fails."""
    log = tmp_path / "worker.log"
    log.touch()
    show_on_failure(request.node, "worker process output", log)
    return log


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_run_leaves_a_resumable_run_and_no_duplicates(
    prepare, landscape, celery_app, sandbox_server, sandbox_tenant, tmp_path, worker_log
):
    pathway = prepare("s4_to_cpi", "basic")
    before = draft_snapshot(pathway)
    var_dir = tmp_path / "var"
    use_folder_broker(celery_app, var_dir / "broker")
    celery_app.control.purge()
    sandbox_server.admin("POST", "async", {"job_polls": 3})
    since = last_call(sandbox_server)
    worker = start_worker_process(var_dir, worker_log)
    try:
        run = engine.start_run(pathway, "apply")
        wait_until(lambda: instance_polls(sandbox_server, since), 60, "the instance job to be polled")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
    run.refresh_from_db()
    assert run.state == "running", "the run should have been cut off in the middle"

    assert engine.mark_interrupted_runs() == 0, "a run with a fresh heartbeat is not stale"
    heartbeat = run.heartbeat_at or run.started_at
    with time_machine.travel(heartbeat + stale_after() + timedelta(seconds=1), tick=False):
        assert engine.mark_interrupted_runs() == 1
    run.refresh_from_db()
    pathway.refresh_from_db()
    assert run.state == "interrupted" and "resume" in run.hint.lower()
    assert pathway.status == "failed"
    assert draft_snapshot(pathway) == before
    sandbox_server.admin("POST", "async", {"job_polls": 1})
    time_passes_until_jobs_end(landscape, sandbox_server, since)

    worker = start_worker_process(var_dir, worker_log)
    try:
        resumed = wait_for(engine.resume(pathway), timeout=120)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    assert resumed.state == "succeeded", resumed.message
    assert resumed.steps.filter(label="Keep service instance s4-inbound").exists()
    remote = tenant_objects(sandbox_server, sandbox_tenant["subdomain"])
    assert not duplicates(remote), duplicates(remote)
    assert len([i for i in remote["instances"] if i["plan"] == "integration-flow"]) == 1
