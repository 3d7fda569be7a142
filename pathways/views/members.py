"""Who may use a landscape: members and their roles, managed by its consultants."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pathways.models import AuditEvent, Membership, Role
from pathways.views.access import landscape_for

if TYPE_CHECKING:
    from uuid import UUID

    from django.http import HttpResponse

    from pathways.views.access import SignedInRequest


@login_required
def members(request: SignedInRequest, code: UUID) -> HttpResponse:
    landscape = landscape_for(request, code)
    return render(
        request,
        "pathways/members.html",
        {
            "landscape": landscape,
            "members": landscape.memberships.select_related("user").order_by("user__username"),
            "roles": Role.choices,
            "can_edit": landscape.may(request.user, "edit"),
        },
    )


@login_required
@require_POST
def set_member(request: SignedInRequest, code: UUID) -> HttpResponse:
    """Add a member or change a role; the last consultant cannot be removed or demoted."""
    landscape = landscape_for(request, code, "edit")
    username = request.POST.get("username", "").strip()
    role = request.POST.get("role", "")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        messages.error(request, f"There is no user named '{username}'; an operator creates accounts first.")
        return redirect("members", code=code)
    if role not in dict(Role.choices) and role != "remove":
        messages.error(request, "Choose a role: consultant, lead or viewer.")
        return redirect("members", code=code)
    with transaction.atomic():
        current = Membership.objects.select_for_update().filter(landscape=landscape, user=user).first()
        consultants = landscape.memberships.filter(role=Role.CONSULTANT).count()
        if current and current.role == Role.CONSULTANT and role != Role.CONSULTANT and consultants == 1:
            messages.error(request, f"{username} is the only consultant; add another consultant first.")
            return redirect("members", code=code)
        before = current.role if current else ""
        if role == "remove":
            if current:
                current.delete()
        else:
            Membership.objects.update_or_create(landscape=landscape, user=user, defaults={"role": role})
        AuditEvent.record(
            user=request.user,
            action="membership.change",
            landscape=landscape,
            changes={username: [before, "" if role == "remove" else role]},
        )
    messages.success(request, f"{username}: {'removed' if role == 'remove' else dict(Role.choices)[role]}.")
    return redirect("members", code=code)
