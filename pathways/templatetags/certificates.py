"""Template tags for certificates: details and findings under a certificate field, and the expiring badge."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django import template

from pathways import certinspect, certs, standing

if TYPE_CHECKING:
    from django.template.context import Context

    from pathways.models import Pathway

register = template.Library()


@register.inclusion_tag("pathways/certs/details.html", takes_context=True)
def certificate_details(context: Context, pathway: Pathway, f: Mapping[str, Any]) -> dict[str, object]:
    """What an uploaded certificate holds and what the checks say, minus errors already shown as f.error."""
    inspection = certinspect.inspect_field(pathway, f["spec"].name, f.get("value") or "")
    shown = f.get("error") or ""
    findings: list[certs.Finding] = []
    if inspection is not None:
        findings = [finding for finding in inspection.findings if finding.message not in shown]
    return {
        "pathway": pathway,
        "field_name": f["spec"].name,
        "inspection": inspection,
        "findings": findings,
        "fixes": [finding for finding in inspection.findings if finding.fix] if inspection else [],
        "read_error": inspection.read_error if inspection and inspection.read_error not in shown else "",
        "can_edit": context.get("can_edit", False),
    }


@register.inclusion_tag("pathways/certs/expiry_badge.html")
def expiry_badge(pathway: Pathway) -> dict[str, object]:
    """A critical 'Expiring' (or negative 'Expired') badge and countdown within the landscape threshold."""
    return {"expiry": standing.of(pathway).expiry, "pathway": pathway}


@register.inclusion_tag("pathways/certs/expiry_badge.html")
def soonest_expiry_badge(pathways: Iterable[Pathway]) -> dict[str, object]:
    """The landscape's badge: its soonest-expiring certificate across the given pathways."""
    found = [e for e in (standing.of(p).expiry for p in pathways) if e is not None]
    soonest = min(found, key=lambda e: e.certificate.not_after) if found else None
    return {"expiry": soonest, "pathway": soonest.certificate.pathway if soonest else None, "named": True}
