"""Reads one pathway's draft (secrets only as flags) and its remote objects into the planner's terms, through
the pathway's credential shape (pathways/shapes/)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pathways import shapes
from pathways.models import Pathway
from pathways.shapes.base import RemoteState, Work, leaf_fingerprint
from pathways.shapes.it_rt_key import describe_key, key_not_after
from pathways.shapes.key_pair import pkcs12_state, remote_entry

if TYPE_CHECKING:
    from pathways.engine.connect import Connection

__all__ = [
    "Work",
    "desired_state",
    "describe_key",
    "key_not_after",
    "leaf_fingerprint",
    "pkcs12_state",
    "read_remote_state",
    "remote_entry",
]


def desired_state(pathway: Pathway) -> dict[str, Any]:
    """The draft through the catalog (defaults filled in), plus flags and fingerprints for the secrets."""
    return shapes.of(pathway).desired(pathway)


def read_remote_state(connection: Connection, work: Work) -> RemoteState:
    """Look up, by name, every remote object the pathway's method uses; record guids and the key on `work`."""
    return shapes.of(work.pathway).read(connection, work)
