"""A key pair and CSR made here for the sender, the CA-signed certificate uploaded back, and the key handed
out once as PKCS#12 under a typed passphrase (audited, then deleted)."""

import html

from cryptography.hazmat.primitives.serialization import pkcs12

from pathways import certs, sender_keys
from pathways.models import AuditEvent, Secret

from .conftest import post_field

PASSPHRASE = "a-long-passphrase-42"


def generate(client, pathway, **fields):
    data = {
        "common_name": "sscv2-client.example.com",
        "organization": "Customer AG",
        "country": "DE",
        "subject_alt_names": "DNS:sscv2-client.example.com",
        "algorithm": "EC-P256",
        **fields,
    }
    return client.post(f"/l/{pathway.landscape.code}/p/{pathway.key}/certificates/generate/", data)


def sign_csr(client, pathway, ca) -> certs.CertificateInfo:
    csr = client.get(f"/l/{pathway.landscape.code}/p/{pathway.key}/certificates/request.csr")
    assert csr.status_code == 200 and csr["Content-Type"] == "application/pkcs10"
    assert b"BEGIN CERTIFICATE REQUEST" in csr.content
    return certs.issue_certificate(csr.content, ca.sub, ca.sub_key, 365)


def test_generating_keeps_the_key_encrypted_and_offers_the_csr(client, external):
    response = generate(client, external)
    assert response.status_code == 302
    secret = Secret.objects.get(pathway=external, name=sender_keys.PRIVATE_KEY)
    assert "PRIVATE KEY" not in secret.ciphertext and "PRIVATE KEY" in secret.reveal()
    page = html.unescape(
        client.get(f"/l/{external.landscape.code}/p/ssc_to_cpi/certificates/").content.decode()
    )
    assert "CN=sscv2-client.example.com" in page and "Download the CSR" in page
    assert "PRIVATE KEY" not in page
    event = AuditEvent.objects.get(action="certificate.generate")
    assert event.changes[sender_keys.PRIVATE_KEY] == ["***CHANGED***", "***CHANGED***"]


def test_a_bad_distinguished_name_is_shown_on_the_page(client, external):
    response = generate(client, external, common_name="")
    assert response.status_code == 200 and "Enter a common name" in response.content.decode()
    response = generate(client, external, country="DEU")
    assert "two-letter ISO code" in response.content.decode()
    response = generate(client, external, algorithm="RSA-512")
    assert "Choose a key type" in response.content.decode()
    response = generate(client, external, subject_alt_names="not a host!")
    assert "is not a host name" in html.unescape(response.content.decode())
    assert not Secret.objects.filter(pathway=external, name=sender_keys.PRIVATE_KEY).exists()


def test_the_pkcs12_is_downloaded_once_with_the_signed_chain_and_the_key_is_deleted(client, external, ca):
    generate(client, external)
    signed = sign_csr(client, external, ca)
    post_field(client, external, "external_certificate", signed.pem.decode())
    url = f"/l/{external.landscape.code}/p/ssc_to_cpi/certificates/key.p12"
    refused = client.post(url, {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE + "x"})
    assert refused.status_code == 200 and "The two passphrases differ" in refused.content.decode()
    refused = client.post(url, {"passphrase": "short", "passphrase_again": "short"})
    assert "at least 12 characters" in refused.content.decode()
    response = client.post(url, {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE})
    assert response.status_code == 200 and response["Content-Type"] == "application/x-pkcs12"
    assert "no-store" in response["Cache-Control"]
    key, certificate, _ = pkcs12.load_key_and_certificates(response.content, PASSPHRASE.encode())
    assert certs.fingerprint_sha256(certificate) == signed.fingerprint_sha256
    assert certs.key_matches_certificate(certs.describe.describe_private_key(key), signed)
    assert not Secret.objects.filter(pathway=external, name=sender_keys.PRIVATE_KEY).exists()
    again = client.post(url, {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE})
    assert again.status_code == 200 and "already downloaded once" in again.content.decode()
    event = AuditEvent.objects.get(action="certificate.pkcs12")
    assert event.username == "carla" and PASSPHRASE not in str(event.changes) + event.note
    page = client.get(f"/l/{external.landscape.code}/p/ssc_to_cpi/certificates/").content.decode()
    assert "the key is no longer kept here" in page


def test_a_certificate_not_issued_for_the_csr_is_refused_at_download(client, external, ca):
    generate(client, external)
    post_field(client, external, "external_certificate", ca.leaf().pem.decode())
    response = client.post(
        f"/l/{external.landscape.code}/p/ssc_to_cpi/certificates/key.p12",
        {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE},
    )
    assert "was not issued for this key's CSR" in html.unescape(response.content.decode())
    assert Secret.objects.filter(pathway=external, name=sender_keys.PRIVATE_KEY).exists()


def test_the_download_waits_for_the_signed_certificate(client, external):
    generate(client, external)
    response = client.post(
        f"/l/{external.landscape.code}/p/ssc_to_cpi/certificates/key.p12",
        {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE},
    )
    assert "Upload the certificate your CA issued" in response.content.decode()


def test_generation_is_only_for_a_sender_with_its_own_certificate(client, landscape):
    pathway = landscape.pathways.get(key="s4_to_cpi")  # Basic by default
    response = generate(client, pathway)
    assert response.status_code == 200
    assert "Generation is for a sender" in response.content.decode()
    assert not Secret.objects.filter(pathway=pathway, name=sender_keys.PRIVATE_KEY).exists()


def test_viewers_cannot_generate_or_download(landscape, external):
    from django.test import Client

    from tests.factories import MembershipFactory

    viewer = Client()
    viewer.force_login(MembershipFactory(landscape=landscape, role="viewer").user)
    assert generate(viewer, external).status_code == 403
    assert viewer.post(f"/l/{landscape.code}/p/ssc_to_cpi/certificates/key.p12").status_code == 403
    assert viewer.get(f"/l/{landscape.code}/p/ssc_to_cpi/certificates/key.p12").status_code == 405
