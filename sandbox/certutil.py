"""Certificate helpers for the broker and the keystore: parse any encoding, DNs, fingerprints, dates."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7

from .tls import CLIENT_AUTH

PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)


def unescape_pem(text: str) -> str:
    """Turn the literal two-character `\\n` escapes SAP puts into key JSON back into newlines."""
    return text.replace("\\r", "").replace("\\n", "\n")


def pem_blocks(text: str) -> list[tuple[str, bytes]]:
    """(label, DER) for every PEM block, whether or not the block has line breaks (D-08)."""
    blocks = []
    for label, body in PEM_BLOCK.findall(unescape_pem(text)):
        blocks.append((label, base64.b64decode(re.sub(r"\s+", "", body), validate=True)))
    return blocks


def load_certificates(data: bytes | str) -> list[x509.Certificate]:
    """Certificates from PEM (one or many), DER, base64 DER or PKCS#7; ValueError when none can be read."""
    raw = data.encode() if isinstance(data, str) else data
    text = raw.decode("utf-8", "ignore")
    if "-----BEGIN" in text:
        certs = []
        try:
            for label, der in pem_blocks(text):
                if label == "CERTIFICATE":
                    certs.append(x509.load_der_x509_certificate(der))
                elif label in ("PKCS7", "CMS"):
                    certs.extend(pkcs7.load_der_pkcs7_certificates(der))
        except (ValueError, binascii.Error) as exc:
            raise ValueError(f"unreadable PEM: {exc}") from exc
        if not certs:
            raise ValueError("no certificate in the PEM text")
        return certs
    for candidate in (raw, _maybe_base64(text)):
        if not candidate:
            continue
        try:
            return [x509.load_der_x509_certificate(candidate)]
        except ValueError:
            pass
        try:
            return list(pkcs7.load_der_pkcs7_certificates(candidate))
        except ValueError:
            pass
    raise ValueError("not an X.509 certificate (DER, PEM or base64)")


def _maybe_base64(text: str) -> bytes | None:
    compact = re.sub(r"\s+", "", text)
    if not compact or not re.fullmatch(r"[A-Za-z0-9+/=]+", compact):
        return None
    try:
        return base64.b64decode(compact, validate=True)
    except (ValueError, binascii.Error):
        return None


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def literal_newlines(pem_text: str) -> str:
    """PEM text with real newlines replaced by the literal `\\n` SAP shows in service keys."""
    return pem_text.replace("\n", "\\n")


def fingerprint(cert: x509.Certificate, algorithm=None) -> str:
    digest = cert.fingerprint(algorithm or hashes.SHA256())
    return ":".join(f"{b:02X}" for b in digest)


def dn(name: x509.Name) -> str:
    """Java-style DN, most specific first: `CN=…, OU=…, O=…, C=DE`."""
    return ", ".join(rdn.rfc4514_string() for rdn in reversed(list(name.rdns)))


def key_info(public_key) -> tuple[str, int, str | None]:
    """(KeyType, KeySize, EllipticCurve) in CPI's vocabulary."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size, None
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "EC", public_key.curve.key_size, public_key.curve.name
    if isinstance(public_key, dsa.DSAPublicKey):
        return "DSA", public_key.key_size, None
    if isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return "EC", 256, "ed25519"
    return "UNKNOWN", 0, None


def java_signature_algorithm(cert: x509.Certificate) -> str:
    """E.g. `SHA256withRSA`, `SHA384withECDSA`."""
    hash_name = (cert.signature_hash_algorithm.name if cert.signature_hash_algorithm else "").upper()
    hash_name = hash_name.replace("-", "")
    key_type = key_info(cert.public_key())[0]
    if key_type == "EC":
        key_type = "ECDSA"
    return f"{hash_name}with{key_type}" if hash_name else key_type


def has_client_auth(cert: x509.Certificate) -> bool:
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return CLIENT_AUTH in usages


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def is_self_signed(cert: x509.Certificate) -> bool:
    return issued_by(cert, cert)


def sap_date(moment: dt.datetime) -> str:
    """OData V2 date, e.g. `/Date(1516201800879)/`."""
    return f"/Date({int(moment.timestamp() * 1000)})/"


def parse_sap_date(text) -> dt.datetime:
    """Parse `/Date(ms)/` (also with an offset suffix); ValueError otherwise."""
    match = re.fullmatch(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/", str(text or ""))
    if not match:
        raise ValueError(f"not an OData date: {text!r}")
    return dt.datetime.fromtimestamp(int(match.group(1)) / 1000, tz=dt.UTC)


def iso_millis(moment: dt.datetime) -> str:
    """`2023-06-24T12:56:52.000Z`, the form of `certificatedetails.validuntil`."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def same_public_key(private_key, cert: x509.Certificate) -> bool:
    encoding, fmt = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return private_key.public_key().public_bytes(encoding, fmt) == cert.public_key().public_bytes(
        encoding, fmt
    )
