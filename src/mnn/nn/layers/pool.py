"""Max pooling over non-overlapping windows, with the course's two rules for tied maxima."""

from __future__ import annotations

import numpy as np

from ..._validation import check_bool, check_int_tuple, check_scalar, describe
from .base import Layer


class MaxPool2D(Layer):
    """Z[i, k, y, x] = max of A[i, k] over the ph x pw window (y, x); windows do not overlap.

    Rows and columns that do not fill a whole window (h mod ph, w mod pw of them, at the bottom
    and right) are cropped, as in the course, in PyTorch and in Keras' "valid" pooling; their
    gradient is 0.

    Backpropagation sends each window's δ to its maximum. When several entries of a window tie
    for the maximum, max is not differentiable there:

    - ``strict=False`` (the course's default) gives every tied maximum the full δ;
    - ``strict=True`` divides δ among them, so the window's gradient still sums to δ. For two
      tied entries this is δ/2 each, the average of the one-sided derivatives, which central
      differences measure; for k ≥ 3 they still measure δ/2 each, while ``strict`` gives δ/k.

    Parameters
    ----------
    area
        (ph, pw) window size, also the stride.
    strict
        How δ is shared among tied maxima (see above).
    tensor
        (c, h, w) shape of one input sample, or ``None`` to accept any.
    name
        Name used in summaries and error messages.
    """

    kind = "max_pool2d"

    def __init__(
        self,
        area: tuple[int, int] = (2, 2),
        strict: bool = False,
        *,
        tensor: tuple[int, int, int] | None = None,
        name: str | None = None,
    ) -> None:
        self.area = check_int_tuple(area, "area", 2)
        self.strict = check_bool(strict, "strict")
        if tensor is not None:
            tensor = check_int_tuple(tensor, "tensor", 3)
            if tensor[1] < self.area[0] or tensor[2] < self.area[1]:
                raise ValueError(
                    f"the pooling area {self.area} is larger than the input's {tensor[1:]}."
                )
        super().__init__(tensor, name)
        self._input: np.ndarray | None = None
        self._output: np.ndarray | None = None

    @property
    def output_shape(self) -> tuple[int, int, int] | None:
        if self.input_shape is None:
            return None
        c, h, w = self.input_shape
        return (c, h // self.area[0], w // self.area[1])

    def _taps(self, a: np.ndarray) -> list[np.ndarray]:
        """The ph·pw strided views a[:, :, p::ph, q::pw] (cropped to whole windows), one per
        position (p, q) inside the window; each is (n, c, h//ph, w//pw)."""
        ph, pw = self.area
        nh, nw = a.shape[2] // ph, a.shape[3] // pw
        return [a[:, :, p : nh * ph : ph, q : nw * pw : pw] for p in range(ph) for q in range(pw)]

    def evaluate(self, a: np.ndarray) -> np.ndarray:
        self._check_input(a, ndim=4)
        if a.shape[2] < self.area[0] or a.shape[3] < self.area[1]:
            raise ValueError(
                f"{self.label}: the pooling area {self.area} is larger than the input's "
                f"{a.shape[2:]}."
            )
        # A running maximum over the window positions: ph·pw - 1 passes over whole arrays,
        # no loop over samples or channels. Z keeps the memory layout of A.
        taps = self._taps(a)
        z = np.maximum(taps[0], taps[1]) if len(taps) > 1 else taps[0].copy(order="K")
        for tap in taps[2:]:
            np.maximum(z, tap, out=z)
        self._input, self._output = a, z
        self._output_batch_shape = z.shape
        return z

    def tie_counts(self) -> np.ndarray:
        """How many entries of each window equal its maximum, in the last ``evaluate``.

        Returns
        -------
        numpy.ndarray
            (n, c, h//ph, w//pw) integers, 1 where the maximum is unique.
        """
        if self._output is None:
            raise RuntimeError(f"{self.label}: call evaluate before tie_counts.")
        return _count(self._maxima(), np.intp)

    def _maxima(self) -> list[np.ndarray]:
        """One boolean array per window position: is the entry there its window's maximum?"""
        return [tap == self._output for tap in self._taps(self._input)]

    def backprop(self, delta: np.ndarray) -> np.ndarray:
        self._check_delta(delta)
        if delta.strides != self._output.strides:
            # One copy into the layout of Z, so that the passes below run along memory.
            delta = _like(self._output, delta)
        maxima = self._maxima()
        if self.strict:
            delta = delta / _count(maxima, delta.dtype)
        # Same memory layout as the input; zeros only where a cropped border needs them.
        _, _, h, w = self._input.shape
        cropped = h % self.area[0] or w % self.area[1]
        blank = np.zeros_like if cropped else np.empty_like
        delta_pre = blank(self._input, dtype=delta.dtype)
        for is_max, target in zip(maxima, self._taps(delta_pre), strict=True):
            np.multiply(is_max, delta, out=target)
        return delta_pre

    def __repr__(self) -> str:
        return f"MaxPool2D(area={self.area}, strict={self.strict})"


def tied_windows(pool: MaxPool2D, a: np.ndarray, *, above: float = 0.0) -> np.ndarray:
    """Which windows have their maximum, greater than ``above``, at two or more entries.

    These are the windows where ``strict`` changes the gradient. A positive maximum matters in
    a network: after a ReLU, windows tied at 0 pass no δ back anyway.

    Parameters
    ----------
    pool
        The pooling layer; it evaluates ``a`` (so its next ``backprop`` belongs to ``a``).
    a
        (n, c, h, w) input of the pooling layer, e.g. a convolution's output.
    above
        Only maxima strictly greater than this count.

    Returns
    -------
    numpy.ndarray
        (n, c, h//ph, w//pw) booleans, True where the window's maximum is tied and > ``above``.
    """
    if not isinstance(pool, MaxPool2D):
        raise TypeError(f"pool must be an mnn.nn.MaxPool2D layer, got {describe(pool)}.")
    above = check_scalar(above, "above")
    maxima = pool.evaluate(a)
    return (pool.tie_counts() > 1) & (maxima > above)


def _like(template: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` copied into an array with the memory layout of ``template``."""
    copy = np.empty_like(template, dtype=values.dtype)
    np.copyto(copy, values)
    return copy


def _count(flags: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
    """The number of true entries across ``flags``, elementwise, as ``dtype``."""
    count = flags[0].astype(dtype)
    for flag in flags[1:]:
        count += flag
    return count
