"""Desired state of one pathway against what exists remotely → the list of actions an apply would take; pure.

No Django ORM and no network here: the engine reads the remote state into `RemoteState`, passes the draft
values (secrets only as flags and fingerprints) and executes the returned `Action`s in order. What the
actions are is each credential shape's own (pathways/shapes/); this module is their one entry point.
"""

from __future__ import annotations

from typing import Any

from pathways import catalog, iflows, shapes
from pathways.shapes.base import (
    CONFIRM_REPLACE,
    CREATE,
    CREDENTIAL,
    DELETE,
    INSTANCE,
    KEEP,
    KEY,
    KEY_PAIR,
    REPLACE,
    TRUSTED_CERTIFICATE,
    UPDATE,
    Action,
    RemoteCredential,
    RemoteEntry,
    RemoteInstance,
    RemoteKey,
    RemoteState,
)

__all__ = [
    "CONFIRM_REPLACE",
    "CREATE",
    "CREDENTIAL",
    "DELETE",
    "INSTANCE",
    "KEEP",
    "KEY",
    "KEY_PAIR",
    "REPLACE",
    "TRUSTED_CERTIFICATE",
    "UPDATE",
    "Action",
    "RemoteCredential",
    "RemoteEntry",
    "RemoteInstance",
    "RemoteKey",
    "RemoteState",
    "choices",
    "plan",
    "problems",
]


def problems(actions: list[Action]) -> list[str]:
    """The reasons an apply of this plan cannot start (empty when it can)."""
    return [f"{action.target}: {action.problem}" for action in actions if action.problem]


def choices(actions: list[Action]) -> dict[str, str]:
    """The choices the user may settle a problem with on the review step ({"rename": new name, "replace":
    existing name}), from the first action that offers them."""
    for action in actions:
        if action.problem and action.data.get("choices"):
            return dict(action.data["choices"])
    return {}


def plan(pathway_key: str, method: str, desired: dict[str, Any], remote: RemoteState) -> list[Action]:
    """The actions that bring the remote side to the draft, in the order they must run."""
    spec = catalog.get(pathway_key)
    if method not in spec.methods:
        raise ValueError(f"unknown method {method!r} for {pathway_key}")
    actions = shapes.of_method(pathway_key, method).plan(spec, method, desired, remote)
    # The iFlows that use the pathway follow its credential: their parameters, then their redeploys.
    return actions + iflows.plan_actions(pathway_key, method, desired, remote)
