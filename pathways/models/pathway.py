"""A pathway of a landscape: its method, its draft (autosaved field by field) and its status.

Drafts use optimistic locking per field: a save made from a page that has not seen someone else's newer
value of the same field is refused as a conflict that carries both values, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from pathways import catalog
from pathways.models.audit import AuditEvent
from pathways.models.secret import Secret
from pathways.status import PathwayStatus

if TYPE_CHECKING:
    from pathways.models.audit import Actor

METHOD_FIELD = "method"


@dataclass
class Conflict:
    field: str
    theirs: str
    by: str
    at: str
    version: int


class Pathway(models.Model):
    landscape = models.ForeignKey("pathways.Landscape", on_delete=models.CASCADE, related_name="pathways")
    key = models.CharField(max_length=20, choices=catalog.PATHWAY_CHOICES)
    method = models.CharField(max_length=12, choices=catalog.METHOD_CHOICES)
    draft = models.JSONField(default=dict, blank=True)  # {field: value as typed}, secrets excluded
    draft_meta = models.JSONField(default=dict, blank=True)  # {field: {"version", "by", "at"}}
    # The fingerprint (AB:CD:…) of the sender certificate the draft puts into an External Certificate key,
    # kept with the draft so "is this certificate in use elsewhere?" is one indexed lookup.
    sender_fingerprint = models.CharField(max_length=95, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=PathwayStatus.choices, default=PathwayStatus.DRAFT)
    status_message = models.CharField(max_length=500, blank=True)
    applied = models.JSONField(default=dict, blank=True)  # what the last successful apply produced
    last_verified_at = models.DateTimeField(null=True, blank=True)
    # The method the last successful verify proved, and what it proved ("client certificate, mTLS token
    # issued"); pages show these, not the draft's method, next to "Verified".
    verified_method = models.CharField(max_length=12, choices=catalog.METHOD_CHOICES, blank=True)
    verified_proof = models.CharField(max_length=200, blank=True)
    certificate_not_after = models.DateTimeField(null=True, blank=True)
    drift = models.JSONField(default=dict, blank=True)  # {"differences": [...]} from the last drift check
    drift_checked_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["landscape", "key"], name="one_pathway_per_key")]
        ordering = ["landscape", "key"]

    def __str__(self) -> str:
        return f"{self.landscape} {self.spec.label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sender_fingerprint = drafted_sender_fingerprint(self.key, self.method, self.draft)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"draft", "method"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "sender_fingerprint"}
        super().save(*args, **kwargs)

    @property
    def spec(self) -> catalog.Pathway:
        return catalog.get(self.key)

    @property
    def method_spec(self) -> catalog.Method:
        return self.spec.method(self.method)

    def value(self, name: str) -> str:
        """The draft value of a field, or the catalog default until someone types one."""
        typed = self.draft.get(name)
        if isinstance(typed, str):
            return typed
        spec_field = self.spec.field(name, self.method)
        if spec_field is None:
            raise KeyError(f"The {self.key} pathway has no field {name!r}")
        return spec_field.default

    def applies(self, field: catalog.Field) -> bool:
        """Whether the field is asked given the other answers (see `active_fields`)."""
        return not field.when or self.value(field.when[0]) == field.when[1]

    def active_fields(self) -> list[catalog.Field]:
        """The fields of the chosen method that apply given the other answers (e.g. only external certs)."""
        return [f for f in self.spec.fields(self.method) if self.applies(f)]

    def secret(self, name: str) -> Secret | None:
        return Secret.lookup(landscape=self.landscape, pathway=self, name=name)

    def save_field(
        self, name: str, value: str, *, seen_version: int, user: Actor, force: bool = False
    ) -> Pathway | Conflict:
        """Store one typed value. Returns the saved Pathway, or a Conflict when someone else got there
        first.
        """
        spec_field = self.spec.field(name, self.method)
        is_secret = bool(spec_field and spec_field.is_secret)
        with transaction.atomic():
            fresh = Pathway.objects.select_for_update().get(pk=self.pk)
            before = fresh.method if name == METHOD_FIELD else fresh.draft.get(name, "")
            meta = fresh.draft_meta.get(name)
            if not force and not is_secret and meta and meta["version"] > seen_version and before != value:
                return Conflict(name, before, meta["by"], meta["at"], fresh.version)
            if is_secret:
                if value == "":
                    return fresh  # empty keeps the stored secret
                Secret.store(landscape=fresh.landscape, pathway=fresh, name=name, value=value, user=user)
            elif name == METHOD_FIELD:
                fresh.method = value
            else:
                fresh.draft[name] = value
            if before == value and not is_secret:
                return fresh
            fresh.version += 1
            fresh.draft_meta[name] = {
                "version": fresh.version,
                "by": user.get_username(),
                "at": timezone.now().isoformat(timespec="seconds"),
            }
            if fresh.status not in (PathwayStatus.DRAFT, PathwayStatus.APPLYING):
                fresh.status = PathwayStatus.DRAFT
            fresh.save()
            AuditEvent.record(
                user=user,
                action="draft.change",
                landscape=fresh.landscape,
                pathway_key=fresh.key,
                changes={name: [before, "" if is_secret else value]},
                secret_fields={name} if is_secret else set(),
            )
        return fresh

    # --- state changes: the only writers of status, verification and drift ---------------------------------

    def _set(self, **fields: object) -> None:
        Pathway.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    def mark_planned(self, message: str) -> None:
        """A plan finished; only a pathway that is not applied or verified shows it as its status."""
        if self.status in (PathwayStatus.DRAFT, PathwayStatus.PLANNED, PathwayStatus.FAILED):
            self._set(status=PathwayStatus.PLANNED, status_message=message[:500])

    def mark_applying(self) -> None:
        self._set(status=PathwayStatus.APPLYING, status_message="")

    def mark_applied(self, applied: dict[str, Any]) -> None:
        """The apply's writes are done; `applied` is what it produced (public facts only)."""
        self._set(status=PathwayStatus.APPLIED, status_message="", applied=applied)

    def mark_verified(self, *, proof: str, not_after: datetime | None = None) -> None:
        """Verification proved the drafted method; what it proved becomes the pathway's claim. A pathway that
        verifies is not drifted any more: the drift it was flagged for is cleared (and audited)."""
        self._set(
            status=PathwayStatus.VERIFIED,
            status_message="",
            verified_method=self.method,
            verified_proof=proof[:200],
            last_verified_at=timezone.now(),
            certificate_not_after=not_after,
        )
        self.clear_drift(note="verified")

    def record_signed_chain(self, applied: dict[str, Any], not_after: datetime) -> None:
        """The key pair's CA-signed chain was imported: its facts and expiry are the pathway's now."""
        self._set(applied=applied, certificate_not_after=not_after)

    def mark_failed(self, message: str) -> None:
        self._set(status=PathwayStatus.FAILED, status_message=message[:500])

    def record_drift(self, finding: dict[str, Any]) -> None:
        """Store a drift check's finding ({"differences", "error", "checked_at"}); audits a change."""
        was = bool((self.drift or {}).get("differences"))
        now_drifted = bool(finding.get("differences"))
        self._set(drift=finding, drift_checked_at=timezone.now())
        if was != now_drifted:
            AuditEvent.record(
                user=None,
                action="drift.found" if now_drifted else "drift.cleared",
                landscape=self.landscape,
                pathway_key=self.key,
                changes={"drift": [was, now_drifted]},
                note=" ".join(finding.get("differences") or []),
            )

    def clear_drift(self, note: str = "") -> None:
        """A successful apply or verify proves the recorded drift wrong: it goes, with an audit row."""
        if not (self.drift or {}).get("differences"):
            return
        self._set(drift={}, drift_checked_at=timezone.now())
        AuditEvent.record(
            user=None,
            action="drift.cleared",
            landscape=self.landscape,
            pathway_key=self.key,
            changes={"drift": [True, False]},
            note=note,
        )


def drafted_sender_fingerprint(key: str, method: str, draft: dict[str, Any]) -> str:
    """The normalized fingerprint of the External Certificate a draft holds, or "" (none, or unreadable)."""
    from pathways import certs, shapes

    fingerprint = shapes.of_method(key, method).sender_fingerprint(draft or {}, method)
    return certs.normalize_fingerprint(fingerprint) if fingerprint else ""
