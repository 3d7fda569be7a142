"""Shared harness for the fault and security suites: landscapes on sandbox tenants, drafts, runs, a worker."""

from __future__ import annotations

import base64
import contextlib
import re
from pathlib import Path

from pathways import engine
from pathways.models import Landscape, Pathway, Run
from tests.fixtures.landscapes import FAST_WAITS, landscape_from, set_draft  # noqa: F401 (re-exported)
from tests.fixtures.worker import embedded_worker, in_memory_sqlite, use_folder_broker, wait_for  # noqa: F401

S4_PASSWORD = "Fault-S4-Passw0rd!"
SSC_PASSWORD = "Fault-SSC-Passw0rd?"
PKCS12_PASSPHRASE = "fault-pkcs12-Passphrase-9"
TENANT_HOSTS = ("xsuaa", "xsuaa_cert", "cpi", "runtime")


def issue_certificate(sandbox_server, common_name: str) -> dict:
    """A client certificate (PEM + key) from the sandbox's load-balancer client CA."""
    response = sandbox_server.admin("POST", "certificates", {"common_name": common_name, "client_auth": True})
    assert response.status_code == 201, response.text
    return response.json()


def pkcs12_of(issued: dict, passphrase: str) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    certificate = x509.load_pem_x509_certificate(issued["certificate"].encode())
    key = serialization.load_pem_private_key(issued["key"].encode(), password=None)
    return pkcs12.serialize_key_and_certificates(
        b"client", key, certificate, None, serialization.BestAvailableEncryption(passphrase.encode())
    )


def fill_draft(landscape: Landscape, tenant: dict, sandbox_server, key: str, method: str) -> Pathway:
    """A complete draft for one of the eight combinations, as a consultant would fill it in."""
    pathway = landscape.pathways.get(key=key)
    sub = tenant["subdomain"]
    if (key, method) == ("s4_to_cpi", "certificate"):
        return set_draft(pathway, method, {"certificate_source": "sap_generated", "validity_days": "30"})
    if (key, method) == ("ssc_to_cpi", "certificate"):
        issued = issue_certificate(sandbox_server, f"ssc-{sub}.example.com")
        return set_draft(
            pathway, method, {"certificate_source": "external", "external_certificate": issued["certificate"]}
        )
    if method == "basic" and key in ("s4_to_cpi", "ssc_to_cpi"):
        return set_draft(pathway, method, {"token_validity": "7200"})
    if (key, method) == ("cpi_to_s4", "basic"):
        return set_draft(pathway, method, {"user": "COMM_USER_S4"}, {"password": S4_PASSWORD})
    if (key, method) == ("cpi_to_ssc", "basic"):
        return set_draft(pathway, method, {"user": "SSC_INBOUND"}, {"password": SSC_PASSWORD})
    if (key, method) == ("cpi_to_s4", "certificate"):
        root = Path(tenant["ca_path"]).read_text()
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
    issued = issue_certificate(sandbox_server, f"cpi-{sub}.example.com")
    bundle = base64.b64encode(pkcs12_of(issued, PKCS12_PASSPHRASE)).decode()
    return set_draft(
        pathway, method, {"key_source": "import"}, {"pkcs12": bundle, "pkcs12_passphrase": PKCS12_PASSPHRASE}
    )


def run_now(pathway: Pathway, kind: str = "apply") -> Run:
    """Start a run the way the page does and execute it in this process (no queue)."""
    with contextlib.suppress(Exception):
        pathway.refresh_from_db()
    run = Run.objects.create(landscape=pathway.landscape, pathway=pathway, kind=kind)
    engine.execute_run(run.id)
    run.refresh_from_db()
    return run


@contextlib.contextmanager
def in_process_worker(folder: Path, django_db_blocker):
    """A real Celery worker thread on the folder broker under `folder`."""
    import pathways.tasks  # noqa: F401 - registers the tasks
    from authwizard.celery import app

    use_folder_broker(app, folder)
    app.control.purge()
    with embedded_worker(app, django_db_blocker) as worker:
        yield worker


def tenant_objects(sandbox_server, subdomain: str) -> dict:
    return sandbox_server.state(subdomain)["tenants"][subdomain]


def last_call(sandbox_server) -> int:
    """The sequence number of the sandbox's latest logged call (0 when none)."""
    calls = sandbox_server.calls()
    return calls[-1]["seq"] if calls else 0


def job_paths(sandbox_server, since: int) -> set[str]:
    return {c["path"] for c in sandbox_server.calls(since) if re.fullmatch(r"/v3/jobs/[0-9a-f-]+", c["path"])}


def time_passes_until_jobs_end(landscape, sandbox_server, since: int) -> None:
    """The broker finishes in its own time: the sandbox's jobs come due, and a CF call of the tenant (as
    any later run makes) sees every job polled since `since` ended."""
    from pathways.engine.connect import Connection

    assert job_paths(sandbox_server, since) or instance_polls(sandbox_server, since), "no job was polled"
    sandbox_server.admin("POST", "async", {"job_seconds": 0}).raise_for_status()
    with Connection(landscape) as observer:
        observer.space()


def instance_polls(sandbox_server, since: int) -> list[dict]:
    """GETs of a service instance or key after its create was accepted (the client polls the resource)."""
    calls = sandbox_server.calls(since)
    created = [c["seq"] for c in calls if c["method"] == "POST" and c["path"].startswith("/v3/service_")]
    pattern = r"/v3/(service_instances|service_credential_bindings)(/[0-9a-f-]+)?(\?.*)?"
    return [
        c
        for c in calls
        if created and c["seq"] > created[0] and c["method"] == "GET" and re.fullmatch(pattern, c["path"])
    ]
