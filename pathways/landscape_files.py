"""Landscapes as JSON files: export without secrets, import validated exactly as the landscape form.

A secret in the file is either its value or {"env": "VARIABLE"}, read from the environment at import.
Secret fields of a pathway's draft (a password, a PKCS#12 file and its passphrase…) go into the vault,
whoever imports, replacing what the vault held; they never reach the draft, the audit trail or a log.
"""

import base64
import binascii
import json
import os

from django.db import transaction
from django.utils.translation import gettext as _

from pathways import catalog
from pathways.forms.landscape import SECRET_FIELDS, LandscapeForm
from pathways.models import AuditEvent, Landscape, Membership, Role, Secret
from pathways.models.audit import CHANGED
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
    raise ImportProblem(_('%(name)s: give the value as text, or {"env": "VARIABLE"}.') % {"name": name})


def _draft_secret(raw, spec: catalog.Field, where: str) -> str | None:
    """A secret draft field's value from the file (None: not given, the vault keeps what it has)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, dict) and set(raw) == {"env"} and isinstance(raw["env"], str):
        value = os.environ.get(raw["env"], "")
        if not value:
            raise ImportProblem(
                _("%(where)s: the environment variable %(env)s is not set.")
                % {"where": where, "env": raw["env"]}
            )
    elif isinstance(raw, str):
        value = raw
    else:
        raise ImportProblem(
            _('%(where)s: a secret; give its value as text, or {"env": "VARIABLE"}.') % {"where": where}
        )
    if spec.kind == "pkcs12":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ImportProblem(_("%(where)s: give the PKCS#12 file as base64.") % {"where": where}) from None
    return value


def _split_draft(key: str, entry: dict) -> tuple[dict[str, str], dict[str, str]]:
    """(plain values, secrets) of a pathway's draft in the file; fields the pathway does not have are left
    out.
    """
    draft = entry.get("draft") or {}
    if not isinstance(draft, dict):
        raise ImportProblem(
            _("pathways.%(key)s.draft: give the draft as an object of field values.") % {"key": key}
        )
    fields = catalog.get(key).all_fields()
    plain, secrets = {}, {}
    for name, raw in draft.items():
        spec = fields.get(name)
        if spec is None:
            continue
        if spec.is_secret:
            value = _draft_secret(raw, spec, f"pathways.{key}.draft.{name}")
            if value is not None:
                secrets[name] = value
        else:
            plain[name] = str(raw)
    return plain, secrets


def import_landscape(data: dict, *, user) -> tuple[Landscape, bool]:
    """Create or update the landscape named in the file. Returns (landscape, created)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportProblem(
            _('Not an AuthWizard landscape file (expected "format": "%(format)s").') % {"format": FORMAT}
        )
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
        raise ImportProblem(_("pathways: use the keys %(join)s.") % {"join": ", ".join(catalog.PATHWAYS)})
    if not all(isinstance(entry, dict) for entry in pathways.values()):
        raise ImportProblem(_("pathways: give each pathway as an object with its method and draft."))
    drafts = {key: _split_draft(key, entry) for key, entry in pathways.items()}
    stored: list[str] = []
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
                raise ImportProblem(_("pathways.%(key)s.method: use basic or certificate.") % {"key": key})
            plain, secrets = drafts[key]
            if user is not None:
                pathway.save_field(METHOD_FIELD, method, seen_version=pathway.version, user=user, force=True)
                pathway.refresh_from_db()
                for name, value in plain.items():
                    pathway.save_field(name, value, seen_version=pathway.version, user=user, force=True)
                    pathway.refresh_from_db()
            else:
                pathway.method = method
                pathway.draft.update(plain)
                pathway.save()
            for name, value in secrets.items():  # into the vault, with or without a user
                if user is not None:
                    pathway.save_field(name, value, seen_version=pathway.version, user=user, force=True)
                    pathway.refresh_from_db()
                else:
                    Secret.store(landscape=landscape, pathway=pathway, name=name, value=value)
                stored.append(f"{key}.{name}")
        changes = {
            n: ["", CHANGED if n in SECRET_FIELDS else str(form.cleaned_data.get(n))]
            for n in form.changed_data
        }
        AuditEvent.record(
            user=user,
            action="landscape.import",
            landscape=landscape,
            changes=changes | {name: ["", ""] for name in stored},
            secret_fields={*SECRET_FIELDS, *stored},
        )
    return landscape, existing is None
