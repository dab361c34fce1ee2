"""The dense (fully connected) layer: Z = A W + b, A_out = f(Z)."""

from __future__ import annotations

import numpy as np
from numpy.typing import DTypeLike

from ..._validation import check_positive_int, check_size
from ..activations import Activation
from ..initializers import Initializer
from ..optimizers import Optimizer
from ..patches import batch_last
from .base import ParametricLayer


class Dense(ParametricLayer):
    """A fully connected layer on rows: A ∈ R^(n, n_in) ↦ f(A W + b), W ∈ R^(n_in, n_out).

    Backpropagation with Δ = ∂L/∂Z: ∂L/∂W = Aᵀ Δ, ∂L/∂b = Σ_rows Δ, ∂L/∂A = Δ Wᵀ.

    Parameters
    ----------
    ni
        Number of inputs.
    no
        Number of outputs.
    afun
        Activation (default :class:`~mnn.nn.ReLU`).
    optim
        Optimizer (default :class:`~mnn.nn.SGD`); the layer keeps its own copy.
    initializer
        Draws W (default :class:`~mnn.nn.RandnAverage`); b starts at 0.
    dtype
        Dtype of the parameters, and of the inputs the layer accepts.
    rng
        Seed or generator for the initial weights.
    name
        Name used in summaries and error messages.
    """

    kind = "dense"

    def __init__(
        self,
        ni: int,
        no: int,
        afun: Activation | None = None,
        optim: Optimizer | None = None,
        initializer: Initializer | None = None,
        *,
        dtype: DTypeLike = np.float64,
        rng: np.random.Generator | int = 0,
        name: str | None = None,
    ) -> None:
        ni = check_positive_int(ni, "ni")
        self.no = check_positive_int(no, "no")
        weights = f"the weights of Dense(ni={ni}, no={self.no})"
        check_size((ni, self.no), weights, hint="use a smaller ni or no.")
        super().__init__((ni,), afun, optim, initializer, dtype, rng, name)
        self.weights = self._initial_weights((ni, self.no), ni, self.no)
        self.bias = np.zeros(self.no, dtype=self.dtype)
        self.d_weights = np.zeros_like(self.weights)
        self.d_bias = np.zeros_like(self.bias)
        self._input: np.ndarray | None = None

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (self.no,)

    def parameters(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights, "bias": self.bias}

    def gradients(self) -> dict[str, np.ndarray]:
        return {"weights": self.d_weights, "bias": self.d_bias}

    def _linear(self, a: np.ndarray) -> np.ndarray:
        self._check_input(a, ndim=2)
        self._input = a
        return a @ self.weights + self.bias

    def _backprop_linear(self, delta: np.ndarray, input_gradient: bool) -> np.ndarray | None:
        self.d_weights = self._input.T @ delta
        self.d_bias = delta.sum(axis=0)
        if not input_gradient:
            return None
        if batch_last(self._input):
            # Keep the layout of the input (a flattened batch-last image stack, say).
            return (self.weights @ delta.T).T
        return delta @ self.weights.T

    def __repr__(self) -> str:
        ni, no = self.weights.shape
        return f"Dense({ni}, {no}, afun={self.afun!r})"
