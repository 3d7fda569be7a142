"""Certificate work without Django or network: parse uploads, check them, generate keys/CSRs, export PKCS#12.

Import from here; the submodules are an implementation detail.

- Reading: `parse_certificates(data, passphrase=None, keep_private_key=False) -> ParsedCertificates`
  (PEM, DER, base64 DER, PKCS#7, PKCS#12; chain leaf first) and `load_private_key(data, passphrase)`;
  inside `parsed_once()` (a run) each input is parsed once.
  Both raise only `CertificateError(message)`.
- Checking: `check_certificates(parsed, purpose, now=..., threshold_days=30, private_key=None,
  known_fingerprints=()) -> list[Finding]`.
- Making: `generate_private_key`, `build_csr`, `generate_key_and_csr`, `issue_certificate`,
  `export_pkcs12`, `export_certificate`, `export_chain_pem`.
- Helpers: `fingerprint_sha256`, `fingerprint_sha1`, `days_left`, `leaf_only`, `normalize_fingerprint`.
"""

from .chain import is_issued_by, is_self_signed, leaf_only, order_chain
from .checks import check_certificates, cpi_upload_size, has_errors
from .describe import (
    certificate_object,
    days_left,
    describe_certificate,
    fingerprint_sha1,
    fingerprint_sha256,
    key_matches_certificate,
    normalize_fingerprint,
)
from .export import export_certificate, export_chain_pem, export_pkcs12
from .generate import (
    KEY_ALGORITHMS,
    CsrInfo,
    DistinguishedName,
    KeyAndCsr,
    build_csr,
    generate_key_and_csr,
    generate_private_key,
    parse_csr,
)
from .issue import issue_certificate
from .model import (
    CPI_CERTIFICATE_UPLOAD_LIMIT_BYTES,
    CPI_CHAIN_OR_PKCS12_UPLOAD_LIMIT_BYTES,
    DEFAULT_EXPIRY_THRESHOLD_DAYS,
    MAX_CERTIFICATES,
    CertificateError,
    CertificateInfo,
    ChainOrder,
    Finding,
    ParsedCertificates,
    PrivateKeyMaterial,
    Purpose,
)
from .parse import load_private_key, parse_certificates, parsed_once

__all__ = [
    "CPI_CERTIFICATE_UPLOAD_LIMIT_BYTES",
    "CPI_CHAIN_OR_PKCS12_UPLOAD_LIMIT_BYTES",
    "DEFAULT_EXPIRY_THRESHOLD_DAYS",
    "KEY_ALGORITHMS",
    "MAX_CERTIFICATES",
    "CertificateError",
    "CertificateInfo",
    "ChainOrder",
    "CsrInfo",
    "DistinguishedName",
    "Finding",
    "KeyAndCsr",
    "ParsedCertificates",
    "PrivateKeyMaterial",
    "Purpose",
    "build_csr",
    "certificate_object",
    "check_certificates",
    "cpi_upload_size",
    "days_left",
    "describe_certificate",
    "export_certificate",
    "export_chain_pem",
    "export_pkcs12",
    "fingerprint_sha1",
    "fingerprint_sha256",
    "generate_key_and_csr",
    "generate_private_key",
    "has_errors",
    "is_issued_by",
    "is_self_signed",
    "issue_certificate",
    "key_matches_certificate",
    "leaf_only",
    "load_private_key",
    "normalize_fingerprint",
    "order_chain",
    "parse_certificates",
    "parsed_once",
    "parse_csr",
]
