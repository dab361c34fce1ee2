"""Losses L(A, Y) averaged over the n samples of a batch, with their gradients ∂L/∂A."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from .._validation import check_array, check_nonempty, describe
from .activations import Activation, SoftMax


class Loss(ABC):
    """A loss between the network's output ``a`` and the targets ``y``, both (n, k).

    A loss is a mean over the n samples: a batch of none is refused (see
    :mod:`mnn._validation`), for its value and its gradient alike.
    """

    @abstractmethod
    def evaluate(self, a: np.ndarray, y: np.ndarray) -> float:
        """L(A, Y), a mean over the n rows."""

    @abstractmethod
    def gradient(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """∂L/∂A, shape (n, k)."""

    def output_delta(self, afun: Activation, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Δ = ∂L/∂Z of an output layer with activation ``afun`` whose last output was ``a``."""
        _check_activation(afun)
        return afun.backprop(self.gradient(a, y))

    def _check(self, a: np.ndarray, y: np.ndarray) -> None:
        check_array(a, "the output a", dtype_kind="f")
        check_array(y, "the targets y", dtype_kind="f")
        check_nonempty(a, "the output a", hint="a loss is a mean over the samples of a batch")
        if a.shape != y.shape:
            raise ValueError(
                f"{type(self).__name__}: the targets y must have the shape of the network's "
                f"output a, {a.shape}; got {describe(y)}. Class labels must be one-hot "
                f"encoded with as many columns as the last layer has outputs."
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class CrossEntropy(Loss):
    """L = -(1/n) Σ_i Σ_k y_ik log a_ik for probabilities A and one-hot (or soft) targets Y.

    Probabilities that underflowed to 0 are read as the smallest positive normal number of their
    dtype, so the loss stays finite (about 87 in float32, 708 in float64).
    """

    def evaluate(self, a: np.ndarray, y: np.ndarray) -> float:
        self._check(a, y)
        tiny = np.finfo(a.dtype).tiny
        return float(-np.sum(y * np.log(np.maximum(a, tiny))) / len(a))

    def gradient(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        self._check(a, y)
        tiny = np.finfo(a.dtype).tiny
        return -y / np.maximum(a, tiny) / len(a)

    def output_delta(self, afun: Activation, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """After a :class:`SoftMax`, the combined gradient Δ = (A ⊙ s - Y)/n with s_i = Σ_k y_ik,
        i.e. (A - Y)/n for targets whose rows sum to 1; else the chain rule."""
        _check_activation(afun)
        if isinstance(afun, SoftMax):
            self._check(a, y)
            return (a * y.sum(axis=-1, keepdims=True) - y) / len(a)
        return super().output_delta(afun, a, y)


class MeanSquaredError(Loss):
    """L = (1/2n) Σ_i ‖a_i - y_i‖², so that ∂L/∂A = (A - Y)/n."""

    def evaluate(self, a: np.ndarray, y: np.ndarray) -> float:
        self._check(a, y)
        return float(0.5 * np.sum((a - y) ** 2) / len(a))

    def gradient(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        self._check(a, y)
        return (a - y) / len(a)


def _check_activation(afun: object) -> None:
    if not isinstance(afun, Activation):
        raise TypeError(
            f"afun must be the mnn.nn activation that produced a, got {describe(afun)}."
        )
