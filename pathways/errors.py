"""AuthWizard's own failures, apart from SAP's answers (`pathways.sap.errors.SapError`).

- `Refused`: something a user asked for may not happen now (the gate, an approval, a rotation, a reveal…);
  `message` is one sentence for the page, next to what was asked.
- `EngineError`: a run failed for a local reason (the draft, the plan, a gate re-check in the worker);
  `code` is machine-readable, `message` is for the run page.
"""

from __future__ import annotations


class Refused(Exception):
    """A request that may not go ahead; the message says why, in one sentence for the page."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class EngineError(Exception):
    """A run that stops for a local reason (not a remote call): a code and a sentence for the run page."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = False
        self.status: int | None = None

    def __str__(self) -> str:
        return self.message
