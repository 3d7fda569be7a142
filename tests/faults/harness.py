"""Shared harness for the fault and security suites: landscapes on sandbox tenants, drafts, runs, a worker."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from pathways import engine
from pathways.models import Pathway, Run
from tests.fixtures.drafts import fill_draft, pkcs12_of  # noqa: F401 (re-exported)
from tests.fixtures.drafts import issue_client_certificate as issue_certificate  # noqa: F401
from tests.fixtures.landscapes import FAST_WAITS, landscape_from, set_draft  # noqa: F401 (re-exported)
from tests.fixtures.worker import embedded_worker, use_folder_broker, wait_for  # noqa: F401

TENANT_HOSTS = ("xsuaa", "xsuaa_cert", "cpi", "runtime")


def run_now(pathway: Pathway, kind: str = "apply") -> Run:
    """Start a run the way the page does and execute it in this process (no queue)."""
    with contextlib.suppress(Exception):
        pathway.refresh_from_db()
    run = Run.objects.create(landscape=pathway.landscape, pathway=pathway, kind=kind)
    engine.execute_run(run.id)
    run.refresh_from_db()
    return run


@contextlib.contextmanager
def in_process_worker(folder: Path, django_db_blocker):
    """A real Celery worker thread on the folder broker under `folder`."""
    import pathways.tasks  # noqa: F401 - registers the tasks
    from authwizard.celery import app

    use_folder_broker(app, folder)
    app.control.purge()
    with embedded_worker(app, django_db_blocker) as worker:
        yield worker


def tenant_objects(sandbox_server, subdomain: str) -> dict:
    return sandbox_server.state(subdomain)["tenants"][subdomain]


def last_call(sandbox_server) -> int:
    """The sequence number of the sandbox's latest logged call (0 when none)."""
    calls = sandbox_server.calls()
    return calls[-1]["seq"] if calls else 0


def job_paths(sandbox_server, since: int) -> set[str]:
    return {c["path"] for c in sandbox_server.calls(since) if re.fullmatch(r"/v3/jobs/[0-9a-f-]+", c["path"])}


def time_passes_until_jobs_end(landscape, sandbox_server, since: int) -> None:
    """The broker finishes in its own time: the sandbox's jobs come due, and a CF call of the tenant (as
    any later run makes) sees every job polled since `since` ended."""
    from pathways.engine.connect import Connection

    assert job_paths(sandbox_server, since) or instance_polls(sandbox_server, since), "no job was polled"
    sandbox_server.admin("POST", "async", {"job_seconds": 0}).raise_for_status()
    with Connection(landscape) as observer:
        observer.space()


def instance_polls(sandbox_server, since: int) -> list[dict]:
    """GETs of a service instance or key after its create was accepted (the client polls the resource)."""
    calls = sandbox_server.calls(since)
    created = [c["seq"] for c in calls if c["method"] == "POST" and c["path"].startswith("/v3/service_")]
    pattern = r"/v3/(service_instances|service_credential_bindings)(/[0-9a-f-]+)?(\?.*)?"
    return [
        c
        for c in calls
        if created and c["seq"] > created[0] and c["method"] == "GET" and re.fullmatch(pattern, c["path"])
    ]
