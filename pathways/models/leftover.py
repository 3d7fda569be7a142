"""Credentials a pathway no longer uses but that are still live remotely (after a method switch or a new key
name): listed on the pathway with a Retire action until a retire run deletes them."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from pathways.models.audit import Actor


class LeftoverState(models.TextChoices):
    LIVE = "live", _("Still live")
    RETIRING = "retiring", _("Being retired")
    RETIRED = "retired", _("Retired")


class LeftoverCredential(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.CASCADE, related_name="leftovers")
    shape = models.CharField(max_length=32)  # a key of pathways.shapes.SHAPES
    facts = models.JSONField(default=dict, blank=True)  # public facts naming the credential; never secrets
    label = models.CharField(max_length=200)  # "service key ssc-key (ClientId/Secret key)"
    state = models.CharField(max_length=10, choices=LeftoverState.choices, default=LeftoverState.LIVE)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.label} ({self.state})"

    # --- state changes: the only writers of `state` --------------------------------------------------------

    def _set(self, **fields: Any) -> None:
        LeftoverCredential.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    def mark_retiring(self, user: Actor | None) -> bool:
        """Claim the leftover for a retire run; False when it is not live (already being retired or gone)."""
        claimed = LeftoverCredential.objects.filter(pk=self.pk, state=LeftoverState.LIVE).update(
            state=LeftoverState.RETIRING,
            retired_by=user if user is not None and user.is_authenticated else None,
        )
        if claimed:
            self.state = LeftoverState.RETIRING
        return bool(claimed)

    def mark_retired(self, message: str = "") -> None:
        self._set(state=LeftoverState.RETIRED, retired_at=timezone.now(), message=message[:500])

    def as_live(self, message: str) -> None:
        """Shown live again (its retire run ended without retiring it), in memory only: pages only read."""
        self.state, self.message = LeftoverState.LIVE, message

    def mark_live(self, message: str = "") -> None:
        """A retire run failed or never ran: the credential is still live."""
        self._set(state=LeftoverState.LIVE, message=message[:500])
