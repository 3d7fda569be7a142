"""What every run and worker of this installation shares: access tokens (sealed by the vault), leases and
the CPI rate-limit buckets, in Redis when `REDIS_URL` is set, in the database otherwise.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from pathways import vault
from pathways.models import SharedValue
from pathways.sap.throttle import SharedThrottle, next_slot
from pathways.sap.tokencache import SharedTokens, Store


class DatabaseStore:
    """The `Store` in the `SharedValue` table: conditional updates, so no transaction waits on HTTP."""

    def load(self, name: str) -> str | None:
        return (
            SharedValue.objects.filter(name=name, expires_at__gt=time.time())
            .values_list("value", flat=True)
            .first()
        )

    def save(self, name: str, value: str, ttl: float) -> None:
        expires_at = time.time() + ttl
        if not SharedValue.objects.filter(name=name).update(value=value, expires_at=expires_at):
            try:
                with transaction.atomic():
                    SharedValue.objects.create(name=name, value=value, expires_at=expires_at)
            except IntegrityError:
                SharedValue.objects.filter(name=name).update(value=value, expires_at=expires_at)

    def discard(self, name: str, value: str) -> None:
        SharedValue.objects.filter(name=name, value=value).update(value="", expires_at=0.0)

    def lease(self, name: str, seconds: float) -> bool:
        now = time.time()
        if SharedValue.objects.filter(name=name, lease_until__lte=now).update(lease_until=now + seconds):
            return True
        try:
            with transaction.atomic():
                SharedValue.objects.create(name=name, lease_until=now + seconds)
        except IntegrityError:
            return False
        return True

    def release(self, name: str) -> None:
        SharedValue.objects.filter(name=name).update(lease_until=0.0)

    def reserve(self, name: str, interval: float, tolerance: float, now: float) -> float:
        """The bucket's next slot, read and moved on in one short transaction (row lock on PostgreSQL)."""
        with transaction.atomic():
            row = SharedValue.objects.select_for_update().filter(name=name).first()
            if row is None:
                try:
                    with transaction.atomic():
                        row = SharedValue.objects.create(name=name, expires_at=0.0)
                except IntegrityError:
                    row = SharedValue.objects.select_for_update().get(name=name)
            wait, arrival = next_slot(row.expires_at, interval, tolerance, now)
            SharedValue.objects.filter(name=name).update(expires_at=arrival)
        return wait


class RedisStore:
    """The `Store` in Redis: values with a TTL, leases as `SET NX PX`."""

    _DISCARD = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

    def __init__(self, url: str, prefix: str = "authwizard:") -> None:
        import redis

        self.client: Any = redis.Redis.from_url(url)
        self.prefix = prefix

    def load(self, name: str) -> str | None:
        value = self.client.get(self.prefix + name)
        return value.decode("utf-8") if value is not None else None

    def save(self, name: str, value: str, ttl: float) -> None:
        self.client.set(self.prefix + name, value, px=max(1, int(ttl * 1000)))

    def discard(self, name: str, value: str) -> None:
        self.client.eval(self._DISCARD, 1, self.prefix + name, value)

    def lease(self, name: str, seconds: float) -> bool:
        return bool(self.client.set(self.prefix + name, "1", nx=True, px=max(1, int(seconds * 1000))))

    def release(self, name: str) -> None:
        self.client.delete(self.prefix + name)

    _RESERVE = """
    local arrival = math.max(tonumber(redis.call('get', KEYS[1]) or '0'), tonumber(ARGV[3]))
    local wait = math.max(0, arrival - tonumber(ARGV[2]) - tonumber(ARGV[3]))
    redis.call('set', KEYS[1], tostring(arrival + tonumber(ARGV[1])), 'PX', 60000)
    return tostring(wait)
    """

    def reserve(self, name: str, interval: float, tolerance: float, now: float) -> float:
        return float(self.client.eval(self._RESERVE, 1, self.prefix + name, interval, tolerance, now))


@cache
def store() -> Store:
    """The installation's shared store (one per process)."""
    url = getattr(settings, "REDIS_URL", None)
    return RedisStore(url) if url else DatabaseStore()


def shared_tokens() -> SharedTokens:
    """Tokens shared by every run and worker, sealed with the vault's keys, named with the app's secret."""
    return SharedTokens(
        store=store(),
        salt=("authwizard-tokens:" + settings.SECRET_KEY).encode("utf-8"),
        seal=vault.encrypt,
        unseal=_unseal,
    )


def _unseal(sealed: str) -> str:
    """A value sealed under a key no longer configured counts as unreadable (the token is fetched again)."""
    try:
        return vault.decrypt(sealed)
    except vault.VaultError as error:
        raise ValueError(str(error)) from error


def purge_expired() -> int:
    """Delete what ended in the `SharedValue` table (Redis lets its keys expire by themselves)."""
    return SharedValue.purge_expired(time.time())


def cpi_throttle() -> SharedThrottle:
    """The CPI rate limit shared by every run and worker: one bucket per tenant host."""
    slots: Any = store()
    return SharedThrottle(slots)
