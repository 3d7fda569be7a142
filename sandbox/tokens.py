"""JWT-shaped bearer tokens (HS256 over the sandbox secret): issue; verify signature, expiry, revocation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    """Signs and checks tokens; `revoke` makes a token count as expired from then on."""

    def __init__(self, secret_hex: str, issuer_base: str = "sandbox"):
        self._key = bytes.fromhex(secret_hex)
        self._revoked: set[str] = set()
        self._lock = threading.Lock()
        self._latest: dict[str, dict] = {}
        self.issuer_base = issuer_base

    def issue(self, claims: dict, lifetime_s: int) -> tuple[str, dict]:
        now = int(time.time())
        payload = {"jti": uuid.uuid4().hex, "iat": now, "exp": now + int(lifetime_s), **claims}
        header = {"alg": "HS256", "typ": "JWT", "kid": "sandbox-key-1"}
        signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
        signature = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + _b64(signature), payload

    def verify(self, token: str) -> dict | None:
        """The payload of a valid, unexpired, unrevoked token; else None."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = hmac.new(self._key, (parts[0] + "." + parts[1]).encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(expected, _unb64(parts[2])):
                return None
            payload = json.loads(_unb64(parts[1]))
        except (ValueError, TypeError):
            return None
        with self._lock:
            if payload.get("jti") in self._revoked:
                return None
        if payload.get("exp", 0) <= time.time():
            return None
        return payload

    def issued_while_valid(self, holder: str, payload: dict) -> bool:
        """Remember `payload` as the holder's newest token; True when the previous one was still in the
        first 90 % of its life and not revoked (a careful client would have used it)."""
        with self._lock:
            previous = self._latest.get(holder)
            self._latest[holder] = payload
            if previous is None or previous.get("jti") in self._revoked:
                return False
        issued, expires = previous.get("iat", 0), previous.get("exp", 0)
        return time.time() < issued + 0.9 * (expires - issued)

    def revoke(self, token: str) -> None:
        try:
            payload = json.loads(_unb64(token.split(".")[1]))
        except (ValueError, IndexError):
            return
        with self._lock:
            self._revoked.add(payload.get("jti", ""))


def bearer_of(authorization: str | None) -> str | None:
    """The token from an `Authorization: bearer …` header (scheme case-insensitive)."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def basic_of(authorization: str | None) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic …` header."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None
