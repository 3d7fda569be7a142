"""Template tags for what a pathway's credential shape shows: credentials still live but no longer used."""

from django import template

from pathways.engine.retire import leftovers_of

register = template.Library()


@register.inclusion_tag("pathways/shapes/leftovers.html", takes_context=True)
def leftovers(context, pathway, compact=False):
    return {
        "pathway": pathway,
        "landscape": pathway.landscape,
        "leftovers": leftovers_of(pathway),
        "compact": compact,
        "can_run": context.get("can_run", False) or pathway.landscape.may(context["request"].user, "run"),
    }
