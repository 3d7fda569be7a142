"""A pool of pre-generated RSA keys, refilled in the background, so key creation answers quickly like SAP."""

from __future__ import annotations

import queue
import threading

from cryptography.hazmat.primitives.asymmetric import rsa


class RsaKeyPool:
    """Keeps a few RSA keys per size ready; `take` falls back to generating inline when the pool is empty.

    OpenSSL releases the GIL while generating, so the refill thread does not stall request handling.
    """

    def __init__(self):
        self._queues: dict[int, queue.Queue] = {}
        self._wanted: dict[int, int] = {}
        self._refill = threading.Event()
        self._started = False

    def start(self, sizes: dict[int, int]) -> None:
        """Begin keeping `count` keys of each `size` ready (in a daemon thread)."""
        for size, count in sizes.items():
            self._queues.setdefault(size, queue.Queue())
            self._wanted[size] = count
        if not self._started:
            self._started = True
            threading.Thread(target=self._run, name="sandbox-keypool", daemon=True).start()
        self._refill.set()

    def take(self, size: int) -> rsa.RSAPrivateKey:
        pool = self._queues.get(size)
        if pool is not None:
            try:
                key = pool.get_nowait()
            except queue.Empty:
                key = None
            self._refill.set()
            if key is not None:
                return key
        return rsa.generate_private_key(public_exponent=65537, key_size=size)

    def _run(self) -> None:
        while True:
            self._refill.wait()
            self._refill.clear()
            for size, count in self._wanted.items():
                while self._queues[size].qsize() < count:
                    self._queues[size].put(rsa.generate_private_key(public_exponent=65537, key_size=size))


POOL = RsaKeyPool()


def rsa_key(size: int) -> rsa.RSAPrivateKey:
    """An RSA private key of `size` bits, from the pool when one is ready."""
    return POOL.take(size)
