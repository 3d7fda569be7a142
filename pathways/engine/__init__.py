"""The engine: the only place that joins models and remote calls — runs, plans, applies, verifies, checks.

Public API (views, commands and tasks use only these):
- start_run(pathway_or_landscape, kind, user, params=None) -> Run — the only way a run starts; the gate
  (pathways/gate.py) decides and raises `Refused` with one sentence when it may not
- apply_all(landscape, user) -> (runs started, {pathway key: Refused}); resume(pathway, user) -> Run
- execute_run(run_id) -> None (the Celery task's body)
- mark_interrupted_runs() -> int
- landscape_check_result(landscape) -> dict | None
- desired_state(pathway) -> dict (the planner's input from a draft)
- iflows.* (the iFlows of a landscape: discovery, a pathway's iFlow parameters in its plan and apply, and
  `verdicts_for(pathway)`, their agreement in words for pages)
- rotate.* (rotation of a credential), retire.* (credentials a pathway no longer uses: listed, retired
  by a run), certificates.start_csr / start_chain (a CPI key pair's CSR and CA-signed chain, as runs)

What is read, planned, applied, verified, drifted, rotated and retired is the pathway's credential shape's
(pathways/shapes/); the engine keeps runs, steps, state changes and audit.
"""

from pathways.engine.actions import HANDOFF_CERTIFICATE, HANDOFF_CLIENTSECRET, HANDOFF_PRIVATE_KEY
from pathways.engine.runs import (
    apply_all,
    execute_run,
    landscape_check_result,
    mark_interrupted_runs,
    resume,
    start_run,
)
from pathways.engine.state import desired_state
from pathways.queue import QUEUE_UNAVAILABLE

__all__ = [
    "HANDOFF_CERTIFICATE",
    "HANDOFF_CLIENTSECRET",
    "HANDOFF_PRIVATE_KEY",
    "QUEUE_UNAVAILABLE",
    "apply_all",
    "desired_state",
    "execute_run",
    "landscape_check_result",
    "mark_interrupted_runs",
    "resume",
    "start_run",
]
