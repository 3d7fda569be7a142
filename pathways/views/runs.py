"""Runs in the page: start check / plan / apply / verify, and the polled run panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from pathways.models import Run, RunKind
from pathways.views.access import landscape_for, pathway_for

if TYPE_CHECKING:
    from uuid import UUID

    from django.http import HttpRequest, HttpResponse

    from pathways.models import Actor, Pathway
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


def _apply_refusal(pathway: Pathway, user: Actor) -> str | None:
    """Why an apply must wait: a right the landscape check found missing, or the four-eyes gate."""
    from pathways import engine, readiness
    from pathways.approval import gate_apply

    missing = readiness.missing_rights(pathway, engine.landscape_check_result(pathway.landscape))
    if missing:
        return (
            "Apply waits until the landscape has what this pathway needs: "
            + "; ".join(missing)
            + ". Fix it, then run Check landscape again."
        )
    return gate_apply(pathway, user)


@login_required
@require_POST
def start_pathway_run(request: SignedInRequest, code: UUID, key: str, kind: str) -> HttpResponse:
    if kind not in PATHWAY_RUN_KINDS:
        raise Http404("No such run kind")
    pathway = pathway_for(request, code, key, "run")
    from pathways import engine

    if kind == RunKind.APPLY:
        refusal = _apply_refusal(pathway, request.user)
        if refusal:
            messages.error(request, refusal)
            return redirect("wizard_step", code=code, key=key, step="review")
    run = engine.start_run(pathway, kind, request.user)
    if request.htmx and request.POST.get("inline") == "1":
        return _panel(request, run, embedded=True)
    if run.state == "failed":
        messages.error(request, run.message)
    target = reverse("run", args=[run.code])
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


@login_required
@require_POST
def start_landscape_run(request: SignedInRequest, code: UUID, kind: str) -> HttpResponse:
    landscape = landscape_for(request, code, "run")
    from pathways import engine

    if kind == "check":
        run = engine.start_run(landscape, RunKind.CHECK, request.user)
        return redirect(reverse("run", args=[run.code]))
    if kind == "apply-all":
        from pathways.approval import gate_apply, needs_approval

        pathways = list(landscape.pathways.select_related("landscape").order_by("key"))
        if pathways and needs_approval(pathways[0]):
            allowed = [p for p in pathways if not gate_apply(p, request.user)]
            runs = [engine.start_run(p, RunKind.APPLY, request.user) for p in allowed]
            if len(allowed) < len(pathways):
                messages.warning(
                    request,
                    f"{len(pathways) - len(allowed)} pathway(s) were not started: production "
                    "needs each draft approved by a lead other than you first.",
                )
        else:
            runs = engine.apply_all(landscape, request.user)
        messages.info(request, f"Started {len(runs)} applies; they run side by side.")
        return redirect("landscape", code=landscape.code)
    raise Http404("No such run kind")


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
