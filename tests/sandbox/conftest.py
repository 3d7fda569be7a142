"""Helpers for the sandbox tests: CF, XSUAA and CPI clients written from sap-apis.md; certificate makers."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def unescape(pem: str) -> str:
    return pem.replace("\\n", "\n")


def pem_of(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def key_pem_of(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class CertFactory:
    """Issues client certificates from the sandbox client CA (or from a foreign CA)."""

    def __init__(self, server, tmp_path: Path):
        self.tmp = tmp_path
        self.ca_cert = x509.load_pem_x509_certificate(Path(server.client_ca_path).read_bytes())
        self.ca_key = serialization.load_pem_private_key(Path(server.client_ca_key_path).read_bytes(), None)

    def issue(self, cn: str = "s4.example.com", client_auth: bool = True, foreign: bool = False):
        """(cert, key) for a new client certificate."""
        key = ec.generate_private_key(ec.SECP256R1())
        ca_cert, ca_key = (self.ca_cert, self.ca_key) if not foreign else self.foreign_ca()
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=30))
        )
        usage = [ExtendedKeyUsageOID.CLIENT_AUTH] if client_auth else [ExtendedKeyUsageOID.SERVER_AUTH]
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
        return builder.sign(ca_key, hashes.SHA256()), key

    def foreign_ca(self):
        if not hasattr(self, "_foreign"):
            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Foreign CA")])
            now = dt.datetime.now(dt.UTC)
            cert = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256())
            )
            self._foreign = (cert, key)
        return self._foreign

    def files(self, cert_pem: str, key_pem: str, name: str = "client") -> tuple[str, str]:
        """Write a PEM chain and key to 0600 files for `requests`' `cert=`."""
        cert_path, key_path = self.tmp / f"{name}.pem", self.tmp / f"{name}-key.pem"
        cert_path.write_text(cert_pem)
        key_path.write_text(key_pem)
        cert_path.chmod(0o600)
        key_path.chmod(0o600)
        return str(cert_path), str(key_path)


def self_signed(cn: str = "Self Signed", key=None):
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


class CfClient:
    """Minimal CF v3 client: password grant, JSON calls, job polling."""

    def __init__(self, server, facts: dict, user_key: str = "cf_user"):
        self.server, self.facts = server, facts
        self.http = server.session()
        self.base = facts["cf_api"]
        user = facts[user_key]
        response = self.http.post(
            facts["uaa_url"] + "/oauth/token",
            auth=("cf", ""),
            data={"grant_type": "password", "username": user["username"], "password": user["password"]},
            timeout=30,
        )
        response.raise_for_status()
        self.token = response.json()["access_token"]
        self.http.headers["Authorization"] = f"bearer {self.token}"

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        url = path if path.startswith("https://") else self.base + path
        return self.http.request(method, url, timeout=30, **kwargs)

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def plan_guid(self, plan: str = "integration-flow") -> str:
        body = self.get(f"/v3/service_plans?names={plan}&service_offering_names=it-rt").json()
        return body["resources"][0]["guid"]

    def wait_job(self, location: str, limit: int = 20) -> dict:
        for _ in range(limit):
            job = self.call("GET", location).json()
            if job["state"] in ("COMPLETE", "FAILED"):
                return job
        raise AssertionError(f"job did not finish: {job}")

    def create_instance(self, name: str, parameters=None, plan: str = "integration-flow") -> tuple[str, dict]:
        body = {
            "type": "managed",
            "name": name,
            "relationships": {
                "space": {"data": {"guid": self.facts["space_guid"]}},
                "service_plan": {"data": {"guid": self.plan_guid(plan)}},
            },
        }
        if parameters is not None:
            body["parameters"] = parameters
        response = self.call("POST", "/v3/service_instances", json=body)
        assert response.status_code == 202, response.text
        job = self.wait_job(response.headers["Location"])
        found = self.get(f"/v3/service_instances?names={name}&space_guids={self.facts['space_guid']}").json()
        return found["resources"][0]["guid"], job

    def create_key(self, instance_guid: str, name: str, parameters=None) -> tuple[requests.Response, dict]:
        body = {
            "type": "key",
            "name": name,
            "relationships": {"service_instance": {"data": {"guid": instance_guid}}},
        }
        if parameters is not None:
            body["parameters"] = parameters
        response = self.call("POST", "/v3/service_credential_bindings", json=body)
        job = self.wait_job(response.headers["Location"]) if response.status_code == 202 else {}
        return response, job

    def key_credentials(self, instance_guid: str, name: str) -> dict:
        keys = self.get(
            f"/v3/service_credential_bindings?names={name}&service_instance_guids={instance_guid}&type=key"
        ).json()["resources"]
        return self.get(f"/v3/service_credential_bindings/{keys[0]['guid']}/details").json()["credentials"]


class CpiClient:
    """CPI OData client: XSUAA token, CSRF fetch in one session, JSON; waits out 429 like a polite client."""

    def __init__(self, server, key_json: dict, fetch_csrf: bool = True):
        self.server = server
        oauth = key_json["oauth"]
        self.base = oauth["url"] + "/api/v1"
        self.http = server.session()
        response = self.http.post(
            oauth["tokenurl"],
            auth=(oauth["clientid"], oauth["clientsecret"]),
            data={"grant_type": "client_credentials"},
            timeout=30,
        )
        response.raise_for_status()
        self.http.headers.update(
            {"Authorization": f"Bearer {response.json()['access_token']}", "Accept": "application/json"}
        )
        self.csrf = None
        if fetch_csrf:
            self.fetch_csrf()

    def fetch_csrf(self) -> str:
        response = self.call("GET", "/", headers={"X-CSRF-Token": "Fetch"}, csrf=False)
        self.csrf = response.headers["X-CSRF-Token"]
        return self.csrf

    def call(self, method: str, path: str, csrf: bool = True, retry_429: bool = True, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if csrf and method != "GET" and self.csrf:
            headers.setdefault("X-CSRF-Token", self.csrf)
        for _ in range(5):
            response = self.http.request(method, self.base + path, headers=headers, timeout=60, **kwargs)
            if response.status_code != 429 or not retry_429:
                return response
            time.sleep(float(response.headers.get("Retry-After", "1")))
        return response


@pytest.fixture
def certs(sandbox_server, tmp_path):
    return CertFactory(sandbox_server, tmp_path)


@pytest.fixture
def cf(sandbox_server, sandbox_tenant):
    return CfClient(sandbox_server, sandbox_tenant)


@pytest.fixture
def cpi(sandbox_server, sandbox_tenant):
    return CpiClient(sandbox_server, sandbox_tenant["api_key"])
