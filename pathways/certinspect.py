"""A pathway's uploaded certificate in its context: details, and findings against the landscape's expiry
threshold and the fingerprints already used in service keys of every landscape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from pathways import certs

PURPOSES = {"external_certificate": certs.Purpose.CLIENT_EXTERNAL, "server_root": certs.Purpose.SERVER_TRUST}
EXTERNAL_KIND = "external_certificate"


@dataclass
class Inspection:
    """What an upload holds (`parsed`, None when unreadable) and what the checks found."""

    parsed: certs.ParsedCertificates | None
    findings: list[certs.Finding] = field(default_factory=list)
    read_error: str = ""

    @property
    def errors(self) -> list[certs.Finding]:
        return [finding for finding in self.findings if finding.is_error]

    @property
    def warnings(self) -> list[certs.Finding]:
        return [finding for finding in self.findings if not finding.is_error]


def known_fingerprints(exclude_pathway_id: int | None = None) -> set[str]:
    """SHA-256 fingerprints of client certificates held, or about to be held, by External Certificate keys:
    other pathways' applied keys and drafts in all landscapes, and old keys still live during a rotation."""
    from django.db.models import Q

    from pathways.models import Pathway, Rotation
    from pathways.models.certificates import OPEN_ROTATION_STATES

    rows = Pathway.objects.exclude(pk=exclude_pathway_id).filter(
        Q(applied__key_kind=EXTERNAL_KIND) | ~Q(sender_fingerprint="")
    )
    known = {drafted for drafted in rows.values_list("sender_fingerprint", flat=True) if drafted}
    held = rows.filter(applied__key_kind=EXTERNAL_KIND).values_list("applied__fingerprint", flat=True)
    old = Rotation.objects.filter(state__in=OPEN_ROTATION_STATES, old__key_kind=EXTERNAL_KIND)
    for fingerprint in [*held, *old.values_list("old__fingerprint", flat=True)]:
        if fingerprint:
            known.add(certs.normalize_fingerprint(fingerprint))
    return known


def inspect_text(
    text: str,
    purpose: certs.Purpose | str,
    *,
    threshold_days: int,
    known: set[str] | frozenset[str] = frozenset(),
    now: datetime | None = None,
) -> Inspection:
    """Parse and check one upload; a file that cannot be read gives `read_error` instead of findings."""
    try:
        parsed = certs.parse_certificates(text)
    except certs.CertificateError as error:
        return Inspection(None, [], error.message)
    findings = certs.check_certificates(
        parsed, purpose, now=now or timezone.now(), threshold_days=threshold_days, known_fingerprints=known
    )
    return Inspection(parsed, findings)


def inspect_pkcs12(pathway, now: datetime | None = None) -> Inspection | None:
    """The key pair stored (encrypted) as the draft's PKCS#12 file, opened with the stored passphrase."""
    import base64
    import binascii

    bundle, passphrase = pathway.secret("pkcs12"), pathway.secret("pkcs12_passphrase")
    if bundle is None:
        return None
    try:
        data = base64.b64decode(bundle.reveal())
    except (binascii.Error, ValueError):
        return Inspection(None, [], _("The stored PKCS#12 file is damaged; upload it again."))
    try:
        parsed = certs.parse_certificates(
            data, passphrase.reveal() if passphrase else None, keep_private_key=True
        )
    except certs.CertificateError as error:
        return Inspection(None, [], error.message)
    findings = certs.check_certificates(
        parsed,
        certs.Purpose.KEY_PAIR,
        now=now or timezone.now(),
        threshold_days=pathway.landscape.expiry_threshold_days,
    )
    return Inspection(parsed, findings)


def inspect_field(
    pathway, name: str, value: str | None = None, now: datetime | None = None
) -> Inspection | None:
    """The certificate field `name` of a pathway's draft (or `value` as typed); None when it is empty."""
    if name == "pkcs12":
        return inspect_pkcs12(pathway, now)
    purpose = PURPOSES.get(name)
    if purpose is None:
        return None
    text = pathway.draft.get(name, "") if value is None else value
    if not (text or "").strip():
        return None
    known = known_fingerprints(pathway.pk) if purpose == certs.Purpose.CLIENT_EXTERNAL else set()
    return inspect_text(
        text, purpose, threshold_days=pathway.landscape.expiry_threshold_days, known=known, now=now
    )


def blocking_error(pathway, name: str) -> str | None:
    """The errors (in context) that keep a certificate field from being applied, as one sentence."""
    inspection = inspect_field(pathway, name)
    if inspection is None:
        return None
    if inspection.read_error:
        return inspection.read_error
    return " ".join(finding.message for finding in inspection.errors) or None
