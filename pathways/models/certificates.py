"""Certificate bookkeeping: expiry notices already sent, and rotations from an old credential to its
successor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from pathways.models.audit import Actor


class ExpiryNotice(models.Model):
    """One e-mail about one certificate crossing one threshold; the unique key makes it go out once."""

    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.CASCADE, related_name="expiry_notices")
    fingerprint = models.CharField(max_length=100)  # SHA-256, CPI's colon format
    threshold = models.PositiveSmallIntegerField()  # days; 0 = already expired
    not_after = models.DateTimeField()
    source = models.CharField(max_length=120, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pathway", "fingerprint", "threshold"], name="one_notice_per_threshold"
            )
        ]

    def __str__(self) -> str:
        return f"{self.threshold}-day notice for {self.fingerprint[:11]}…"


class RotationState(models.TextChoices):
    CREATING = "creating", _("Creating the successor")
    OVERLAP = "overlap", _("Old and new both active")
    RETIRING = "retiring", _("Retiring the old one")
    RETIRED = "retired", _("Old one retired")
    FAILED = "failed", _("Failed")


OPEN_ROTATION_STATES = {RotationState.CREATING, RotationState.OVERLAP, RotationState.RETIRING}


class Rotation(models.Model):
    """A credential replaced without downtime: the successor is created and verified beside the old one,
    and the old one is retired only after someone confirms the other side has switched."""

    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.CASCADE, related_name="rotations")
    state = models.CharField(max_length=10, choices=RotationState.choices, default=RotationState.CREATING)
    old = models.JSONField(default=dict, blank=True)  # public facts of the credential being replaced
    new = models.JSONField(default=dict, blank=True)  # public facts of its successor
    message = models.CharField(max_length=500, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"rotation of {self.pathway_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ROTATION_STATES

    # --- state changes: the only writers of `state` --------------------------------------------------------

    def _set(self, **fields: Any) -> None:
        Rotation.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    def open(self, phase_state: str) -> None:
        """A rotate run starts its phase: creating the successor, or retiring the old credential."""
        self._set(state=phase_state)

    def confirm(self, user: Actor | None) -> None:
        """Someone confirms the other side has switched to the successor."""
        self._set(
            confirmed_by=user if user is not None and user.is_authenticated else None,
            confirmed_at=timezone.now(),
        )

    def reach_overlap(self, new: dict) -> None:
        """The successor exists and is verified beside the old credential."""
        self._set(state=RotationState.OVERLAP, new=new, message="")

    def update_new(self, new: dict) -> None:
        """The successor's facts changed during the overlap (e.g. its CA-signed chain was imported)."""
        self._set(new=new)

    def settle(self, message: str) -> None:
        """The phase's run ended without reaching its end: creating → failed, retiring → back to the
        overlap (the old credential still works)."""
        state = RotationState.FAILED if self.state == RotationState.CREATING else RotationState.OVERLAP
        self._set(state=state, message=message[:500])

    def as_settled(self, message: str) -> Rotation:
        """How `settle` would leave it, in memory only (a page GET shows it so without writing)."""
        state = RotationState.FAILED if self.state == RotationState.CREATING else RotationState.OVERLAP
        self.state, self.message = state, message[:500]
        return self

    def finish(self) -> None:
        self._set(state=RotationState.RETIRED, finished_at=timezone.now(), message="")
