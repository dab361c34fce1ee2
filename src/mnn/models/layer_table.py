"""A layer table: the small models are written once, as rows that each framework builds from."""

from __future__ import annotations

from typing import NamedTuple


class LayerSpec(NamedTuple):
    """One row of a layer table: name, kind and its size (filters, units, pool or rate)."""

    name: str
    kind: str
    size: float | None = None
