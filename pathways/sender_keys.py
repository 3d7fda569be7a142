"""A key pair and CSR made locally for the sender (S/4HANA or SSCv2): the key stays encrypted in the vault as
a pathway secret until it is downloaded once as PKCS#12 under a passphrase the user types, then it is deleted.

The CA-signed certificate comes back through the wizard's certificate field (External Certificate), where the
checks and the key match are shown; the PKCS#12 holds that certificate chain and the key.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from pathways import certs, shapes
from pathways.errors import Refused
from pathways.models import AuditEvent, Pathway, Secret

PRIVATE_KEY = "sender_private_key"
CSR = "sender_csr"
DOWNLOADED = "sender_key_downloaded"
MIN_PASSPHRASE = 12
ALGORITHMS = (
    ("RSA-2048", "RSA 2048"),
    ("RSA-3072", "RSA 3072"),
    ("RSA-4096", "RSA 4096"),
    ("EC-P256", "EC P-256"),
    ("EC-P384", "EC P-384"),
)


class SenderKeyError(Refused):
    """A generation or download that cannot be done; the message says why, for the page."""


@dataclass
class SenderKeyState:
    """What the page shows: the CSR (public), whether the key is still held, and who downloaded it."""

    csr: certs.CsrInfo | None
    key_held: bool
    downloaded: Secret | None
    certificate_matches: bool


def applies_to(pathway: Pathway) -> bool:
    """Only senders that log on with their own certificate (inbound, External Certificate key)."""
    return shapes.of(pathway).takes_sender_certificate(pathway)


def generate(
    pathway: Pathway, subject: certs.DistinguishedName, algorithm: str, subject_alt_names=(), user=None
) -> certs.CsrInfo:
    """A new key (kept encrypted in the vault) and its CSR; a previous unsent key is replaced."""
    if not applies_to(pathway):
        raise SenderKeyError(
            _(
                "Generation is for a sender that logs on with its own certificate (External "
                "Certificate); choose that in the wizard first."
            )
        )
    if algorithm not in dict(ALGORITHMS):
        raise SenderKeyError(
            _("Choose a key type among %(join)s.") % {"join": ", ".join((label for _, label in ALGORITHMS))}
        )
    try:
        made = certs.generate_key_and_csr(subject, algorithm, subject_alt_names)
        info = certs.parse_csr(made.csr_pem)
    except certs.CertificateError as error:
        raise SenderKeyError(error.message) from error
    Secret.store(
        landscape=pathway.landscape, pathway=pathway, name=PRIVATE_KEY, value=made.private_key.pem, user=user
    )
    Secret.store(landscape=pathway.landscape, pathway=pathway, name=CSR, value=made.csr_pem, user=user)
    Secret.objects.filter(pathway=pathway, name=DOWNLOADED).delete()
    AuditEvent.record(
        user=user,
        action="certificate.generate",
        landscape=pathway.landscape,
        pathway_key=pathway.key,
        changes={PRIVATE_KEY: ["", "generated"]},
        secret_fields={PRIVATE_KEY},
        note=_("%(key_description)s key and CSR for %(subject)s made locally")
        % {"key_description": made.private_key.key_description, "subject": info.subject},
    )
    return info


def csr_pem(pathway: Pathway) -> str | None:
    secret = pathway.secret(CSR)
    return secret.reveal() if secret else None


def _key(pathway: Pathway) -> certs.PrivateKeyMaterial | None:
    secret = pathway.secret(PRIVATE_KEY)
    if secret is None:
        return None
    return certs.load_private_key(secret.reveal())


def _signed_chain(pathway: Pathway) -> certs.ParsedCertificates | None:
    text = (pathway.draft.get("external_certificate") or "").strip()
    if not text:
        return None
    try:
        return certs.parse_certificates(text)
    except certs.CertificateError:
        return None


def state(pathway: Pathway) -> SenderKeyState:
    pem = csr_pem(pathway)
    key = _key(pathway)
    chain = _signed_chain(pathway)
    matches = bool(key and chain and certs.key_matches_certificate(key, chain.leaf))
    return SenderKeyState(
        csr=certs.parse_csr(pem) if pem else None,
        key_held=key is not None,
        downloaded=pathway.secret(DOWNLOADED),
        certificate_matches=matches,
    )


def pkcs12_once(pathway: Pathway, passphrase: str, confirmation: str, user=None) -> bytes:
    """Key + CA-signed chain as PKCS#12 under `passphrase`; afterwards the key is deleted from the vault."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise SenderKeyError(
            _("Choose a passphrase of at least %(min_passphrase)s characters.")
            % {"min_passphrase": MIN_PASSPHRASE}
        )
    if passphrase != confirmation:
        raise SenderKeyError(_("The two passphrases differ; type the same passphrase twice."))
    if pathway.secret(DOWNLOADED) is not None and pathway.secret(PRIVATE_KEY) is None:
        raise SenderKeyError(
            _("The key was already downloaded once and is no longer kept; generate a new one.")
        )
    key = _key(pathway)
    if key is None:
        raise SenderKeyError(_("There is no generated key to download; generate a key and CSR first."))
    chain = _signed_chain(pathway)
    if chain is None:
        raise SenderKeyError(
            _(
                "Upload the certificate your CA issued for the CSR into the certificate field first; "
                "the PKCS#12 file holds it together with the key."
            )
        )
    if not certs.key_matches_certificate(key, chain.leaf):
        raise SenderKeyError(
            _(
                "The uploaded certificate %(label)s was not issued for this key's CSR; upload the "
                "certificate issued for the CSR shown here."
            )
            % {"label": chain.leaf.label()}
        )
    try:
        data = certs.export_pkcs12(key, chain, passphrase, friendly_name=chain.leaf.subject)
    except certs.CertificateError as error:
        raise SenderKeyError(error.message) from error
    Secret.objects.filter(pathway=pathway, name=PRIVATE_KEY).delete()
    Secret.store(
        landscape=pathway.landscape,
        pathway=pathway,
        name=DOWNLOADED,
        value=timezone.now().isoformat(),
        user=user,
    )
    AuditEvent.record(
        user=user,
        action="certificate.pkcs12",
        landscape=pathway.landscape,
        pathway_key=pathway.key,
        changes={PRIVATE_KEY: ["held", "deleted"]},
        secret_fields={PRIVATE_KEY},
        note=_("key and certificate %(value)s… downloaded once as PKCS#12; the key was deleted")
        % {"value": chain.leaf.fingerprint_sha256[:23]},
    )
    return data
