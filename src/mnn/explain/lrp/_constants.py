"""Arrays that replacements can carry: hashable, compared by value, read-only."""

from __future__ import annotations

from typing import Any

import numpy as np


class FrozenArray:
    """A read-only float64 NumPy array that is hashable and compares equal by value.

    Replacements must be hashable and equal when they compute the same (Keras compiles one
    function per set of them), which a plain NumPy array is not.
    """

    __slots__ = ("_key", "array")

    def __init__(self, value: Any) -> None:
        array = np.array(value, dtype=np.float64)
        array.setflags(write=False)
        self.array = array
        self._key = (array.shape, array.tobytes())

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrozenArray) and self._key == other._key

    def __repr__(self) -> str:
        if self.array.ndim == 0:
            return f"{float(self.array):g}"
        return f"array{self.array.shape}"
