"""Expiry watch: every certificate the app knows, how long each has left, and one e-mail per threshold.

Certificates come from what the last apply/verify recorded (`pathway.applied["validuntil"]`, the key's or
keystore entry's fingerprint, `pathway.certificate_not_after`) and from certificates uploaded into drafts.
`send_expiry_notices(now)` is the periodic task's body; pass `now` to test it with a frozen clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pathways import certs, emails, shapes
from pathways.models import ExpiryNotice, Pathway
from pathways.sap.keys import parse_iso_datetime

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)
EXPIRED = 0  # the threshold recorded for a certificate that has already expired


@dataclass(frozen=True)
class WatchedCertificate:
    """One certificate of one pathway: where it lives, its SHA-256 fingerprint and its end of validity."""

    pathway: Pathway
    source: str
    fingerprint: str
    not_after: datetime

    def days_left(self, now: datetime) -> int:
        return days_until(self.not_after, now)


def days_until(not_after: datetime, now: datetime) -> int:
    """Whole days left (negative once expired): the one count every page and the watcher show."""
    return (_aware(not_after) - _aware(now)).days


def thresholds() -> list[int]:
    """The days before expiry at which members are told (AUTHWIZARD_EXPIRY_THRESHOLDS), largest first."""
    return sorted({int(t) for t in settings.AUTHWIZARD_EXPIRY_THRESHOLDS if int(t) > 0}, reverse=True)


def level(days_left: int | None, threshold_days: int | None = None) -> str:
    """ "expired", "critical" (within the smallest threshold), "expiring" (within the landscape's threshold,
    or the largest one when none is given), "ok", or "" when there is no certificate.
    """
    if days_left is None:
        return ""
    if days_left < 0:
        return "expired"
    limits = thresholds()
    window = threshold_days if threshold_days is not None else max(limits or [0])
    if days_left > window:
        return "ok"
    if limits and days_left <= limits[-1]:
        return "critical"
    return "expiring"


@dataclass(frozen=True)
class Expiry:
    """The soonest-expiring certificate of a pathway, seen against the landscape's threshold."""

    certificate: WatchedCertificate
    days_left: int
    threshold_days: int

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_after

    @property
    def level(self) -> str:
        return level(self.days_left, self.threshold_days)

    @property
    def is_expired(self) -> bool:
        return self.days_left < 0

    @property
    def is_expiring(self) -> bool:
        """Flagged on every page: expired, or within the landscape's threshold."""
        return self.level != "ok"

    @property
    def countdown(self) -> str:
        if self.days_left < 0:
            return _("expired %(date)s") % {
                "date": formats.date_format(self.certificate.not_after, "DATE_FORMAT")
            }
        if self.days_left == 0:
            return _("expires today")
        return ngettext("%(days)s day left", "%(days)s days left", self.days_left) % {"days": self.days_left}


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _applied_certificate(pathway: Pathway) -> WatchedCertificate | None:
    applied = pathway.applied or {}
    not_after = parse_iso_datetime(applied.get("validuntil")) if applied.get("validuntil") else None
    not_after = not_after or pathway.certificate_not_after
    if not_after is None:
        return None
    shape = shapes.of_applied(applied)
    source = shape.certificate_source(applied) if shape is not None else _("the applied certificate")
    fingerprint = applied.get("fingerprint") or f"{source} until {not_after.isoformat()}"
    return WatchedCertificate(pathway, source, fingerprint, _aware(not_after))


def _draft_certificates(pathway: Pathway) -> list[WatchedCertificate]:
    found = []
    for spec in pathway.spec.fields(pathway.method):
        if spec.kind != "certificate":
            continue
        text = (pathway.draft.get(spec.name) or "").strip()
        if not text or not pathway.applies(spec):
            continue
        try:
            leaf = certs.parse_certificates(text).leaf
        except certs.CertificateError:
            continue
        found.append(
            WatchedCertificate(
                pathway,
                _("%(field)s (uploaded)") % {"field": spec.label},
                leaf.fingerprint_sha256,
                leaf.not_after,
            )
        )
    return found


def certificates_of(pathway: Pathway) -> list[WatchedCertificate]:
    """Every certificate of the pathway: the applied one first, then uploads not yet applied."""
    watched: list[WatchedCertificate] = []
    applied = _applied_certificate(pathway)
    if applied is not None:
        watched.append(applied)
    seen = {certs.normalize_fingerprint(w.fingerprint) for w in watched}
    for draft in _draft_certificates(pathway):
        if certs.normalize_fingerprint(draft.fingerprint) not in seen:
            seen.add(certs.normalize_fingerprint(draft.fingerprint))
            watched.append(draft)
    return watched


def expiry_of(
    pathway: Pathway, now: datetime | None = None, threshold_days: int | None = None
) -> Expiry | None:
    """The pathway's soonest-expiring certificate, or None when it has no certificate.

    `threshold_days` is the landscape's (read from `pathway.landscape` unless given).
    """
    now = _aware(now or timezone.now())
    watched = certificates_of(pathway)
    if not watched:
        return None
    soonest = min(watched, key=lambda w: w.not_after)
    if threshold_days is None:
        threshold_days = pathway.landscape.expiry_threshold_days
    return Expiry(soonest, soonest.days_left(now), threshold_days)


def crossed_threshold(days_left: int, thresholds: list[int]) -> int | None:
    """The tightest threshold the certificate is within (EXPIRED once it has expired), else None."""
    if days_left < 0:
        return EXPIRED
    within = [t for t in thresholds if days_left <= t]
    return min(within) if within else None


def _message(watched: WatchedCertificate, threshold: int, days_left: int) -> tuple[str, str]:
    """The notice's subject and body, in the active language."""
    pathway = watched.pathway
    landscape = pathway.landscape
    where = _("%(pathway)s in %(landscape)s") % {"pathway": pathway.spec.label, "landscape": landscape.name}
    if threshold == EXPIRED:
        subject = _("[AuthWizard] Certificate expired: %(where)s") % {"where": where}
        when = _("expired on %(date)s") % {"date": emails.moment(watched.not_after)}
    else:
        subject = ngettext(
            "[AuthWizard] Certificate expires in %(days)s day: %(where)s",
            "[AuthWizard] Certificate expires in %(days)s days: %(where)s",
            days_left,
        ) % {"days": days_left, "where": where}
        when = ngettext(
            "expires on %(date)s (%(days)s day left)", "expires on %(date)s (%(days)s days left)", days_left
        ) % {"date": emails.moment(watched.not_after), "days": days_left}
    action = _(
        "Rotate it in AuthWizard: the new credential is created beside the old one, and the old one is "
        "retired only after the other side has switched."
    )
    advice = shapes.of(pathway).expiry_advice(pathway.spec)
    if advice:
        action += f" {advice}"
    body = (
        _("The certificate of %(where)s (%(source)s) %(when)s.")
        % {"where": where, "source": watched.source, "when": when}
        + "\n\n"
        + _("SHA-256 fingerprint: %(fingerprint)s") % {"fingerprint": watched.fingerprint}
        + f"\n\n{action}\n"
        + emails.link(reverse("certificates", args=[landscape.code, pathway.key]))
        + "\n\n"
        + _("You get one message per threshold (%(days)s days).")
        % {"days": ", ".join(str(t) for t in thresholds())}
        + "\n"
    )
    return subject, body


def recipients(pathway: Pathway) -> list[AbstractBaseUser]:
    """The landscape's members (every watcher's e-mail goes to them, each in their language)."""
    return [m.user for m in pathway.landscape.memberships.all()]


def send_expiry_notices(now: datetime | None = None) -> list[ExpiryNotice]:
    """E-mail the landscape's members about each certificate within a threshold, once per threshold, each
    in the member's language.

    Returns the notices sent by this call. A certificate first seen at 5 days left gets the 7-day notice
    only; a renewed certificate (new fingerprint) starts afresh. A failed send is forgotten so the next
    run tries again.
    """
    now = _aware(now or timezone.now())
    limits = thresholds()
    sent = []
    pathways = Pathway.objects.select_related("landscape").prefetch_related("landscape__memberships__user")
    for pathway in pathways:
        for watched in certificates_of(pathway):
            days_left = watched.days_left(now)
            threshold = crossed_threshold(days_left, limits)
            if threshold is None:
                continue
            notice = _claim(watched, threshold)
            if notice is None:
                continue
            try:
                count = emails.send(
                    recipients(pathway),
                    lambda watched=watched, threshold=threshold, days_left=days_left: _message(
                        watched, threshold, days_left
                    ),
                )
            except Exception as error:  # noqa: BLE001 - a mail server problem must not stop the watch
                logger.warning("expiry notice for pathway %s not sent: %s", pathway.pk, type(error).__name__)
                notice.delete()
                continue
            ExpiryNotice.objects.filter(pk=notice.pk).update(recipients=count)
            sent.append(notice)
    return sent


def _claim(watched: WatchedCertificate, threshold: int) -> ExpiryNotice | None:
    """The notice row, created now; None when it was sent before (or another worker is sending it)."""
    try:
        with transaction.atomic():
            notice, created = ExpiryNotice.objects.get_or_create(
                pathway=watched.pathway,
                fingerprint=watched.fingerprint[:100],
                threshold=threshold,
                defaults={"not_after": watched.not_after, "source": watched.source[:120]},
            )
    except IntegrityError:
        return None
    return notice if created else None
