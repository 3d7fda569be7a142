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
    """The broker finishes in its own time: every CF job polled since `since` is followed until it ends."""
    from pathways.engine.connect import Connection

    paths = job_paths(sandbox_server, since)
    assert paths, "no job was polled"
    with Connection(landscape) as observer:
        for path in paths:
            for _ in range(500):  # a poll is what moves a sandbox job on; no clock is involved
                if observer.cf.get_job(landscape.cf_api_url + path).state in ("COMPLETE", "FAILED"):
                    break
            else:
                raise AssertionError(f"the job {path} did not end after 500 polls")
