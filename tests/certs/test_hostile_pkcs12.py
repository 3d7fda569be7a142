"""Hostile PKCS#12 files are refused from their structure, before anything is decrypted: no MAC, more
key-derivation rounds than the budget (MAC or any bag), more parts than a key and its chain need, damage."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from pathways.certs import CertificateError, parse_certificates, pkcs12_limits
from pathways.certs.pkcs12_limits import MAX_ROUNDS, _parse

PASSPHRASE = b"hostile-test-1"


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _integer(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _raw(node) -> bytes:
    return _der(node.tag, node.content)


@pytest.fixture(scope="module")
def key_and_certificate():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hostile.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _file(key_and_certificate, rounds: int = 2048, extra: int = 0) -> bytes:
    key, certificate = key_and_certificate
    encryption = serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(rounds).build(PASSPHRASE)
    return pkcs12.serialize_key_and_certificates(b"k", key, certificate, [certificate] * extra, encryption)


def _with_mac_rounds(raw: bytes, rounds: int | None) -> bytes:
    """The same file with its MAC's iteration count set to `rounds`, or its MAC removed (None)."""
    pfx, _ = _parse(raw, 0, 0)
    version, auth_safe, mac_data = pfx.children
    parts = [_raw(version), _raw(auth_safe)]
    if rounds is not None:
        digest, salt = mac_data.children[0], mac_data.children[1]
        parts.append(_der(0x30, _raw(digest) + _raw(salt) + _integer(rounds)))
    return _der(0x30, b"".join(parts))


def _never_decrypted(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the file was decrypted although its structure should have refused it")

    monkeypatch.setattr("pathways.certs.parse.pkcs12.load_pkcs12", refuse)


def test_an_ordinary_file_opens(key_and_certificate):
    parsed = parse_certificates(_file(key_and_certificate), PASSPHRASE.decode())
    assert parsed.source_format == "PKCS#12"


def test_a_file_without_mac_is_refused_before_decrypting(key_and_certificate, monkeypatch):
    hostile = _with_mac_rounds(_file(key_and_certificate), None)
    _never_decrypted(monkeypatch)
    with pytest.raises(CertificateError, match="no integrity check"):
        parse_certificates(hostile, PASSPHRASE.decode())


def test_a_huge_mac_iteration_count_is_refused_before_decrypting(key_and_certificate, monkeypatch):
    hostile = _with_mac_rounds(_file(key_and_certificate), 2**31 - 1)
    _never_decrypted(monkeypatch)
    with pytest.raises(CertificateError, match="key-derivation rounds"):
        parse_certificates(hostile, PASSPHRASE.decode())


def test_a_small_mac_count_with_a_huge_count_in_a_bag_is_refused(key_and_certificate, monkeypatch):
    ordinary = _file(key_and_certificate, rounds=70_000)
    encoded = _integer(70_000)
    assert ordinary.count(encoded) == 2  # the key bag's PBKDF2 and the certificate part's
    hostile = ordinary.replace(encoded, _integer(0x7FFFFF))
    assert pkcs12_limits.measure(hostile).other_rounds == 2 * 0x7FFFFF
    _never_decrypted(monkeypatch)
    with pytest.raises(CertificateError, match="key-derivation rounds"):
        parse_certificates(hostile, PASSPHRASE.decode())


def test_the_budget_counts_the_mac_once_per_passphrase_tried(key_and_certificate):
    raw = _with_mac_rounds(_file(key_and_certificate), MAX_ROUNDS // 2)
    assert pkcs12_limits.refusal(raw, attempts=1) is None
    assert "key-derivation rounds" in pkcs12_limits.refusal(raw, attempts=3)


def test_more_parts_than_a_key_and_its_chain_need_are_refused(key_and_certificate):
    assert pkcs12_limits.refusal(_file(key_and_certificate, extra=3)) is None
    crowded = _file(key_and_certificate, extra=pkcs12_limits.MAX_BAGS + 1)
    key, certificate = key_and_certificate
    unencrypted = pkcs12.serialize_key_and_certificates(
        b"k", key, certificate, [certificate] * (pkcs12_limits.MAX_BAGS + 1), serialization.NoEncryption()
    )
    assert pkcs12_limits.refusal(unencrypted) == pkcs12_limits.TOO_MANY_PARTS
    assert pkcs12_limits.measure(crowded).parts == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],
        lambda raw: raw[:1] + b"\x84\xff\xff\xff\xff" + raw[4:],
        lambda raw: b"\x30\x80" + b"\x02\x01\x03" + b"\x30\x80" * 40,
        lambda raw: b"\x30\x03\x02\x01\x03",
    ],
)
def test_a_damaged_structure_is_refused_with_a_sentence(key_and_certificate, damage):
    refusal = pkcs12_limits.refusal(damage(_file(key_and_certificate)))
    assert refusal == pkcs12_limits.MALFORMED


def test_a_ber_indefinite_length_file_is_measured(key_and_certificate):
    """Some tools write BER: the outer SEQUENCE with an indefinite length is read like DER."""
    pfx, _ = _parse(_file(key_and_certificate), 0, 0)
    ber = b"\x30\x80" + b"".join(_raw(child) for child in pfx.children) + b"\x00\x00"
    assert pkcs12_limits.measure(ber).mac_rounds == 2048
    assert pkcs12_limits.refusal(ber) is None
