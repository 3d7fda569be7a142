"""Template helpers: the one status badge, and small formatting filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from pathways import status

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
