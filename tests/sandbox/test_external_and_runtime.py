"""External certificate keys (§6.3, D-36) and runtime endpoints (§11): Basic, Bearer, mTLS, 401/403/404."""

import pytest
import requests

from .conftest import key_pem_of, pem_of, unescape

IFLOW_PARAMETERS = {"grant-types": ["client_credentials"], "roles": ["ESBMessaging.send"]}


@pytest.fixture
def iflow_instance(cf):
    guid, _ = cf.create_instance("inbound", IFLOW_PARAMETERS)
    return guid


def test_external_certificate_with_client_auth_is_accepted_and_stored(cf, certs, iflow_instance):
    cert, _ = certs.issue()
    _, job = cf.create_key(iflow_instance, "ext", {"key-type": "certificate_external", "X.509": pem_of(cert)})
    assert job["state"] == "COMPLETE"
    oauth = cf.key_credentials(iflow_instance, "ext")["oauth"]
    assert (
        unescape(oauth["certificate"]) == pem_of(cert) and "key" not in oauth and "clientsecret" not in oauth
    )


def test_external_certificate_pem_without_line_breaks_is_accepted(cf, certs, iflow_instance):
    cert, _ = certs.issue()
    one_line = "".join(pem_of(cert).splitlines())
    _, job = cf.create_key(iflow_instance, "flat", {"key-type": "certificate_external", "X.509": one_line})
    assert job["state"] == "COMPLETE"


def test_external_certificate_without_client_auth_fails_the_key_job(cf, certs, iflow_instance):
    cert, _ = certs.issue(client_auth=False)
    _, job = cf.create_key(
        iflow_instance, "server-only", {"key-type": "certificate_external", "X.509": pem_of(cert)}
    )
    assert job["state"] == "FAILED"
    assert job["errors"][0]["title"] == "CF-UnableToPerform"
    assert job["errors"][0]["detail"].startswith("bind could not be completed: ")
    assert "clientAuth" in job["errors"][0]["detail"]


def test_external_certificate_can_be_used_only_once(cf, certs, iflow_instance):
    cert, _ = certs.issue()
    other, _ = cf.create_instance("inbound-two", IFLOW_PARAMETERS)
    _, first = cf.create_key(
        iflow_instance, "once", {"key-type": "certificate_external", "X.509": pem_of(cert)}
    )
    _, second = cf.create_key(other, "twice", {"key-type": "certificate_external", "X.509": pem_of(cert)})
    assert first["state"] == "COMPLETE" and second["state"] == "FAILED"
    assert "already used" in second["errors"][0]["detail"]


def test_external_certificate_from_a_foreign_ca_fails_the_key_job(cf, certs, iflow_instance):
    cert, _ = certs.issue(foreign=True)
    _, job = cf.create_key(
        iflow_instance, "foreign", {"key-type": "certificate_external", "X.509": pem_of(cert)}
    )
    assert job["state"] == "FAILED" and "load balancer" in job["errors"][0]["detail"]


def test_external_certificate_chain_instead_of_leaf_fails_the_key_job(cf, certs, iflow_instance):
    cert, _ = certs.issue()
    chain = pem_of(cert) + pem_of(certs.ca_cert)
    _, job = cf.create_key(iflow_instance, "chain", {"key-type": "certificate_external", "X.509": chain})
    assert job["state"] == "FAILED" and "leaf" in job["errors"][0]["detail"]


def _secret_key(cf, instance, name="rt-key"):
    cf.create_key(instance, name)
    return cf.key_credentials(instance, name)["oauth"]


def test_runtime_accepts_basic_clientid_and_secret(cf, sandbox_server, iflow_instance):
    oauth = _secret_key(cf, iflow_instance)
    response = sandbox_server.session().post(
        oauth["url"] + "/http/authwizard/ping",
        json={"hello": 1},
        auth=(oauth["clientid"], oauth["clientsecret"]),
    )
    assert response.status_code == 200
    assert response.json()["auth"] == "basic" and response.json()["authenticated_as"] == oauth["clientid"]


def test_runtime_accepts_a_bearer_token_of_the_key_on_cxf_too(cf, sandbox_server, iflow_instance):
    oauth = _secret_key(cf, iflow_instance)
    http = sandbox_server.session()
    token = http.post(
        oauth["tokenurl"],
        auth=(oauth["clientid"], oauth["clientsecret"]),
        data={"grant_type": "client_credentials"},
    ).json()["access_token"]
    response = http.post(
        oauth["url"] + "/cxf/authwizard/ping",
        data="<x/>",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/xml"},
    )
    assert response.status_code == 200 and b"<auth>bearer</auth>" in response.content


def test_runtime_accepts_mtls_with_a_sap_generated_key(cf, certs, sandbox_server, iflow_instance):
    cf.create_key(iflow_instance, "rt-cert", {"key-type": "certificate"})
    oauth = cf.key_credentials(iflow_instance, "rt-cert")["oauth"]
    files = certs.files(unescape(oauth["certificate"]), unescape(oauth["key"]))
    response = sandbox_server.session().get(oauth["url"] + "/http/authwizard/ping", cert=files)
    assert response.status_code == 200 and response.json()["auth"] == "certificate"


def test_runtime_accepts_mtls_with_the_pinned_external_certificate(cf, certs, sandbox_server, iflow_instance):
    cert, key = certs.issue()
    cf.create_key(iflow_instance, "rt-ext", {"key-type": "certificate_external", "X.509": pem_of(cert)})
    url = cf.key_credentials(iflow_instance, "rt-ext")["oauth"]["url"]
    good = certs.files(pem_of(cert) + pem_of(certs.ca_cert), key_pem_of(key), "pinned")
    assert sandbox_server.session().get(url + "/http/authwizard/ping", cert=good).status_code == 200
    renewal, renewal_key = certs.issue()
    other = certs.files(pem_of(renewal), key_pem_of(renewal_key), "renewal")
    assert sandbox_server.session().get(url + "/http/authwizard/ping", cert=other).status_code == 401


def test_certificate_without_client_auth_is_refused_by_the_runtime_tls_layer(
    cf, certs, sandbox_server, sandbox_tenant
):
    cert, key = certs.issue(client_auth=False)
    files = certs.files(pem_of(cert), key_pem_of(key), "serveronly")
    url = sandbox_tenant["runtime_url"] + "/http/authwizard/ping"
    with pytest.raises(requests.exceptions.ConnectionError):
        sandbox_server.session().get(url, cert=files, timeout=10)


def test_runtime_refuses_a_foreign_ca_certificate_at_the_tls_layer(certs, sandbox_server, sandbox_tenant):
    cert, key = certs.issue(foreign=True)
    files = certs.files(pem_of(cert), key_pem_of(key), "foreign")
    with pytest.raises(requests.exceptions.ConnectionError):
        sandbox_server.session().get(
            sandbox_tenant["runtime_url"] + "/http/authwizard/ping", cert=files, timeout=10
        )


def test_runtime_wrong_or_missing_credentials_are_401(cf, sandbox_server, iflow_instance):
    oauth = _secret_key(cf, iflow_instance)
    http = sandbox_server.session()
    url = oauth["url"] + "/http/authwizard/ping"
    assert http.get(url, auth=(oauth["clientid"], "wrong")).status_code == 401
    assert http.get(url).status_code == 401


def test_runtime_without_the_send_role_is_403(cf, sandbox_server):
    instance, _ = cf.create_instance(
        "no-send", {"grant-types": ["client_credentials"], "roles": ["Other.role"]}
    )
    oauth = _secret_key(cf, instance)
    response = sandbox_server.session().get(
        oauth["url"] + "/http/authwizard/ping", auth=(oauth["clientid"], oauth["clientsecret"])
    )
    assert response.status_code == 403


def test_runtime_unknown_address_is_404_with_an_empty_body(cf, sandbox_server, iflow_instance):
    oauth = _secret_key(cf, iflow_instance)
    response = sandbox_server.session().get(
        oauth["url"] + "/http/not/deployed", auth=(oauth["clientid"], oauth["clientsecret"])
    )
    assert response.status_code == 404 and response.content == b""


def test_added_iflow_address_is_served_and_listed(cf, cpi, sandbox_server, sandbox_tenant, iflow_instance):
    added = sandbox_server.admin(
        "POST",
        "iflows",
        {"subdomain": sandbox_tenant["subdomain"], "address": "/http/ssc/replicate", "name": "SSC_Replicate"},
    )
    assert added.status_code == 201
    oauth = _secret_key(cf, iflow_instance)
    response = sandbox_server.session().post(
        oauth["url"] + "/HTTP/SSC/replicate", auth=(oauth["clientid"], oauth["clientsecret"])
    )
    assert response.status_code == 200 and response.json()["iflow"] == "SSC_Replicate"
    endpoints = cpi.call("GET", "/ServiceEndpoints?$expand=EntryPoints").json()["d"]["results"]
    urls = {e["Name"]: e["EntryPoints"]["results"][0]["Url"] for e in endpoints}
    assert urls["SSC_Replicate"] == sandbox_tenant["runtime_url"] + "/http/ssc/replicate"
    assert urls["AuthWizard_Ping_SOAP"].endswith("/cxf/authwizard/ping")
