"""Plays the CA: issues a certificate for a CSR or public key, CA-signed or self-signed (tests, demo)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from pathways.wording import gettext as _

from .describe import (
    EKU_OIDS_BY_NAME,
    certificate_object,
    describe_certificate,
    describe_private_key,
    key_matches_certificate,
)
from .generate import DistinguishedName, general_name, load_csr, private_key_object, signature_hash
from .model import CertifiableKey, CertificateError, CertificateInfo, PrivateKeyMaterial, SigningKey


def _certifiable(key: PublicKeyTypes) -> CertifiableKey:
    if not isinstance(key, CertifiableKey):
        raise CertificateError(_("Certificates are made here for RSA, EC, Ed25519 and Ed448 keys only."))
    return key


def _public_key_and_request(
    source: object,
) -> tuple[CertifiableKey, x509.CertificateSigningRequest | None]:
    if isinstance(source, PrivateKeyMaterial):
        return _certifiable(serialization.load_pem_public_key(source.public_key_pem)), None
    if isinstance(source, x509.CertificateSigningRequest):
        csr = load_csr(source)
        return _certifiable(csr.public_key()), csr
    if isinstance(source, bytes | str):
        raw = source.encode() if isinstance(source, str) else source
        if b"PRIVATE KEY" in raw:
            raise CertificateError(_("Give the CSR or the public key, never the private key."))
        if b"PUBLIC KEY-----" in raw:
            try:
                public_key = serialization.load_pem_public_key(raw)
            except Exception:
                raise CertificateError(_("This public key cannot be read; paste it again as PEM.")) from None
            return _certifiable(public_key), None
        csr = load_csr(raw)
        return _certifiable(csr.public_key()), csr
    if isinstance(source, CertifiableKey):
        return source, None
    raise CertificateError(_("Give a CSR (PEM or DER) or a public key to certify."))


def _spki(public_key: PublicKeyTypes) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def issue_certificate(
    csr_or_public_key: bytes | str | PrivateKeyMaterial | x509.CertificateSigningRequest | CertifiableKey,
    ca_cert: CertificateInfo | x509.Certificate | bytes | str | None,
    ca_key: PrivateKeyMaterial | bytes | str | SigningKey,
    days: int,
    eku: Sequence[str] = ("clientAuth",),
    *,
    subject: DistinguishedName | None = None,
    subject_alt_names: Sequence[str] | None = None,
    is_ca: bool = False,
    not_before: datetime | None = None,
    hash_name: str = "sha256",
) -> CertificateInfo:
    """A certificate for a CSR or public key, signed by `ca_key`; self-signed when `ca_cert` is None.

    The subject and SANs come from the CSR unless given; `eku` holds names such as clientAuth/serverAuth
    (empty for no EKU extension); validity runs `days` from `not_before` (default: now).
    """
    if days < 1:
        raise CertificateError(_("The validity must be at least one day."))
    public_key, csr = _public_key_and_request(csr_or_public_key)
    signing_key = private_key_object(ca_key)
    if subject is not None:
        subject_name = subject.to_x509_name()
    elif csr is not None:
        subject_name = csr.subject
    else:
        raise CertificateError(
            _("Give the subject (at least a common name) for a certificate made from a key.")
        )
    if ca_cert is None:
        issuer_name, issuer_public_key = subject_name, signing_key.public_key()
        if _spki(issuer_public_key) != _spki(public_key):
            raise CertificateError(_("A self-signed certificate must be signed with its own private key."))
    else:
        issuer = certificate_object(ca_cert)
        if not key_matches_certificate(describe_private_key(signing_key), issuer):
            raise CertificateError(_("The CA's private key does not belong to the CA certificate."))
        issuer_name, issuer_public_key = issuer.subject, _certifiable(issuer.public_key())
    start = not_before or datetime.now(UTC)
    start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(_key_usage(is_ca, public_key), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key),
            critical=False,
        )
    )
    names = _requested_names(csr, subject_alt_names)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if eku:
        usages = x509.ExtendedKeyUsage([_eku_oid(name) for name in eku])
        builder = builder.add_extension(usages, critical=False)
    cert = builder.sign(signing_key, signature_hash(signing_key, hash_name))
    return describe_certificate(cert)


def _requested_names(
    csr: x509.CertificateSigningRequest | None, subject_alt_names: Sequence[str] | None
) -> list[x509.GeneralName]:
    if subject_alt_names is not None:
        return [general_name(name) for name in subject_alt_names if name.strip()]
    if csr is None:
        return []
    try:
        return list(csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        return []


def _eku_oid(name: str) -> x509.ObjectIdentifier:
    if name in EKU_OIDS_BY_NAME:
        return EKU_OIDS_BY_NAME[name]
    try:
        return x509.ObjectIdentifier(name)
    except ValueError:
        raise CertificateError(
            _("Unknown extended key usage '%(name)s'; use e.g. clientAuth or serverAuth.") % {"name": name}
        ) from None


def _key_usage(is_ca: bool, public_key: CertifiableKey) -> x509.KeyUsage:
    is_rsa = isinstance(public_key, rsa.RSAPublicKey)
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=is_rsa and not is_ca,
        data_encipherment=False,
        key_agreement=isinstance(public_key, ec.EllipticCurvePublicKey) and not is_ca,
        key_cert_sign=is_ca,
        crl_sign=is_ca,
        encipher_only=False,
        decipher_only=False,
    )
