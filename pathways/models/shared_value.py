"""Short-lived values shared by every worker when no Redis is configured: sealed access tokens, leases,
rate-limit buckets (see `pathways.engine.shared`)."""

from __future__ import annotations

from django.db import models


class SharedValue(models.Model):
    name = models.CharField(max_length=100, primary_key=True)
    value = models.TextField(blank=True, default="")
    expires_at = models.FloatField(default=0.0)  # epoch seconds; the value is gone after this moment
    lease_until = models.FloatField(default=0.0)  # epoch seconds; a lease held on this name ends then

    def __str__(self) -> str:
        return self.name

    @classmethod
    def purge_expired(cls, now: float, grace: float = 60.0) -> int:
        """Delete the rows whose value and lease both ended more than `grace` seconds before `now` (epoch
        seconds): an empty rate-limit bucket, a token past its life, a lease let go. Returns how many."""
        deleted, _ = cls.objects.filter(expires_at__lt=now - grace, lease_until__lt=now - grace).delete()
        return deleted
