"""Exports certificates and key pairs: PKCS#12 (AES-256), PEM and DER."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from pathways.wording import gettext as _

from .describe import certificate_object, key_matches_certificate
from .generate import private_key_object
from .model import CertificateError, CertificateInfo, ParsedCertificates, PrivateKeyMaterial

PKCS12_KDF_ROUNDS = 100_000


def _chain_infos(chain: ParsedCertificates | Sequence[CertificateInfo]) -> tuple[CertificateInfo, ...]:
    infos = chain.chain if isinstance(chain, ParsedCertificates) else tuple(chain)
    if not infos:
        raise CertificateError(_("There is no certificate to export."))
    return infos


def export_pkcs12(
    private_key: PrivateKeyMaterial,
    chain: ParsedCertificates | Sequence[CertificateInfo],
    passphrase: str,
    friendly_name: str = "",
    kdf_rounds: int = PKCS12_KDF_ROUNDS,
) -> bytes:
    """A PKCS#12 file (DER) with the key and chain (leaf first), AES-256 (PBES2) and SHA-256 MAC protected,
    the passphrase stretched over `kdf_rounds` (OpenSSL's own export uses 2,048)."""
    if not passphrase:
        raise CertificateError(_("Enter a passphrase to protect the PKCS#12 file."))
    infos = _chain_infos(chain)
    if not key_matches_certificate(private_key, infos[0]):
        raise CertificateError(
            _("The private key does not belong to the certificate %(label)s.") % {"label": infos[0].label()}
        )
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(kdf_rounds)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase.encode("utf-8"))
    )
    certificates = [certificate_object(info) for info in infos]
    return pkcs12.serialize_key_and_certificates(
        (friendly_name or infos[0].subject).encode("utf-8"),
        private_key_object(private_key),
        certificates[0],
        certificates[1:] or None,
        encryption,
    )


def export_certificate(cert: CertificateInfo, encoding: str = "PEM") -> bytes:
    """One certificate as PEM text or DER bytes."""
    if encoding.upper() == "PEM":
        return cert.pem
    if encoding.upper() == "DER":
        return cert.der
    raise CertificateError(_("Choose PEM or DER."))


def export_chain_pem(chain: ParsedCertificates | Sequence[CertificateInfo]) -> bytes:
    """The chain as concatenated PEM blocks, leaf first."""
    return b"".join(info.pem for info in _chain_infos(chain))
