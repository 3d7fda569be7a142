"""Template tags for what a pathway's credential shape shows: credentials still live but no longer used."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

from pathways.engine.retire import leftovers_of

if TYPE_CHECKING:
    from pathways.models import Pathway

register = template.Library()


@register.inclusion_tag("pathways/shapes/leftovers.html", takes_context=True)
def leftovers(context: dict[str, Any], pathway: Pathway, compact: bool = False) -> dict[str, Any]:
    return {
        "pathway": pathway,
        "landscape": pathway.landscape,
        "leftovers": leftovers_of(pathway),
        "compact": compact,
        "can_run": context.get("can_run", False) or pathway.landscape.may(context["request"].user, "run"),
    }
