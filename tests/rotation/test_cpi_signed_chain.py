"""The CPI key pair's CSR fetched by a run, signed by a CA made in the test, and the chain imported back onto
the key pair by another run; the run page offers the CSR and shows why a wrong chain is refused. The views
only start runs: the test executes each as the worker would."""

import html
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from pathways import certs
from pathways.engine.connect import Connection
from pathways.models import AuditEvent, Run

from .conftest import execute, run_now, steps

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def ca():
    key = certs.generate_private_key("EC-P256")
    root = certs.issue_certificate(
        key,
        None,
        key,
        3650,
        eku=(),
        is_ca=True,
        subject=certs.DistinguishedName("SSCv2 Partner Root", country="DE"),
        not_before=timezone.now() - timedelta(days=1),
    )
    return root, key


@pytest.fixture
def key_pair(landscape, consultant):
    pathway = landscape.pathways.get(key="cpi_to_ssc")
    pathway.method = "certificate"
    pathway.draft = {"key_source": "generate", "key_type": "RSA-2048"}
    pathway.save()
    run = run_now(pathway, "apply")
    assert run.state == "succeeded", steps(run)
    pathway.refresh_from_db()
    return pathway


@pytest.fixture
def browser(consultant):
    client = Client()
    client.force_login(consultant)
    return client


def base(pathway) -> str:
    return f"/l/{pathway.landscape.code}/p/{pathway.key}/certificates/"


def started(response) -> Run:
    """The run a POST started (the page redirects to it), executed as the worker would."""
    assert response.status_code == 302, html.unescape(response.content.decode())[-2000:]
    assert response["Location"].startswith("/runs/")
    return execute(Run.objects.get(code=response["Location"].split("/")[2]))


def fetch_csr(browser, pathway) -> bytes:
    run = started(browser.post(base(pathway) + "cpi-request.csr"))
    assert run.state == "succeeded", (run.message, steps(run))
    page = browser.get(f"/runs/{run.code}/").content.decode()
    assert f"/runs/{run.code}/csr/" in page  # the run page offers the file
    response = browser.get(f"/runs/{run.code}/csr/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pkcs10"
    return response.content


def test_the_csr_is_downloaded_signed_and_the_chain_imported(key_pair, browser, ca):
    root, root_key = ca
    content = fetch_csr(browser, key_pair)
    csr = certs.parse_csr(content)
    assert "CN=cpi-ssc-client" in csr.subject
    signed = certs.issue_certificate(content, root, root_key, 365)
    chain = (signed.pem + root.pem).decode()
    run = started(browser.post(base(key_pair) + "cpi-chain/", {"chain": chain}))
    assert run.state == "succeeded", (run.message, steps(run))
    key_pair.refresh_from_db()
    assert key_pair.applied["fingerprint"] == signed.fingerprint_sha256
    assert key_pair.applied["signed_by"] == root.subject
    with Connection(key_pair.landscape) as connection:
        entry = connection.cpi.get_keystore_entry(key_pair.applied["alias"])
    assert entry.fingerprint_sha256 == signed.fingerprint_sha256 and entry.issuer_dn
    handed_over = certs.parse_certificates(key_pair.secret("handoff_certificate").reveal())
    assert handed_over.leaf.fingerprint_sha256 == signed.fingerprint_sha256
    assert {"certificate.csr", "certificate.chain"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    verified = run_now(key_pair, "verify")
    assert verified.state == "succeeded", steps(verified)


def test_a_chain_for_another_key_is_refused_with_its_reason(key_pair, browser, ca):
    root, root_key = ca
    stranger = certs.generate_private_key("RSA-2048")
    wrong = certs.issue_certificate(
        stranger, root, root_key, 365, subject=certs.DistinguishedName("cpi-ssc-client")
    )
    run = started(browser.post(base(key_pair) + "cpi-chain/", {"chain": (wrong.pem + root.pem).decode()}))
    assert run.state == "failed" and "its public key differs" in run.message
    page = html.unescape(browser.get(f"/runs/{run.code}/").content.decode())
    assert "its public key differs" in page
    key_pair.refresh_from_db()
    assert key_pair.applied["fingerprint"] != wrong.fingerprint_sha256


@pytest.mark.parametrize(
    ("chain", "message"),
    [
        ("", "Paste or upload the certificate chain"),
        ("garbage", "This is not a certificate file"),
    ],
)
def test_bad_chain_input_is_answered_on_the_page(key_pair, browser, chain, message):
    response = browser.post(base(key_pair) + "cpi-chain/", {"chain": chain})
    assert response.status_code == 200 and message in html.unescape(response.content.decode())


def test_an_expired_signed_certificate_is_refused(key_pair, browser, ca):
    root, root_key = ca
    csr = fetch_csr(browser, key_pair)
    old = certs.issue_certificate(csr, root, root_key, 1, not_before=timezone.now() - timedelta(days=5))
    run = started(browser.post(base(key_pair) + "cpi-chain/", {"chain": (old.pem + root.pem).decode()}))
    assert run.state == "failed" and "expired on" in run.message


def test_the_csr_of_a_pathway_without_key_pair_is_explained(landscape, browser):
    pathway = landscape.pathways.get(key="cpi_to_s4")
    response = browser.post(base(pathway) + "cpi-request.csr")
    assert response.status_code == 200
    assert "has a CPI key pair" in html.unescape(response.content.decode())
