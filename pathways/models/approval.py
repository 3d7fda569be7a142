"""Four-eyes approvals of a prod pathway's draft: requested by one person, decided by a lead who is someone
else.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApprovalState(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"  # the draft changed after the request or the approval


class Approval(models.Model):
    """One request to apply a pathway's draft as it is now; `fingerprint` pins that draft."""

    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.CASCADE, related_name="approvals")
    state = models.CharField(max_length=10, choices=ApprovalState.choices, default=ApprovalState.PENDING)
    fingerprint = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150)
    requested_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    withdrawn_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["pathway", "state"], name="approval_pathway_state")]

    def __str__(self) -> str:
        return f"{self.get_state_display()} approval of {self.pathway_id} by {self.requested_by_name}"

    @property
    def is_open(self) -> bool:
        return self.state in (ApprovalState.PENDING, ApprovalState.APPROVED)
