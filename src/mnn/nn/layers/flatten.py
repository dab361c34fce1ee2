"""Flatten: (n, c, h, w) -> (n, c·h·w), the bridge from convolutional to dense layers."""

from __future__ import annotations

import math

import numpy as np

from ..._validation import check_int_tuple
from .base import Layer


class Flatten(Layer):
    """Reshape each sample into a row, in C order (channel, then row, then column).

    Parameters
    ----------
    tensor
        Shape of one input sample, or ``None`` to accept any.
    name
        Name used in summaries and error messages.
    """

    kind = "flatten"

    def __init__(self, *, tensor: tuple[int, ...] | None = None, name: str | None = None) -> None:
        if tensor is not None:
            if not isinstance(tensor, (tuple, list)) or not tensor:
                raise TypeError(f"tensor must be a non-empty tuple of integers, got {tensor!r}.")
            tensor = check_int_tuple(tensor, "tensor", len(tensor))
        super().__init__(tensor, name)
        self._input_batch_shape: tuple[int, ...] | None = None

    @property
    def output_shape(self) -> tuple[int] | None:
        return None if self.input_shape is None else (math.prod(self.input_shape),)

    def evaluate(self, a: np.ndarray) -> np.ndarray:
        ndim = (2, 3, 4, 5) if self.input_shape is None else 1 + len(self.input_shape)
        self._check_input(a, ndim=ndim)
        self._input_batch_shape = a.shape
        # The row length is given, not inferred: -1 is ambiguous for an empty batch.
        z = a.reshape(len(a), math.prod(a.shape[1:]))
        self._output_batch_shape = z.shape
        return z

    def backprop(self, delta: np.ndarray) -> np.ndarray:
        self._check_delta(delta)
        return delta.reshape(self._input_batch_shape)

    def __repr__(self) -> str:
        return "Flatten()"
