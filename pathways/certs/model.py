"""The plain data that certificate work passes around: the error type, parsed certificates, keys, findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeAlias

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from pathways.wording import gettext as _

# CPI OData security-content limits (docs/sap-apis.md §8, §10.3).
CPI_CERTIFICATE_UPLOAD_LIMIT_BYTES = 10240
CPI_CHAIN_OR_PKCS12_UPLOAD_LIMIT_BYTES = 30072
# A chain has a handful of certificates; more is a wrong file and would make chain ordering slow.
MAX_CERTIFICATES = 50
DEFAULT_EXPIRY_THRESHOLD_DAYS = 30

# The key kinds certificates are made for and signed with here; DSA, DH and X25519/X448 keys are refused.
SigningKey: TypeAlias = (
    rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
)
CertifiableKey: TypeAlias = (
    rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey
)
SignatureHash: TypeAlias = hashes.SHA256 | hashes.SHA384 | hashes.SHA512


class CertificateError(Exception):
    """A certificate, key or file that cannot be used, with one sentence a consultant can act on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Purpose(StrEnum):
    """What an uploaded certificate is for; the checks differ per purpose."""

    CLIENT_EXTERNAL = "client_external"  # the X.509 of an it-rt `certificate_external` service key
    SERVER_TRUST = "server_trust"  # a server or CA certificate that CPI's keystore must trust
    KEY_PAIR = "key_pair"  # a key pair (key + chain) for CPI's keystore, used as outbound client certificate


class ChainOrder(StrEnum):
    """How the certificates of an upload related to each other as given."""

    SINGLE = "single"  # one certificate
    IN_ORDER = "in_order"  # leaf first, each issued by the next
    REORDERED = "reordered"  # one chain, but given in another order; now leaf first
    NOT_ONE_CHAIN = "not_one_chain"  # the certificates do not form one chain; kept as given


@dataclass(frozen=True)
class CertificateInfo:
    """One X.509 certificate, described the way CPI and the BTP cockpit show it."""

    subject: str
    issuer: str
    subject_alt_names: tuple[str, ...]
    serial_hex: str
    not_before: datetime
    not_after: datetime
    key_type: str  # RSA, EC, Ed25519, Ed448, DSA or unknown
    key_size: int | None
    key_curve: str | None  # e.g. secp256r1 for EC keys
    signature_algorithm: str  # Java style as CPI shows it, e.g. SHA256withRSA
    signature_hash: str | None  # e.g. sha256; None for Ed25519/Ed448 or when unknown
    extended_key_usages: tuple[str, ...] | None  # None when the certificate has no EKU extension
    is_ca: bool
    fingerprint_sha1: str
    fingerprint_sha256: str
    pem: bytes = field(repr=False)
    der: bytes = field(repr=False, compare=False)

    @property
    def is_self_issued(self) -> bool:
        return self.subject == self.issuer

    @property
    def key_description(self) -> str:
        if self.key_type == "EC" and self.key_curve:
            return f"EC {self.key_curve}"
        if self.key_size:
            return f"{self.key_type} {self.key_size}"
        return self.key_type

    def label(self) -> str:
        return f"'{self.subject}'" if self.subject else _("(no subject)")


@dataclass(frozen=True)
class ParsedCertificates:
    """What an upload held: the chain leaf first, where it came from, and what was done to it."""

    chain: tuple[CertificateInfo, ...]
    source_format: str  # PEM, DER, base64 DER, PKCS#7 (PEM), PKCS#7 (DER), PKCS#12
    order: ChainOrder
    upload_size: int
    notes: tuple[str, ...] = ()
    private_key: PrivateKeyMaterial | None = field(default=None, repr=False)

    @property
    def leaf(self) -> CertificateInfo:
        return self.chain[0]


@dataclass(frozen=True)
class PrivateKeyMaterial:
    """A private key as unencrypted PKCS#8 PEM; the PEM never appears in repr()."""

    key_type: str
    key_size: int | None
    key_curve: str | None
    public_key_pem: bytes = field(repr=False)
    pem: bytes = field(repr=False)

    @property
    def key_description(self) -> str:
        if self.key_type == "EC" and self.key_curve:
            return f"EC {self.key_curve}"
        if self.key_size:
            return f"{self.key_type} {self.key_size}"
        return self.key_type


@dataclass(frozen=True)
class Finding:
    """One result of a check: level error (blocks) or warning (informs), a stable code and a sentence."""

    level: str  # "error" or "warning"
    code: str
    message: str
    fix: str | None = None  # a remedy the UI may offer, e.g. "keep_leaf_only"

    @property
    def is_error(self) -> bool:
        return self.level == "error"
