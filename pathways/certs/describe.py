"""Turns cryptography objects into CertificateInfo / PrivateKeyMaterial, plus fingerprints and days left."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from pathways.wording import gettext as _

from .model import CertificateError, CertificateInfo, PrivateKeyMaterial

SIGNATURE_NAMES = {
    SignatureAlgorithmOID.RSA_WITH_MD5: "MD5withRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA1: "SHA1withRSA",
    SignatureAlgorithmOID._RSA_WITH_SHA1: "SHA1withRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA224: "SHA224withRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA256: "SHA256withRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA384: "SHA384withRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA512: "SHA512withRSA",
    SignatureAlgorithmOID.RSASSA_PSS: "RSASSA-PSS",
    SignatureAlgorithmOID.ECDSA_WITH_SHA1: "SHA1withECDSA",
    SignatureAlgorithmOID.ECDSA_WITH_SHA224: "SHA224withECDSA",
    SignatureAlgorithmOID.ECDSA_WITH_SHA256: "SHA256withECDSA",
    SignatureAlgorithmOID.ECDSA_WITH_SHA384: "SHA384withECDSA",
    SignatureAlgorithmOID.ECDSA_WITH_SHA512: "SHA512withECDSA",
    SignatureAlgorithmOID.DSA_WITH_SHA1: "SHA1withDSA",
    SignatureAlgorithmOID.DSA_WITH_SHA224: "SHA224withDSA",
    SignatureAlgorithmOID.DSA_WITH_SHA256: "SHA256withDSA",
    SignatureAlgorithmOID.ED25519: "Ed25519",
    SignatureAlgorithmOID.ED448: "Ed448",
}
SHA1_SIGNATURES = {
    SignatureAlgorithmOID.RSA_WITH_SHA1,
    SignatureAlgorithmOID._RSA_WITH_SHA1,
    SignatureAlgorithmOID.ECDSA_WITH_SHA1,
    SignatureAlgorithmOID.DSA_WITH_SHA1,
}
SIGNATURE_HASHES = {
    SignatureAlgorithmOID.RSA_WITH_MD5: "md5",
    SignatureAlgorithmOID.RSA_WITH_SHA224: "sha224",
    SignatureAlgorithmOID.RSA_WITH_SHA256: "sha256",
    SignatureAlgorithmOID.RSA_WITH_SHA384: "sha384",
    SignatureAlgorithmOID.RSA_WITH_SHA512: "sha512",
    SignatureAlgorithmOID.ECDSA_WITH_SHA224: "sha224",
    SignatureAlgorithmOID.ECDSA_WITH_SHA256: "sha256",
    SignatureAlgorithmOID.ECDSA_WITH_SHA384: "sha384",
    SignatureAlgorithmOID.ECDSA_WITH_SHA512: "sha512",
    SignatureAlgorithmOID.DSA_WITH_SHA224: "sha224",
    SignatureAlgorithmOID.DSA_WITH_SHA256: "sha256",
} | dict.fromkeys(SHA1_SIGNATURES, "sha1")

NAME_ATTRIBUTE_LABELS = {NameOID.EMAIL_ADDRESS: "emailAddress", NameOID.SERIAL_NUMBER: "serialNumber"}
EKU_NAMES = {
    ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth",
    ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth",
    ExtendedKeyUsageOID.CODE_SIGNING: "codeSigning",
    ExtendedKeyUsageOID.EMAIL_PROTECTION: "emailProtection",
    ExtendedKeyUsageOID.TIME_STAMPING: "timeStamping",
    ExtendedKeyUsageOID.OCSP_SIGNING: "OCSPSigning",
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE: "anyExtendedKeyUsage",
    ExtendedKeyUsageOID.SMARTCARD_LOGON: "smartcardLogon",
    ExtendedKeyUsageOID.KERBEROS_PKINIT_KDC: "pkInitKDC",
    ExtendedKeyUsageOID.IPSEC_IKE: "ipsecIKE",
    ExtendedKeyUsageOID.CERTIFICATE_TRANSPARENCY: "certificateTransparency",
}
EKU_OIDS_BY_NAME = {name: oid for oid, name in EKU_NAMES.items()}


def colon_hex(digest: bytes) -> str:
    """AB:CD:… as CPI shows fingerprints."""
    return ":".join(f"{byte:02X}" for byte in digest)


def normalize_fingerprint(text: str) -> str:
    """Any common spelling of a fingerprint (colons, spaces, lower case, `SHA256:` prefix) → `AB:CD:…`."""
    cleaned = text.strip()
    if ":" in cleaned and cleaned.split(":", 1)[0].upper().replace("-", "") in {"SHA1", "SHA256"}:
        cleaned = cleaned.split(":", 1)[1]
    digits = "".join(ch for ch in cleaned if ch not in ": \t-").upper()
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def name_text(name: x509.Name) -> str:
    """RFC 4514 text of a distinguished name, with readable labels for e-mail and serial number."""
    return name.rfc4514_string(NAME_ATTRIBUTE_LABELS)


def _der_of(cert: CertificateInfo | x509.Certificate) -> bytes:
    if isinstance(cert, CertificateInfo):
        return cert.der
    return cert.public_bytes(serialization.Encoding.DER)


def fingerprint_sha256(cert: CertificateInfo | x509.Certificate) -> str:
    """SHA-256 fingerprint of a certificate's DER in CPI's format `AB:CD:…`."""
    return colon_hex(hashlib.sha256(_der_of(cert)).digest())


def fingerprint_sha1(cert: CertificateInfo | x509.Certificate) -> str:
    """SHA-1 fingerprint of a certificate's DER in CPI's format `AB:CD:…` (identification only)."""
    return colon_hex(hashlib.sha1(_der_of(cert), usedforsecurity=False).digest())


def days_left(cert: CertificateInfo | x509.Certificate, now: datetime) -> int:
    """Whole days from `now` until the certificate expires; negative once it has expired."""
    not_after = cert.not_after if isinstance(cert, CertificateInfo) else cert.not_valid_after_utc
    return (not_after - _aware(now)).days


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def describe_public_key(key: PublicKeyTypes | PrivateKeyTypes) -> tuple[str, int | None, str | None]:
    """(key type, size in bits, curve name) of a public or private key."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "RSA", key.key_size, None
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return "EC", key.curve.key_size, key.curve.name
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "Ed25519", None, None
    if isinstance(key, ed448.Ed448PublicKey | ed448.Ed448PrivateKey):
        return "Ed448", None, None
    if isinstance(key, dsa.DSAPublicKey | dsa.DSAPrivateKey):
        return "DSA", key.key_size, None
    return "unknown", None, None


def general_name_text(name: x509.GeneralName) -> str:
    if isinstance(name, x509.DNSName):
        return f"DNS:{name.value}"
    if isinstance(name, x509.IPAddress):
        return f"IP:{name.value}"
    if isinstance(name, x509.RFC822Name):
        return f"email:{name.value}"
    if isinstance(name, x509.UniformResourceIdentifier):
        return f"URI:{name.value}"
    if isinstance(name, x509.DirectoryName):
        return f"DirName:{name_text(name.value)}"
    if isinstance(name, x509.RegisteredID):
        return f"RID:{name.value.dotted_string}"
    if isinstance(name, x509.OtherName):
        return f"othername:{name.type_id.dotted_string}"
    return str(name)


Extension = TypeVar("Extension", bound=x509.ExtensionType)


def _extension(cert: x509.Certificate, kind: type[Extension]) -> Extension | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _subject_alt_names(cert: x509.Certificate) -> tuple[str, ...]:
    san = _extension(cert, x509.SubjectAlternativeName)
    return tuple(general_name_text(name) for name in san) if san is not None else ()


def _extended_key_usages(cert: x509.Certificate) -> tuple[str, ...] | None:
    eku = _extension(cert, x509.ExtendedKeyUsage)
    if eku is None:
        return None
    return tuple(EKU_NAMES.get(oid, oid.dotted_string) for oid in eku)


def _is_ca(cert: x509.Certificate) -> bool:
    constraints = _extension(cert, x509.BasicConstraints)
    return bool(constraints is not None and constraints.ca)


def _signature(cert: x509.Certificate) -> tuple[str, str | None]:
    oid = cert.signature_algorithm_oid
    name = SIGNATURE_NAMES.get(oid, oid.dotted_string)
    hash_name = SIGNATURE_HASHES.get(oid)
    if oid == SignatureAlgorithmOID.RSASSA_PSS:
        try:
            hash_algorithm = cert.signature_hash_algorithm
        except Exception:
            hash_algorithm = None
        if hash_algorithm is not None:
            hash_name = hash_algorithm.name
            name = f"{hash_name.upper()}withRSA/PSS"
    return name, hash_name


def _serial_hex(serial: int) -> str:
    return f"-{-serial:X}" if serial < 0 else f"{serial:X}"


def describe_certificate(cert: x509.Certificate) -> CertificateInfo:
    """Everything a consultant compares with CPI or the BTP cockpit, read from one certificate."""
    try:
        try:
            key_type, key_size, key_curve = describe_public_key(cert.public_key())
        except Exception:
            key_type, key_size, key_curve = "unknown", None, None
        signature_algorithm, signature_hash = _signature(cert)
        der = cert.public_bytes(serialization.Encoding.DER)
        return CertificateInfo(
            subject=name_text(cert.subject),
            issuer=name_text(cert.issuer),
            subject_alt_names=_subject_alt_names(cert),
            serial_hex=_serial_hex(cert.serial_number),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            key_type=key_type,
            key_size=key_size,
            key_curve=key_curve,
            signature_algorithm=signature_algorithm,
            signature_hash=signature_hash,
            extended_key_usages=_extended_key_usages(cert),
            is_ca=_is_ca(cert),
            fingerprint_sha1=colon_hex(hashlib.sha1(der, usedforsecurity=False).digest()),
            fingerprint_sha256=colon_hex(hashlib.sha256(der).digest()),
            pem=cert.public_bytes(serialization.Encoding.PEM),
            der=der,
        )
    except CertificateError:
        raise
    except Exception:
        raise CertificateError(
            _(
                "The certificate is malformed (its names, dates or extensions cannot be read); export"
                " it again from the system that issued it."
            )
        )


def describe_private_key(key: PrivateKeyTypes) -> PrivateKeyMaterial:
    """A private key object → PrivateKeyMaterial holding unencrypted PKCS#8 PEM."""
    key_type, key_size, key_curve = describe_public_key(key)
    if key_type == "unknown":
        raise CertificateError(_("This private key type is not supported; use an RSA or EC key."))
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return PrivateKeyMaterial(key_type, key_size, key_curve, public_key_pem=public_pem, pem=pem)


def certificate_object(cert: CertificateInfo | x509.Certificate | bytes | str) -> x509.Certificate:
    """A cryptography certificate from a CertificateInfo, an x509 object or one PEM/DER certificate."""
    if isinstance(cert, x509.Certificate):
        return cert
    if isinstance(cert, CertificateInfo):
        return x509.load_der_x509_certificate(cert.der)
    data = cert.encode() if isinstance(cert, str) else bytes(cert)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except Exception:
        raise CertificateError(_("This is not a single PEM or DER certificate."))


def public_key_pem_of(cert: CertificateInfo | x509.Certificate) -> bytes:
    """The certificate's public key as SubjectPublicKeyInfo PEM."""
    return (
        certificate_object(cert)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def key_matches_certificate(
    private_key: PrivateKeyMaterial, cert: CertificateInfo | x509.Certificate
) -> bool:
    """True when the private key is the one whose public half the certificate carries."""
    try:
        return private_key.public_key_pem == public_key_pem_of(cert)
    except Exception:
        return False
