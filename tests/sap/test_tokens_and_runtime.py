"""XSUAA tokens (secret and mTLS) and runtime calls (Basic, bearer, client certificate) against the
sandbox.
"""

import os
import tempfile

import pytest

from pathways.sap import runtime
from pathways.sap.errors import SapError
from pathways.sap.xsuaa import TokenClient, decode_jwt_payload, role_name

from .conftest import INSTANCE_PARAMETERS


@pytest.fixture
def secret_key(cf, inbound_instance):
    return cf.key_details(cf.create_key(inbound_instance.guid, "basic-key").guid)


@pytest.fixture
def certificate_key(cf, inbound_instance):
    binding = cf.create_key(inbound_instance.guid, "cert-key", {"key-type": "certificate", "validity": 30})
    return cf.key_details(binding.guid)


@pytest.fixture
def ping_url(sandbox_tenant):
    return runtime.endpoint_url(sandbox_tenant["runtime_url"], "/http/authwizard/ping")


def test_secret_token_exposes_scopes_and_role_names(tokens, secret_key):
    token = tokens.for_key(secret_key)
    assert token.expires_in == 3600
    assert any(scope.endswith(".ESBMessaging.send") for scope in token.scopes)
    assert "send" in token.role_names
    assert token.has_role("ESBMessaging.send")
    assert token.claims["client_id"] == secret_key.clientid
    assert token.access_token not in repr(token)


def test_api_key_token_carries_the_three_cpi_roles(tokens, api_key):
    roles = tokens.for_key(api_key).role_names
    assert {"MonitoringDataRead", "CredentialsEdit", "SecurityMaterialEdit"} <= set(roles)


def test_token_is_reused_per_token_url_and_client_until_90_percent_of_its_life(http, secret_key):
    now = [1000.0]
    client = TokenClient(http, clock=lambda: now[0])
    first = client.for_key(secret_key)
    now[0] += 0.9 * 3600 - 1
    assert client.for_key(secret_key).access_token == first.access_token
    now[0] += 2
    assert client.for_key(secret_key).access_token != first.access_token
    assert len([call for call in http.calls if call.url == secret_key.tokenurl]) == 2


def test_wrong_client_secret_is_reported_as_bad_credentials(tokens, secret_key, sandbox_tenant):
    with pytest.raises(SapError) as caught:
        tokens.by_secret(secret_key.tokenurl, secret_key.clientid, "not-the-secret")
    assert caught.value.status == 401
    assert "Bad credentials" in str(caught.value)
    assert "not-the-secret" not in str(caught.value)


def test_sap_generated_certificate_key_gets_a_token_over_mtls(tokens, certificate_key, sandbox_tenant, http):
    assert certificate_key.mtls_tokenurl == sandbox_tenant["cert_token_url"]
    token = tokens.for_key(certificate_key)
    assert token.claims["client_id"] == certificate_key.clientid
    assert http.calls[-1].url == sandbox_tenant["cert_token_url"]


def test_mtls_token_without_a_matching_certificate_is_refused(tokens, certificate_key, issue_certificate):
    stranger = issue_certificate("stranger.example.com")
    with pytest.raises(SapError) as caught:
        tokens.by_certificate(
            certificate_key.mtls_tokenurl, certificate_key.clientid, stranger["certificate"], stranger["key"]
        )
    assert caught.value.status == 401


def test_runtime_call_by_basic_succeeds_and_wrong_secret_is_unauthorized(http, secret_key, ping_url):
    result = runtime.call_endpoint(http, ping_url, basic=(secret_key.clientid, secret_key.clientsecret))
    assert (result.status, result.outcome, result.ok) == (200, "ok", True)
    assert result.duration_ms > 0
    refused = runtime.call_endpoint(http, ping_url, basic=(secret_key.clientid, "wrong"))
    assert refused.outcome == "unauthorized"
    assert "401" in refused.sentence()


def test_runtime_call_by_bearer_token_succeeds(http, tokens, secret_key, ping_url):
    token = tokens.for_key(secret_key)
    assert runtime.call_endpoint(http, ping_url, bearer=token.access_token).outcome == "ok"


def test_runtime_call_by_client_certificate_succeeds_and_leaves_no_key_file(
    http, certificate_key, sandbox_tenant, monkeypatch, tmp_path
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    url = runtime.endpoint_url(sandbox_tenant["runtime_url"], "/cxf/authwizard/ping")
    result = runtime.call_endpoint(http, url, certificate=(certificate_key.certificate, certificate_key.key))
    assert result.outcome == "ok"
    assert os.listdir(tmp_path) == []


def test_external_certificate_key_calls_the_runtime_by_mtls(
    http, cf, inbound_instance, issue_certificate, ping_url
):
    issued = issue_certificate("ssc-client.example.com")
    cf.create_key(
        inbound_instance.guid, "ext", {"key-type": "certificate_external", "X.509": issued["certificate"]}
    )
    result = runtime.call_endpoint(http, ping_url, certificate=(issued["certificate"], issued["key"]))
    assert result.outcome == "ok"


def test_unknown_address_is_endpoint_not_found(http, secret_key, sandbox_tenant):
    url = runtime.endpoint_url(sandbox_tenant["runtime_url"], "/http/no/such/flow")
    result = runtime.call_endpoint(http, url, basic=(secret_key.clientid, secret_key.clientsecret))
    assert result.outcome == "not found"
    assert result.sentence().startswith("endpoint not found")


def test_key_of_an_instance_without_the_send_role_is_forbidden(http, cf, space, flow_plan, ping_url):
    instance = cf.create_instance(
        space.guid, flow_plan.guid, "no-send", {**INSTANCE_PARAMETERS, "roles": ["Other"]}
    )
    key = cf.key_details(cf.create_key(instance.guid, "k").guid)
    assert (
        runtime.call_endpoint(http, ping_url, basic=(key.clientid, key.clientsecret)).outcome == "forbidden"
    )


def test_processing_failure_is_classified_as_server_error(http, secret_key, ping_url, faults):
    faults.add(kind="status", host="runtime", status=500, times=1)
    result = runtime.call_endpoint(http, ping_url, basic=(secret_key.clientid, secret_key.clientsecret))
    assert (result.status, result.outcome) == (500, "server error")


def test_runtime_call_needs_exactly_one_credential(http, ping_url):
    with pytest.raises(SapError, match="exactly one"):
        runtime.call_endpoint(http, ping_url)
    with pytest.raises(SapError, match="exactly one"):
        runtime.call_endpoint(http, ping_url, basic=("a", "b"), bearer="t")
    assert http.call_count == 0


def test_jwt_payload_is_decoded_without_signature_and_role_is_the_last_segment():
    assert decode_jwt_payload("x.eyJ1c2VyX2lkIjoiMTIzIn0.sig") == {"user_id": "123"}
    assert decode_jwt_payload("opaque-token") == {}
    assert decode_jwt_payload("a.!!!.c") == {}
    assert role_name("it!b4711.CredentialsEdit") == "CredentialsEdit"
    assert role_name("it-rt-x!b1.ESBMessaging.send") == "send"
