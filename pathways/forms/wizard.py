"""Validation of one wizard field, as typed, through the catalog's rule for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pathways import catalog, validators

if TYPE_CHECKING:
    from pathways.models import Pathway


def clean_value(spec: catalog.Field, raw: str) -> tuple[str, str | None]:
    """Return (value to keep, error message or None). The typed value is always kept, valid or not."""
    if spec.kind == "choice":
        allowed = {key for key, _ in spec.choices}
        if raw not in allowed:
            return raw, _("Choose one of: %(join)s.") % {
                "join": ", ".join(label for _key, label in spec.choices)
            }
        return raw, None
    if raw.strip() == "":
        if spec.required and not spec.is_secret:
            return raw, _("%(label)s is required.") % {"label": spec.label}
        return raw, None
    rule = validators.RULES.get(spec.rule)
    if rule is None:
        return raw, None
    try:
        return rule(raw), None
    except ValidationError as error:
        return raw, " ".join(error.messages)


def missing_and_invalid(pathway: Pathway) -> dict[str, str]:
    """Every problem that keeps the draft from being planned, by field name."""
    problems: dict[str, str] = {}
    for spec in pathway.active_fields():
        if spec.is_secret:
            if spec.required and pathway.secret(spec.name) is None:
                problems[spec.name] = _("%(label)s is not set yet.") % {"label": spec.label}
            continue
        _value, error = clean_value(spec, pathway.value(spec.name))
        if not error and spec.kind == "certificate":
            from pathways.certinspect import blocking_error  # in context: threshold, keys of other pathways

            error = blocking_error(pathway, spec.name)
        if error:
            problems[spec.name] = error
    return problems
