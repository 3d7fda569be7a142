"""Runs in the page: start check / plan / apply / verify, and the polled run panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from pathways import catalog
from pathways.errors import Refused
from pathways.gate import Busy
from pathways.models import AuditEvent, Run, RunKind
from pathways.status import RunState
from pathways.views.access import landscape_for, pathway_for

if TYPE_CHECKING:
    from uuid import UUID

    from django.http import HttpRequest

    from pathways.models import Landscape
    from pathways.views.access import SignedInRequest

PATHWAY_RUN_KINDS = {RunKind.PLAN, RunKind.APPLY, RunKind.VERIFY}


def worker_alive() -> bool:
    """Whether a Celery worker answers a ping; cached briefly so polling pages do not flood the broker."""
    alive = cache.get("authwizard:worker-alive")
    if alive is None:
        from authwizard.celery import app

        try:
            alive = bool(app.control.inspect(timeout=1.0).ping())
        except Exception:  # noqa: BLE001 - any broker trouble means "no worker we can see"
            alive = False
        cache.set("authwizard:worker-alive", alive, 10)
    return alive


def _panel(request: HttpRequest, run: Run, embedded: bool = False) -> HttpResponse:
    return render(
        request,
        "pathways/htmx/run_panel.html",
        {
            "embedded": embedded or request.GET.get("embedded") == "1",
            "run": run,
            "steps": list(run.steps.all()),
            "worker_alive": worker_alive() if run.is_active else True,
            "can_run": run.landscape.may(request.user, "run"),
        },
    )


@login_required
@require_POST
def start_pathway_run(request: SignedInRequest, code: UUID, key: str, kind: str) -> HttpResponse:
    if kind not in PATHWAY_RUN_KINDS:
        raise Http404(_("No such run kind"))
    pathway = pathway_for(request, code, key, "run")
    from pathways import engine

    try:
        run = engine.start_run(pathway, kind, request.user)
    except Busy as busy:
        messages.info(request, busy.message)
        run = busy.run
    except Refused as refused:
        messages.error(request, refused.message)
        target = reverse("wizard_step", kwargs={"code": code, "key": key, "step": "review"})
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    if request.htmx and request.POST.get("inline") == "1":
        return _panel(request, run, embedded=True)
    if run.state == "failed":
        messages.error(request, run.message)
    target = reverse("run", args=[run.code])
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


def may_start_reads(landscape: Landscape, request: SignedInRequest) -> bool:
    """Consultants and leads start the landscape runs that only read (drift and message checks)."""
    return landscape.may(request.user, "run") or landscape.may(request.user, "approve")


def start_landscape_read(
    request: SignedInRequest, landscape: Landscape, kind: RunKind, not_started: str, audit_action: str
) -> HttpResponse:
    """Start a landscape run that only reads (a drift or message check) through the gate and show it. A run
    under way is shown instead; a refusal, or a queue that did not take the run, is said on the landscape
    page with `not_started` (a sentence with %(reason)s). The request is audited as `audit_action`."""
    from pathways import engine

    try:
        run = engine.start_run(landscape, kind, request.user)
    except Busy as busy:
        messages.info(request, busy.message)
        return redirect("run", busy.run.code)
    except Refused as refused:
        messages.error(request, refused.message)
        return redirect("landscape", code=landscape.code)
    if run.state == RunState.FAILED:  # the queue did not take it: nothing was requested
        messages.error(request, not_started % {"reason": run.message})
        return redirect("landscape", code=landscape.code)
    AuditEvent.record(user=request.user, action=audit_action, landscape=landscape)
    return redirect("run", run.code)


@login_required
@require_POST
def start_landscape_run(request: SignedInRequest, code: UUID, kind: str) -> HttpResponse:
    landscape = landscape_for(request, code, "run")
    from pathways import engine

    if kind in ("check", "discover"):
        try:
            run = engine.start_run(landscape, RunKind(kind), request.user)
        except Busy as busy:
            messages.info(request, busy.message)
            run = busy.run
        else:
            if kind == "discover":
                AuditEvent.record(user=request.user, action="iflow.discovery_requested", landscape=landscape)
        return redirect(reverse("run", args=[run.code]))
    if kind == "apply-all":
        runs, refused = engine.apply_all(landscape, request.user)
        for key, refusal in refused.items():
            messages.warning(
                request,
                _("%(pathway)s was not started: %(reason)s")
                % {"pathway": catalog.PATHWAYS[key].label, "reason": refusal.message},
            )
        if runs:
            messages.info(
                request,
                ngettext(
                    "Started %(count)d apply.",
                    "Started %(count)d applies; they run side by side.",
                    len(runs),
                )
                % {"count": len(runs)},
            )
        return redirect("landscape", code=landscape.code)
    raise Http404(_("No such run kind"))


@login_required
def landscape_runs(request: SignedInRequest, code: UUID) -> HttpResponse:
    """The landscape's latest run of each pathway, polled while any is active ("Apply all" follows them)."""
    landscape = landscape_for(request, code)
    latest = []
    for pathway in landscape.ordered_pathways():
        run = pathway.runs.exclude(kind=RunKind.PLAN).order_by("-created_at", "-id").first()
        if run is not None:
            latest.append((pathway, run))
    return render(
        request,
        "pathways/htmx/landscape_runs.html",
        {"landscape": landscape, "latest": latest, "active": any(r.is_active for _, r in latest)},
    )


@login_required
def run_csr(request: SignedInRequest, run_code: UUID) -> HttpResponse:
    """The signing request a CSR run fetched (public), as a file."""
    run = get_object_or_404(
        Run.objects.select_related("landscape", "pathway"), code=run_code, kind=RunKind.CSR
    )
    landscape_for(request, run.landscape.code)
    pem = run.result.get("csr")
    if not pem:
        raise Http404(_("The signing request is not there yet"))
    response = HttpResponse(pem, content_type="application/pkcs10")
    response["Content-Disposition"] = f'attachment; filename="{run.result.get("alias", "key-pair")}.csr"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def run_page(request: SignedInRequest, run_code: UUID) -> HttpResponse:
    run = get_object_or_404(Run.objects.select_related("landscape", "pathway"), code=run_code)
    landscape_for(request, run.landscape.code)  # access: members only
    if request.htmx:
        return _panel(request, run)
    return render(
        request,
        "pathways/run.html",
        {
            "run": run,
            "steps": list(run.steps.all()),
            "landscape": run.landscape,
            "pathway": run.pathway,
            "worker_alive": worker_alive() if run.is_active else True,
            "can_run": run.landscape.may(request.user, "run"),
        },
    )
