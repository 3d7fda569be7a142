"""Access tokens shared by every run and worker of a landscape: one token per client per lifetime.

A token is kept under a name derived (HMAC) from the token URL, the client id and the credential, so a
changed secret never reuses the old client's token. It is used until 90 % of its life is gone, then fetched
again; a resource server's 401 drops it. When several runs need the same token at once, one fetches while
the others wait on a short lease and then read what it stored.

Where tokens live is a `Store`: `MemoryStore` within one process (tests, single clients), the Redis or
database store of `pathways.engine.shared` across processes. Values pass through `seal`/`unseal`
(the vault's encryption in the app), so a store never holds a token in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .xsuaa import AccessToken

REFRESH_AT = 0.9
LEASE_SECONDS = 30.0
LEASE_POLL_SECONDS = 0.05


class Store(Protocol):
    """A small shared key-value store with expiring values and leases (a lock that frees itself)."""

    def load(self, name: str) -> str | None: ...

    def save(self, name: str, value: str, ttl: float) -> None: ...

    def discard(self, name: str, value: str) -> None:
        """Remove `name` only while it still holds `value` (another run may have stored a newer one)."""
        ...

    def lease(self, name: str, seconds: float) -> bool:
        """Take the lease `name` for `seconds` unless someone else holds it; True when taken."""
        ...

    def release(self, name: str) -> None: ...


class MemoryStore:
    """The `Store` of one process."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._values: dict[str, tuple[str, float]] = {}
        self._leases: dict[str, float] = {}
        self._lock = threading.Lock()

    def load(self, name: str) -> str | None:
        with self._lock:
            found = self._values.get(name)
            if found is None or found[1] <= self.clock():
                return None
            return found[0]

    def save(self, name: str, value: str, ttl: float) -> None:
        with self._lock:
            self._values[name] = (value, self.clock() + ttl)

    def discard(self, name: str, value: str) -> None:
        with self._lock:
            if self._values.get(name, ("",))[0] == value:
                self._values.pop(name, None)

    def lease(self, name: str, seconds: float) -> bool:
        with self._lock:
            now = self.clock()
            if self._leases.get(name, 0.0) > now:
                return False
            self._leases[name] = now + seconds
            return True

    def release(self, name: str) -> None:
        with self._lock:
            self._leases.pop(name, None)


def _identity(value: str) -> str:
    return value


@dataclass
class SharedTokens:
    """Tokens per (token URL, client id, credential) in a `Store`, refreshed at 90 % of their life."""

    store: Store = field(default_factory=MemoryStore)
    salt: bytes = b"authwizard-tokens"
    seal: Callable[[str], str] = _identity
    unseal: Callable[[str], str] = _identity
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    lease_seconds: float = LEASE_SECONDS
    fetches: int = field(default=0, init=False)

    def name(self, tokenurl: str, clientid: str, credential: str) -> str:
        message = "\0".join((tokenurl, clientid, credential)).encode("utf-8")
        return "token:" + hmac.new(self.salt, message, hashlib.sha256).hexdigest()

    def fresh(self, token: AccessToken) -> bool:
        """True while less than 90 % of the token's life is gone."""
        return self.clock() < token.obtained_at + REFRESH_AT * token.expires_in

    def _read(self, name: str) -> AccessToken | None:
        from .xsuaa import AccessToken

        sealed = self.store.load(name)
        if sealed is None:
            return None
        try:
            token = AccessToken.from_json(json.loads(self.unseal(sealed)))
        except (ValueError, KeyError, TypeError):
            return None
        return token if self.fresh(token) else None

    def get(self, name: str, fetch: Callable[[], AccessToken]) -> AccessToken:
        """The stored token while fresh; else one fetch (the others wait for it) whose result is stored."""
        token = self._read(name)
        if token is not None:
            return token
        with self._leased(name + ":lease"):
            token = self._read(name)
            if token is not None:
                return token
            token = fetch()
            self.fetches += 1
            lifetime = max(1.0, token.obtained_at + token.expires_in - self.clock())
            if token.expires_in > 0:
                self.store.save(name, self.seal(json.dumps(token.to_json())), lifetime)
            return token

    def drop(self, name: str, token: AccessToken | None = None) -> None:
        """Forget the stored token (after a 401); with `token`, only when that is still the stored one."""
        sealed = self.store.load(name)
        if sealed is None:
            return
        if token is not None:
            try:
                stored = json.loads(self.unseal(sealed)).get("access_token")
            except (ValueError, AttributeError):
                stored = None
            if stored != token.access_token:
                return
        self.store.discard(name, sealed)

    def recall(self, name: str) -> dict[str, Any] | None:
        """A sealed JSON value kept with `keep` (a CSRF token and its session cookie, say), or None."""
        sealed = self.store.load(name)
        if sealed is None:
            return None
        try:
            value = json.loads(self.unseal(sealed))
        except (ValueError, TypeError):
            return None
        return value if isinstance(value, dict) else None

    def keep(self, name: str, value: dict[str, Any], ttl: float) -> None:
        self.store.save(name, self.seal(json.dumps(value)), ttl)

    def forget(self, name: str, value: dict[str, Any]) -> None:
        """Remove `name` only while it still holds `value`."""
        sealed = self.store.load(name)
        if sealed is not None and self.recall(name) == value:
            self.store.discard(name, sealed)

    @contextmanager
    def _leased(self, lease: str) -> Iterator[None]:
        """Hold `lease` while fetching; wait while another holds it, at most its length, then go ahead."""
        deadline = self.clock() + self.lease_seconds
        taken = self.store.lease(lease, self.lease_seconds)
        while not taken and self.clock() < deadline:
            self.sleep(LEASE_POLL_SECONDS)
            if self._read(lease[: -len(":lease")]) is not None:
                break
            taken = self.store.lease(lease, self.lease_seconds)
        try:
            yield
        finally:
            if taken:
                self.store.release(lease)
