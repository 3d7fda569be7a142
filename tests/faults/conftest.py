"""Fault fixtures: a landscape on a fresh sandbox tenant with short waits, fault injection, convergence
checks.
"""

from __future__ import annotations

import collections
import time

import pytest

from pathways.models import Secret
from tests.fixtures.clock import MovableClock

from .harness import TENANT_HOSTS, run_now, tenant_objects

READ_TIMEOUT = 1.0  # seconds; hang faults in these tests last HANG_SECONDS, longer than that
HANG_SECONDS = 3.0


@pytest.fixture
def short_limits(settings, monkeypatch):
    """The job (15/5 min) and deployment (60 s) limits reached without waiting for them, and a read timeout
    of a second.

    The engine's job polling and deployment wait run on a movable clock: each wait moves it by the interval
    the engine asked for (2 s, backing off to 10 s, as in production) while really pausing only a moment, so
    the limits of 60 s for jobs and 20 s for a deployment are reached after a handful of polls however slow
    or fast this machine is. The read timeout is a setting the engine reads; a hang fault lasts longer.
    """
    from pathways.engine import connect

    clock = MovableClock()

    def moving(real_sleep):
        def sleep(seconds: float) -> None:
            real_sleep(0.005)  # the engine's own sleep keeps the run's heartbeat fresh
            clock.advance(seconds)

        return sleep

    job_polling, deploy_wait = connect.JobPolling, connect.DeployWait

    def polling(**kwargs):
        kwargs.update(first_interval=2.0, max_interval=10.0, instance_timeout=60.0, key_timeout=60.0)
        kwargs.update(sleep=moving(kwargs.get("sleep", time.sleep)))
        return job_polling(**kwargs, clock=clock)

    def deploying(**kwargs):
        kwargs.update(interval=2.0, timeout=20.0, sleep=moving(kwargs.get("sleep", time.sleep)))
        return deploy_wait(**kwargs, clock=clock)

    settings.AUTHWIZARD_READ_TIMEOUT = READ_TIMEOUT
    monkeypatch.setattr(connect, "JobPolling", polling)
    monkeypatch.setattr(connect, "DeployWait", deploying)
    return clock


@pytest.fixture
def add_fault(sandbox_server, sandbox_tenant):
    def add(**spec) -> dict:
        if spec.get("host") in TENANT_HOSTS or spec["kind"] in (
            "fail_job",
            "job_forever",
            "keystore_locked",
            "expire_csrf",
        ):
            spec.setdefault("subdomain", sandbox_tenant["subdomain"])
        response = sandbox_server.admin("POST", "faults", spec)
        assert response.status_code == 201, response.text
        return response.json()

    return add


def duplicates(remote: dict) -> list[str]:
    """Names that the tenant holds more than once where they must be unique."""
    found = []
    counts = collections.Counter(i["name"] for i in remote["instances"])
    found += [f"instance {name}" for name, n in counts.items() if n > 1]
    counts = collections.Counter((k["instance_guid"], k["name"]) for k in remote["keys"])
    found += [f"key {name}" for (_, name), n in counts.items() if n > 1]
    counts = collections.Counter(c["Name"] for c in remote["user_credentials"])
    found += [f"credential {name}" for name, n in counts.items() if n > 1]
    for store, entries in remote["keystores"].items():
        counts = collections.Counter(e["alias"].lower() for e in entries)
        found += [f"{store} alias {alias}" for alias, n in counts.items() if n > 1]
    return found


def draft_snapshot(pathway) -> dict:
    pathway.refresh_from_db()
    secrets = {
        s.name: s.reveal()
        for s in Secret.objects.filter(pathway=pathway)
        if s.name in {f.name for f in pathway.spec.fields(pathway.method) if f.is_secret}
    }
    return {"method": pathway.method, "draft": dict(pathway.draft), "secrets": secrets}


@pytest.fixture
def converges(sandbox_server, sandbox_tenant):
    """After a faulty run: the draft is as before, a clean re-run succeeds, and nothing exists twice."""

    def check(pathway, before: dict) -> None:
        assert draft_snapshot(pathway) == before, "the draft changed during the faulty run"
        sandbox_server.clear_faults()
        again = run_now(pathway)
        assert again.state == "succeeded", (again.message, list(again.steps.values_list("label", "message")))
        remote = tenant_objects(sandbox_server, sandbox_tenant["subdomain"])
        assert not duplicates(remote), duplicates(remote)
        pathway.refresh_from_db()
        assert pathway.status == "verified"
        if pathway.spec.is_inbound:
            assert [i["guid"] for i in remote["instances"] if i["plan"] == "integration-flow"] == [
                pathway.applied["instance_guid"]
            ]
        elif pathway.method == "basic":
            assert [c["Name"] for c in remote["user_credentials"]] == [pathway.applied["credential_name"]]
        else:
            aliases = [e["alias"] for e in remote["keystores"]["system"] if e["owner"] != "SAP"]
            assert aliases.count(pathway.applied["alias"]) == 1

    return check
