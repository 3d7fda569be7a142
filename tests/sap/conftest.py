"""Fixtures for the SAP client tests: a fast-retrying transport per test, logged-in clients, sandbox knobs."""

from __future__ import annotations

import pytest

from pathways.sap.cloudfoundry import CloudFoundry, JobPolling
from pathways.sap.cpi import CpiClient, DeployWait
from pathways.sap.http import RetryPolicy, SapHttp, Timeouts
from pathways.sap.keys import parse_service_key
from pathways.sap.xsuaa import TokenClient

TENANT_HOSTS = ("xsuaa", "xsuaa_cert", "cpi", "runtime")
INSTANCE_PARAMETERS = {
    "roles": ["ESBMessaging.send"],
    "grant-types": ["client_credentials"],
    "redirect-uris": [],
}


class RecordingSleep:
    """Stands in for time.sleep in retry policies: records each wait and sleeps at most a few ms."""

    def __init__(self, real_cap: float = 0.005):
        self.waits: list[float] = []
        self.real_cap = real_cap

    def __call__(self, seconds: float) -> None:
        import time

        self.waits.append(seconds)
        time.sleep(min(seconds, self.real_cap))


class Faults:
    """Adds sandbox faults for one test; the sandbox_tenant fixture clears them afterwards."""

    def __init__(self, server, subdomain: str):
        self.server = server
        self.subdomain = subdomain

    def add(self, **spec) -> dict:
        if spec.get("host") in TENANT_HOSTS or spec["kind"] in ("fail_job", "job_forever"):
            spec.setdefault("subdomain", self.subdomain)
        response = self.server.admin("POST", "faults", spec)
        assert response.status_code == 201, response.text
        return response.json()

    def set_async(self, **values) -> None:
        self.server.admin("POST", "async", values).raise_for_status()


@pytest.fixture
def sleeps():
    return RecordingSleep()


@pytest.fixture
def http(sandbox_tenant, sleeps):
    transport = SapHttp(
        ca_bundle=sandbox_tenant["ca_path"],
        retry=RetryPolicy(base=0.001, cap=0.01, sleep=sleeps),
        timeouts=Timeouts(connect=2.0, read=5.0),
    )
    yield transport
    transport.close()


@pytest.fixture
def fast_polling():
    return JobPolling(
        first_interval=0.01, max_interval=0.02, min_interval=0.0, instance_timeout=5.0, key_timeout=5.0
    )


@pytest.fixture
def cf(http, sandbox_tenant, fast_polling):
    user = sandbox_tenant["cf_user"]
    return CloudFoundry(
        http,
        sandbox_tenant["cf_api"],
        username=user["username"],
        password=user["password"],
        uaa_url=sandbox_tenant["uaa_url"],
        polling=fast_polling,
    )


@pytest.fixture
def space(cf, sandbox_tenant):
    return cf.get_space(cf.get_organization(sandbox_tenant["org"]), sandbox_tenant["space"])


@pytest.fixture
def flow_plan(cf):
    return cf.find_service_plan("it-rt", "integration-flow")


@pytest.fixture
def inbound_instance(cf, space, flow_plan):
    return cf.create_instance(space.guid, flow_plan.guid, "s4-inbound", INSTANCE_PARAMETERS)


@pytest.fixture
def tokens(http):
    return TokenClient(http)


@pytest.fixture
def api_key(sandbox_tenant):
    return parse_service_key(sandbox_tenant["api_key"])


@pytest.fixture
def cpi(http, api_key, tokens):
    return CpiClient(http, api_key, tokens=tokens, deploy_wait=DeployWait(interval=0.01, timeout=2.0))


@pytest.fixture
def faults(sandbox_server, sandbox_tenant):
    return Faults(sandbox_server, sandbox_tenant["subdomain"])
