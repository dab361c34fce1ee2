"""Activation functions: ``evaluate`` maps Z to A = f(Z), ``backprop`` maps ∂L/∂A to Δ = ∂L/∂Z.

Each activation remembers what its derivative needs from the last ``evaluate``, so a layer owns
its own instance. ``factor`` is the scale the course applies to initial weights drawn by
:class:`~mnn.nn.initializers.RandnAverage`, chosen so that f'(0)·factor keeps the variance of the
signal from layer to layer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
from scipy.special import expit

from .._validation import check_array, describe


class Activation(ABC):
    """An elementwise (or, for :class:`SoftMax`, row-wise) function with its derivative."""

    factor: float = 1.0

    def __init__(self) -> None:
        self._output: np.ndarray | None = None

    def evaluate(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """A = f(Z), same shape as ``z``, written into ``out`` if given (``out`` may be ``z``
        itself, as layers pass their own Z to save memory).

        Parameters
        ----------
        z
            Floating array of any shape; an empty batch gives an empty result.
        out
            ``None``, or a floating array of the shape of ``z`` that receives A.
        """
        check_array(z, f"the input z of {type(self).__name__}", dtype_kind="f")
        self._check_z(z)
        if out is not None and out is not z:
            check_array(out, "out", shape=z.shape, dtype_kind="f")
        return self._evaluate(z, out)

    def _check_z(self, z: np.ndarray) -> None:  # noqa: B027 (most functions need no more)
        """Further checks of ``z`` than being a floating array, where the function needs them."""

    @abstractmethod
    def _evaluate(self, z: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        """A = f(Z) for a checked ``z``; remember what ``backprop`` needs."""

    @abstractmethod
    def backprop(self, delta: np.ndarray) -> np.ndarray:
        """Δ = ∂L/∂Z from ``delta`` = ∂L/∂A, both of the shape of the last ``evaluate``."""

    def _last_output(self, delta: np.ndarray) -> np.ndarray:
        """The output of the last ``evaluate``, checked to have the shape of ``delta``."""
        if self._output is None:
            raise RuntimeError(f"{type(self).__name__}.backprop needs a call to evaluate first.")
        if not isinstance(delta, np.ndarray) or delta.shape != self._output.shape:
            raise ValueError(
                f"{type(self).__name__}.backprop needs delta = ∂L/∂A of the shape of the last "
                f"output, {self._output.shape}; got {describe(delta)}."
            )
        check_array(delta, "delta", dtype_kind="f")
        return self._output

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Identity(Activation):
    """f(z) = z."""

    def _evaluate(self, z: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        if out is not None and out is not z:
            np.copyto(out, z)
            z = out
        self._output = z
        return z

    def backprop(self, delta: np.ndarray) -> np.ndarray:
        self._last_output(delta)
        return delta


class ReLU(Activation):
    """f(z) = max(z, 0); f'(0) is taken as 0, as PyTorch and TensorFlow do."""

    factor = float(np.sqrt(2.0))

    def _evaluate(self, z: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        self._output = np.maximum(z, 0, out=out)
        return self._output

    def backprop(self, delta: np.ndarray) -> np.ndarray:
        # A > 0 exactly where Z > 0, so the output is all the derivative needs.
        return delta * (self._last_output(delta) > 0)


class Sigmoid(Activation):
    """f(z) = 1 / (1 + exp(-z)), f' = f (1 - f)."""

    factor = 4.0

    def _evaluate(self, z: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        self._output = expit(z, out=out)
        return self._output

    def backprop(self, delta: np.ndarray) -> np.ndarray:
        a = self._last_output(delta)
        return delta * a * (1 - a)


class Tanh(Activation):
    """f(z) = tanh z, f' = 1 - f²."""

    def _evaluate(self, z: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        self._output = np.tanh(z, out=out)
        return self._output

    def backprop(self, delta: np.ndarray) -> np.ndarray:
        a = self._last_output(delta)
        return delta * (1 - a * a)


class SoftMax(Activation):
    """Row-wise softmax over the last axis: a_k = exp(z_k) / Σ_j exp(z_j).

    Its Jacobian is diag(a) - a aᵀ, so Δ = a ⊙ (δ - ⟨δ, a⟩). After a cross-entropy loss with
    targets whose rows sum to 1 the product collapses to Δ = (A - Y)/n, which
    :class:`~mnn.nn.losses.CrossEntropy` uses directly.
    """

    def _check_z(self, z: np.ndarray) -> None:
        if z.ndim == 0 or z.shape[-1] == 0:
            raise ValueError(
                f"the input z of SoftMax needs at least one class along its last axis, got "
                f"{describe(z)}."
            )

    def _evaluate(self, z: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        # Subtracting the row maximum keeps exp from overflowing and leaves A unchanged.
        shifted = np.subtract(z, z.max(axis=-1, keepdims=True), out=out)
        np.exp(shifted, out=shifted)
        shifted /= shifted.sum(axis=-1, keepdims=True)
        self._output = shifted
        return shifted

    def backprop(self, delta: np.ndarray) -> np.ndarray:
        a = self._last_output(delta)
        return a * (delta - np.sum(delta * a, axis=-1, keepdims=True))
