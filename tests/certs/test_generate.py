"""Generation round trips: keys, CSRs signed by a test CA, self-signed certificates, PKCS#12 and PEM/DER."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from pathways.certs import (
    CertificateError,
    DistinguishedName,
    build_csr,
    certificate_object,
    export_certificate,
    export_chain_pem,
    export_pkcs12,
    generate_key_and_csr,
    generate_private_key,
    issue_certificate,
    key_matches_certificate,
    parse_certificates,
    parse_csr,
)

from .factory import NOW

SUBJECT = DistinguishedName(
    "s4client.example.com",
    organization="Customer AG",
    organizational_unit="Basis",
    locality="Walldorf",
    state="BW",
    country="de",
    email="basis@example.com",
)
AES_256_CBC_OID = bytes.fromhex("60864801650304012a")
PBES2_OID = bytes.fromhex("2a864886f70d01050d")


@pytest.mark.parametrize(
    ("algorithm", "key_type", "size", "curve"),
    [
        ("EC-P256", "EC", 256, "secp256r1"),
        ("EC-P384", "EC", 384, "secp384r1"),
        ("RSA-2048", "RSA", 2048, None),
    ],
)
def test_generated_keys_have_the_chosen_type_and_size(algorithm, key_type, size, curve):
    key = generate_private_key(algorithm)
    assert (key.key_type, key.key_size, key.key_curve) == (key_type, size, curve)
    assert key.pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert (
        serialization.load_pem_private_key(key.pem, None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        == key.public_key_pem
    )


def test_unknown_key_algorithm_is_refused_with_the_choices():
    with pytest.raises(CertificateError, match="Choose a key type among RSA-2048, RSA-3072, RSA-4096"):
        generate_private_key("RSA-1024")


def test_private_key_never_appears_in_repr_or_str(leaf_key):
    generated = generate_key_and_csr(SUBJECT, "EC-P256")
    for text in (repr(leaf_key), str(leaf_key), repr(generated), str(generated)):
        assert "PRIVATE KEY" not in text and "MI" not in text


def test_csr_carries_the_distinguished_name_and_sans(leaf_key):
    csr_pem = build_csr(leaf_key, SUBJECT, ["s4client.example.com", "IP:10.1.2.3", "email:ops@example.com"])
    assert csr_pem.startswith(b"-----BEGIN CERTIFICATE REQUEST-----")
    info = parse_csr(csr_pem)
    assert info.subject == (
        "emailAddress=basis@example.com,CN=s4client.example.com,OU=Basis,O=Customer AG,L=Walldorf,ST=BW,C=DE"
    )
    assert info.subject_alt_names == ("DNS:s4client.example.com", "IP:10.1.2.3", "email:ops@example.com")
    assert (info.key_type, info.key_curve) == ("EC", "secp256r1")
    assert x509.load_pem_x509_csr(csr_pem).is_signature_valid


def test_csr_signed_by_a_test_ca_gives_a_certificate_that_matches_the_key(root, root_key):
    generated = generate_key_and_csr(SUBJECT, "EC-P256", ["s4client.example.com"])
    issued = issue_certificate(generated.csr_pem, root, root_key, 365, not_before=NOW)
    assert issued.subject == parse_csr(generated.csr_pem).subject
    assert issued.issuer == root.subject
    assert issued.subject_alt_names == ("DNS:s4client.example.com",)
    assert issued.extended_key_usages == ("clientAuth",)
    assert key_matches_certificate(generated.private_key, issued)
    assert (issued.not_after - issued.not_before).days == 365
    parsed = parse_certificates(issued.pem + root.pem)
    assert [c.subject for c in parsed.chain] == [issued.subject, root.subject]


def test_rsa_csr_is_issued_with_server_auth_when_asked(rsa2048_key, root, root_key):
    csr = build_csr(rsa2048_key, DistinguishedName("ssc.example.com", country="US"))
    issued = issue_certificate(csr, root, root_key, 90, eku=["serverAuth", "clientAuth"])
    assert issued.extended_key_usages == ("serverAuth", "clientAuth")
    assert issued.key_type == "RSA" and issued.key_size == 2048


def test_self_signed_certificate_is_its_own_issuer(leaf_key):
    cert = issue_certificate(leaf_key, None, leaf_key, 30, subject=SUBJECT)
    assert cert.issuer == cert.subject
    assert parse_certificates(cert.pem).order.value == "single"


def test_issuing_with_a_ca_key_that_does_not_match_the_ca_certificate_is_refused(leaf_key, root, other_key):
    with pytest.raises(CertificateError, match="The CA's private key does not belong to the CA certificate."):
        issue_certificate(leaf_key, root, other_key, 30, subject=SUBJECT)


def test_certificate_from_a_bare_key_needs_a_subject(leaf_key, root, root_key):
    with pytest.raises(CertificateError, match="Give the subject"):
        issue_certificate(leaf_key, root, root_key, 30)


def test_tampered_csr_is_refused(leaf_key, root, root_key):
    csr = x509.load_pem_x509_csr(build_csr(leaf_key, SUBJECT))
    der = csr.public_bytes(serialization.Encoding.DER)
    tampered = der.replace(b"Walldorf", b"Wallxorf")
    with pytest.raises(CertificateError, match="signature is not valid"):
        issue_certificate(tampered, root, root_key, 30)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"common_name": " "}, "Enter a common name"),
        ({"common_name": "x" * 65}, "at most 64 characters"),
        ({"common_name": "a", "country": "Germany"}, "two-letter ISO code"),
        ({"common_name": "a", "email": "not-an-address"}, "e-mail address is not valid"),
    ],
)
def test_bad_distinguished_name_fields_are_refused_with_a_reason(fields, message):
    with pytest.raises(CertificateError, match=message):
        generate_key_and_csr(DistinguishedName(**fields), "EC-P256")


def test_bad_subject_alternative_name_is_refused(leaf_key):
    with pytest.raises(CertificateError, match="'bad host!' is not a host name"):
        build_csr(leaf_key, SUBJECT, ["bad host!"])


def test_pkcs12_round_trip_opens_with_the_typed_passphrase(leaf_key, leaf, intermediate, root):
    p12 = export_pkcs12(leaf_key, [leaf, intermediate, root], "Typed by the consultant", friendly_name="s4")
    loaded = pkcs12.load_pkcs12(p12, b"Typed by the consultant")
    assert loaded.cert.friendly_name == b"s4"
    assert (
        loaded.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        == leaf_key.pem
    )
    assert [c.certificate.subject.rfc4514_string() for c in loaded.additional_certs] == [
        intermediate.subject,
        root.subject,
    ]
    reparsed = parse_certificates(p12, "Typed by the consultant", keep_private_key=True)
    assert reparsed.private_key.pem == leaf_key.pem
    assert [c.fingerprint_sha256 for c in reparsed.chain] == [
        leaf.fingerprint_sha256,
        intermediate.fingerprint_sha256,
        root.fingerprint_sha256,
    ]


def test_pkcs12_is_protected_with_pbes2_and_aes_256(leaf_key, leaf):
    p12 = export_pkcs12(leaf_key, [leaf], "pw-123456")
    assert PBES2_OID in p12 and AES_256_CBC_OID in p12


def test_pkcs12_needs_a_passphrase(leaf_key, leaf):
    with pytest.raises(CertificateError, match="Enter a passphrase to protect the PKCS#12 file."):
        export_pkcs12(leaf_key, [leaf], "")


def test_pkcs12_of_a_key_and_a_foreign_certificate_is_refused(other_key, leaf):
    with pytest.raises(CertificateError, match="The private key does not belong to the certificate"):
        export_pkcs12(other_key, [leaf], "pw-123456")


def test_certificate_exports_as_pem_and_der(leaf, intermediate):
    assert (
        x509.load_pem_x509_certificate(export_certificate(leaf, "PEM")).subject.rfc4514_string()
        == leaf.subject
    )
    assert (
        x509.load_der_x509_certificate(export_certificate(leaf, "der")).subject.rfc4514_string()
        == leaf.subject
    )
    chain = export_chain_pem([leaf, intermediate])
    assert chain.count(b"-----BEGIN CERTIFICATE-----") == 2 and chain.startswith(leaf.pem)


def test_unknown_export_format_is_refused(leaf):
    with pytest.raises(CertificateError, match="Choose PEM or DER."):
        export_certificate(leaf, "P7B")


def test_certificate_can_be_issued_for_a_bare_public_key_object(leaf_key, root, root_key):
    public_key = serialization.load_pem_public_key(leaf_key.public_key_pem)
    issued = issue_certificate(
        public_key, root, root_key, 30, subject=SUBJECT, subject_alt_names=["IP:10.0.0.7"]
    )
    assert key_matches_certificate(leaf_key, issued) and issued.subject_alt_names == ("IP:10.0.0.7",)


def test_a_certificate_object_is_not_mistaken_for_a_public_key(leaf, root, root_key):
    with pytest.raises(CertificateError, match="Give a CSR"):
        issue_certificate(certificate_object(leaf), root, root_key, 30, subject=SUBJECT)


def test_private_key_given_where_the_csr_belongs_is_refused(leaf_key, root, root_key):
    with pytest.raises(CertificateError, match="never the private key"):
        issue_certificate(leaf_key.pem, root, root_key, 30)


def test_self_signed_certificate_must_be_signed_with_its_own_key(leaf_key, other_key):
    with pytest.raises(CertificateError, match="must be signed with its own private key"):
        issue_certificate(leaf_key, None, other_key, 30, subject=SUBJECT)
