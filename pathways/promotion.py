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
from pathways.models import AuditEvent, Landscape, Secret
from pathways.models.pathway import METHOD_FIELD, Conflict

PROMOTED_LANDSCAPE_FIELDS = ("endpoint_path", "integration_packages", "expiry_threshold_days")
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


# The target's own landscape secrets, which a copy never touches: vault name → what the page calls it.
LANDSCAPE_SECRETS = {
    "cpi_secret": "CPI API key secret",
    "cf_password": "Cloud Foundry password",
    "sm_secret": "Service Manager key secret",
}


@dataclass
class Promotion:
    """What a copy did: the settings it changed and, truthfully, what became of the target's secrets."""

    changes: list[Change]
    entered: list[str]  # secrets typed for the target and stored
    kept: list[str]  # the target's own secrets it keeps
    missing: list[str]  # secrets the copied drafts use that the target does not have yet

    def summary(self, source: Landscape, target: Landscape) -> str:
        count = len(self.changes)
        sentences = [
            f"Copied {count} setting{'s' if count != 1 else ''} from {source.name} to {target.name}."
        ]
        if self.entered:
            sentences.append(f"Stored the secrets you entered: {', '.join(self.entered)}.")
        if self.kept:
            sentences.append(f"{target.name} kept its own {', '.join(self.kept)}.")
        if self.missing:
            sentences.append(f"{target.name} has no {', '.join(self.missing)} yet: enter it before an apply.")
        return " ".join(sentences)


def secret_fields_used(source_pathway, target_pathway) -> list[catalog.Field]:
    """The secrets the target's pathway uses after the copy: those of the copied method whose condition
    holds for the copied answers (none for a key pair generated in CPI, for example).
    """
    spec, method = source_pathway.spec, source_pathway.method
    answers = {**(target_pathway.draft or {}), **(source_pathway.draft or {})}  # the target's draft after

    def answer(name: str) -> str:
        typed = answers.get(name)
        if isinstance(typed, str):
            return typed
        field = spec.field(name, method)
        return field.default if field else ""

    return [f for f in spec.fields(method) if f.is_secret and (not f.when or answer(f.when[0]) == f.when[1])]


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
) -> Promotion:
    """Copy `source`'s configuration onto `target`; `secrets` = {pathway key: {field: new value}} (empty
    keeps; a secret the copied method does not use is ignored).

    Returns what was done. Raises PromotionProblem (nothing changed) when the target's form refuses.
    """
    if source.pk == target.pk:
        raise PromotionProblem({"target": ["Choose another landscape than the source."]})
    secrets = secrets or {}
    changes = planned_changes(source, target)
    exported = export_landscape(source)
    sources = {p.key: p for p in source.pathways.all()}
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
        entered: list[str] = []
        stored: list[str] = []  # audit names ("pathway.field") of the secrets entered
        missing: list[str] = []
        kept = [
            label for name, label in LANDSCAPE_SECRETS.items() if Secret.lookup(landscape=target, name=name)
        ]
        for key, entry in exported["pathways"].items():
            pathway = target.pathways.get(key=key)
            used = secret_fields_used(sources[key], pathway)
            _save(pathway, METHOD_FIELD, entry["method"], user)
            pathway.refresh_from_db()
            fields = pathway.spec.all_fields()
            for name, value in entry["draft"].items():
                if name in fields and not fields[name].is_secret:
                    _save(pathway, name, str(value), user)
                    pathway.refresh_from_db()
            typed = secrets.get(key) or {}
            for spec in used:
                where = f"{pathway.spec.label}: {spec.label}"
                if typed.get(spec.name):
                    _save(pathway, spec.name, typed[spec.name], user)
                    pathway.refresh_from_db()
                    entered.append(where)
                    stored.append(f"{key}.{spec.name}")
                elif pathway.secret(spec.name) is not None:
                    kept.append(where)
                else:
                    missing.append(where)
        AuditEvent.record(
            user=user,
            action="landscape.promote",
            landscape=target,
            changes={f"{c.where}.{c.field}": [c.before, c.after] for c in changes}
            | {name: ["", ""] for name in stored},
            secret_fields=set(stored),
            note=f"Configuration copied from {source.name} ({source.get_tier_display()})",
        )
    return Promotion(changes, entered, kept, missing)


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
