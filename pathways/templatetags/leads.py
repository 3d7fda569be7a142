"""Template tags of the leads' pages: drift badge, the landscape's lead sections, the approval panel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django import template
from django.utils.html import format_html

from pathways import drift, timeline
from pathways.approval import pending_for, still_pending
from pathways.models import Landscape
from pathways.templatetags.authwizard import badge

if TYPE_CHECKING:
    from django.template.context import Context

    from pathways.models import Pathway

register = template.Library()


@register.simple_tag
def drift_badge(pathway: Pathway) -> str:
    """The "Drifted" badge (a problem: negative), with what differs as its title and screen-reader text."""
    if not drift.is_drifted(pathway):
        return ""
    text = drift.summary(pathway)
    return format_html('{}<span class="sr-only">: {}</span>', badge("drifted", text), text)


@register.inclusion_tag("pathways/leads/landscape_sections.html", takes_context=True)
def leads_landscape_sections(
    context: Context, landscape: Landscape, pathways: Sequence[Pathway]
) -> dict[str, object]:
    """Pending approvals, certificate validity (SVG) and the merged timeline of runs and audit events."""
    user = context["request"].user
    query = context["request"].GET
    keys = {p.key for p in pathways}
    kinds = dict(timeline.ACTIVITY_KINDS)
    shown = {
        "pathway": query.get("pathway", "") if query.get("pathway", "") in keys else "",
        "kind": query.get("kind", "") if query.get("kind", "") in kinds else "",
    }
    certificates = [c for p in pathways for c in timeline.pathway_certificates(p)]
    return {
        "request": context["request"],
        "landscape": landscape,
        "pathways": pathways,
        "certificates": certificates,
        "svg": timeline.svg_geometry(certificates, landscape.expiry_threshold_days) if certificates else None,
        "activity": timeline.activity(landscape, pathway=shown["pathway"], kind=shown["kind"]),
        "activity_filter": shown,
        "activity_kinds": timeline.ACTIVITY_KINDS,
        "pending": still_pending(list(pending_for(user).filter(pathway__landscape=landscape))),
        "can_check_drift": landscape.may(user, "run") or landscape.may(user, "approve"),
        "can_promote": Landscape.objects.editable_by(user).exclude(pk=landscape.pk).exists(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("pathways/leads/approval_slot.html", takes_context=True)
def approval_slot(context: Context, pathway: Pathway) -> dict[str, object]:
    """A placeholder on the wizard's review step that loads the approval panel (prod landscapes only)."""
    request = context["request"]
    return {
        "pathway": pathway,
        "landscape": pathway.landscape,
        "needed": pathway.landscape.tier == "prod",
        "next": request.get_full_path(),
    }
