"""A memo that lives for one block of work, a run: empty when the block begins, gone when it ends, and absent
outside any block, so code run outside a run always reads afresh."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class RunMemo(Generic[K, V]):
    def __init__(self, name: str) -> None:
        self._memo: ContextVar[dict[K, V] | None] = ContextVar(name, default=None)

    def get(self) -> dict[K, V] | None:
        """The memo of the block under way, or None outside one."""
        return self._memo.get()

    @contextmanager
    def block(self) -> Iterator[None]:
        """Within this block the memo starts empty; it is dropped when the block ends."""
        token = self._memo.set({})
        try:
            yield
        finally:
            self._memo.reset(token)
