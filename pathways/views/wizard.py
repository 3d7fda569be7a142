"""The pathway wizard: method → the method's steps → review; every field autosaves into the draft."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from pathways import catalog, upload_limit
from pathways.forms.wizard import clean_value, missing_and_invalid
from pathways.models.pathway import METHOD_FIELD, Conflict
from pathways.validators import certificate_text
from pathways.views.access import pathway_for, safe_next

if TYPE_CHECKING:
    from uuid import UUID

    from django.http import HttpRequest, HttpResponse

    from pathways.models import Pathway
    from pathways.views.access import SignedInRequest


def step_keys(pathway: Pathway) -> list[str]:
    return ["method", *[s.key for s in pathway.method_spec.steps], "review"]


def _step_url(pathway: Pathway, step: str) -> str:
    return reverse("wizard_step", args=[pathway.landscape.code, pathway.key, step])


def _field_state(
    pathway: Pathway,
    spec: catalog.Field,
    value: str,
    *,
    active: bool = True,
    checked: bool = True,
    **extra: object,
) -> dict:
    """What one field shows: its value as typed and its error; a secret shows only when it was set."""
    return {
        "spec": spec,
        "value": "" if spec.is_secret else value,
        "active": active,
        "error": clean_value(spec, value)[1] if checked and active and not spec.is_secret else None,
        "secret": pathway.secret(spec.name) if spec.is_secret else None,
        "meta": pathway.draft_meta.get(spec.name),
        **extra,
    }


def _field_states(pathway: Pathway, step: catalog.Step) -> list[dict]:
    """Every field of a step; a value nobody has typed yet (the default) is not judged."""
    active = {f.name for f in pathway.active_fields()}
    return [
        _field_state(
            pathway,
            spec,
            pathway.value(spec.name),
            active=spec.name in active,
            checked=spec.name in pathway.draft,
        )
        for spec in step.fields
    ]


@login_required
def start(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key)
    return redirect(_step_url(pathway, "method"))


@login_required
def step(request: SignedInRequest, code: UUID, key: str, step: str) -> HttpResponse:
    pathway = pathway_for(request, code, key)
    return render(request, "pathways/wizard.html", _step_context(request, pathway, step))


def _step_context(request: HttpRequest, pathway: Pathway, step: str) -> dict:
    keys = step_keys(pathway)
    if step not in keys:
        raise Http404("No such step for this method")
    index = keys.index(step)
    context = {
        "pathway": pathway,
        "landscape": pathway.landscape,
        "spec": pathway.spec,
        "steps": [(k, _step_title(pathway, k)) for k in keys],
        "step": step,
        "step_title": _step_title(pathway, step),
        "previous": keys[index - 1] if index else None,
        "next": keys[index + 1] if index + 1 < len(keys) else None,
        "can_edit": pathway.landscape.may(request.user, "edit"),
        "methods": [(m, catalog.METHOD_LABELS[m]) for m in pathway.spec.methods],
        "recommendation": catalog.RECOMMENDATION,
    }
    if step == "review":
        context["problems"] = missing_and_invalid(pathway)
        context["review"] = _review_rows(pathway)
        context["can_run"] = pathway.landscape.may(request.user, "run")
        from pathways import engine, readiness

        context["missing_rights"] = readiness.missing_rights(
            pathway, engine.landscape_check_result(pathway.landscape)
        )
        context["last_run"] = pathway.runs.first()
        context["last_plan"] = pathway.runs.filter(kind="plan").first()
        from pathways.engine.iflows import verdicts_for

        context["iflow_verdicts"] = verdicts_for(pathway)
    elif step != "method":
        step_spec = next(s for s in pathway.method_spec.steps if s.key == step)
        context["step_spec"] = step_spec
        context["fields"] = _field_states(pathway, step_spec)
    return context


def _step_title(pathway: Pathway, key: str) -> str:
    if key == "method":
        return "Method"
    if key == "review":
        return "Review"
    return next(s.title for s in pathway.method_spec.steps if s.key == key)


def _review_rows(pathway: Pathway) -> list[dict]:
    rows = []
    for spec in pathway.active_fields():
        if spec.is_secret:
            secret = pathway.secret(spec.name)
            shown = (
                f"set on {secret.set_at:%Y-%m-%d} by {secret.set_by or 'unknown'}" if secret else "not set"
            )
        elif spec.kind == "choice":
            shown = dict(spec.choices).get(pathway.value(spec.name), pathway.value(spec.name))
        elif spec.kind == "certificate":
            shown = "provided" if pathway.value(spec.name).strip() else "none"
        else:
            shown = pathway.value(spec.name)
        rows.append({"label": spec.label, "value": shown, "name": spec.name})
    return rows


@sensitive_variables("raw")
def _read_posted_value(request: HttpRequest, spec: catalog.Field) -> str:
    """The value of one field from a POST: text, or an uploaded file (certificates as text, PKCS#12
    base64).
    """
    # A certificate field is a textarea plus a file input named <field>_file, so both can be in one form.
    upload = request.FILES.get(f"{spec.name}_file") or request.FILES.get(spec.name)
    if upload is not None:
        try:
            data = upload_limit.read_file(upload)
        except upload_limit.FileTooLarge as error:
            raise ValueError(error.message)
        if spec.kind == "pkcs12":
            return base64.b64encode(data).decode()
        return certificate_text(data)
    # NUL cannot be stored (PostgreSQL refuses it in text and JSON) and never belongs in these fields.
    # Browsers send textarea line breaks as CRLF; the draft keeps plain newlines.
    return request.POST.get(spec.name, "").replace("\x00", "").replace("\r\n", "\n")


def _step_of(pathway: Pathway, name: str) -> catalog.Step | None:
    return next((s for s in pathway.method_spec.steps if any(f.name == name for f in s.fields)), None)


def _seen_version(request: HttpRequest) -> int | None:
    """The pathway version the page was showing when the user typed; None when the request is malformed."""
    try:
        return int(request.POST.get("version", "0"))
    except ValueError:
        return None


def _save_method(
    request: HttpRequest, pathway: Pathway, seen: int, force: bool = False
) -> Pathway | Conflict | None:
    method = request.POST.get(METHOD_FIELD, "")
    if method not in pathway.spec.methods:
        return None
    old_method = pathway.method
    result = pathway.save_field(METHOD_FIELD, method, seen_version=seen, user=request.user, force=force)
    if isinstance(result, Conflict) or old_method == method:
        return result
    # The new method's default names where the draft still holds the old method's (one shape's rule).
    from pathways import shapes

    for name, value in shapes.of(result).proposed_names(result, old_method, method).items():
        saved = result.save_field(name, value, seen_version=result.version, user=request.user)
        result = result if isinstance(saved, Conflict) else saved
    return result


def _changed_by_others(pathway: Pathway, name: str, seen: int) -> list[dict]:
    """Fields on the same step that changed after the page was loaded: sent along so the page shows them."""
    step_spec = _step_of(pathway, name)
    if step_spec is None:
        return []
    return [
        state | {"changed_elsewhere": True}
        for state in _field_states(pathway, step_spec)
        if state["spec"].name != name and state["meta"] and state["meta"]["version"] > seen
    ]


@login_required
@require_POST
@sensitive_post_parameters()
def save_field(request: SignedInRequest, code: UUID, key: str, name: str) -> HttpResponse:
    """Autosave of one field (htmx): stores what was typed, answers with the field re-rendered."""
    pathway = pathway_for(request, code, key, "edit")
    seen = _seen_version(request)
    if seen is None:
        return HttpResponseBadRequest("version must be a number")
    force = request.POST.get("force") == "1"
    if name == METHOD_FIELD:
        result = _save_method(request, pathway, seen, force)
        if result is None:
            return HttpResponseBadRequest("unknown method")
        if request.htmx:
            return render(request, "pathways/htmx/method_saved.html", {"pathway": result})
        return redirect(_step_url(pathway, "method"))
    spec = pathway.spec.field(name, pathway.method)
    if spec is None or spec.name not in {f.name for f in pathway.spec.fields(pathway.method)}:
        raise Http404("No such field for this method")
    upload_error = None
    try:
        value = _read_posted_value(request, spec)
    except ValueError as error:
        value, upload_error = request.POST.get(spec.name, ""), str(error)
    result = pathway.save_field(spec.name, value, seen_version=seen, user=request.user, force=force)
    conflict = result if isinstance(result, Conflict) else None
    current = pathway if conflict else result
    if conflict:
        current.refresh_from_db()
    state = _field_state(current, spec, value, conflict=conflict, saved=not conflict)
    if upload_error:
        state["error"] = upload_error
    controls_others = any(f.when and f.when[0] == spec.name for f in pathway.spec.fields(pathway.method))
    context = {
        "pathway": current,
        "landscape": current.landscape,
        "f": state,
        "can_edit": True,
        "controls_others": controls_others,
        "others": [] if conflict else _changed_by_others(current, spec.name, seen),
    }
    if not request.htmx:
        return redirect(safe_next(request, _step_url(current, "review")))
    if controls_others and not conflict:
        context["fields"] = _field_states(current, _step_of(current, spec.name))
        return render(request, "pathways/htmx/step_fields.html", context)
    return render(request, "pathways/htmx/field_saved.html", context)


@login_required
@require_POST
@sensitive_post_parameters()
def save_step(request: SignedInRequest, code: UUID, key: str, step: str) -> HttpResponse:
    """The no-JavaScript path: a whole step submitted as one form; saved field by field like autosave."""
    pathway = pathway_for(request, code, key, "edit")
    seen = _seen_version(request)
    if seen is None:
        return HttpResponseBadRequest("version must be a number")
    keys = step_keys(pathway)
    if step == "method":
        _save_method(request, pathway, seen)
        pathway.refresh_from_db()
        return redirect(_step_url(pathway, step_keys(pathway)[1]))
    if step not in keys or step == "review":
        raise Http404("No such step")
    step_spec = next(s for s in pathway.method_spec.steps if s.key == step)
    conflicts = {}
    problems: dict[str, str] = {}
    for spec in step_spec.fields:
        if not {spec.name, f"{spec.name}_file"} & (set(request.POST) | set(request.FILES)):
            continue
        try:
            value = _read_posted_value(request, spec)
        except ValueError as error:
            problems[spec.name] = str(error)
            continue
        result = pathway.save_field(spec.name, value, seen_version=seen, user=request.user)
        if isinstance(result, Conflict):
            conflicts[spec.name] = (result, value)
    direction = request.POST.get("go", "next")
    pathway.refresh_from_db()
    if direction != "back":  # going on needs this step complete; going back keeps what was typed
        names = {f.name for f in step_spec.fields}
        problems = {n: e for n, e in missing_and_invalid(pathway).items() if n in names} | problems
    if conflicts or problems:
        # Shown beside the fields, like autosave does: the user's values still in them, nothing lost.
        context = _step_context(request, pathway, step)
        for state in context["fields"]:
            name = state["spec"].name
            if name in conflicts:
                state["conflict"], state["value"] = conflicts[name]
            if name in problems:
                state["error"] = problems[name]
        return render(request, "pathways/wizard.html", context)
    index = keys.index(step)
    target = keys[index - 1] if direction == "back" else keys[index + 1]
    return redirect(_step_url(pathway, target))
