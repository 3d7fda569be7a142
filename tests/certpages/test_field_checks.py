"""Each certificate check's message is visible beside the wizard field, with the certificate's details."""

import base64
import html

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils import formats

from pathways import certs
from pathways.models import Secret
from tests.factories import LandscapeFactory, MembershipFactory

from .conftest import post_field, resign_with_sha1, rsa_key


def text(page: str) -> str:
    return html.unescape(page)


def test_the_details_of_an_upload_are_shown_beside_the_field(client, external, ca):
    leaf = ca.leaf()
    page = text(post_field(client, external, "external_certificate", leaf.pem.decode()))
    for shown in (
        leaf.subject,
        leaf.issuer,
        "DNS:sscv2-client.example.com",
        leaf.serial_hex,
        "EC secp256r1",
        "SHA256withECDSA",
        "clientAuth",
        leaf.fingerprint_sha1,
        leaf.fingerprint_sha256,
        formats.date_format(leaf.not_after, "SHORT_DATETIME_FORMAT"),  # in the reader's locale
    ):
        assert shown in page, shown
    assert ":" in leaf.fingerprint_sha256 and leaf.fingerprint_sha256 == leaf.fingerprint_sha256.upper()
    assert "All certificate checks passed." in page


def test_a_chain_out_of_order_is_shown_reordered_leaf_first(client, landscape, ca):
    pathway = landscape.pathways.get(key="cpi_to_ssc")
    pathway.method = "certificate"
    pathway.save()
    leaf = ca.leaf()
    page = text(post_field(client, pathway, "server_root", (ca.root.pem + leaf.pem + ca.sub.pem).decode()))
    assert "have been reordered" in page
    positions = [page.index("Leaf</dd>"), page.index("Intermediate CA 1</dd>"), page.index("Root CA</dd>")]
    assert positions == sorted(positions)
    assert "one upload each" in page  # CPI stores one certificate per alias


@pytest.mark.parametrize(
    ("making", "message", "level"),
    [
        (lambda ca: ca.leaf(start_days_ago=-5), "is not valid yet", "Error"),
        (lambda ca: ca.leaf(days=3, start_days_ago=10), "expired on", "Error"),
        (lambda ca: ca.leaf(days=20), "plan its renewal now", "Warning"),
        (lambda ca: ca.leaf(eku=("serverAuth",)), "is not allowed for client authentication", "Error"),
        (lambda ca: ca.leaf(eku=()), "has no extended key usage", "Warning"),
    ],
)
def test_validity_and_usage_checks_show_their_message(client, external, ca, making, message, level):
    page = text(post_field(client, external, "external_certificate", making(ca).pem.decode()))
    assert message in page
    assert f"{level}:" in page or (level == "Error" and 'role="alert"' in page)


def test_a_weak_rsa_key_is_refused_beside_the_field(client, external):
    weak = rsa_key(1024)
    cert = certs.issue_certificate(weak, None, weak, 365, subject=certs.DistinguishedName("weak.example.com"))
    page = text(post_field(client, external, "external_certificate", cert.pem.decode()))
    assert "has a 1024-bit RSA key" in page
    assert "self-signed" in page  # the load balancer accepts only supported CAs (warning)


def test_a_sha1_signature_is_refused_beside_the_field(client, external):
    key = rsa_key(2048)
    cert = certs.issue_certificate(key, None, key, 365, subject=certs.DistinguishedName("sha1.example.com"))
    page = text(
        post_field(client, external, "external_certificate", resign_with_sha1(cert, key).pem.decode())
    )
    assert "is signed with SHA-1" in page


def test_the_expiry_warning_follows_the_landscape_threshold(client, external, ca, landscape):
    leaf = ca.leaf(days=45)
    assert "plan its renewal" not in text(
        post_field(client, external, "external_certificate", leaf.pem.decode())
    )
    landscape.expiry_threshold_days = 60
    landscape.save()
    external.refresh_from_db()
    assert "plan its renewal" in text(post_field(client, external, "external_certificate", leaf.pem.decode()))


def test_a_chain_for_an_external_certificate_offers_keep_only_the_leaf(client, external, ca):
    leaf = ca.leaf()
    page = text(post_field(client, external, "external_certificate", (leaf.pem + ca.sub.pem).decode()))
    assert "accepts only the leaf certificate" in page and "Keep only the leaf" in page
    response = client.post(
        f"/l/{external.landscape.code}/p/ssc_to_cpi/certificates/leaf-only/external_certificate/",
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "accepts only the leaf" not in text(response.content.decode())
    external.refresh_from_db()
    assert certs.parse_certificates(external.draft["external_certificate"]).chain == (leaf,)


def test_keep_only_the_leaf_without_javascript_redirects_back_to_the_step(client, external, ca):
    post_field(client, external, "external_certificate", (ca.leaf().pem + ca.sub.pem).decode())
    response = client.post(
        f"/l/{external.landscape.code}/p/ssc_to_cpi/certificates/leaf-only/external_certificate/"
    )
    assert response.status_code == 302 and response["Location"].endswith("/step/key/")


def test_a_certificate_already_in_another_service_key_is_refused_and_blocks_the_review(client, external, ca):
    leaf = ca.leaf(name="shared.example.com")
    elsewhere = LandscapeFactory(name="Other PROD").pathways.get(key="ssc_to_cpi")
    elsewhere.method = "certificate"
    elsewhere.applied = {"key_kind": "external_certificate", "fingerprint": leaf.fingerprint_sha256}
    elsewhere.save()
    page = text(post_field(client, external, "external_certificate", leaf.pem.decode()))
    assert "is already used in another service key" in page
    review = text(client.get(f"/l/{external.landscape.code}/p/ssc_to_cpi/step/review/").content.decode())
    assert "already used in another service key" in review
    assert "still need" in review


def test_a_certificate_drafted_in_another_pathway_counts_as_used(client, external, ca):
    leaf = ca.leaf(name="drafted.example.com")
    other = LandscapeFactory(name="Other QA").pathways.get(key="s4_to_cpi")
    other.method = "certificate"
    other.draft = {"certificate_source": "external", "external_certificate": leaf.pem.decode()}
    other.save()
    assert "already used in another service key" in text(
        post_field(client, external, "external_certificate", leaf.pem.decode())
    )


def test_a_draft_switched_away_from_the_certificate_no_longer_holds_it(client, external, ca):
    leaf = ca.leaf(name="switched.example.com")
    other = LandscapeFactory(name="Other DEV").pathways.get(key="s4_to_cpi")
    other.method = "certificate"
    other.draft = {"certificate_source": "external", "external_certificate": leaf.pem.decode()}
    other.save()
    other.method = "basic"  # the certificate text stays in the draft, but Basic puts no certificate into SAP
    other.save(update_fields=["method"])
    other.refresh_from_db()
    assert other.sender_fingerprint == ""
    assert "already used in another service key" not in text(
        post_field(client, external, "external_certificate", leaf.pem.decode())
    )


def test_a_trusted_certificate_over_cpis_size_limit_is_refused(client, landscape):
    key = certs.generate_private_key("EC-P256")
    names = [f"DNS:host-{i:04d}.a-rather-long-subdomain-name.example.com" for i in range(260)]
    big = certs.issue_certificate(
        key,
        None,
        key,
        365,
        eku=("serverAuth",),
        is_ca=True,
        subject_alt_names=names,
        subject=certs.DistinguishedName("big.example.com"),
    )
    assert len(big.pem) > certs.CPI_CERTIFICATE_UPLOAD_LIMIT_BYTES
    pathway = landscape.pathways.get(key="cpi_to_ssc")
    pathway.method = "certificate"
    pathway.save()
    page = text(post_field(client, pathway, "server_root", big.pem.decode()))
    assert "CPI refuses a certificate upload over 10,240 bytes" in page


def store_pkcs12(pathway, data: bytes, passphrase: str):
    pathway.method = "certificate"
    pathway.draft = {"key_source": "import"}
    pathway.save()
    Secret.store(
        landscape=pathway.landscape, pathway=pathway, name="pkcs12", value=base64.b64encode(data).decode()
    )
    Secret.store(landscape=pathway.landscape, pathway=pathway, name="pkcs12_passphrase", value=passphrase)


def test_a_pkcs12_key_pair_shows_its_details_and_an_incomplete_chain(client, landscape, ca):
    leaf = ca.leaf(name="cpi-client.example.com")
    key = serialization.load_pem_private_key(ca.leaf_key.pem, None)
    data = pkcs12.serialize_key_and_certificates(
        b"cpi",
        key,
        certs.certificate_object(leaf),
        [certs.certificate_object(ca.sub)],
        serialization.BestAvailableEncryption(b"p12-passphrase-1"),
    )
    pathway = landscape.pathways.get(key="cpi_to_ssc")
    store_pkcs12(pathway, data, "p12-passphrase-1")
    page = text(client.get(f"/l/{landscape.code}/p/cpi_to_ssc/step/key_pair/").content.decode())
    assert "The chain is incomplete" in page and leaf.fingerprint_sha256 in page
    assert "PRIVATE KEY" not in page


def test_a_pkcs12_with_the_wrong_passphrase_says_so_beside_the_field(client, landscape, ca):
    key = serialization.load_pem_private_key(ca.leaf_key.pem, None)
    data = pkcs12.serialize_key_and_certificates(
        b"cpi",
        key,
        certs.certificate_object(ca.leaf()),
        None,
        serialization.BestAvailableEncryption(b"right-passphrase"),
    )
    pathway = landscape.pathways.get(key="cpi_to_ssc")
    store_pkcs12(pathway, data, "wrong-passphrase")
    page = text(client.get(f"/l/{landscape.code}/p/cpi_to_ssc/step/key_pair/").content.decode())
    assert "The passphrase does not open this PKCS#12 file" in page


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("hello, this is not a certificate", "This is not a certificate file"),
        ("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", "private key"),
        ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "certificate"),
        ("\x01\x02 binary \x7f", "certificate"),
    ],
)
def test_bad_input_gets_a_message_beside_the_field_not_a_500(client, external, value, message):
    page = text(post_field(client, external, "external_certificate", value))
    assert 'role="alert"' in page and message in page


def test_an_uploaded_junk_file_gets_a_message(client, external):
    from django.core.files.uploadedfile import SimpleUploadedFile

    junk = SimpleUploadedFile("client.cer", b"\x30\x82\x01\x00" + b"\xff" * 40)
    page = text(post_field(client, external, "external_certificate", upload=junk))
    assert 'role="alert"' in page


def test_viewers_cannot_keep_only_the_leaf_and_outsiders_do_not_see_the_page(landscape, external, ca):
    from django.test import Client

    viewer = Client()
    viewer.force_login(MembershipFactory(landscape=landscape, role="viewer").user)
    url = f"/l/{landscape.code}/p/ssc_to_cpi/certificates/"
    assert viewer.get(url).status_code == 200
    assert viewer.post(url + "leaf-only/external_certificate/").status_code == 403
    outsider = Client()
    outsider.force_login(MembershipFactory(role="consultant").user)
    assert outsider.get(url).status_code == 404
    assert Client().get(url).status_code == 302
