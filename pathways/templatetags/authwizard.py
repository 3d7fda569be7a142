"""Template helpers: the one status badge (a Fiori object status), production markers, message strips."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from pathways import status

if TYPE_CHECKING:
    from pathways.models import Landscape, Pathway

register = template.Library()

Value = TypeVar("Value")

# The modifier each component of fundamental-styles uses for a semantic.
OBJECT_STATUS = {
    "positive": "positive",
    "critical": "critical",
    "negative": "negative",
    "information": "informative",
}
MESSAGE_STRIP = {
    "positive": "success",
    "critical": "warning",
    "negative": "error",
    "information": "information",
}
MESSAGE_ICONS = {
    "positive": "message-success",
    "critical": "message-warning",
    "negative": "message-error",
    "information": "message-information",
}
ICON = '<i class="fd-object-status__icon sap-icon--{}" role="presentation" aria-hidden="true"></i>'
# Django's message levels as semantics.
MESSAGE_LEVELS = {"success": "positive", "warning": "critical", "error": "negative", "info": "information"}


@register.filter
def semantic(value: str) -> str:
    """A status as Fiori's semantic: positive, critical, negative, information or neutral."""
    return status.semantic(value)


@register.simple_tag
def badge(value: str, title: str = "") -> SafeString:
    """Every status of every kind: a Fiori object status, coloured by its semantic, with an icon. (Horizon's
    inverted object status puts 12px white text on the semantic colour below WCAG AA's 4.5:1, so not that.)"""
    meaning = status.semantic(value)
    modifier = OBJECT_STATUS.get(meaning)
    icon = status.icon(value)
    return format_html(
        '<span class="fd-object-status{} badge" data-status="{}"{}>{}'
        '<span class="fd-object-status__text">{}</span></span>',
        f" fd-object-status--{modifier}" if modifier else "",
        value,
        format_html(' title="{}"', title) if title else "",
        format_html(
            '<i class="fd-object-status__icon sap-icon--{}" role="presentation" aria-hidden="true"></i>', icon
        )
        if icon
        else "",
        status.label(value),
    )


@register.simple_tag
def tier_marker(landscape: Landscape) -> SafeString:
    """The landscape's tier; production stands out wherever a landscape appears."""
    if landscape.tier == "prod":
        return format_html(
            '<span class="fd-object-status fd-object-status--negative tier-prod" '
            'data-tier="prod"><i class="fd-object-status__icon sap-icon--locked" role="presentation" '
            'aria-hidden="true"></i><span class="fd-object-status__text">{}</span></span>',
            landscape.get_tier_display(),
        )
    return format_html(
        '<span class="fd-object-status tier-{}" data-tier="{}">'
        '<span class="fd-object-status__text">{}</span></span>',
        landscape.tier,
        landscape.tier,
        landscape.get_tier_display(),
    )


@register.simple_tag
def strip_classes(meaning: str) -> str:
    """The classes of a Fiori message strip for a semantic (or a Django message level)."""
    meaning = MESSAGE_LEVELS.get(meaning, meaning)
    modifier = MESSAGE_STRIP.get(meaning, "information")
    return f"fd-message-strip fd-message-strip--{modifier}"


@register.simple_tag
def strip_icon(meaning: str) -> SafeString:
    meaning = MESSAGE_LEVELS.get(meaning, meaning)
    return format_html(
        '<span class="fd-message-strip__icon-container" aria-hidden="true">'
        '<span class="sap-icon sap-icon--{}" role="presentation"></span></span>',
        MESSAGE_ICONS.get(meaning, "message-information"),
    )


@register.simple_tag
def copy_button(what: str, *target: object) -> SafeString:
    """A button that copies the value or text of the element whose id is `target` joined by "-"
    (static/authwizard.js), for values the other administrator types; it says so once done."""
    return format_html(
        '<button type="button" class="fd-button fd-button--transparent copy" data-copy="{}" '
        'data-copied="{}" data-copy-failed="{}" aria-label="{}" title="{}">'
        '<i class="sap-icon--copy" role="presentation" aria-hidden="true"></i></button>'
        '<span class="copy-done" role="status"></span>',
        "-".join(str(part) for part in target),
        gettext("Copied"),
        gettext("Select it and copy it by hand"),
        gettext("Copy: %(what)s") % {"what": what},
        gettext("Copy: %(what)s") % {"what": what},
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
