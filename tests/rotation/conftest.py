"""A landscape on a fresh sandbox tenant, client certificates from the sandbox's load-balancer CA, fast waits,
and runs executed as plain function calls (no queue: the test's transaction is never committed)."""

from __future__ import annotations

import pytest

from pathways import engine
from pathways.engine.connect import Connection
from pathways.models import Run
from pathways.sap.runtime import call_endpoint, endpoint_url
from tests.factories import MembershipFactory


@pytest.fixture
def consultant(landscape):
    return MembershipFactory(landscape=landscape, role="consultant", user__username="carla").user


def execute(run: Run) -> Run:
    """What the worker does with the run's id."""
    engine.execute_run(run.id)
    run.refresh_from_db()
    return run


def run_now(pathway, kind: str) -> Run:
    return execute(Run.objects.create(landscape=pathway.landscape, pathway=pathway, kind=kind))


def steps(run: Run) -> list[tuple[str, str, str]]:
    return list(run.steps.values_list("label", "state", "message"))


def runtime_status(
    landscape,
    *,
    certificate: str | None = None,
    key: str | None = None,
    clientid: str | None = None,
    clientsecret: str | None = None,
) -> int:
    """The runtime endpoint's answer to the sender: mTLS with a certificate, or Basic with a secret key."""
    with Connection(landscape) as connection:
        url = endpoint_url(landscape.runtime_url, landscape.endpoint_path)
        if certificate:
            result = call_endpoint(connection.http, url, certificate=(certificate, key))
        else:
            result = call_endpoint(connection.http, url, basic=(clientid, clientsecret))
        return result.status


@pytest.fixture
def applied_external(landscape, issue_certificate):
    """SSCv2 → CPI applied with an External Certificate key (the sender's own client certificate)."""
    pathway = landscape.pathways.get(key="ssc_to_cpi")
    pathway.method = "certificate"
    pathway.draft = {
        "certificate_source": "external",
        "external_certificate": issue_certificate("sscv2-page.example.com")["certificate"],
    }
    pathway.save()
    run = run_now(pathway, "apply")
    assert run.state == "succeeded", steps(run)
    pathway.refresh_from_db()
    return pathway
