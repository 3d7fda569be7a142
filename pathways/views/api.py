"""Exports and promotion: /api/status.json (session or Bearer token), API tokens, a landscape's configuration
as JSON, and "copy configuration to landscape".

Everything is scoped by `Landscape.objects.visible_to(caller)`; nothing here contains a secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET

from pathways import catalog, promotion, validators
from pathways.landscape_files import export_landscape
from pathways.models import ApiToken, AuditEvent, Landscape, only_looks
from pathways.views.access import landscape_for
from pathways.views.overview import all_rows, filtered_landscapes

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from django.http import HttpRequest, HttpResponse

    from pathways.models import Actor
    from pathways.views.access import SignedInRequest

MAX_TOKENS_PER_USER = 20


def caller(request: HttpRequest) -> tuple[Actor | None, str | None]:
    """(user, problem): the session's user, or the owner of a valid `Authorization: Bearer` token."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, "Use 'Authorization: Bearer <token>'."
        user = ApiToken.authenticate(token.strip())
        return (user, None) if user else (None, "The token is not valid (revoked or mistyped).")
    if request.user.is_authenticated:
        return request.user, None
    return None, "Log in, or send an API token as 'Authorization: Bearer <token>'."


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@require_GET
def status_json(request: HttpRequest) -> JsonResponse:
    user, problem = caller(request)
    if user is None:
        response = JsonResponse({"error": problem}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="authwizard"'
        return response
    landscapes, filters = filtered_landscapes(request, user)
    items = []
    for row in all_rows(landscapes):
        landscape = row["landscape"]
        items.append(
            {
                "code": str(landscape.code),
                "name": landscape.name,
                "tier": landscape.tier,
                "pathways": [
                    {
                        "key": cell["key"],
                        "label": cell["label"],
                        "method": cell["verified_method"],
                        "drafted_method": cell["pathway"].method,
                        "status": cell["status"],
                        "drifted": cell["drifted"],
                        "drift": (cell["pathway"].drift or {}).get("differences", []),
                        "last_verified_at": _iso(cell["last_verified_at"]),
                        "certificate_not_after": _iso(cell["certificate_not_after"]),
                        "days_left": cell["days_left"],
                        "expiry": cell["expiry"],
                        "failing_since": _iso(cell["failing_since"]),
                        "failing": cell["failing"],
                    }
                    for cell in row["cells"]
                    if cell
                ],
            }
        )
    return JsonResponse(
        {
            "generated_at": timezone.now().isoformat(),
            "filters": filters,
            "pathways": list(catalog.PATHWAYS),
            "landscapes": items,
        }
    )


@login_required
def tokens(request: SignedInRequest) -> HttpResponse:
    """List the user's tokens; POST creates one (shown once) or revokes one. Viewers only look."""
    if only_looks(request.user):
        raise PermissionDenied("Viewers have no API tokens; a consultant or lead role gives them.")
    new_token = None
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            deleted, _ = ApiToken.objects.filter(
                user=request.user, pk=_int(request.POST.get("token"))
            ).delete()
            if deleted:
                AuditEvent.record(user=request.user, action="api_token.revoke")
                messages.success(request, "Token revoked; dashboards using it stop working now.")
            return redirect("api_tokens")
        name = (request.POST.get("name") or "").strip()
        try:
            name = validators._text(name, "token name", 80, required=True)
        except ValidationError as problem:
            error = problem.messages[0]
        if error is None and request.user.api_tokens.count() >= MAX_TOKENS_PER_USER:
            error = f"You have {MAX_TOKENS_PER_USER} tokens already; revoke one first."
        if error is None:
            row, new_token = ApiToken.issue(request.user, name)
            AuditEvent.record(user=request.user, action="api_token.create", note=f"{row.name} ({row.hint}…)")
    response = render(
        request,
        "pathways/leads/tokens.html",
        {
            "tokens": request.user.api_tokens.all(),
            "new_token": new_token,
            "error": error,
            "name": request.POST.get("name", "") if error else "",
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _int(value: str | None) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
@require_GET
def landscape_export(request: SignedInRequest, code: UUID) -> JsonResponse:
    """The landscape's configuration as JSON (secrets as {"env": …} placeholders), for files and promotion."""
    landscape = landscape_for(request, code)
    response = JsonResponse(export_landscape(landscape), json_dumps_params={"indent": 2})
    safe_name = "".join(c if c.isalnum() else "-" for c in landscape.name.lower()).strip("-") or "landscape"
    if request.GET.get("download") == "1":
        response["Content-Disposition"] = f'attachment; filename="{safe_name}.json"'
    return response


def secret_inputs(source: Landscape, target: Landscape) -> list[dict]:
    """The secret fields the copied methods use, per pathway, with when the target's own value was set."""
    targets = {p.key: p for p in target.pathways.all()}
    rows = []
    for pathway in source.pathways.order_by("key"):
        mine = targets[pathway.key]
        for spec in promotion.secret_fields_used(pathway, mine):
            stored, theirs = mine.secret(spec.name), pathway.secret(spec.name)
            rows.append(
                {
                    "key": pathway.key,
                    "pathway": pathway.spec.label,
                    "field": spec,
                    "input": f"secret-{pathway.key}-{spec.name}",
                    "stored": stored,
                    "comparison": promotion.compare_secrets(theirs, stored),
                }
            )
    return rows


@login_required
@sensitive_post_parameters()
def promote(request: SignedInRequest, code: UUID) -> HttpResponse:
    """Copy this landscape's configuration to another one the user may edit; secrets stay per landscape."""
    source = landscape_for(request, code)
    choices = Landscape.objects.editable_by(request.user).exclude(pk=source.pk).order_by("name")
    if not choices.exists():
        raise PermissionDenied("You are not a consultant of another landscape to copy this configuration to.")
    target_code = request.POST.get("target") or request.GET.get("target") or ""
    target, errors = None, {}
    if target_code:
        try:
            target = get_object_or_404(choices, code=target_code)
        except ValidationError:
            errors["target"] = ["Choose a landscape from the list."]
    inputs = secret_inputs(source, target) if target else []
    if request.method == "POST" and target is not None:
        entered: dict[str, dict[str, str]] = {}
        for row in inputs:
            value = request.POST.get(row["input"], "")
            if value:
                entered.setdefault(row["key"], {})[row["field"].name] = value
        try:
            done = promotion.promote(source, target, user=request.user, secrets=entered)
        except promotion.PromotionProblem as problem:
            errors = problem.errors
        else:
            messages.success(request, done.summary(source, target))
            return redirect("landscape", code=target.code)
    elif request.method == "POST" and not errors:
        errors["target"] = ["Choose the landscape to copy to."]
    return render(
        request,
        "pathways/leads/promote.html",
        {
            "source": source,
            "choices": choices,
            "target": target,
            "errors": errors,
            "general_errors": errors.get("__all__", []),
            "target_errors": errors.get("target", []),
            "field_errors": {k: v for k, v in errors.items() if k not in ("__all__", "target")},
            "changes": promotion.planned_changes(source, target) if target else [],
            "inputs": inputs,
            "downwards": bool(target and promotion.is_downwards(source, target)),
        },
        status=200,
    )
