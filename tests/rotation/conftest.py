"""A landscape on a fresh sandbox tenant, client certificates from the sandbox's load-balancer CA, fast waits,
and runs executed as plain function calls (no queue: the test's transaction is never committed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathways import engine
from pathways.engine.connect import Connection
from pathways.models import Landscape, Run, Secret
from pathways.sap.keys import parse_service_key
from pathways.sap.runtime import call_endpoint, endpoint_url
from tests.factories import MembershipFactory


@pytest.fixture
def fast_waits(settings):
    settings.AUTHWIZARD_JOB_POLL_SECONDS = 0.01
    settings.AUTHWIZARD_JOB_POLL_MAX_SECONDS = 0.02
    settings.AUTHWIZARD_DEPLOY_POLL_SECONDS = 0.01
    settings.AUTHWIZARD_RETRY_BASE_SECONDS = 0.001
    settings.AUTHWIZARD_RETRY_TRIES = 3
    settings.AUTHWIZARD_READ_TIMEOUT = 10.0
    return settings


@pytest.fixture
def landscape(db, sandbox_tenant, fast_waits):
    tenant = sandbox_tenant
    key = parse_service_key(tenant["api_key"])
    landscape = Landscape.objects.create(
        name=f"Rotation {tenant['subdomain']}",
        cpi_api_url=tenant["cpi_api_url"], cpi_token_url=key.tokenurl, cpi_client_id=key.clientid,
        cpi_auth="secret", runtime_url=tenant["runtime_url"], endpoint_path=tenant["iflow_addresses"][0],
        cf_api_url=tenant["cf_api"], cf_uaa_url=tenant["uaa_url"], cf_org=tenant["org"],
        cf_space=tenant["space"], cf_user=tenant["cf_user"]["username"],
        ca_bundle=Path(tenant["ca_path"]).read_text(),
    )
    Secret.store(landscape=landscape, name="cpi_secret", value=key.clientsecret)
    Secret.store(landscape=landscape, name="cf_password", value=tenant["cf_user"]["password"])
    landscape.ensure_pathways()
    return landscape


@pytest.fixture
def consultant(landscape):
    return MembershipFactory(landscape=landscape, role="consultant", user__username="carla").user


@pytest.fixture
def client_certificate(sandbox_server):
    """A client certificate and key issued by the CA the sandbox's load balancer trusts (clientAuth)."""

    def issue(common_name: str) -> dict:
        response = sandbox_server.admin("POST", "certificates", {"common_name": common_name, "client_auth": True})
        assert response.status_code == 201, response.text
        return response.json()

    return issue


def execute(run: Run) -> Run:
    """What the worker does with the run's id."""
    engine.execute_run(run.id)
    run.refresh_from_db()
    return run


def run_now(pathway, kind: str) -> Run:
    return execute(Run.objects.create(landscape=pathway.landscape, pathway=pathway, kind=kind))


def steps(run: Run) -> list[tuple[str, str, str]]:
    return list(run.steps.values_list("label", "state", "message"))


def runtime_status(landscape, *, certificate: str | None = None, key: str | None = None,
                   clientid: str | None = None, clientsecret: str | None = None) -> int:
    """The runtime endpoint's answer to the sender: mTLS with a certificate, or Basic with a secret key."""
    with Connection(landscape) as connection:
        url = endpoint_url(landscape.runtime_url, landscape.endpoint_path)
        if certificate:
            result = call_endpoint(connection.http, url, certificate=(certificate, key))
        else:
            result = call_endpoint(connection.http, url, basic=(clientid, clientsecret))
        return result.status
