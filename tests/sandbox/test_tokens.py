"""Token endpoints: CF UAA password grant; XSUAA client credentials by secret and by certificate (D-04/25)."""

import base64
import json

import pytest
import requests

from .conftest import unescape


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_password_grant_returns_a_bearer_jwt_for_the_space_developer(sandbox_server, sandbox_tenant):
    user = sandbox_tenant["cf_user"]
    response = sandbox_server.session().post(
        sandbox_tenant["uaa_url"] + "/oauth/token",
        auth=("cf", ""),
        data={"grant_type": "password", "username": user["username"], "password": user["password"]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0 and body["refresh_token"] and body["jti"]
    claims = _claims(body["access_token"])
    assert claims["user_name"] == user["username"] and claims["user_id"] == user["guid"]
    assert claims["client_id"] == "cf" and isinstance(claims["scope"], list) and claims["exp"] > claims["iat"]


def test_wrong_password_is_refused_with_401_and_the_d25_body(sandbox_server, sandbox_tenant):
    response = sandbox_server.session().post(
        sandbox_tenant["uaa_url"] + "/oauth/token",
        auth=("cf", ""),
        data={
            "grant_type": "password",
            "username": sandbox_tenant["cf_user"]["username"],
            "password": "nope",
        },
    )
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "error_description": "Bad credentials"}


def test_cf_root_names_the_uaa_and_login_links(sandbox_server, sandbox_tenant):
    links = sandbox_server.session().get(sandbox_tenant["cf_api"] + "/").json()["links"]
    assert links["uaa"]["href"] == sandbox_tenant["uaa_url"]
    assert links["login"]["href"] and links["cloud_controller_v3"]["href"].endswith("/v3")


@pytest.mark.parametrize("style", ["basic", "form", "query"])
def test_client_credentials_grant_works_with_basic_form_or_query_grant(sandbox_server, sandbox_tenant, style):
    oauth = sandbox_tenant["api_key"]["oauth"]
    http = sandbox_server.session()
    if style == "basic":
        response = http.post(
            oauth["tokenurl"],
            auth=(oauth["clientid"], oauth["clientsecret"]),
            data={"grant_type": "client_credentials"},
        )
    elif style == "form":
        response = http.post(
            oauth["tokenurl"],
            data={
                "grant_type": "client_credentials",
                "client_id": oauth["clientid"],
                "client_secret": oauth["clientsecret"],
            },
        )
    else:
        response = http.post(
            oauth["tokenurl"] + "?grant_type=client_credentials",
            auth=(oauth["clientid"], oauth["clientsecret"]),
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 43200
    claims = _claims(body["access_token"])
    assert claims["client_id"] == oauth["clientid"]
    assert {s.rsplit(".", 1)[-1] for s in claims["scope"]} >= {
        "MonitoringDataRead",
        "CredentialsEdit",
        "SecurityMaterialEdit",
    }


def test_wrong_client_secret_is_refused_with_401_invalid_client(sandbox_server, sandbox_tenant):
    oauth = sandbox_tenant["api_key"]["oauth"]
    response = sandbox_server.session().post(
        oauth["tokenurl"], auth=(oauth["clientid"], "wrong"), data={"grant_type": "client_credentials"}
    )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "error_description": "Bad credentials"}


def test_expires_in_follows_the_instance_token_validity(cf, sandbox_server, sandbox_tenant):
    instance, _ = cf.create_instance(
        "short-lived",
        {"roles": ["ESBMessaging.send"], "grant-types": ["client_credentials"], "token-validity": 7200},
    )
    cf.create_key(instance, "k1")
    oauth = cf.key_credentials(instance, "k1")["oauth"]
    response = sandbox_server.session().post(
        oauth["tokenurl"],
        auth=(oauth["clientid"], oauth["clientsecret"]),
        data={"grant_type": "client_credentials"},
    )
    assert response.json()["expires_in"] == 7200


def test_cert_token_host_refuses_a_connection_without_client_certificate(sandbox_server, sandbox_tenant):
    oauth = sandbox_tenant["api_key"]["oauth"]
    with pytest.raises(requests.exceptions.ConnectionError):
        sandbox_server.session().post(
            sandbox_tenant["cert_token_url"],
            data={"grant_type": "client_credentials", "client_id": oauth["clientid"]},
            timeout=10,
        )


def test_certificate_key_gets_a_token_over_mtls_on_the_derived_cert_host(
    cf, certs, sandbox_server, sandbox_tenant
):
    instance, _ = cf.create_instance(
        "mtls-inbound", {"roles": ["ESBMessaging.send"], "grant-types": ["client_credentials"]}
    )
    _, job = cf.create_key(instance, "cert-key", {"key-type": "certificate", "validity": 30})
    assert job["state"] == "COMPLETE"
    oauth = cf.key_credentials(instance, "cert-key")["oauth"]
    assert "certurl" not in oauth
    cert_url = oauth["tokenurl"].replace(".authentication.", ".authentication.cert.", 1)
    assert cert_url == sandbox_tenant["cert_token_url"]
    files = certs.files(unescape(oauth["certificate"]), unescape(oauth["key"]))
    response = sandbox_server.session().post(
        cert_url, cert=files, data={"grant_type": "client_credentials", "client_id": oauth["clientid"]}
    )
    assert response.status_code == 200, response.text
    assert _claims(response.json()["access_token"])["client_id"] == oauth["clientid"]


def test_client_certificate_from_a_foreign_ca_is_refused_at_the_tls_layer(
    certs, sandbox_server, sandbox_tenant
):
    cert, key = certs.issue(foreign=True)
    from .conftest import key_pem_of, pem_of

    files = certs.files(pem_of(cert), key_pem_of(key), "foreign")
    with pytest.raises(requests.exceptions.ConnectionError):
        sandbox_server.session().post(
            sandbox_tenant["cert_token_url"],
            cert=files,
            data={"grant_type": "client_credentials", "client_id": "x"},
            timeout=10,
        )
