"""Certificate bookkeeping: expiry notices already sent, and rotations from an old credential to its
successor.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


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
    CREATING = "creating", "Creating the successor"
    OVERLAP = "overlap", "Old and new both active"
    RETIRING = "retiring", "Retiring the old one"
    RETIRED = "retired", "Old one retired"
    FAILED = "failed", "Failed"


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
