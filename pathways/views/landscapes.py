"""Landscape pages: the list, create, edit, and the landscape with its four pathway cards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from pathways import approval as approvals
from pathways.forms import LandscapeForm
from pathways.forms.landscape import SECRET_FIELDS
from pathways.models import AuditEvent, Landscape, Membership, Role, Tier, only_looks
from pathways.views.access import landscape_for

if TYPE_CHECKING:
    from uuid import UUID

    from django.http import HttpResponse

    from pathways.models import Actor
    from pathways.views.access import SignedInRequest

SECRET_POST_FIELDS = ("cpi_service_key", "cf_password", "sm_service_key")


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    """The start page is the overview of every landscape the user may see (paged, filterable)."""
    from pathways.views.overview import overview

    return overview(request)


@login_required
def detail(request: SignedInRequest, code: UUID) -> HttpResponse:
    landscape = landscape_for(request, code)
    pathways = landscape.ordered_pathways()
    from pathways import engine, readiness

    check = engine.landscape_check_result(landscape)
    from pathways.engine.iflows import verdicts_for

    for pathway in pathways:
        pathway.missing_rights = readiness.missing_rights(pathway, check)
        verdicts = verdicts_for(pathway)
        pathway.iflow_count = len({v.parameter.flow_id for v in verdicts})
        pathway.iflow_disagreements = sum(not v.agrees for v in verdicts)
    return render(
        request,
        "pathways/landscape.html",
        {
            "check": check,
            "landscape": landscape,
            "pathways": pathways,
            "role": landscape.role_of(request.user),
            "can_edit": landscape.may(request.user, "edit"),
            "can_lower_tier": landscape.tier == Tier.PROD and landscape.may(request.user, "approve"),
        },
    )


@login_required
@sensitive_post_parameters(*SECRET_POST_FIELDS)
def create(request: SignedInRequest) -> HttpResponse:
    if only_looks(request.user):
        raise PermissionDenied("Viewers do not start landscapes; ask a consultant or an administrator.")
    form = LandscapeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            landscape = form.save(commit=False)
            landscape.created_by = request.user
            landscape.save()
            form.save_secrets(landscape)
            Membership.objects.create(landscape=landscape, user=request.user, role=Role.CONSULTANT)
            AuditEvent.record(
                user=request.user,
                action="landscape.create",
                landscape=landscape,
                changes={name: ["", _audit_value(form, name)] for name in form.changed_data},
                secret_fields=SECRET_FIELDS,
            )
        messages.success(request, f"Landscape {landscape.name} created with its four pathways.")
        return redirect("landscape", code=landscape.code)
    return render(request, "pathways/landscape_form.html", {"form": form, "landscape": None})


@login_required
@sensitive_post_parameters(*SECRET_POST_FIELDS)
def edit(request: SignedInRequest, code: UUID) -> HttpResponse:
    landscape = landscape_for(request, code, "edit")
    before = {
        name: getattr(landscape, name) for name in LandscapeForm.Meta.fields if hasattr(landscape, name)
    }
    form = LandscapeForm(
        request.POST if request.method == "POST" else None, instance=landscape, user=request.user
    )
    stale = request.method == "POST" and str(landscape.version) != request.POST.get("version")
    if request.method == "POST" and form.is_valid() and not stale:
        _lowering_needs_lead(form, before.get("tier"), landscape, request.user)
    if request.method == "POST" and form.is_valid() and not stale:
        open_approvals = approvals.open_count(landscape)
        with transaction.atomic():
            landscape = form.save(commit=False)
            landscape.version += 1
            landscape.save()
            form.save_secrets(landscape)
            changes = {
                name: [str(before.get(name, "")), _audit_value(form, name)]
                for name in form.changed_data
                if name in SECRET_FIELDS or str(before.get(name, "")) != _audit_value(form, name)
            }
            AuditEvent.record(
                user=request.user,
                action="landscape.change",
                landscape=landscape,
                changes=changes,
                secret_fields=SECRET_FIELDS,
            )
        # Saving withdrew (and audited) the approvals the new settings no longer match: say how many.
        withdrawn = open_approvals - approvals.open_count(landscape)
        messages.success(request, "Landscape saved.")
        if withdrawn:
            messages.warning(
                request,
                f"{withdrawn} approval(s) were withdrawn: they covered the landscape as it was; ask again.",
            )
        return redirect("landscape", code=landscape.code)
    if stale:
        form.add_error(
            None,
            "Someone else saved this landscape while you were editing. Your entries are "
            "kept below; the page now shows the current version — check and save again.",
        )
        landscape.refresh_from_db()
    return render(request, "pathways/landscape_form.html", {"form": form, "landscape": landscape})


def _lowering_needs_lead(form: LandscapeForm, was: object, landscape: Landscape, user: Actor) -> None:
    """Lowering the tier from production is a production change: only a lead of the landscape may."""
    if was == Tier.PROD and form.cleaned_data.get("tier") != Tier.PROD and not landscape.may(user, "approve"):
        form.add_error(
            "tier",
            "Lowering the tier from production is itself a production change: only a lead of this "
            "landscape can do it (on the landscape page).",
        )


@login_required
@require_POST
def lower_tier(request: SignedInRequest, code: UUID) -> HttpResponse:
    """A lead of a production landscape sets it to another tier (audited; open approvals are withdrawn)."""
    landscape = landscape_for(request, code, "approve")
    tier = request.POST.get("tier", "")
    if tier not in Tier.values or tier == landscape.tier:
        messages.error(request, "Choose the tier the landscape should have.")
        return redirect("landscape", code=landscape.code)
    with transaction.atomic():
        before = landscape.tier
        landscape.tier = tier
        landscape.version += 1
        landscape.save(update_fields=["tier", "version", "updated_at"])
        AuditEvent.record(
            user=request.user,
            action="landscape.change",
            landscape=landscape,
            changes={"tier": [before, tier]},
        )  # saving withdrew (and audited) the open approvals: they covered the production tier
    messages.success(request, f"{landscape.name} is {landscape.get_tier_display().lower()} now.")
    return redirect("landscape", code=landscape.code)


def _audit_value(form: LandscapeForm, name: str) -> str:
    if name in SECRET_FIELDS:
        return "***CHANGED***"
    value = form.cleaned_data.get(name)
    return "" if value is None else str(value)
