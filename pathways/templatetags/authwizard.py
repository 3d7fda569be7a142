"""Template helpers: the one status badge, and small formatting filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from pathways import status

if TYPE_CHECKING:
    from pathways.models import Pathway

register = template.Library()

Value = TypeVar("Value")


@register.simple_tag
def badge(value: str, title: str = "") -> SafeString:
    return format_html(
        '<span class="badge badge-{}" title="{}">{}</span>', status.colour(value), title, status.label(value)
    )


@register.filter
def get_item(mapping: Mapping[str, Value] | None, key: str) -> Value | None:
    if mapping is None:
        return None
    return mapping.get(key)


@register.simple_tag
def status_badge(pathway: Pathway) -> SafeString:
    """The pathway's one status (pathways/standing.py) as a badge; a failing one says why in its title."""
    from pathways import standing
    from pathways.traffic import watch as traffic

    seen = traffic.of(pathway)
    return badge(standing.status_of(pathway, seen), seen.sentence)


@register.inclusion_tag("pathways/traffic/failing.html")
def failing_sentence(pathway: Pathway) -> dict[str, object]:
    """ "Failing since 10:42: …" with a link to the pathway's messages, when its messages fail."""
    from pathways import standing
    from pathways.traffic import watch as traffic

    seen = traffic.of(pathway)
    failing = standing.status_of(pathway, seen) == status.FAILING
    return {"pathway": pathway, "sentence": seen.sentence if failing else ""}
