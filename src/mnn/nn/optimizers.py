"""Optimizers: ``update(params, grads)`` moves each parameter array in place.

An optimizer keeps one state per parameter, matched by position in the list; a layer therefore
keeps its own copy of the optimizer it is given.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from .._validation import check_array, check_positive_real, describe


class Optimizer(ABC):
    """Updates parameters in place from their gradients."""

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_positive_real(learning_rate, "learning_rate")
        self._shapes: list[tuple[int, ...]] | None = None

    def update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """One step: ``params[i]`` moves in place using ``grads[i]``.

        Parameters
        ----------
        params
            A list of writeable floating arrays, the same ones (by position and shape) at every
            call: the optimizer's state belongs to them.
        grads
            A list of floating arrays of the shapes of ``params``.
        """
        _check_list(params, "params")
        _check_list(grads, "grads")
        if len(params) != len(grads):
            raise ValueError(
                f"params and grads must have one gradient per parameter, got {len(params)} "
                f"parameters but {len(grads)} gradients."
            )
        for index, (param, grad) in enumerate(zip(params, grads, strict=True)):
            check_array(param, f"params[{index}]", dtype_kind="f")
            check_array(grad, f"grads[{index}]", dtype_kind="f")
            if param.shape != grad.shape:
                raise ValueError(
                    f"params[{index}] has shape {param.shape} but grads[{index}] has shape "
                    f"{grad.shape}: each gradient has the shape of its parameter."
                )
            if not param.flags.writeable:
                raise ValueError(f"params[{index}] is read-only; the optimizer moves it in place.")
        shapes = [param.shape for param in params]
        if self._shapes is None:
            self._shapes = shapes
        elif shapes != self._shapes:
            raise ValueError(
                f"this {type(self).__name__} keeps a state for parameters of shapes "
                f"{self._shapes}, got {shapes}; use a new optimizer for other parameters."
            )
        self._step(params, grads)

    @abstractmethod
    def _step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None: ...


class SGD(Optimizer):
    """Gradient descent with momentum μ: V ← μV - ηG, θ ← θ + V (plain descent for μ = 0).

    This is Keras' form; PyTorch's (V ← μV + G, θ ← θ - ηV) gives the same iterates for a
    constant learning rate η.
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0) -> None:
        super().__init__(learning_rate)
        self.momentum = _fraction(momentum, "momentum")
        self._velocity: list[np.ndarray] | None = None

    def _step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        if self.momentum == 0:
            for param, grad in zip(params, grads, strict=True):
                param -= self.learning_rate * grad
            return
        if self._velocity is None:
            self._velocity = [np.zeros_like(param) for param in params]
        for param, grad, velocity in zip(params, grads, self._velocity, strict=True):
            velocity *= self.momentum
            velocity -= self.learning_rate * grad
            param += velocity

    def __repr__(self) -> str:
        return f"SGD(learning_rate={self.learning_rate}, momentum={self.momentum})"


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) with bias correction, as in PyTorch.

    M ← β₁M + (1-β₁)G,  V ← β₂V + (1-β₂)G²,
    θ ← θ - η · (M / (1-β₁ᵗ)) / (√(V / (1-β₂ᵗ)) + ε).
    """

    def __init__(
        self,
        learning_rate: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-7,
    ) -> None:
        super().__init__(learning_rate)
        self.beta1, self.beta2 = _fraction(beta1, "beta1"), _fraction(beta2, "beta2")
        self.epsilon = check_positive_real(epsilon, "epsilon")
        self.steps = 0
        self._moments: list[tuple[np.ndarray, np.ndarray]] | None = None

    def _step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        if self._moments is None:
            self._moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        self.steps += 1
        correction1 = 1 - self.beta1**self.steps
        correction2 = 1 - self.beta2**self.steps
        for param, grad, (mean, second) in zip(params, grads, self._moments, strict=True):
            mean *= self.beta1
            mean += (1 - self.beta1) * grad
            second *= self.beta2
            second += (1 - self.beta2) * grad * grad
            denominator = np.sqrt(second / correction2)
            denominator += self.epsilon
            param -= (self.learning_rate / correction1) * mean / denominator

    def __repr__(self) -> str:
        return (
            f"Adam(learning_rate={self.learning_rate}, beta1={self.beta1}, beta2={self.beta2}, "
            f"epsilon={self.epsilon})"
        )


def _fraction(value: float, name: str) -> float:
    """``value`` checked to be a real number in [0, 1), as a float."""
    value = check_positive_real(value, name, allow_zero=True)
    if value >= 1:
        raise ValueError(f"{name} must lie in [0, 1), got {value!r}.")
    return value


def _check_list(value: object, name: str) -> None:
    """Refuse anything but a list or tuple of arrays (one bare array included)."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of NumPy arrays, got {describe(value)}.")
