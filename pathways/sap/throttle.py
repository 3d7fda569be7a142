"""A token bucket per CPI tenant shared by every run and worker, so AuthWizard stays below SAP's limit
(12 requests/s per tenant, 10/s per user for security content) instead of provoking 429s.

The bucket is kept as a "theoretical arrival time" (GCRA): each call reserves the next slot, one every
1/`rate` seconds, with up to `burst` calls at once; the caller sleeps until its slot. With the defaults
(8/s, bursts of 3) no one-second window holds more than 3 + 8 = 11 calls, whichever runs make them.
Where the state lives is a `SlotStore`: in memory for one process, Redis or the database across workers
(`pathways.engine.shared`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

DEFAULT_RATE = 8.0
DEFAULT_BURST = 3


class SlotStore(Protocol):
    def reserve(self, name: str, interval: float, tolerance: float, now: float) -> float:
        """Atomically reserve the next slot of bucket `name`; return the seconds to wait for it."""
        ...


def next_slot(stored: float | None, interval: float, tolerance: float, now: float) -> tuple[float, float]:
    """GCRA: (wait, new stored value) for a call at `now` given the stored theoretical arrival time."""
    arrival = max(stored or 0.0, now)
    wait = max(0.0, arrival - tolerance - now)
    return wait, arrival + interval


class MemorySlots:
    """Buckets of one process."""

    def __init__(self) -> None:
        self._arrivals: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, name: str, interval: float, tolerance: float, now: float) -> float:
        with self._lock:
            wait, self._arrivals[name] = next_slot(self._arrivals.get(name), interval, tolerance, now)
            return wait


class SharedThrottle:
    """Keeps the calls to one host (a CPI tenant) at `rate` per second with bursts of `burst`, across every
    holder of the same store; same interface as `http.HostThrottle`."""

    def __init__(
        self,
        store: SlotStore | None = None,
        *,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store or MemorySlots()
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self.sleep = sleep

    def acquire(self, host: str) -> float:
        """Reserve this call's slot for `host` and sleep until it; returns the seconds waited."""
        interval = 1.0 / self.rate
        wait = self.store.reserve("bucket:" + host, interval, interval * (self.burst - 1), self.clock())
        if wait > 0:
            self.sleep(wait)
        return wait
