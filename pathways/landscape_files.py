"""Landscapes as JSON files: export without secrets, import validated exactly as the landscape form.

A secret in the file is either its value or {"env": "VARIABLE"}, read from the environment at import.
"""

import json
import os

from django.db import transaction

from pathways import catalog
from pathways.forms.landscape import SECRET_FIELDS, LandscapeForm
from pathways.models import AuditEvent, Landscape, Membership, Role
from pathways.models.pathway import METHOD_FIELD

FORMAT = "authwizard.landscape/1"
PLAIN_FIELDS = [name for name in LandscapeForm.Meta.fields if name not in SECRET_FIELDS]


class ImportProblem(Exception):
    """The file cannot be imported; the message lists every problem by field."""


def export_landscape(landscape: Landscape) -> dict:
    data = {"format": FORMAT}
    for name in PLAIN_FIELDS:
        data[name] = getattr(landscape, name)
    prefix = "".join(c if c.isalnum() else "_" for c in landscape.name.upper())
    for name in SECRET_FIELDS:
        data[name] = {"env": f"{prefix}_{name.upper()}"}
    data["pathways"] = {
        p.key: {
            "method": p.method,
            "draft": {
                k: v
                for k, v in p.draft.items()
                if not p.spec.all_fields().get(k, None) or not p.spec.all_fields()[k].is_secret
            },
        }
        for p in landscape.pathways.order_by("key")
    }
    return data


def _secret_value(raw, name: str) -> str:
    if raw is None or raw == "":
        return ""
    if isinstance(raw, dict) and set(raw) == {"env"}:
        return os.environ.get(raw["env"], "")
    if isinstance(raw, dict):
        return json.dumps(raw)  # a service key given inline as an object
    if isinstance(raw, str):
        return raw
    raise ImportProblem(f'{name}: give the value as text, or {{"env": "VARIABLE"}}.')


def import_landscape(data: dict, *, user) -> tuple[Landscape, bool]:
    """Create or update the landscape named in the file. Returns (landscape, created)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportProblem(f'Not an AuthWizard landscape file (expected "format": "{FORMAT}").')
    existing = Landscape.objects.filter(name=str(data.get("name", "")).strip()).first()
    form_data = {name: "" if data.get(name) is None else str(data.get(name)) for name in PLAIN_FIELDS}
    for name in SECRET_FIELDS:
        form_data[name] = _secret_value(data.get(name), name)
    form = LandscapeForm(form_data, instance=existing, user=user)
    if not form.is_valid():
        lines = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
        raise ImportProblem("\n".join(lines))
    pathways = data.get("pathways") or {}
    if not isinstance(pathways, dict) or set(pathways) - set(catalog.PATHWAYS):
        raise ImportProblem(f"pathways: use the keys {', '.join(catalog.PATHWAYS)}.")
    with transaction.atomic():
        landscape = form.save(commit=False)
        if existing:
            landscape.version += 1
        else:
            landscape.created_by = user
        landscape.save()
        form.save_secrets(landscape)
        if not existing and user is not None:
            Membership.objects.get_or_create(
                landscape=landscape, user=user, defaults={"role": Role.CONSULTANT}
            )
        for key, entry in pathways.items():
            pathway = landscape.pathways.get(key=key)
            method = entry.get("method", pathway.method)
            if method not in pathway.spec.methods:
                raise ImportProblem(f"pathways.{key}.method: use basic or certificate.")
            if user is not None:
                pathway.save_field(METHOD_FIELD, method, seen_version=pathway.version, user=user, force=True)
                pathway.refresh_from_db()
                for name, value in (entry.get("draft") or {}).items():
                    if name in pathway.spec.all_fields():
                        pathway.save_field(
                            name, str(value), seen_version=pathway.version, user=user, force=True
                        )
                        pathway.refresh_from_db()
            else:
                pathway.method = method
                pathway.draft.update(
                    {
                        k: str(v)
                        for k, v in (entry.get("draft") or {}).items()
                        if k in pathway.spec.all_fields()
                    }
                )
                pathway.save()
        AuditEvent.record(
            user=user,
            action="landscape.import",
            landscape=landscape,
            changes={
                n: ["", "***CHANGED***" if n in SECRET_FIELDS else str(form.cleaned_data.get(n))]
                for n in form.changed_data
            },
            secret_fields=SECRET_FIELDS,
        )
    return landscape, existing is None
