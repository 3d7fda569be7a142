"""Credential shapes: one module per kind of credential a pathway-method produces remotely.

- `it_rt_key`: an it-rt service instance and a service key (inbound: S/4HANA → CPI, SSCv2 → CPI);
- `user_credentials`: a User Credentials artifact in CPI (outbound Basic);
- `key_pair`: a CPI keystore key pair and the receiver's trusted root (outbound certificate).

`catalog.py` names each pathway-method's shape; everything else asks `shapes.of(pathway)` and calls the
`Shape` interface (pathways/shapes/base.py). A new shape is one module with a `SHAPE` and a catalog entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathways import catalog
from pathways.shapes import it_rt_key, key_pair, user_credentials
from pathways.shapes.base import Shape

if TYPE_CHECKING:
    from pathways.models import Pathway

SHAPES: dict[str, Shape] = {
    module.SHAPE.key: module.SHAPE for module in (it_rt_key, user_credentials, key_pair)
}


def get(key: str) -> Shape:
    return SHAPES[key]


def of_method(pathway_key: str, method: str) -> Shape:
    """The shape a pathway's method produces."""
    return SHAPES[catalog.get(pathway_key).shape(method)]


def of(pathway: Pathway) -> Shape:
    """The shape of a pathway's drafted method."""
    return of_method(pathway.key, pathway.method)


def of_applied(applied: dict) -> Shape | None:
    """The shape whose credential the last apply recorded in `applied` (None when nothing was applied)."""
    if not applied:
        return None
    if applied.get("shape") in SHAPES:
        return SHAPES[applied["shape"]]
    # Recorded before the shape was named: the shape whose own facts are there.
    for shape in SHAPES.values():
        if any(applied.get(name) for name in shape.markers):
            return shape
    return None
