"""Template helpers for what a pathway's real messages show (pathways/traffic/)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from pathways import standing
from pathways.traffic import watch

if TYPE_CHECKING:
    from pathways.models import Pathway

register = template.Library()

SHOWN_INLINE = 5


@register.inclusion_tag("pathways/traffic/latest.html")
def latest_messages(pathway: Pathway) -> dict[str, object]:
    """The pathway's latest messages in a few lines, with what they prove, for the wizard and the history."""
    seen = watch.of(pathway)
    return {
        "pathway": pathway,
        "traffic": seen,
        "failing": standing.status_of(pathway, seen) == "failing",
        "shown": watch.readable(seen.messages[:SHOWN_INLINE]),
    }
