"""The hand-off sheet: what the S/4HANA or SSCv2 administrator must enter or upload, per pathway and method.

Secrets (the client secret, an SAP-generated private key) leave the vault once, on purpose, audited.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways import certs
from pathways.errors import Refused
from pathways.models import AuditEvent, Secret
from pathways.shapes.base import HANDOFF_CERTIFICATE, HANDOFF_CLIENTSECRET, HANDOFF_PRIVATE_KEY

# The vault names under which an apply stores what the hand-off gives out (pathways.shapes.base).
CLIENTSECRET, PRIVATE_KEY, CERTIFICATE = HANDOFF_CLIENTSECRET, HANDOFF_PRIVATE_KEY, HANDOFF_CERTIFICATE
REVEALED = "handoff_revealed"  # set when a one-time secret was handed out
MIN_PASSPHRASE = 12


class HandoffError(Refused):
    """A hand-off action cannot be done; the message says why, for the page."""


@dataclass
class Item:
    label: str
    value: str = ""
    where: str = ""  # where it goes on the other side (inferred wording, see the reference)
    download: str = ""  # name of a download on this page


def certificate_of(pathway) -> certs.ParsedCertificates | None:
    secret = pathway.secret(CERTIFICATE)
    if secret is None:
        return None
    try:
        return certs.parse_certificates(secret.reveal())
    except certs.CertificateError:
        return None


def revealed(pathway, name: str) -> Secret | None:
    return pathway.secret(f"{REVEALED}_{name}")


def items(pathway) -> list[Item]:
    """The rows of the sheet, from what the last apply recorded (never secrets); each shape says its own."""
    from pathways import shapes

    return shapes.of(pathway).handoff_items(pathway)


def _claim(pathway, name: str, user, refusal: str) -> None:
    """Mark `name` as handed out, atomically, before anything is decrypted; HandoffError if it was before.

    Call inside a transaction: if the hand-out fails afterwards, the mark goes with it.
    """
    claimed = Secret.claim(
        landscape=pathway.landscape,
        pathway=pathway,
        name=f"{REVEALED}_{name}",
        value=timezone.now().isoformat(),
        user=user,
    )
    if not claimed:
        raise HandoffError(refusal)


def reveal_client_secret(pathway, user) -> str:
    """The client secret, once; afterwards the sheet says who revealed it and when."""
    secret = pathway.secret(CLIENTSECRET)
    if secret is None:
        raise HandoffError(_("There is no client secret to hand over yet: apply the pathway first."))
    with transaction.atomic():
        _claim(
            pathway,
            CLIENTSECRET,
            user,
            _("The client secret was already revealed once. Rotate the key for a new one."),
        )
        value = secret.reveal()
        AuditEvent.record(
            user=user,
            action="handoff.reveal",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            note=_("client secret revealed for the hand-off"),
        )
    return value


def pkcs12_for_handoff(pathway, user, passphrase: str) -> bytes:
    """The SAP-generated certificate and key as PKCS#12 under the user's passphrase, once."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise HandoffError(
            _("Choose a passphrase of at least %(min_passphrase)s characters.")
            % {"min_passphrase": MIN_PASSPHRASE}
        )
    key_secret = pathway.secret(PRIVATE_KEY)
    if key_secret is None or pathway.secret(CERTIFICATE) is None:
        raise HandoffError(_("There is no SAP-generated key to hand over: apply the pathway first."))
    with transaction.atomic():
        _claim(
            pathway,
            PRIVATE_KEY,
            user,
            _("The private key was already handed over once. Rotate the key for a new one."),
        )
        chain = certificate_of(pathway)
        if chain is None:
            raise HandoffError(_("The stored certificate cannot be read: apply the pathway again."))
        try:
            key = certs.load_private_key(key_secret.reveal())
            data = certs.export_pkcs12(
                key, chain, passphrase, friendly_name=pathway.applied.get("key_name", "")
            )
        except certs.CertificateError as error:
            raise HandoffError(str(error))
        AuditEvent.record(
            user=user,
            action="handoff.pkcs12",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            note=_("certificate and private key handed over as PKCS#12"),
        )
    return data


def server_root_pem(landscape) -> str:
    """The roots the sender must trust: the landscape's CA bundle's self-signed certificates, if any."""
    if not landscape.ca_bundle.strip():
        return ""
    try:
        parsed = certs.parse_certificates(landscape.ca_bundle)
    except certs.CertificateError:
        return ""
    roots = [c for c in parsed.chain if certs.is_self_signed(c)] or list(parsed.chain)
    return "".join(c.pem.decode("ascii") for c in roots)
