"""Puts certificates in chain order (leaf first, each issued by the next) and trims a chain to its leaf."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import overload

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import SignatureAlgorithmOID

from pathways.wording import gettext as _

from .model import CertificateInfo, ChainOrder, ParsedCertificates


def _verify_signature_by_hand(child: x509.Certificate, parent: x509.Certificate) -> bool:
    """Signature check for algorithms verify_directly_issued_by refuses (SHA-1); True when undecidable."""
    try:
        key = parent.public_key()
        signature, tbs = child.signature, child.tbs_certificate_bytes
        if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, tbs)
            return True
        hash_algorithm = child.signature_hash_algorithm
        if hash_algorithm is None:
            return True
        is_pss = child.signature_algorithm_oid == SignatureAlgorithmOID.RSASSA_PSS
        if isinstance(key, rsa.RSAPublicKey) and not is_pss:
            key.verify(signature, tbs, padding.PKCS1v15(), hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, tbs, ec.ECDSA(hash_algorithm))
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, tbs, hash_algorithm)
        return True
    except InvalidSignature:
        return False
    except Exception:
        return True


def is_issued_by(child: CertificateInfo, parent: CertificateInfo) -> bool:
    """True when `parent` names and signed `child` (by signature where the algorithm allows checking)."""
    if child.issuer != parent.subject:
        return False
    try:
        child_cert = x509.load_der_x509_certificate(child.der)
        parent_cert = x509.load_der_x509_certificate(parent.der)
    except Exception:
        return True
    try:
        child_cert.verify_directly_issued_by(parent_cert)
        return True
    except InvalidSignature:
        return False
    except Exception:
        return _verify_signature_by_hand(child_cert, parent_cert)


def is_self_signed(cert: CertificateInfo) -> bool:
    return cert.is_self_issued and is_issued_by(cert, cert)


def _without_duplicates(certs: Sequence[CertificateInfo]) -> tuple[list[CertificateInfo], int]:
    seen: set[str] = set()
    unique: list[CertificateInfo] = []
    for cert in certs:
        if cert.fingerprint_sha256 not in seen:
            seen.add(cert.fingerprint_sha256)
            unique.append(cert)
    return unique, len(certs) - len(unique)


def _issued_in_sequence(certs: Sequence[CertificateInfo]) -> bool:
    return all(is_issued_by(certs[i], certs[i + 1]) for i in range(len(certs) - 1))


def order_chain(
    certs: Sequence[CertificateInfo],
) -> tuple[tuple[CertificateInfo, ...], ChainOrder, list[str]]:
    """(chain leaf first, how it was given, notes for the user). Unrelated certificates stay as given."""
    unique, duplicates = _without_duplicates(certs)
    notes = (
        [_("%(duplicates)s duplicate certificate(s) removed.") % {"duplicates": duplicates}]
        if duplicates
        else []
    )
    if len(unique) == 1:
        return tuple(unique), ChainOrder.SINGLE, notes
    if _issued_in_sequence(unique):
        return tuple(unique), ChainOrder.IN_ORDER, notes
    parent_of: dict[int, int] = {}
    for i, child in enumerate(unique):
        for j, parent in enumerate(unique):
            if i != j and is_issued_by(child, parent):
                parent_of[i] = j
                break
    leaves = [i for i in range(len(unique)) if i not in parent_of.values()]
    if len(leaves) == 1:
        path, current = [leaves[0]], leaves[0]
        while current in parent_of and parent_of[current] not in path:
            current = parent_of[current]
            path.append(current)
        if len(path) == len(unique):
            ordered = tuple(unique[i] for i in path)
            notes.append(
                _(
                    "The certificates were not in chain order; they have been put leaf first, each "
                    "issued by the next, starting with %(label)s."
                )
                % {"label": ordered[0].label()}
            )
            return ordered, ChainOrder.REORDERED, notes
    notes.append(
        _(
            "These certificates do not form one chain (leaf first, each issued by the next); they are"
            " kept as given."
        )
    )
    return tuple(unique), ChainOrder.NOT_ONE_CHAIN, notes


def missing_issuer(chain: Sequence[CertificateInfo]) -> CertificateInfo | None:
    """The top certificate of an ordered chain when its issuer is not included (not self-signed)."""
    top = chain[-1]
    return None if is_self_signed(top) else top


@overload
def leaf_only(chain: ParsedCertificates) -> ParsedCertificates: ...


@overload
def leaf_only(chain: Sequence[CertificateInfo]) -> tuple[CertificateInfo]: ...


def leaf_only(
    chain: ParsedCertificates | Sequence[CertificateInfo],
) -> ParsedCertificates | tuple[CertificateInfo]:
    """Just the leaf: ParsedCertificates stays ParsedCertificates (with a note); a sequence → (leaf,)."""
    if isinstance(chain, ParsedCertificates):
        if len(chain.chain) == 1:
            return chain
        note = _("Only the leaf certificate %(label)s was kept; the %(value)s issuing ") % {
            "label": chain.leaf.label(),
            "value": len(chain.chain) - 1,
        }
        note += _("certificate(s) were dropped.")
        return replace(chain, chain=(chain.leaf,), order=ChainOrder.SINGLE, notes=(*chain.notes, note))
    return (chain[0],)
