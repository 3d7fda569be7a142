"""Template helpers: the one status badge, and small formatting filters."""

from django import template
from django.utils.html import format_html

from pathways import status

register = template.Library()


@register.simple_tag
def badge(value: str, title: str = ""):
    return format_html(
        '<span class="badge badge-{}" title="{}">{}</span>', status.colour(value), title, status.label(value)
    )


@register.filter
def get_item(mapping, key):
    if mapping is None:
        return None
    return mapping.get(key)
