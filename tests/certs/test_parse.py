"""Reading uploads: every format consultants bring is understood, everything else refused in one sentence."""

import base64
import time
from datetime import UTC

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import pkcs7

from pathways.certs import (
    CertificateError,
    ChainOrder,
    DistinguishedName,
    export_pkcs12,
    issue_certificate,
    parse_certificates,
)
from pathways.certs.describe import describe_private_key
from pathways.upload_limit import file_limit

from .factory import make_leaf, make_root, with_mac_iterations

PRIVATE_KEY_MESSAGE = "This is a private key, not a certificate — never paste private keys here."


def _pkcs7(certs, encoding):
    return pkcs7.serialize_certificates([x509.load_der_x509_certificate(c.der) for c in certs], encoding)


def test_single_pem_certificate_is_read_with_all_its_fields(leaf, intermediate):
    parsed = parse_certificates(leaf.pem)
    cert = parsed.leaf
    assert parsed.source_format == "PEM"
    assert parsed.order == ChainOrder.SINGLE
    assert cert.subject == "CN=s4client.example.com,O=Customer AG"
    assert cert.issuer == intermediate.subject == "CN=Test Sub CA,O=Test,C=DE"
    assert cert.subject_alt_names == ("DNS:s4client.example.com",)
    assert cert.extended_key_usages == ("clientAuth",)
    assert cert.is_ca is False
    assert cert.key_type == "EC" and cert.key_size == 256 and cert.key_curve == "secp256r1"
    assert cert.signature_algorithm == "SHA256withECDSA"
    assert cert.not_before.tzinfo is UTC and cert.not_after.tzinfo is UTC
    reference = x509.load_pem_x509_certificate(leaf.pem)
    assert cert.serial_hex == format(reference.serial_number, "X")
    assert cert.fingerprint_sha256 == ":".join(f"{b:02X}" for b in reference.fingerprint(hashes.SHA256()))
    assert cert.fingerprint_sha1 == ":".join(f"{b:02X}" for b in reference.fingerprint(hashes.SHA1()))
    assert cert.der == reference.public_bytes(serialization.Encoding.DER)
    assert cert.pem.startswith(b"-----BEGIN CERTIFICATE-----")


def test_ca_certificate_is_marked_as_ca_and_rsa_key_size_is_reported(rsa2048_key):
    root = make_root(rsa2048_key, "RSA Root")
    cert = parse_certificates(root.pem).leaf
    assert cert.is_ca is True
    assert (cert.key_type, cert.key_size, cert.key_curve) == ("RSA", 2048, None)
    assert cert.signature_algorithm == "SHA256withRSA"
    assert cert.extended_key_usages is None


def test_ed25519_certificate_reports_its_key_type():
    key = describe_private_key(ed25519.Ed25519PrivateKey.generate())
    cert = issue_certificate(key, None, key, 30, subject=DistinguishedName("ed"))
    parsed = parse_certificates(cert.pem).leaf
    assert parsed.key_type == "Ed25519" and parsed.signature_algorithm == "Ed25519"
    assert parsed.signature_hash is None


def test_pem_chain_in_order_keeps_its_order(chain_pem, leaf, intermediate, root):
    parsed = parse_certificates(chain_pem)
    assert parsed.order == ChainOrder.IN_ORDER
    assert [c.subject for c in parsed.chain] == [leaf.subject, intermediate.subject, root.subject]


def test_crlf_line_endings_and_leading_junk_are_tolerated(leaf, intermediate):
    text = (
        "Bag Attributes\r\n    friendlyName: s4\r\nsubject=CN = s4client\r\n"
        + leaf.pem.decode().replace("\n", "\r\n")
        + "some trailing words\r\n"
        + intermediate.pem.decode().replace("\n", "\r\n")
    )
    parsed = parse_certificates(text)
    assert [c.fingerprint_sha256 for c in parsed.chain] == [
        leaf.fingerprint_sha256,
        intermediate.fingerprint_sha256,
    ]


def test_pem_copied_from_a_json_service_key_with_literal_newline_escapes_is_read(leaf):
    escaped = leaf.pem.decode().replace("\n", "\\n")
    assert parse_certificates(escaped).leaf.fingerprint_sha256 == leaf.fingerprint_sha256


def test_der_certificate_is_read(leaf):
    parsed = parse_certificates(leaf.der)
    assert parsed.source_format == "DER" and parsed.leaf.fingerprint_sha256 == leaf.fingerprint_sha256


def test_base64_of_der_without_pem_armour_is_read(leaf):
    parsed = parse_certificates(base64.b64encode(leaf.der))
    assert parsed.source_format == "base64 DER" and parsed.leaf.subject == leaf.subject


def test_concatenated_der_certificates_are_read_as_a_chain(leaf, intermediate):
    parsed = parse_certificates(leaf.der + intermediate.der)
    assert parsed.order == ChainOrder.IN_ORDER and len(parsed.chain) == 2


def test_pkcs7_chain_in_pem_is_read_and_put_leaf_first(leaf, intermediate, root):
    data = _pkcs7([root, intermediate, leaf], serialization.Encoding.PEM)
    parsed = parse_certificates(data)
    assert parsed.source_format == "PKCS#7 (PEM)"
    assert [c.subject for c in parsed.chain] == [leaf.subject, intermediate.subject, root.subject]


def test_pkcs7_chain_in_der_is_read(leaf, intermediate, root):
    parsed = parse_certificates(_pkcs7([leaf, intermediate, root], serialization.Encoding.DER))
    assert parsed.source_format == "PKCS#7 (DER)" and len(parsed.chain) == 3


def test_pkcs12_is_opened_with_its_passphrase_and_the_key_is_dropped_by_default(leaf_key, leaf, intermediate):
    p12 = export_pkcs12(leaf_key, [leaf, intermediate], "Correct horse 1")
    parsed = parse_certificates(p12, "Correct horse 1")
    assert parsed.source_format == "PKCS#12"
    assert [c.subject for c in parsed.chain] == [leaf.subject, intermediate.subject]
    assert parsed.private_key is None
    assert any("private key" in note and "not kept" in note for note in parsed.notes)


def test_pkcs12_key_is_returned_when_asked_for(leaf_key, leaf):
    p12 = export_pkcs12(leaf_key, [leaf], "Correct horse 1")
    parsed = parse_certificates(p12, "Correct horse 1", keep_private_key=True)
    assert parsed.private_key.pem == leaf_key.pem
    assert b"PRIVATE" not in repr(parsed).encode()


def test_pkcs12_with_a_wrong_passphrase_is_refused_with_that_reason(leaf_key, leaf):
    p12 = export_pkcs12(leaf_key, [leaf], "Correct horse 1")
    with pytest.raises(CertificateError, match="The passphrase does not open this PKCS#12 file"):
        parse_certificates(p12, "wrong horse")


def test_pkcs12_without_a_passphrase_asks_for_one(leaf_key, leaf):
    p12 = export_pkcs12(leaf_key, [leaf], "Correct horse 1")
    with pytest.raises(CertificateError, match="enter the passphrase"):
        parse_certificates(p12)


def test_pkcs12_given_as_base64_text_is_read(leaf_key, leaf):
    p12 = export_pkcs12(leaf_key, [leaf], "pw-123456")
    assert parse_certificates(base64.b64encode(p12).decode(), "pw-123456").source_format == "PKCS#12"


@pytest.mark.parametrize("private_format", ["PKCS8", "TraditionalOpenSSL"])
def test_private_key_pasted_as_pem_is_refused_and_not_echoed(leaf_key, private_format):
    key = serialization.load_pem_private_key(leaf_key.pem, None)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        getattr(serialization.PrivateFormat, private_format),
        serialization.NoEncryption(),
    )
    with pytest.raises(CertificateError) as refused:
        parse_certificates(pem)
    assert str(refused.value) == PRIVATE_KEY_MESSAGE
    assert pem.decode().splitlines()[1] not in str(refused.value)


def test_encrypted_private_key_pasted_is_refused(leaf_key):
    key = serialization.load_pem_private_key(leaf_key.pem, None)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    with pytest.raises(CertificateError, match="^This is a private key, not a certificate"):
        parse_certificates(pem)


def test_private_key_in_der_is_refused(leaf_key):
    key = serialization.load_pem_private_key(leaf_key.pem, None)
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(CertificateError) as refused:
        parse_certificates(der)
    assert str(refused.value) == PRIVATE_KEY_MESSAGE


def test_certificate_bundle_that_also_holds_the_private_key_is_refused_entirely(leaf, leaf_key):
    with pytest.raises(CertificateError, match="never paste private keys here"):
        parse_certificates(leaf.pem + leaf_key.pem)


def test_csr_pasted_instead_of_certificate_is_explained(leaf_key):
    from pathways.certs import build_csr

    csr = build_csr(leaf_key, DistinguishedName("s4"))
    with pytest.raises(CertificateError, match="certificate signing request"):
        parse_certificates(csr)


def test_public_key_pasted_instead_of_certificate_is_explained(leaf_key):
    with pytest.raises(CertificateError, match="public key, not a certificate"):
        parse_certificates(leaf_key.public_key_pem)


def test_oversize_upload_is_refused_before_parsing(leaf):
    with pytest.raises(
        CertificateError, match=r"The upload is \d+ kB; certificate files are a few kilobytes"
    ):
        parse_certificates(leaf.pem + b"\n" * file_limit())


def test_empty_upload_is_refused():
    with pytest.raises(CertificateError, match="The upload is empty"):
        parse_certificates(b"  \n")


def test_pem_cut_off_before_its_end_line_is_refused(leaf):
    with pytest.raises(CertificateError, match="-----END CERTIFICATE----- is missing|is missing"):
        parse_certificates(leaf.pem[:200])


def test_pem_with_damaged_base64_is_refused(leaf):
    lines = leaf.pem.decode().splitlines()
    lines[2] = lines[2][:10] + "!!" + lines[2][12:]
    with pytest.raises(CertificateError, match="PEM block 1 is damaged"):
        parse_certificates("\n".join(lines))


def test_plain_text_is_refused_with_the_formats_that_are_accepted():
    with pytest.raises(CertificateError, match="This is not a certificate file; upload PEM"):
        parse_certificates("hello, here is my certificate")


def test_reversed_chain_is_reordered_and_the_user_is_told(leaf, intermediate, root):
    parsed = parse_certificates(root.pem + intermediate.pem + leaf.pem)
    assert parsed.order == ChainOrder.REORDERED
    assert [c.subject for c in parsed.chain] == [leaf.subject, intermediate.subject, root.subject]
    assert "not in chain order" in parsed.notes[0]


def test_shuffled_chain_is_reordered(leaf, intermediate, root):
    parsed = parse_certificates(intermediate.pem + root.pem + leaf.pem)
    assert parsed.order == ChainOrder.REORDERED
    assert [c.subject for c in parsed.chain] == [leaf.subject, intermediate.subject, root.subject]


def test_unrelated_certificates_are_kept_as_given(leaf, other_key):
    stranger = make_root(other_key, "Stranger CA")
    parsed = parse_certificates(leaf.pem + stranger.pem)
    assert parsed.order == ChainOrder.NOT_ONE_CHAIN
    assert [c.subject for c in parsed.chain] == [leaf.subject, stranger.subject]


def test_same_name_but_different_key_is_not_taken_for_the_issuer(leaf_key, root, root_key, other_key):
    impostor = make_root(other_key, "Test Root CA")  # same subject as the real root, different key
    real_leaf = make_leaf(leaf_key, root, root_key)
    parsed = parse_certificates(impostor.pem + real_leaf.pem)
    assert parsed.order == ChainOrder.NOT_ONE_CHAIN


def test_duplicate_certificates_are_removed_with_a_note(leaf, intermediate):
    parsed = parse_certificates(leaf.pem + leaf.pem + intermediate.pem)
    assert len(parsed.chain) == 2 and "1 duplicate certificate(s) removed." in parsed.notes


def test_str_and_bytes_uploads_give_the_same_result(leaf):
    assert parse_certificates(leaf.pem.decode()) == parse_certificates(leaf.pem)


def test_unsupported_input_type_is_refused_with_certificate_error():
    with pytest.raises(CertificateError):
        parse_certificates(12345)  # type: ignore[arg-type]


def test_truncated_pkcs12_is_reported_as_damaged_not_as_a_wrong_passphrase(leaf_key, leaf):
    p12 = export_pkcs12(leaf_key, [leaf], "pw-123456")
    with pytest.raises(CertificateError, match="This PKCS#12 file is damaged"):
        parse_certificates(p12[: len(p12) // 2], "pw-123456")


def test_truncated_der_certificate_is_reported_as_damaged(leaf):
    with pytest.raises(CertificateError, match="This binary file is cut off or damaged"):
        parse_certificates(leaf.der[:-20])


def test_pem_saved_as_utf16_by_a_windows_editor_is_read(leaf):
    data = leaf.pem.decode().encode("utf-16")
    assert parse_certificates(data).leaf.fingerprint_sha256 == leaf.fingerprint_sha256


def test_more_certificates_than_any_chain_has_are_refused(root_key):
    from pathways.certs import MAX_CERTIFICATES

    distinct = b"".join(make_root(root_key, f"CA {n}").pem for n in range(MAX_CERTIFICATES + 1))
    with pytest.raises(CertificateError, match=f"This holds more than {MAX_CERTIFICATES} certificates"):
        parse_certificates(distinct)


@pytest.mark.parametrize(
    "hostile",
    [
        b"-----BEGIN A-----\n" * 50000,
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" * 17000,
        b"\x30\x00" * 400000,
        b"-----BEGIN CERTIFICATE-----" * 30000,
    ],
    ids=["begin-without-end", "many-pem-blocks", "many-der-elements", "nested-begin"],
)
def test_hostile_uploads_near_the_size_limit_are_refused_quickly(hostile):
    started = time.monotonic()
    with pytest.raises(CertificateError):
        parse_certificates(hostile)
    assert time.monotonic() - started < 2


def test_pkcs12_demanding_millions_of_mac_rounds_is_refused_before_opening(leaf_key, leaf):
    hostile = with_mac_iterations(export_pkcs12(leaf_key, [leaf], "pw-123456"), 50_000_000)
    with pytest.raises(CertificateError, match="key-derivation rounds"):
        parse_certificates(hostile, "pw-123456")
