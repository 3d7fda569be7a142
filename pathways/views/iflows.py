"""A landscape's iFlows: their authentication parameters as the last discovery found them, and the page on
which a consultant confirms which pathway each belongs to (the first guess preselected)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pathways import approval as approvals
from pathways import catalog
from pathways.models import IFlowParameter, RunKind
from pathways.views.access import landscape_for

if TYPE_CHECKING:
    from uuid import UUID

    from django.http import HttpResponse

    from pathways.models import Landscape
    from pathways.views.access import SignedInRequest

NONE = "none"


def _choices() -> list[tuple[str, str]]:
    return [(key, spec.label) for key, spec in catalog.PATHWAYS.items()] + [(NONE, _("no pathway"))]


def _flows(landscape: Landscape, chosen: dict[str, str], errors: dict[str, str]) -> list[dict]:
    """The present parameters by iFlow, each with the pathway it shows (posted, confirmed or guessed)."""
    flows: dict[str, dict] = {}
    rows = (
        IFlowParameter.objects.present()
        .filter(landscape=landscape)
        .select_related("pathway", "confirmed_by")
        .order_by("flow_name", "flow_id", "key")
    )
    for row in rows:
        flow = flows.setdefault(
            row.flow_id,
            {"id": row.flow_id, "name": row.flow_name, "package": row.package_id, "parameters": []},
        )
        if row.confirmed:
            current = row.pathway.key if row.pathway else NONE
        else:
            current = row.guessed_pathway
        flow["parameters"].append(
            {
                "row": row,
                "field": f"p-{row.code}",
                "chosen": chosen.get(f"p-{row.code}", current),
                "error": errors.get(f"p-{row.code}"),
            }
        )
    return list(flows.values())


def _page(
    request: SignedInRequest, landscape: Landscape, chosen=None, errors=None, status=200
) -> HttpResponse:
    discovery = (
        landscape.runs.filter(kind=RunKind.DISCOVER, pathway=None).order_by("-created_at", "-id").first()
    )
    flows = _flows(landscape, chosen or {}, errors or {})
    unconfirmed = sum(1 for f in flows for p in f["parameters"] if not p["row"].confirmed)
    return render(
        request,
        "pathways/iflows.html",
        {
            "landscape": landscape,
            "flows": flows,
            "unconfirmed": unconfirmed,
            "choices": _choices(),
            "discovery": discovery,
            "can_edit": landscape.may(request.user, "edit"),
            "can_run": landscape.may(request.user, "run"),
            "errors": errors or {},
        },
        status=status,
    )


@login_required
def iflows(request: SignedInRequest, code: UUID) -> HttpResponse:
    landscape = landscape_for(request, code)
    return _page(request, landscape)


@login_required
@require_POST
def confirm(request: SignedInRequest, code: UUID) -> HttpResponse:
    """Confirm the pathway of every parameter shown (all or nothing): a choice that is not a pathway is
    named beside its field and nothing is saved; what was chosen stays chosen on the page."""
    landscape = landscape_for(request, code, "edit")
    rows = list(IFlowParameter.objects.present().filter(landscape=landscape).select_related("pathway"))
    chosen: dict[str, str] = {}
    errors: dict[str, str] = {}
    valid = {key for key, _label in _choices()}
    for row in rows:
        field = f"p-{row.code}"
        value = request.POST.get(field)
        if value is None:
            continue
        chosen[field] = value
        if value not in valid:
            errors[field] = _("Choose one of the pathways, or no pathway.")
    if errors:
        messages.error(request, _("Nothing was saved: a choice needs attention."))
        return _page(request, landscape, chosen, errors)
    pathways = {p.key: p for p in landscape.pathways.all()}
    changed = 0
    for row in rows:
        value = chosen.get(f"p-{row.code}")
        if value is None:
            continue
        current = (row.pathway.key if row.pathway else NONE) if row.confirmed else None
        if current == value:
            continue
        row.confirm(None if value == NONE else pathways[value], user=request.user)
        changed += 1
    if changed:
        approvals.withdraw_changed(landscape)  # an approval covers the parameters its apply would set
        messages.success(request, _("%(count)d parameter(s) confirmed.") % {"count": changed})
    else:
        messages.info(request, _("Nothing changed."))
    return redirect("iflows", code=landscape.code)
