"""A pathway's messages (the latest message processing logs of its iFlows and what they prove), and starting
a message check of the landscape (reads only, through the gate)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from pathways import standing
from pathways.models import RunKind
from pathways.traffic import classify
from pathways.traffic import watch as traffic
from pathways.views.access import landscape_for, pathway_for
from pathways.views.runs import may_start_reads, start_landscape_read

if TYPE_CHECKING:
    from uuid import UUID

    from django.http import HttpResponse

    from pathways.views.access import SignedInRequest

KIND_LABELS = {  # the class of a failed message, beside its error text
    classify.REJECTED: gettext_lazy("rejected by the receiver (HTTP 401/403)"),
    classify.TLS: gettext_lazy("TLS handshake or certificate"),
    classify.NOT_FOUND: gettext_lazy("credential or alias not found"),
    classify.OTHER: gettext_lazy("not an authentication failure"),
}


@login_required
def pathway_messages(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key)
    landscape = pathway.landscape
    stands = standing.of(pathway, landscape)
    shown = [
        {**m, "kind_label": KIND_LABELS.get(m.get("kind", ""), "")}
        for m in traffic.readable(stands.traffic.messages)
    ]
    last_check = landscape.runs.filter(kind=RunKind.TRAFFIC).order_by("-created_at", "-id").first()
    return render(
        request,
        "pathways/traffic/messages.html",
        {
            "landscape": landscape,
            "pathway": pathway,
            "spec": pathway.spec,
            "standing": stands,
            "traffic": stands.traffic,
            "shown": shown,
            "bindings": traffic.bindings_of(pathway),
            "last_check": last_check,
            "can_check": may_start_reads(landscape, request),
        },
    )


@login_required
@require_POST
def landscape_check(request: SignedInRequest, code: UUID) -> HttpResponse:
    """Start a message check of the landscape's pathways (reads only) through the gate."""
    landscape = landscape_for(request, code)
    if not may_start_reads(landscape, request):
        raise PermissionDenied(gettext("Only consultants and leads can start a message check."))
    return start_landscape_read(
        request,
        landscape,
        RunKind.TRAFFIC,
        gettext("The message check was not started: %(reason)s."),
        "traffic.check_requested",
    )
