"""Fixtures for run tests: a landscape pointing at a fresh sandbox tenant, drafts per combination, fast
waits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pathways.models import Pathway
from tests.fixtures.landscapes import landscape_from, set_draft
from tests.fixtures.worker import embedded_worker, use_folder_broker, wait_for  # noqa: F401 (re-exported)

S4_PASSWORD = "S4-comm-user-Passw0rd!"
SSC_PASSWORD = "SSC-inbound-Passw0rd?"
TENANT_HOSTS = ("xsuaa", "xsuaa_cert", "cpi", "runtime")


@pytest.fixture
def landscape(sandbox_tenant, fast_waits):
    return landscape_from(sandbox_tenant, f"Sandbox {sandbox_tenant['subdomain']}")


@pytest.fixture
def issue_certificate(sandbox_server):
    """A client certificate (PEM + key) issued by the sandbox's load-balancer client CA, with clientAuth."""

    def issue(common_name: str = "s4.example.com") -> dict:
        response = sandbox_server.admin(
            "POST", "certificates", {"common_name": common_name, "client_auth": True}
        )
        assert response.status_code == 201, response.text
        return response.json()

    return issue


@pytest.fixture
def add_fault(sandbox_server, sandbox_tenant):
    def add(**spec) -> dict:
        if spec.get("host") in TENANT_HOSTS or spec["kind"] in ("fail_job", "job_forever"):
            spec.setdefault("subdomain", sandbox_tenant["subdomain"])
        response = sandbox_server.admin("POST", "faults", spec)
        assert response.status_code == 201, response.text
        return response.json()

    return add


COMBINATIONS = [
    ("s4_to_cpi", "basic"),
    ("s4_to_cpi", "certificate"),
    ("ssc_to_cpi", "basic"),
    ("ssc_to_cpi", "certificate"),
    ("cpi_to_s4", "basic"),
    ("cpi_to_s4", "certificate"),
    ("cpi_to_ssc", "basic"),
    ("cpi_to_ssc", "certificate"),
]
PKCS12_PASSPHRASE = "pkcs12-Passphrase-42"


def pkcs12_of(issued: dict, passphrase: str) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    certificate = x509.load_pem_x509_certificate(issued["certificate"].encode())
    key = serialization.load_pem_private_key(issued["key"].encode(), password=None)
    return pkcs12.serialize_key_and_certificates(
        b"ssc-client", key, certificate, None, serialization.BestAvailableEncryption(passphrase.encode())
    )


@pytest.fixture
def prepare(landscape, sandbox_tenant, issue_certificate):
    """Fill one pathway's draft for a combination, the way a consultant would in the wizard."""

    def fill(key: str, method: str) -> Pathway:
        import base64

        pathway = landscape.pathways.get(key=key)
        if (key, method) == ("s4_to_cpi", "certificate"):
            return set_draft(pathway, method, {"certificate_source": "sap_generated", "validity_days": "30"})
        if (key, method) == ("ssc_to_cpi", "certificate"):
            issued = issue_certificate(f"ssc-{sandbox_tenant['subdomain']}.example.com")
            return set_draft(
                pathway,
                method,
                {"certificate_source": "external", "external_certificate": issued["certificate"]},
            )
        if method == "basic" and key in ("s4_to_cpi", "ssc_to_cpi"):
            return set_draft(pathway, method, {"token_validity": "7200"})
        if (key, method) == ("cpi_to_s4", "basic"):
            return set_draft(pathway, method, {"user": "COMM_USER_S4"}, {"password": S4_PASSWORD})
        if (key, method) == ("cpi_to_ssc", "basic"):
            return set_draft(pathway, method, {"user": "SSC_INBOUND"}, {"password": SSC_PASSWORD})
        if (key, method) == ("cpi_to_s4", "certificate"):
            root = Path(sandbox_tenant["ca_path"]).read_text()
            return set_draft(
                pathway,
                method,
                {
                    "key_source": "generate",
                    "key_type": "EC-256",
                    "organization": "Example AG",
                    "server_root": root,
                },
            )
        issued = issue_certificate(f"cpi-{sandbox_tenant['subdomain']}.example.com")
        bundle = base64.b64encode(pkcs12_of(issued, PKCS12_PASSPHRASE)).decode()
        return set_draft(
            pathway,
            method,
            {"key_source": "import"},
            {"pkcs12": bundle, "pkcs12_passphrase": PKCS12_PASSPHRASE},
        )

    return fill


@pytest.fixture(scope="package")
def celery_worker(tmp_path_factory, django_db_setup, django_db_blocker):
    """A real Celery worker on Redis when REDIS_URL is set, else on the folder broker in a tmp dir."""
    import os

    import pathways.tasks  # noqa: F401 - registers the tasks
    from authwizard.celery import app

    before = {
        "broker_url": app.conf.broker_url,
        "broker_transport_options": dict(app.conf.broker_transport_options or {}),
    }
    use_folder_broker(app, tmp_path_factory.mktemp("broker"))
    app.control.purge()  # messages left by runs no worker took, e.g. from page tests
    # The embedded worker skips Django's system checks: URLs and views are not what these tests exercise.
    skip_checks = os.environ.get("CELERY_SKIP_CHECKS")
    os.environ["CELERY_SKIP_CHECKS"] = "1"
    try:
        with embedded_worker(app, django_db_blocker) as worker:
            yield worker
    finally:
        if not os.environ.get("REDIS_URL"):
            app.conf.update(before)  # later test folders find the app as configured
            app._pool = None
            app.amqp._producer_pool = None
        if skip_checks is None:
            os.environ.pop("CELERY_SKIP_CHECKS", None)
