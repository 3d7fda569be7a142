"""Promotion: copy a landscape's configuration to another (DEV → TEST → PROD) without moving secrets.

What travels: each pathway's method and its non-secret draft values, and the landscape settings that are
not tied to a tenant (the verification endpoint and the expiry threshold), validated by the LandscapeForm
exactly as the edit page would. The target's connection (its own tenant, users, keys) stays as it is. Secrets
never travel: the target keeps its own unless new values are entered for it here.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from pathways import catalog
from pathways.forms.landscape import SECRET_FIELDS, LandscapeForm
from pathways.landscape_files import PLAIN_FIELDS, export_landscape
from pathways.models import AuditEvent, Landscape
from pathways.models.pathway import METHOD_FIELD, Conflict

PROMOTED_LANDSCAPE_FIELDS = ("endpoint_path", "expiry_threshold_days")
TIER_ORDER = {"dev": 0, "test": 1, "prod": 2}


class PromotionProblem(Exception):
    """The copy cannot be made; `errors` maps a field (or "__all__") to sentences for the page."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class Change:
    where: str  # "landscape" or a pathway key
    field: str
    label: str
    before: str
    after: str


def secret_fields_of(pathway_key: str, method: str) -> list[catalog.Field]:
    return [f for f in catalog.get(pathway_key).fields(method) if f.is_secret]


def planned_changes(source: Landscape, target: Landscape) -> list[Change]:
    """What the copy would change on the target, field by field (secrets are never listed)."""
    exported = export_landscape(source)
    changes = []
    for name in PROMOTED_LANDSCAPE_FIELDS:
        before, after = str(getattr(target, name)), str(exported[name])
        if before != after:
            changes.append(
                Change("landscape", name, LandscapeForm.base_fields[name].label or name, before, after)
            )
    targets = {p.key: p for p in target.pathways.all()}
    for key, entry in exported["pathways"].items():
        pathway, spec = targets[key], catalog.get(key)
        if pathway.method != entry["method"]:
            changes.append(
                Change(
                    key,
                    METHOD_FIELD,
                    "Method",
                    pathway.get_method_display(),
                    catalog.METHOD_LABELS[entry["method"]],
                )
            )
        fields = spec.all_fields()
        for name, value in sorted(entry["draft"].items()):
            if (
                name in fields
                and not fields[name].is_secret
                and str(pathway.draft.get(name, "")) != str(value)
            ):
                shown = "certificate" if fields[name].kind == "certificate" else None
                changes.append(
                    Change(
                        key,
                        name,
                        fields[name].label,
                        shown if shown and pathway.draft.get(name) else str(pathway.draft.get(name, "")),
                        shown if shown and value else str(value),
                    )
                )
    return changes


def promote(
    source: Landscape, target: Landscape, *, user, secrets: dict[str, dict[str, str]] | None = None
) -> list[Change]:
    """Copy `source`'s configuration onto `target`; `secrets` = {pathway key: {field: new value}} (empty
    keeps).

    Returns the changes made. Raises PromotionProblem (nothing changed) when the target's form refuses.
    """
    if source.pk == target.pk:
        raise PromotionProblem({"target": ["Choose another landscape than the source."]})
    secrets = secrets or {}
    changes = planned_changes(source, target)
    exported = export_landscape(source)
    form_data = {
        name: "" if getattr(target, name) is None else str(getattr(target, name)) for name in PLAIN_FIELDS
    }
    form_data.update({name: str(exported[name]) for name in PROMOTED_LANDSCAPE_FIELDS})
    form_data.update({name: "" for name in SECRET_FIELDS})  # empty keeps the target's own secrets
    form = LandscapeForm(form_data, instance=target, user=user)
    if not form.is_valid():
        raise PromotionProblem({name: list(errors) for name, errors in form.errors.items()})
    with transaction.atomic():
        landscape = form.save(commit=False)
        landscape.version += 1
        landscape.save()
        for key, entry in exported["pathways"].items():
            pathway = target.pathways.get(key=key)
            _save(pathway, METHOD_FIELD, entry["method"], user)
            pathway.refresh_from_db()
            fields = pathway.spec.all_fields()
            for name, value in entry["draft"].items():
                if name in fields and not fields[name].is_secret:
                    _save(pathway, name, str(value), user)
                    pathway.refresh_from_db()
            allowed = {f.name for f in secret_fields_of(key, pathway.method)}
            for name, value in (secrets.get(key) or {}).items():
                if name in allowed and value:
                    _save(pathway, name, value, user)
                    pathway.refresh_from_db()
        entered = sorted(
            f"{key}.{name}" for key, values in secrets.items() for name, value in values.items() if value
        )
        AuditEvent.record(
            user=user,
            action="landscape.promote",
            landscape=target,
            changes={f"{c.where}.{c.field}": [c.before, c.after] for c in changes}
            | {name: ["", ""] for name in entered},
            secret_fields=set(entered),
            note=f"Configuration copied from {source.name} ({source.get_tier_display()})",
        )
    return changes


def _save(pathway, name: str, value: str, user) -> None:
    result = pathway.save_field(name, value, seen_version=pathway.version, user=user, force=True)
    if isinstance(result, Conflict):  # force=True never conflicts; guard against a changed contract
        raise PromotionProblem({pathway.key: [f"{name} changed meanwhile; try again."]})


@sensitive_variables("source_value", "target_value")
def compare_secrets(source_secret, target_secret) -> str:
    """How the target's secret relates to the source's, without showing either: missing, differs or same."""
    if target_secret is None:
        return "missing"
    if source_secret is None:
        return "target only"
    source_value, target_value = source_secret.reveal(), target_secret.reveal()
    return "same" if hmac.compare_digest(source_value.encode(), target_value.encode()) else "differs"


def is_downwards(source: Landscape, target: Landscape) -> bool:
    """Copying from a higher tier to a lower one (PROD → DEV) is allowed but worth a warning."""
    return TIER_ORDER.get(source.tier, 0) > TIER_ORDER.get(target.tier, 0)
