"""E-mails to members: links made absolute on AUTHWIZARD_BASE_URL, each message in its reader's language."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from pathways import language

if TYPE_CHECKING:
    from datetime import datetime

    from django.contrib.auth.models import AbstractBaseUser

    from pathways.models import Run

logger = logging.getLogger(__name__)


def link(path: str) -> str:
    """`path` (from `reverse`) as an address people can open from their mail client."""
    return f"{settings.AUTHWIZARD_BASE_URL}{path}"


def moment(value: datetime) -> str:
    """A date and time in the active language's format, in the site's time zone."""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def send(users: Iterable[AbstractBaseUser], compose: Callable[[], tuple[str, str]], default: str = "") -> int:
    """Send `compose()`'s subject and body to each active user with an address, written in their language
    (their choice; else `default`, e.g. the language they started a run in).

    Returns how many messages went out; a mail server's failure is raised to the caller."""
    addresses: dict[str, set[str]] = defaultdict(set)
    for user in users:
        email = getattr(user, "email", "")
        if user.is_active and email:
            addresses[language.of_user(user, default)].add(email)
    messages = []
    for code, emails in sorted(addresses.items()):
        with translation.override(code):
            subject, body = compose()
        messages += [(subject, body, None, [email]) for email in sorted(emails)]
    if messages:
        send_mass_mail(messages)
    return len(messages)


def run_failed(run: Run) -> int:
    """Tell the member who started a run (not a plan, which only previews) that it failed, and where."""
    from pathways.models import RunKind

    if run.kind == RunKind.PLAN or run.requested_by is None:
        return 0

    def compose() -> tuple[str, str]:
        what = run.pathway.spec.label if run.pathway is not None else run.landscape.name
        subject = _("[AuthWizard] %(run)s failed: %(what)s in %(landscape)s") % {
            "run": run.get_kind_display(),
            "what": what,
            "landscape": run.landscape.name,
        }
        body = "\n\n".join(
            part
            for part in (
                _("%(run)s of %(what)s in %(landscape)s failed on %(when)s.")
                % {
                    "run": run.get_kind_display(),
                    "what": what,
                    "landscape": run.landscape.name,
                    "when": moment(run.finished_at or timezone.now()),
                },
                run.message,
                run.hint,
                _("The run, step by step: %(link)s") % {"link": link(reverse("run", args=[run.code]))},
            )
            if part
        )
        return subject, body + "\n"

    try:
        return send([run.requested_by], compose, default=run.language)
    except Exception as error:  # noqa: BLE001 - a mail server problem must not change the run's outcome
        logger.warning("failure notice for run %s not sent: %s", run.pk, type(error).__name__)
        return 0
