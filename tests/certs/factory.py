"""Builds test certificates: a CA hierarchy, leaves with chosen dates/EKUs/keys, and SHA-1 signed ones."""

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from pathways.certs import (
    CertificateInfo,
    DistinguishedName,
    PrivateKeyMaterial,
    describe_certificate,
    issue_certificate,
)
from pathways.certs.describe import describe_private_key

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SHA256_WITH_RSA_OID = bytes.fromhex("2a864886f70d01010b")
SHA1_WITH_RSA_OID = bytes.fromhex("2a864886f70d010105")


def rsa_key(bits: int) -> PrivateKeyMaterial:
    """Any RSA size, including the weak 1024 bits the library itself refuses to generate."""
    return describe_private_key(rsa.generate_private_key(public_exponent=65537, key_size=bits))


def make_root(key: PrivateKeyMaterial, name: str = "Test Root CA", days: int = 3650) -> CertificateInfo:
    return issue_certificate(
        key,
        None,
        key,
        days,
        eku=(),
        subject=DistinguishedName(name, organization="Test", country="DE"),
        is_ca=True,
        not_before=NOW - timedelta(days=365),
    )


def make_intermediate(
    key: PrivateKeyMaterial,
    issuer: CertificateInfo,
    issuer_key: PrivateKeyMaterial,
    name: str = "Test Sub CA",
) -> CertificateInfo:
    subject = DistinguishedName(name, organization="Test", country="DE")
    return issue_certificate(
        key,
        issuer,
        issuer_key,
        1825,
        eku=(),
        subject=subject,
        is_ca=True,
        not_before=NOW - timedelta(days=300),
    )


def make_leaf(
    key: PrivateKeyMaterial,
    issuer: CertificateInfo | None,
    issuer_key: PrivateKeyMaterial,
    name: str = "s4client.example.com",
    *,
    not_before: datetime | None = None,
    days: int = 365,
    eku: tuple[str, ...] = ("clientAuth",),
    sans: tuple[str, ...] = ("s4client.example.com",),
) -> CertificateInfo:
    return issue_certificate(
        key,
        issuer,
        issuer_key,
        days,
        eku=eku,
        subject=DistinguishedName(name, organization="Customer AG"),
        subject_alt_names=sans,
        not_before=not_before or NOW - timedelta(days=30),
    )


def resign_with_sha1(cert: CertificateInfo, issuer_key: PrivateKeyMaterial) -> CertificateInfo:
    """The same RSA-signed certificate, re-signed with SHA-1 (cryptography no longer signs with SHA-1)."""
    der = cert.der.replace(SHA256_WITH_RSA_OID, SHA1_WITH_RSA_OID)
    reparsed = x509.load_der_x509_certificate(der)
    key = serialization.load_pem_private_key(issuer_key.pem, None)
    signature = key.sign(reparsed.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA1())
    assert len(signature) == len(reparsed.signature)
    return describe_certificate(x509.load_der_x509_certificate(der.replace(reparsed.signature, signature)))


def _der_header(tag: int, size: int) -> bytes:
    if size < 0x80:
        return bytes([tag, size])
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length


def _der_children(der: bytes) -> list[bytes]:
    """The elements inside the SEQUENCE `der` (definite lengths only)."""
    first = der[1]
    position = 2 + (first & 0x7F if first > 0x80 else 0)
    children = []
    while position < len(der):
        size_byte = der[position + 1]
        header = 2 + (size_byte & 0x7F if size_byte > 0x80 else 0)
        size = size_byte if size_byte < 0x80 else int.from_bytes(der[position + 2 : position + header], "big")
        children.append(der[position : position + header + size])
        position += header + size
    return children


def with_mac_iterations(p12: bytes, iterations: int) -> bytes:
    """The PKCS#12 file with its MacData iteration count replaced (the MAC no longer verifies)."""
    version, auth_safe, mac_data = _der_children(p12)
    digest_info, salt, _ = _der_children(mac_data)
    count = iterations.to_bytes((iterations.bit_length() + 8) // 8, "big")
    new_mac_body = digest_info + salt + _der_header(0x02, len(count)) + count
    new_mac = _der_header(0x30, len(new_mac_body)) + new_mac_body
    body = version + auth_safe + new_mac
    return _der_header(0x30, len(body)) + body
