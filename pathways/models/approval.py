"""Four-eyes approvals of a prod pathway's draft: requested by one person, decided by a lead who is someone
else.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")  # the draft changed after the request or the approval


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
    # The parts the fingerprint is made of ({"draft", "connection", "tier"}), to say which one changed.
    pinned = models.JSONField(default=dict, blank=True)
    # The plan the consultant reviewed when asking (a Plan run), shown to the lead beside Approve / Reject.
    plan_run = models.ForeignKey(
        "pathways.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["pathway", "state"], name="approval_pathway_state")]

    def __str__(self) -> str:
        return f"{self.get_state_display()} approval of {self.pathway_id} by {self.requested_by_name}"

    @property
    def is_open(self) -> bool:
        return self.state in (ApprovalState.PENDING, ApprovalState.APPROVED)

    # --- state changes: the only writers of `state` --------------------------------------------------------

    def decide(self, user: Any, *, approve: bool, comment: str) -> None:
        """A lead approves or rejects this pending request (the caller holds the row lock)."""
        self.state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
        self.decided_by, self.decided_by_name = user, user.get_username()
        self.decided_at, self.comment = timezone.now(), comment[:500]
        self.save(update_fields=["state", "decided_by", "decided_by_name", "decided_at", "comment"])

    def withdraw(self, reason: str) -> bool:
        """What the approval pinned changed: it no longer opens the gate. False when it was not open."""
        updated = Approval.objects.filter(
            pk=self.pk, state__in=[ApprovalState.PENDING, ApprovalState.APPROVED]
        ).update(state=ApprovalState.WITHDRAWN, withdrawn_reason=reason[:200])
        self.state, self.withdrawn_reason = ApprovalState.WITHDRAWN, reason[:200]
        return bool(updated)
