"""What message checks need: a sandbox landscape whose outbound pathways are wired into the fixture iFlows and
confirmed as their parameters, and the sandbox's sender and failure knob."""

from __future__ import annotations

import pytest

from pathways.engine.connect import Connection
from pathways.models import FoundParameter, IFlowParameter, Membership, ParameterRole
from pathways.sap.cpi import KeyPairRequest
from tests.factories import UserFactory

TO_S4 = "com.sap.fixture.ssc2.ReplicateBusinessPartnerToS4HANA"
TO_SSC = "com.sap.fixture.ssc2.ReplicateCustomerFromS4HANA"
S4, SSC = "SAP S/4HANA", "SAP Sales and Service Cloud V2"
# The causes the failure knob's receiver_401 and certificate_rejected give the two wired pathways.
BASIC_CAUSE = f"{S4} rejected the user of credential S4_BASIC (HTTP 401)"
CERTIFICATE_CAUSE = (
    f"{SSC} did not accept the client certificate of key pair ssc_client (TLS handshake failed)"
)


@pytest.fixture
def consultant(db):
    return UserFactory(username="carla")


def wire(landscape, consultant):
    """The landscape with CPI → S/4HANA wired to S4_BASIC in its iFlow and CPI → SSCv2 to the key pair
    ssc_client (what an apply of both leaves), and both confirmed as the pathways' parameters."""
    Membership.objects.create(landscape=landscape, user=consultant, role="consultant")
    with Connection(landscape) as remote:
        remote.cpi.create_user_credential("S4_BASIC", "COMM_USER", "Pa55-word-never-logged")
        remote.cpi.wait_until_deployed("S4_BASIC")
        remote.content.update_configuration(TO_S4, "active", "Receiver Credential Name", "S4_BASIC")
        remote.content.wait_until_started(TO_S4, task=remote.content.deploy(TO_S4))
        remote.cpi.generate_key_pair(
            KeyPairRequest(alias="ssc_client", common_name="cpi-to-ssc", country="DE")
        )
        remote.content.update_configuration(TO_SSC, "active", "Receiver Private Key Alias", "ssc_client")
        remote.content.wait_until_started(TO_SSC, task=remote.content.deploy(TO_SSC))
    found = [
        FoundParameter(
            "P", TO_S4, "1.0.3", "Replicate Business Partner to SAP S4HANA", k, "", r, v, "cpi_to_s4"
        )
        for k, r, v in (
            ("Receiver Authentication", ParameterRole.RECEIVER_AUTH_TYPE, "Basic"),
            ("Receiver Credential Name", ParameterRole.CREDENTIAL_NAME, "S4_BASIC"),
        )
    ] + [
        FoundParameter("P", TO_SSC, "1.0.3", "Replicate Customer from SAP S4HANA", k, "", r, v, "cpi_to_ssc")
        for k, r, v in (
            ("Receiver Authentication", ParameterRole.RECEIVER_AUTH_TYPE, "Client Certificate"),
            ("Receiver Private Key Alias", ParameterRole.PRIVATE_KEY_ALIAS, "ssc_client"),
        )
    ]
    IFlowParameter.record_discovery(landscape, found)
    for parameter in IFlowParameter.objects.filter(landscape=landscape):
        parameter.confirm(landscape.pathways.get(key=parameter.guessed_pathway), user=consultant)
    return landscape


@pytest.fixture
def watched(landscape, consultant):
    return wire(landscape, consultant)


def subdomain_of(landscape) -> str:
    return landscape.runtime_url.split("//")[1].split(".")[0]


def send(sandbox_server, landscape, flow_id: str, count: int = 1) -> list[dict]:
    subdomain = landscape.runtime_url.split("//")[1].split(".")[0]
    response = sandbox_server.admin(
        "POST", f"tenants/{subdomain}/messages", {"iflow": flow_id, "count": count}
    )
    assert response.status_code == 201, response.text
    return response.json()["messages"]


def fail_next(sandbox_server, landscape, flow_id: str, failure: str) -> None:
    spec = {"kind": "fail_message", "host": "runtime", "subdomain": subdomain_of(landscape), "name": flow_id}
    response = sandbox_server.admin("POST", "faults", {**spec, "failure": failure, "times": 1})
    assert response.status_code == 201, response.text
