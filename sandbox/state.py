"""The persistent store: one JSON document under the state dir, guarded by a lock, written atomically."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from .tls import utcnow


def now_iso() -> str:
    """CF-style timestamp, e.g. 2023-06-23T12:35:55Z."""
    return utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")


def new_guid() -> str:
    return str(uuid.uuid4())


class Store:
    """Holds `data` (plain JSON values) and saves it to `<state-dir>/state.json` when asked."""

    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / "state.json"
        self.lock = threading.RLock()
        self._dirty = threading.Event()
        self._closed = False
        self.data: dict = {}
        if self.path.exists():
            self.data = json.loads(self.path.read_text())
        self.data.setdefault("secret", secrets.token_hex(32))
        self.data.setdefault("tenants", {})
        self.data.setdefault("catalog", {})
        self._tenant_texts: dict[str, bytes] = {}  # subdomain → `"<subdomain>":<JSON>` as last written
        self._changed: set[str] | None = set()  # tenants changed since the last write; None: any may have

    def mark_dirty(self, tenants: Iterable[str] | None = None, *, write: bool = True) -> None:
        """Note that the records of `tenants` (subdomains; None: any tenant) may have changed, so the next
        write serialises them again (the document's other parts are serialised on every write); with
        `write`, ask the autosave thread to write soon (writes are coalesced)."""
        with self.lock:
            if tenants is None:
                self._changed = None
            elif self._changed is not None:
                self._changed.update(tenants)
        if write:
            self._dirty.set()

    def start_autosave(self, delay_s: float = 0.1, interval_s: float = 2.0) -> None:
        """Write the document `delay_s` after a change, in a daemon thread, and at most once every
        `interval_s` while changes keep coming (each write puts the whole document on disk, so writing after
        every request of a busy sandbox would cost more than the requests); `close` writes the last state."""

        def loop():
            while not self._closed:
                self._dirty.wait()
                if self._closed:
                    return
                time.sleep(delay_s)
                self._dirty.clear()
                started = time.monotonic()
                self.save()
                time.sleep(max(0.0, interval_s - delay_s - (time.monotonic() - started)))

        threading.Thread(target=loop, name="sandbox-autosave", daemon=True).start()

    def close(self) -> None:
        """Write the whole document anew (every tenant serialised again) and stop the autosave thread."""
        self._closed = True
        self.mark_dirty(None)
        self.save()

    @property
    def tenants(self) -> dict:
        return self.data["tenants"]

    def tenant(self, subdomain: str | None) -> dict | None:
        return self.tenants.get(subdomain or "")

    def save(self) -> None:
        """Write the whole document to a temporary file and rename it over the old one."""
        with self.lock:
            chunks = self._chunks()
            handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".state-", suffix=".json")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.writelines(chunks)
                os.chmod(temp, 0o600)
                os.replace(temp, self.path)
            except BaseException:
                if os.path.exists(temp):
                    os.unlink(temp)
                raise

    def _chunks(self) -> list[bytes]:
        """`json.dumps(data)` (compact) in pieces; each tenant's piece (`"<subdomain>":{…}`) is kept and
        serialised again only when the tenant changed since the last write."""
        if self._changed is None:
            self._tenant_texts.clear()
        else:
            for subdomain in self._changed:
                self._tenant_texts.pop(subdomain, None)
        self._changed = set()
        self._tenant_texts = {
            subdomain: self._tenant_texts.get(subdomain)
            or f"{_compact(subdomain)}:{_compact(tenant)}".encode()
            for subdomain, tenant in self.tenants.items()
        }
        chunks = [b"{"]
        for key, value in self.data.items():
            if len(chunks) > 1:
                chunks.append(b",")
            if key == "tenants":
                chunks.append(f"{_compact(key)}:{{".encode())
                for number, piece in enumerate(self._tenant_texts.values()):
                    chunks.extend((b",", piece) if number else (piece,))
                chunks.append(b"}")
            else:
                chunks.append(f"{_compact(key)}:{_compact(value)}".encode())
        chunks.append(b"}")
        return chunks


def _compact(value) -> str:
    return json.dumps(value, separators=(",", ":"))
