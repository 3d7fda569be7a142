"""The audit trail: who changed what and when; secrets appear only as ***CHANGED***."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from pathways.models.landscape import Landscape

CHANGED = "***CHANGED***"

# Who acts through a page or the API: a signed-in user, or a request's anonymous user. Where the system
# acts on its own (a scheduled check, a worker), the actor is None.
Actor: TypeAlias = "User | AnonymousUser"


class AppendOnly(Exception):
    """The audit trail is only ever added to: an event is never changed or deleted, by anyone."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnly("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)  # snapshot, kept when the user is deleted
    landscape = models.ForeignKey(
        "pathways.Landscape", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    landscape_name = models.CharField(max_length=80, blank=True)
    pathway_key = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=40)
    changes = models.JSONField(default=dict, blank=True)  # {field: [before, after]}
    note = models.CharField(max_length=300, blank=True)

    # Deleting a user or landscape still sets its reference to NULL: Django does that through the plain base
    # manager, the only change an event ever sees.
    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("Audit events cannot be deleted.")

    @classmethod
    def record(
        cls,
        *,
        user: Actor | None,
        action: str,
        landscape: Landscape | None = None,
        pathway_key: str = "",
        changes: Mapping[str, Sequence[object]] | None = None,
        secret_fields: Collection[str] = (),
        note: str = "",
    ) -> AuditEvent:
        censored: dict[str, list[object]] = {}
        for name, (before, after) in (changes or {}).items():
            if name in secret_fields:
                censored[name] = [CHANGED, CHANGED]
            else:
                censored[name] = [before, after]
        return cls.objects.create(
            user=user if user and user.is_authenticated else None,
            username=user.get_username() if user and user.is_authenticated else "system",
            landscape=landscape,
            landscape_name=landscape.name if landscape else "",
            pathway_key=pathway_key,
            action=action,
            changes=censored,
            note=note[:300],
        )
