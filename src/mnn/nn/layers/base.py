"""What every layer shares: shapes, names, input checks, and the activation/optimizer plumbing."""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
from numpy.typing import DTypeLike

from ..._validation import check_array, check_bool, check_float_dtype, check_seed, describe
from ..activations import Activation, ReLU
from ..initializers import Initializer, RandnAverage
from ..optimizers import SGD, Optimizer


class Layer(ABC):
    """A layer maps a batch A, ``(n, *input_shape)``, to ``(n, *output_shape)``.

    ``evaluate`` runs it forward and remembers what ``backprop`` needs; ``backprop`` takes
    ∂L/∂(output) and returns ∂L/∂(input), storing the parameter gradients; ``update`` lets the
    optimizer move the parameters.
    """

    kind: ClassVar[str]

    def __init__(self, input_shape: tuple[int, ...] | None, name: str | None) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str or None, got {describe(name)}.")
        self.input_shape = input_shape
        self.name = self.kind if name is None else name
        self._output_batch_shape: tuple[int, ...] | None = None

    @property
    @abstractmethod
    def output_shape(self) -> tuple[int, ...] | None:
        """Shape of one sample's output, or ``None`` while the input shape is open."""

    @abstractmethod
    def evaluate(self, a: np.ndarray) -> np.ndarray:
        """The layer's output for the batch ``a``."""

    @abstractmethod
    def backprop(self, delta: np.ndarray) -> np.ndarray:
        """∂L/∂(input) from ``delta`` = ∂L/∂(output) of the last ``evaluate``."""

    def update(self) -> None:  # noqa: B027 (layers without parameters have nothing to update)
        """Move the parameters one optimizer step (nothing for layers without parameters)."""

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays by name (the arrays themselves, not copies)."""
        return {}

    def gradients(self) -> dict[str, np.ndarray]:
        """∂L/∂(parameter) from the last ``backprop``, under the names of ``parameters()``."""
        return {}

    @property
    def label(self) -> str:
        """How error messages name this layer."""
        return f"{type(self).__name__} layer {self.name!r}"

    def _check_input(self, a: np.ndarray, ndim: int | tuple[int, ...]) -> None:
        name = f"the input of {self.label}"
        check_array(a, name, ndim=ndim, dtype_kind="f")
        if self.input_shape is not None:
            check_array(a, name, shape=(None, *self.input_shape))

    def _check_delta(self, delta: np.ndarray) -> None:
        if self._output_batch_shape is None:
            raise RuntimeError(f"{self.label}: call evaluate before backprop.")
        if not isinstance(delta, np.ndarray) or delta.shape != self._output_batch_shape:
            raise ValueError(
                f"{self.label}: backprop needs delta = ∂L/∂(output) of the shape of the last "
                f"output, {self._output_batch_shape}; got {describe(delta)}."
            )
        check_array(delta, f"the delta of {self.label}", dtype_kind="f")


class ParametricLayer(Layer):
    """A layer Z = (linear map of A) + b followed by an activation, trained by an optimizer.

    The layer keeps its own copies of ``afun`` and ``optim``, so one instance may be passed to
    several layers.
    """

    def __init__(
        self,
        input_shape: tuple[int, ...],
        afun: Activation | None,
        optim: Optimizer | None,
        initializer: Initializer | None,
        dtype: DTypeLike,
        rng: np.random.Generator | int,
        name: str | None,
    ) -> None:
        super().__init__(input_shape, name)
        self.afun: Activation = _own(afun, Activation, "afun", ReLU)
        self.optim: Optimizer = _own(optim, Optimizer, "optim", SGD)
        self.initializer: Initializer = _own(initializer, Initializer, "initializer", RandnAverage)
        self.dtype = check_float_dtype(dtype)
        self._rng = np.random.default_rng(check_seed(rng, "rng", generator=True))
        self._has_gradients = False

    def _initial_weights(self, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
        weights = self.initializer(shape, fan_in, fan_out, self._rng)
        if self.initializer.uses_activation_factor:
            weights = weights * self.afun.factor
        return weights.astype(self.dtype)

    def _check_input(self, a: np.ndarray, ndim: int | tuple[int, ...]) -> None:
        super()._check_input(a, ndim)
        if a.dtype != self.dtype:
            raise TypeError(
                f"{self.label} has {self.dtype} parameters but got {describe(a)}; convert the "
                f"input with .astype(np.{self.dtype}) or build the network with "
                f"dtype=np.{a.dtype}."
            )

    def evaluate(self, a: np.ndarray) -> np.ndarray:
        z = self._linear(a)
        self._output_batch_shape = z.shape
        # Z is the layer's own fresh array: the activation may overwrite it.
        return self.afun.evaluate(z, out=z)

    def backprop(
        self, delta: np.ndarray, *, pre_activation: bool = False, input_gradient: bool = True
    ) -> np.ndarray | None:
        """Store the parameter gradients and return ∂L/∂A of the input.

        Parameters
        ----------
        delta
            ∂L/∂A of this layer's output, or, with ``pre_activation=True``, already
            Δ = ∂L/∂Z (as the combined softmax/cross-entropy gradient is).
        input_gradient
            Whether to compute ∂L/∂A of the input; the first layer of a network does not need
            it, and then ``None`` is returned.
        """
        self._check_delta(delta)
        pre_activation = check_bool(pre_activation, "pre_activation")
        input_gradient = check_bool(input_gradient, "input_gradient")
        delta = delta if pre_activation else self.afun.backprop(delta)
        delta_pre = self._backprop_linear(delta, input_gradient)
        self._has_gradients = True
        return delta_pre

    def update(self) -> None:
        if not self._has_gradients:
            raise RuntimeError(f"{self.label}: call backprop before update; it has no gradients.")
        self.optim.update(list(self.parameters().values()), list(self.gradients().values()))

    @abstractmethod
    def _linear(self, a: np.ndarray) -> np.ndarray:
        """Check the input, remember what the gradients need, return Z."""

    @abstractmethod
    def _backprop_linear(self, delta: np.ndarray, input_gradient: bool) -> np.ndarray | None:
        """Store the parameter gradients from Δ = ∂L/∂Z; return ∂L/∂A of the input if asked."""


def _own(value: Any, cls: type, name: str, default: type) -> Any:
    """A private copy of ``value`` (checked to be a ``cls``), or a fresh ``default()``."""
    if value is None:
        return default()
    if not isinstance(value, cls):
        raise TypeError(
            f"{name} must be an instance of mnn.nn.{cls.__name__} such as {default.__name__}(), "
            f"got {describe(value)}."
        )
    return copy.deepcopy(value)


def pair(value: int | tuple[int, int], name: str, *, minimum: int) -> tuple[int, int]:
    """``value`` as a pair of integers, each at least ``minimum``; an integer is used twice."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (int(value), int(value))
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in value)
    ):
        raise TypeError(f"{name} must be an integer or a pair of integers, got {describe(value)}.")
    if min(value) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {tuple(value)}.")
    return int(value[0]), int(value[1])
