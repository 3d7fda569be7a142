"""Makes key pairs and PKCS#10 CSRs from a distinguished name and SANs; reads CSRs back."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from pathways.wording import gettext as _

from .describe import describe_private_key, describe_public_key, general_name_text, name_text
from .model import CertificateError, PrivateKeyMaterial, SignatureHash, SigningKey

# RSA keys by size in bits, EC keys by curve.
KEY_ALGORITHMS: dict[str, int | ec.EllipticCurve] = {
    "RSA-2048": 2048,
    "RSA-3072": 3072,
    "RSA-4096": 4096,
    "EC-P256": ec.SECP256R1(),
    "EC-P384": ec.SECP384R1(),
}
SIGNATURE_HASHES: dict[str, type[SignatureHash]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
DNS_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DNS_NAME = re.compile(rf"(\*\.)?({DNS_LABEL}\.)*{DNS_LABEL}")


@dataclass(frozen=True)
class DistinguishedName:
    """The subject fields a consultant fills in for a CSR or certificate."""

    common_name: str
    organization: str = ""
    organizational_unit: str = ""
    locality: str = ""
    state: str = ""
    country: str = ""
    email: str = ""

    def to_x509_name(self) -> x509.Name:
        """The validated x509.Name (C, ST, L, O, OU, CN, emailAddress); CertificateError on bad fields."""
        common_name = self.common_name.strip()
        if not common_name:
            raise CertificateError(_("Enter a common name (CN), e.g. the host or system name."))
        if len(common_name) > 64:
            raise CertificateError(_("The common name (CN) may have at most 64 characters."))
        country = self.country.strip().upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            raise CertificateError(_("The country (C) must be a two-letter ISO code such as DE or US."))
        email = self.email.strip()
        if email and not EMAIL.fullmatch(email):
            raise CertificateError(_("The e-mail address is not valid."))
        fields = [
            (NameOID.COUNTRY_NAME, country),
            (NameOID.STATE_OR_PROVINCE_NAME, self.state.strip()),
            (NameOID.LOCALITY_NAME, self.locality.strip()),
            (NameOID.ORGANIZATION_NAME, self.organization.strip()),
            (NameOID.ORGANIZATIONAL_UNIT_NAME, self.organizational_unit.strip()),
            (NameOID.COMMON_NAME, common_name),
            (NameOID.EMAIL_ADDRESS, email),
        ]
        for _oid, value in fields:
            if len(value) > 128:
                raise CertificateError(_("Each name field may have at most 128 characters."))
        return x509.Name([x509.NameAttribute(oid, value) for oid, value in fields if value])

    def rfc4514(self) -> str:
        return name_text(self.to_x509_name())


@dataclass(frozen=True)
class KeyAndCsr:
    """A freshly generated private key (PEM hidden from repr) and its PKCS#10 CSR in PEM."""

    private_key: PrivateKeyMaterial
    csr_pem: bytes = field(repr=False)


@dataclass(frozen=True)
class CsrInfo:
    """What a CSR asks for: subject, SANs and the key it carries."""

    subject: str
    subject_alt_names: tuple[str, ...]
    key_type: str
    key_size: int | None
    key_curve: str | None
    pem: bytes = field(repr=False)


def generate_private_key(algorithm: str = "RSA-2048") -> PrivateKeyMaterial:
    """A new RSA (2048/3072/4096) or EC (P-256/P-384) private key, e.g. `generate_private_key("EC-P256")`."""
    if algorithm not in KEY_ALGORITHMS:
        raise CertificateError(_("Choose a key type among %(join)s.") % {"join": ", ".join(KEY_ALGORITHMS)})
    parameter = KEY_ALGORITHMS[algorithm]
    key: SigningKey
    if isinstance(parameter, int):
        key = rsa.generate_private_key(public_exponent=65537, key_size=parameter)
    else:
        key = ec.generate_private_key(parameter)
    return describe_private_key(key)


def private_key_object(key: PrivateKeyMaterial | bytes | str | object) -> SigningKey:
    """An RSA, EC, Ed25519 or Ed448 private key from PrivateKeyMaterial, unencrypted PEM or a key object."""
    if isinstance(key, PrivateKeyMaterial):
        key = key.pem
    if isinstance(key, str):
        key = key.encode()
    if isinstance(key, bytes):
        try:
            key = serialization.load_pem_private_key(key, None)
        except Exception:
            raise CertificateError(_("The private key must be unencrypted PEM here.")) from None
        if not isinstance(key, SigningKey):
            raise CertificateError(
                _("This private key type cannot sign certificates here; use an RSA or EC key.")
            )
    if isinstance(key, SigningKey):
        return key
    raise CertificateError(_("This is not a private key."))


def signature_hash(key: SigningKey, hash_name: str) -> SignatureHash | None:
    """The hash to sign with (None for Ed25519/Ed448, which hash internally)."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return None
    if hash_name not in SIGNATURE_HASHES:
        raise CertificateError(
            _("Choose a signature hash among %(join)s.") % {"join": ", ".join(SIGNATURE_HASHES)}
        )
    return SIGNATURE_HASHES[hash_name]()


def general_name(text: str) -> x509.GeneralName:
    """`DNS:host`, `IP:10.0.0.1`, `email:a@b.c`, `URI:https://…`, or a bare host/IP/e-mail → GeneralName."""
    value = text.strip()
    prefix, _colon, rest = value.partition(":")
    kind = prefix.upper()
    if kind == "DNS" and rest:
        value, kind = rest.strip(), "DNS"
    elif kind == "IP" and rest:
        value, kind = rest.strip(), "IP"
    elif kind == "EMAIL" and rest:
        value, kind = rest.strip(), "EMAIL"
    elif kind == "URI" and rest:
        return x509.UniformResourceIdentifier(rest.strip())
    else:
        kind = "EMAIL" if "@" in value else "AUTO"
    if kind in {"IP", "AUTO"}:
        try:
            return x509.IPAddress(ipaddress.ip_address(value))
        except ValueError:
            if kind == "IP":
                raise CertificateError(_("'%(value)s' is not an IP address.") % {"value": value}) from None
    if kind == "EMAIL":
        if not EMAIL.fullmatch(value):
            raise CertificateError(_("'%(value)s' is not an e-mail address.") % {"value": value})
        return x509.RFC822Name(value)
    if not value or len(value) > 253 or not DNS_NAME.fullmatch(value):
        raise CertificateError(
            _("'%(value)s' is not a host name; use letters, digits, '-' and '.' only.") % {"value": value}
        )
    return x509.DNSName(value.lower())


def build_csr(
    private_key: PrivateKeyMaterial | bytes | str,
    subject: DistinguishedName,
    subject_alt_names: Sequence[str] = (),
    *,
    hash_name: str = "sha256",
) -> bytes:
    """A PKCS#10 certificate signing request in PEM, signed with `private_key`."""
    key = private_key_object(private_key)
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject.to_x509_name())
    names = [general_name(name) for name in subject_alt_names if name.strip()]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    csr = builder.sign(key, signature_hash(key, hash_name))
    return csr.public_bytes(serialization.Encoding.PEM)


def generate_key_and_csr(
    subject: DistinguishedName, algorithm: str = "RSA-2048", subject_alt_names: Sequence[str] = ()
) -> KeyAndCsr:
    """A new key pair and its CSR, for the S/4HANA or SSCv2 side to have signed by their CA."""
    subject.to_x509_name()  # refuse bad fields before spending time on an RSA key
    private_key = generate_private_key(algorithm)
    return KeyAndCsr(private_key, build_csr(private_key, subject, subject_alt_names))


def load_csr(data: bytes | str | x509.CertificateSigningRequest) -> x509.CertificateSigningRequest:
    """A PEM/DER CSR whose signature verifies, else CertificateError."""
    if isinstance(data, x509.CertificateSigningRequest):
        csr = data
    else:
        raw = data.encode() if isinstance(data, str) else bytes(data)
        try:
            csr = x509.load_pem_x509_csr(raw) if b"-----BEGIN" in raw else x509.load_der_x509_csr(raw)
        except Exception:
            raise CertificateError(_("This certificate signing request (CSR) cannot be read.")) from None
    try:
        valid = csr.is_signature_valid
    except Exception:
        valid = False
    if not valid:
        raise CertificateError(_("The CSR's signature is not valid; generate the CSR again."))
    return csr


def parse_csr(data: bytes | str) -> CsrInfo:
    """Subject, SANs and key of a PEM or DER CSR whose signature is valid."""
    csr = load_csr(data)
    try:
        try:
            san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = tuple(general_name_text(name) for name in san)
        except x509.ExtensionNotFound:
            names = ()
        key_type, key_size, key_curve = describe_public_key(csr.public_key())
        pem = csr.public_bytes(serialization.Encoding.PEM)
        return CsrInfo(name_text(csr.subject), names, key_type, key_size, key_curve, pem)
    except Exception:
        raise CertificateError(_("This CSR is malformed (its names or extensions cannot be read).")) from None
