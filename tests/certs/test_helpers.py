"""Small helpers: fingerprints, days left, leaf only, private-key uploads and chain relations."""

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from pathways.certs import (
    CertificateError,
    certificate_object,
    days_left,
    export_pkcs12,
    fingerprint_sha1,
    fingerprint_sha256,
    is_issued_by,
    leaf_only,
    load_private_key,
    normalize_fingerprint,
    parse_certificates,
)

from .factory import NOW, make_leaf


def test_fingerprint_sha256_is_colon_separated_upper_case_hex_of_the_der(leaf):
    expected = certificate_object(leaf).fingerprint(hashes.SHA256()).hex().upper()
    fingerprint = fingerprint_sha256(leaf)
    assert fingerprint.replace(":", "") == expected
    assert len(fingerprint) == 32 * 3 - 1 and fingerprint == fingerprint.upper()
    assert fingerprint_sha256(certificate_object(leaf)) == fingerprint


def test_fingerprint_sha1_matches_cryptography(leaf):
    assert (
        fingerprint_sha1(leaf).replace(":", "")
        == certificate_object(leaf).fingerprint(hashes.SHA1()).hex().upper()
    )


@pytest.mark.parametrize(
    "spelling", ["ab:cd:ef:01", "ABCDEF01", "SHA256:ab cd ef 01", "sha-256:AB-CD-EF-01", " abcdef01\n"]
)
def test_fingerprint_spellings_normalise_to_cpis_format(spelling):
    assert normalize_fingerprint(spelling) == "AB:CD:EF:01"


def test_days_left_counts_whole_days_and_goes_negative_after_expiry(leaf_key, intermediate, intermediate_key):
    cert = make_leaf(leaf_key, intermediate, intermediate_key, not_before=NOW - timedelta(days=10), days=19)
    assert days_left(cert, NOW) == 9
    assert days_left(cert, NOW + timedelta(days=8, hours=23)) == 0
    assert days_left(cert, NOW + timedelta(days=9, hours=1)) == -1
    assert days_left(certificate_object(cert), NOW.replace(tzinfo=None)) == 9


def test_leaf_only_keeps_the_leaf_of_a_parsed_chain_with_a_note(chain_pem, leaf):
    trimmed = leaf_only(parse_certificates(chain_pem))
    assert [c.subject for c in trimmed.chain] == [leaf.subject]
    assert trimmed.notes[-1].startswith(f"Only the leaf certificate {leaf.label()} was kept")


def test_leaf_only_of_a_sequence_is_a_one_element_tuple(leaf, intermediate):
    assert leaf_only([leaf, intermediate]) == (leaf,)


def test_issuer_relation_follows_names_and_signatures(leaf, intermediate, root):
    assert is_issued_by(leaf, intermediate) and is_issued_by(intermediate, root)
    assert not is_issued_by(leaf, root) and not is_issued_by(root, leaf)


def test_private_key_pem_is_loaded_as_unencrypted_pkcs8(leaf_key):
    loaded = load_private_key(leaf_key.pem.decode())
    assert loaded == leaf_key


def test_encrypted_private_key_is_opened_with_its_passphrase(leaf_key):
    key = serialization.load_pem_private_key(leaf_key.pem, None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret"),
    )
    assert load_private_key(encrypted, "s3cret").pem == leaf_key.pem
    with pytest.raises(CertificateError, match="This private key is encrypted; enter its passphrase."):
        load_private_key(encrypted)
    with pytest.raises(CertificateError, match="The passphrase does not open this private key"):
        load_private_key(encrypted, "wrong")


def test_traditional_rsa_and_der_private_keys_are_loaded(rsa2048_key):
    key = serialization.load_pem_private_key(rsa2048_key.pem, None)
    traditional = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert load_private_key(traditional).pem == rsa2048_key.pem
    assert load_private_key(der).pem == rsa2048_key.pem


def test_openssh_private_key_is_loaded():
    key = ec.generate_private_key(ec.SECP256R1())
    openssh = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    assert load_private_key(openssh).key_curve == "secp256r1"


def test_private_key_is_taken_from_a_pkcs12_file(leaf_key, leaf):
    p12 = export_pkcs12(leaf_key, [leaf], "pw-123456")
    assert load_private_key(p12, "pw-123456").pem == leaf_key.pem


def test_certificate_given_where_a_private_key_belongs_is_refused(leaf):
    for data in (leaf.pem, leaf.der):
        with pytest.raises(CertificateError, match="This is a certificate, not a private key"):
            load_private_key(data)


def test_two_private_keys_at_once_are_refused(leaf_key, other_key):
    with pytest.raises(CertificateError, match="paste exactly one"):
        load_private_key(leaf_key.pem + other_key.pem)


def test_garbage_given_as_private_key_is_refused_without_echoing_it():
    with pytest.raises(CertificateError) as refused:
        load_private_key(b"\x30\x82\x01\x00secret-material")
    assert "secret-material" not in str(refused.value)
