"""One e-mail to the landscape's members when a pathway starts failing: once per failing streak (claimed on
the MessageWatch row, so two checks never both send it), again only after it worked and fails anew. A send
that fails is released, so the next check tries again; like the expiry notices (pathways/expiry.py).
Each member reads it in their language, with absolute links (pathways/emails.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext

from pathways import emails
from pathways.expiry import recipients
from pathways.traffic import watch as traffic

if TYPE_CHECKING:
    from pathways.models import MessageWatch, Pathway

logger = logging.getLogger(__name__)


def message(pathway: Pathway, seen: traffic.Traffic) -> tuple[str, str]:
    """The subject and body of the e-mail: where, the sentence, the iFlow and message, and where to look."""
    landscape = pathway.landscape
    where = gettext("%(pathway)s in %(landscape)s") % {
        "pathway": pathway.spec.label,
        "landscape": landscape.name,
    }
    subject = gettext("[AuthWizard] Failing: %(where)s") % {"where": where}
    failure = seen.failure
    lines = [
        f"{seen.sentence}.",
        "",
        gettext("iFlow: %(iflow)s") % {"iflow": failure.get("iflow", "")},
        gettext("Message: %(guid)s") % {"guid": failure.get("guid", "")},
        "",
        gettext(
            "The messages of this pathway's iFlows are read periodically; you get this e-mail once when the "
            "pathway starts failing, and again only if it fails anew after it worked."
        ),
        emails.link(reverse("pathway_traffic", args=[landscape.code, pathway.key])),
    ]
    return subject, "\n".join(lines) + "\n"


def tell_members(watch: MessageWatch, pathway: Pathway) -> bool:
    """E-mail the members about the pathway's failing streak unless they were told of it; True when sent."""
    if not watch.claim_notice():
        return False
    try:
        emails.send(recipients(pathway), lambda: message(pathway, traffic.from_watch(watch)))
    except Exception as error:  # noqa: BLE001 - a mail server problem must not stop the watch
        logger.warning("failing notice for pathway %s not sent: %s", pathway.pk, type(error).__name__)
        watch.release_notice()
        return False
    return True
