"""Checks a parsed upload for one purpose and returns findings (error/warning, code, message) to show."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from pathways.wording import gettext as _
from pathways.wording import ngettext

from .chain import is_self_signed, missing_issuer
from .describe import days_left, key_matches_certificate, normalize_fingerprint
from .model import (
    CPI_CERTIFICATE_UPLOAD_LIMIT_BYTES,
    CPI_CHAIN_OR_PKCS12_UPLOAD_LIMIT_BYTES,
    DEFAULT_EXPIRY_THRESHOLD_DAYS,
    CertificateInfo,
    ChainOrder,
    Finding,
    ParsedCertificates,
    PrivateKeyMaterial,
    Purpose,
)

ERROR, WARNING = "error", "warning"
MINIMUM_RSA_BITS = 2048
WEAK_HASHES = {"sha1", "md5"}
CLIENT_AUTH_OK = {"clientAuth", "anyExtendedKeyUsage"}


def _name(cert: CertificateInfo, chain: tuple[CertificateInfo, ...]) -> str:
    role = _("The certificate") if cert is chain[0] else _("The issuing certificate")
    return f"{role} {cert.label()}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def check_validity(chain: tuple[CertificateInfo, ...], now: datetime, threshold_days: int) -> list[Finding]:
    """Not yet valid, expired, or expiring within `threshold_days`, for every certificate in the chain."""
    findings = []
    for cert in chain:
        name = _name(cert, chain)
        if now < cert.not_before:
            wait = (cert.not_before - now).days
            when = (
                _("within a day")
                if wait < 1
                else ngettext("in %(days)s day", "in %(days)s days", wait) % {"days": wait}
            )
            message = _(
                "%(name)s is not valid yet: it becomes valid on %(date)s UTC (%(when)s). Wait until then, "
                "or check the issuing CA's clock."
            ) % {"name": name, "date": f"{cert.not_before:%Y-%m-%d %H:%M}", "when": when}
            findings.append(Finding(ERROR, "not_yet_valid", message))
        elif now >= cert.not_after:
            ago = (now - cert.not_after).days
            since = (
                _("less than a day ago")
                if ago < 1
                else ngettext("%(days)s day ago", "%(days)s days ago", ago) % {"days": ago}
            )
            message = _("%(name)s expired on %(date)s (%(since)s); have a new one issued.") % {
                "name": name,
                "date": f"{cert.not_after:%Y-%m-%d}",
                "since": since,
            }
            findings.append(Finding(ERROR, "expired", message))
        elif (left := days_left(cert, now)) < threshold_days:
            when = (
                _("in less than a day")
                if left < 1
                else ngettext("in %(days)s day", "in %(days)s days", left) % {"days": left}
            )
            message = _("%(name)s expires %(when)s, on %(date)s; plan its renewal now.") % {
                "name": name,
                "when": when,
                "date": f"{cert.not_after:%Y-%m-%d}",
            }
            findings.append(Finding(WARNING, "expiring", message))
    return findings


def check_strength(chain: tuple[CertificateInfo, ...]) -> list[Finding]:
    """RSA/DSA keys under 2048 bits and SHA-1/MD5 signatures (self-signed roots excepted)."""
    findings = []
    for cert in chain:
        name = _name(cert, chain)
        if cert.key_type in {"RSA", "DSA"} and cert.key_size is not None and cert.key_size < MINIMUM_RSA_BITS:
            message = _(
                "%(name)s has a %(key_size)s-bit %(key_type)s key; at least %(minimum_rsa_bits)s "
                "bits are required. Have it re-issued with a 2048-bit or larger key."
            ) % {
                "name": name,
                "key_size": cert.key_size,
                "key_type": cert.key_type,
                "minimum_rsa_bits": MINIMUM_RSA_BITS,
            }
            findings.append(Finding(ERROR, "weak_key", message))
        if cert.signature_hash in WEAK_HASHES and not (cert.is_ca and is_self_signed(cert)):
            hash_label = cert.signature_hash.upper().replace("SHA", "SHA-")
            message = _(
                "%(name)s is signed with %(hash_label)s (%(signature_algorithm)s), which TLS "
                "clients and SAP refuse; have it re-issued with SHA-256."
            ) % {"name": name, "hash_label": hash_label, "signature_algorithm": cert.signature_algorithm}
            findings.append(Finding(ERROR, "weak_signature", message))
    return findings


def check_client_auth(leaf: CertificateInfo, level: str) -> list[Finding]:
    """The TLS client authentication EKU (1.3.6.1.5.5.7.3.2) on a client certificate."""
    usages = leaf.extended_key_usages
    if usages is None:
        message = _(
            "The certificate %(label)s has no extended key usage; SAP expects the clientAuth "
            "usage on client certificates. Ask your CA for one with clientAuth if the logon "
            "fails."
        ) % {"label": leaf.label()}
        return [Finding(WARNING, "no_eku", message)]
    if CLIENT_AUTH_OK & set(usages):
        return []
    message = _(
        "The certificate %(label)s is not allowed for client authentication (its extended key "
        "usages are %(value)s); ask your CA for a certificate with the clientAuth usage."
    ) % {"label": leaf.label(), "value": ", ".join(usages) or "none"}
    return [Finding(level, "no_client_auth", message)]


def check_chain_order(parsed: ParsedCertificates, unrelated_level: str) -> list[Finding]:
    """A chain given out of order (reordered) or certificates that do not form one chain."""
    if parsed.order == ChainOrder.REORDERED:
        message = _(
            "The certificates were not in order (leaf first, each issued by the next); they have "
            "been reordered, starting with %(label)s."
        ) % {"label": parsed.leaf.label()}
        return [Finding(WARNING, "chain_reordered", message)]
    if parsed.order == ChainOrder.NOT_ONE_CHAIN:
        message = _(
            "These certificates do not form one chain: each must be issued by the next. Remove "
            "certificates that do not belong, or add the missing intermediate CA."
        )
        return [Finding(unrelated_level, "chain_broken", message)]
    return []


def check_chain_complete(parsed: ParsedCertificates) -> list[Finding]:
    """The top certificate's issuer is missing (the chain does not reach a self-signed root)."""
    if parsed.order == ChainOrder.NOT_ONE_CHAIN:
        return []
    top = missing_issuer(parsed.chain)
    if top is None:
        return []
    message = _(
        "The chain is incomplete: the issuer '%(issuer)s' of %(label)s is not included. Add the "
        "intermediate and root CA certificates, unless the receiver already trusts them."
    ) % {"issuer": top.issuer, "label": top.label()}
    return [Finding(WARNING, "chain_incomplete", message)]


def check_leaf_only(parsed: ParsedCertificates) -> list[Finding]:
    """An External Certificate key takes the leaf only; offer to keep it."""
    extra = len(parsed.chain) - 1
    if extra < 1:
        return []
    message = _(
        "An External Certificate service key accepts only the leaf certificate, not the whole "
        "chain; keep just %(label)s and drop the %(plural)s?"
    ) % {"label": parsed.leaf.label(), "plural": _plural(extra, "issuing certificate")}
    return [Finding(ERROR, "chain_not_accepted", message, fix="keep_leaf_only")]


def cpi_upload_size(
    parsed: ParsedCertificates, purpose: Purpose, private_key: PrivateKeyMaterial | None = None
) -> tuple[int, int] | None:
    """(bytes CPI will receive, CPI's limit) for uploads CPI limits, else None.

    A trusted certificate is sent as one PEM certificate (D-16); a key pair as the PKCS#12 file that was
    uploaded, or else approximately its PEM chain plus key.
    """
    if purpose == Purpose.SERVER_TRUST:
        return len(parsed.leaf.pem), CPI_CERTIFICATE_UPLOAD_LIMIT_BYTES
    if purpose == Purpose.KEY_PAIR:
        if parsed.source_format == "PKCS#12":
            return parsed.upload_size, CPI_CHAIN_OR_PKCS12_UPLOAD_LIMIT_BYTES
        size = sum(len(cert.pem) for cert in parsed.chain) + (len(private_key.pem) if private_key else 0)
        return size, CPI_CHAIN_OR_PKCS12_UPLOAD_LIMIT_BYTES
    return None


def check_size(
    parsed: ParsedCertificates, purpose: Purpose, private_key: PrivateKeyMaterial | None
) -> list[Finding]:
    """CPI's upload limits: 10,240 bytes for a certificate, 30,072 bytes for a chain or PKCS#12."""
    measured = cpi_upload_size(parsed, purpose, private_key)
    if measured is None or measured[0] <= measured[1]:
        return []
    size, limit = measured
    what = (
        _("certificate upload")
        if purpose == Purpose.SERVER_TRUST
        else _("key pair (PKCS#12 or chain) upload")
    )
    message = _(
        "This is %(size)s bytes, but CPI refuses a %(what)s over %(limit)s bytes; remove certificates "
        "that are not needed or use a certificate with fewer extensions."
    ) % {"size": f"{size:,}", "what": what, "limit": f"{limit:,}"}
    return [Finding(ERROR, "too_large_for_cpi", message)]


def check_not_in_use(leaf: CertificateInfo, known_fingerprints: Collection[str]) -> list[Finding]:
    """SAP allows an external certificate once across all service keys."""
    known = {normalize_fingerprint(fingerprint) for fingerprint in known_fingerprints}
    if leaf.fingerprint_sha256 not in known:
        return []
    message = _(
        "The certificate %(label)s is already used in another service key; SAP accepts each "
        "certificate only once across all instances. Use a new certificate, or add the roles to "
        "the instance that already has this certificate."
    ) % {"label": leaf.label()}
    return [Finding(ERROR, "certificate_in_use", message)]


def check_key_pair(leaf: CertificateInfo, private_key: PrivateKeyMaterial | None) -> list[Finding]:
    """A key pair needs a private key that belongs to the leaf certificate."""
    if private_key is None:
        message = _(
            "A key pair needs its private key: upload a PKCS#12 file, or the private key together"
            " with the certificate."
        )
        return [Finding(ERROR, "private_key_missing", message)]
    if key_matches_certificate(private_key, leaf):
        return []
    message = _(
        "The private key does not belong to the certificate %(label)s; upload the key that was "
        "used to create the certificate's request."
    ) % {"label": leaf.label()}
    return [Finding(ERROR, "key_mismatch", message)]


def check_trust_upload(parsed: ParsedCertificates) -> list[Finding]:
    """CPI stores one certificate per alias; trusting a server's own certificate breaks at its renewal."""
    if len(parsed.chain) > 1:
        message = _(
            "CPI stores one certificate per keystore alias; the %(len)s certificates need one "
            "upload each (usually only the root CA is needed)."
        ) % {"len": len(parsed.chain)}
        return [Finding(WARNING, "one_certificate_per_alias", message)]
    if parsed.leaf.is_ca or parsed.leaf.is_self_issued:
        return []
    message = _(
        "%(label)s is a server's own certificate; trust stops working when it is renewed. "
        "Consider trusting its root CA instead (issuer '%(issuer)s')."
    ) % {"label": parsed.leaf.label(), "issuer": parsed.leaf.issuer}
    return [Finding(WARNING, "server_leaf_trusted", message)]


def check_self_signed_client(leaf: CertificateInfo) -> list[Finding]:
    """The CPI load balancer only accepts client certificates from the CAs it supports."""
    if not is_self_signed(leaf):
        return []
    message = _(
        "The certificate %(label)s is self-signed; the CPI load balancer accepts only client "
        "certificates from the CAs it supports (SAP Note 2801396)."
    ) % {"label": leaf.label()}
    return [Finding(WARNING, "self_signed_client", message)]


def check_certificates(
    parsed: ParsedCertificates,
    purpose: Purpose | str,
    *,
    now: datetime,
    threshold_days: int = DEFAULT_EXPIRY_THRESHOLD_DAYS,
    private_key: PrivateKeyMaterial | None = None,
    known_fingerprints: Collection[str] = (),
) -> list[Finding]:
    """All findings for `parsed` used as `purpose` at `now`; errors block the step, warnings inform.

    `private_key` is for KEY_PAIR uploads whose key came separately (else the PKCS#12 key is used);
    `known_fingerprints` are the SHA-256 fingerprints of certificates already in service keys.
    """
    purpose = Purpose(purpose)
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    findings = check_validity(parsed.chain, now, threshold_days) + check_strength(parsed.chain)
    if purpose == Purpose.CLIENT_EXTERNAL:
        findings += check_client_auth(parsed.leaf, ERROR)
        findings += check_leaf_only(parsed)
        findings += check_not_in_use(parsed.leaf, known_fingerprints)
        findings += check_self_signed_client(parsed.leaf)
    elif purpose == Purpose.KEY_PAIR:
        key = private_key or parsed.private_key
        findings += check_key_pair(parsed.leaf, key)
        findings += check_client_auth(parsed.leaf, WARNING)
        findings += check_chain_order(parsed, ERROR) + check_chain_complete(parsed)
        findings += check_size(parsed, purpose, key)
    else:
        findings += check_chain_order(parsed, WARNING)
        findings += check_trust_upload(parsed)
        findings += check_size(parsed, purpose, None)
    return findings


def has_errors(findings: list[Finding]) -> bool:
    return any(finding.is_error for finding in findings)
