"""Test knobs: injected faults, added latency, async timing and the call log (all in memory)."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import deque
from urllib.parse import parse_qsl, urlencode

from .hosts import HOST_KINDS

DEFAULT_JOB_POLLS = 2  # a CF job completes at the third read of it (or of its resource) ...
DEFAULT_JOB_SECONDS = 3.0  # ... or this long after it started, whichever comes first
DEFAULT_BUILD_POLLS = 1  # an iFlow deployment task answers DEPLOYING this many times ...
DEFAULT_START_POLLS = 1  # ... then its runtime artifact STARTING this many times ...
DEFAULT_CONTENT_SECONDS = 3.0  # ... each step also ending this long after it began
# Classes of authentication failure a `fail_message` fault gives the next messages through an iFlow.
MESSAGE_FAILURES = (
    "receiver_401",
    "receiver_403",
    "tls_handshake",
    "certificate_rejected",
    "credential_not_found",
    "alias_not_found",
)
REQUEST_FAULTS = ("status", "hang", "drop")
AFTER_FAULTS = ("status_after", "drop_after")  # the request is carried out, then the answer is lost
FAULT_KINDS = (
    REQUEST_FAULTS
    + AFTER_FAULTS
    + (
        "expire_token",
        "expire_csrf",
        "fail_job",
        "job_forever",
        "keystore_locked",
        "fail_start",
        "fail_message",
    )
)
SECRET_QUERY_NAMES = {
    "client_secret",
    "clientsecret",
    "password",
    "access_token",
    "refresh_token",
    "token",
    "code",
    "passcode",
    "assertion",
}


class FaultError(ValueError):
    """A fault description that cannot be used."""


def _validated_fault(spec: dict) -> dict:
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise FaultError(f"kind must be one of {', '.join(FAULT_KINDS)}")
    host = spec.get("host")
    if host is not None and host not in HOST_KINDS:
        raise FaultError(f"host must be one of {', '.join(HOST_KINDS)}")
    for pattern_field in ("path", "name"):
        if spec.get(pattern_field) is not None:
            try:
                re.compile(spec[pattern_field])
            except re.error as exc:
                raise FaultError(f"{pattern_field} is not a regular expression: {exc}") from exc
    times = spec.get("times", 1)
    if times is not None and (not isinstance(times, int) or times < 1):
        raise FaultError("times must be a positive integer or null (unlimited)")
    if kind in ("status", "status_after") and not isinstance(spec.get("status"), int):
        raise FaultError("a status fault needs an integer status")
    if kind == "fail_message" and spec.get("failure") not in MESSAGE_FAILURES:
        raise FaultError(f"failure must be one of {', '.join(MESSAGE_FAILURES)}")
    if kind != "fail_message" and "failure" in spec:
        raise FaultError("failure belongs to a fail_message fault")
    if kind == "hang" and not isinstance(spec.get("seconds", 0), int | float):
        raise FaultError("seconds must be a number")
    allowed = {
        "kind",
        "host",
        "method",
        "path",
        "subdomain",
        "name",
        "times",
        "status",
        "body",
        "retry_after",
        "seconds",
        "headers",
        "failure",
    }
    unknown = set(spec) - allowed
    if unknown:
        raise FaultError(f"unknown fault fields: {', '.join(sorted(unknown))}")
    return {**spec, "times": times}


def redact_query(query_string: str) -> str:
    pairs = parse_qsl(query_string, keep_blank_values=True)
    return urlencode([(k, "***" if k.lower() in SECRET_QUERY_NAMES else v) for k, v in pairs])


class Knobs:
    """Thread-safe holder for everything a test can turn."""

    def __init__(self):
        self.lock = threading.Lock()
        self.faults: list[dict] = []
        self.latency_ms = 0
        self.job_polls = DEFAULT_JOB_POLLS
        self.job_seconds = DEFAULT_JOB_SECONDS
        self.deploy_polls = 1
        self.build_polls = DEFAULT_BUILD_POLLS
        self.start_polls = DEFAULT_START_POLLS
        self.content_seconds = DEFAULT_CONTENT_SECONDS
        self.calls: deque = deque(maxlen=10000)
        self._fault_ids = itertools.count(1)
        self._call_seq = itertools.count(1)
        self.clock_stopped_at: float | None = None

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.latency_ms = 0
            self.job_polls = DEFAULT_JOB_POLLS
            self.job_seconds = DEFAULT_JOB_SECONDS
            self.deploy_polls = 1
            self.build_polls = DEFAULT_BUILD_POLLS
            self.start_polls = DEFAULT_START_POLLS
            self.content_seconds = DEFAULT_CONTENT_SECONDS
            self.clock_stopped_at = None

    def now(self) -> float:
        """The clock of the rate limits (seconds, monotonic): time.monotonic(), or where a test stopped it."""
        stopped = self.clock_stopped_at
        return time.monotonic() if stopped is None else stopped

    def set_clock(self, *, stop: bool | None = None, advance: float = 0.0) -> dict:
        """Stop the clock (it stays where it is until moved), move a stopped clock on, or let it run again."""
        with self.lock:
            if stop is True and self.clock_stopped_at is None:
                self.clock_stopped_at = time.monotonic()
            elif stop is False:
                self.clock_stopped_at = None
            if advance:
                if self.clock_stopped_at is None:
                    raise ValueError("stop the clock before moving it")
                self.clock_stopped_at += advance
            return {"stopped": self.clock_stopped_at is not None, "now": self.now()}

    def add_fault(self, spec: dict) -> dict:
        fault = _validated_fault(spec)
        with self.lock:
            fault["id"] = next(self._fault_ids)
            self.faults.append(fault)
            return dict(fault)

    def clear_faults(self, fault_id: int | None = None) -> int:
        with self.lock:
            before = len(self.faults)
            self.faults = [f for f in self.faults if fault_id is not None and f["id"] != fault_id]
            return before - len(self.faults)

    def list_faults(self) -> list[dict]:
        with self.lock:
            return [dict(f) for f in self.faults]

    def take(
        self,
        kinds,
        *,
        host: str | None = None,
        method: str | None = None,
        path: str | None = None,
        subdomain: str | None = None,
        name: str | None = None,
    ) -> dict | None:
        """The first fault of `kinds` that matches; its `times` count is used up by one."""
        kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        with self.lock:
            for fault in self.faults:
                if fault["kind"] not in kinds or not self._matches(
                    fault, host, method, path, subdomain, name
                ):
                    continue
                if fault["times"] is not None:
                    fault["times"] -= 1
                    if fault["times"] <= 0:
                        self.faults.remove(fault)
                return dict(fault)
        return None

    @staticmethod
    def _matches(fault, host, method, path, subdomain, name) -> bool:
        if fault.get("host") and fault["host"] != host:
            return False
        if fault.get("method") and (method or "").upper() != fault["method"].upper():
            return False
        if fault.get("subdomain") and fault["subdomain"] != subdomain:
            return False
        if fault.get("path") and not re.search(fault["path"], path or ""):
            return False
        return not (fault.get("name") and not re.search(fault["name"], name or ""))

    def log_call(
        self,
        *,
        host: str,
        kind: str | None,
        method: str,
        path: str,
        query_string: str,
        status: int | str,
        started: float,
        duration_ms: float,
        subdomain: str | None,
        flags: list[str] | None = None,
        user_agent: str = "",
    ) -> None:
        shown = path + ("?" + redact_query(query_string) if query_string else "")
        with self.lock:
            self.calls.append(
                {
                    "seq": next(self._call_seq),
                    "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started))
                    + f".{int(started * 1000) % 1000:03d}Z",
                    "host": host,
                    "kind": kind,
                    "subdomain": subdomain,
                    "method": method,
                    "path": shown,
                    "status": status,
                    "duration_ms": round(duration_ms, 1),
                    "flags": list(flags or []),
                    "user_agent": user_agent[:200],
                }
            )

    def calls_since(self, since: int = 0) -> list[dict]:
        with self.lock:
            return [dict(c) for c in self.calls if c["seq"] > since]

    def clear_calls(self) -> None:
        with self.lock:
            self.calls.clear()
