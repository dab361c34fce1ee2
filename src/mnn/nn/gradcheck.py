"""Gradient checks: backpropagation against central differences, one relative error per tensor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import check_array, check_nonempty, check_scalar, check_seed, describe
from .activations import Activation
from .layers import Layer
from .network import SequentialNet
from .training import prepare_targets


def relative_error(computed: np.ndarray, reference: np.ndarray) -> float:
    """``max|computed - reference| / max(max|computed|, max|reference|)``, 0 if both vanish.

    A norm-wise relative error: entries near zero do not inflate it, as they would entry-wise.

    Parameters
    ----------
    computed, reference
        Finite real arrays of one shape (any, empty included: their error is 0).

    Returns
    -------
    float
        At least 0; at most 2.
    """
    check_array(computed, "computed", dtype_kind="fiu", finite=True)
    check_array(reference, "reference", dtype_kind="fiu", finite=True)
    if computed.shape != reference.shape:
        raise ValueError(f"shapes differ: {computed.shape} and {reference.shape}.")
    return _relative_error(computed, reference)


def _relative_error(computed: np.ndarray, reference: np.ndarray) -> float:
    """:func:`relative_error` without the checks: NaN when an entry is NaN (a broken gradient)."""
    computed, reference = computed.astype(np.float64), reference.astype(np.float64)
    scale = max(np.max(np.abs(computed), initial=0.0), np.max(np.abs(reference), initial=0.0))
    if scale == 0:
        return 0.0
    return float(np.max(np.abs(computed - reference)) / scale)


def central_differences(f: Callable[[], float], array: np.ndarray, step: float) -> np.ndarray:
    """∂f/∂array by (f(θ + h e_i) - f(θ - h e_i)) / 2h, perturbing ``array`` in place entry by
    entry (and restoring it). ``f`` reads ``array`` each time it is called."""
    gradient = np.empty(array.shape)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + step
        forward = f()
        array[index] = original - step
        backward = f()
        array[index] = original
        gradient[index] = (forward - backward) / (2 * step)
    return gradient


def gradcheck(
    model: Layer | Activation | SequentialNet,
    x: np.ndarray,
    y: np.ndarray | None = None,
    *,
    step: float = 1e-6,
    seed: int = 0,
) -> dict[str, float]:
    """Compare backpropagation with central differences; float64 only.

    For a layer or an activation the scalar is L = Σ Y ⊙ model(X) with a fixed random ``y``
    (the upstream gradient ∂L/∂(output)), and the input X is checked with the parameters. For a
    :class:`~mnn.nn.SequentialNet` the scalar is its loss on (x, y) and the parameters are
    checked.

    Parameters
    ----------
    model
        A layer, an activation or a network.
    x
        (n, ...) float64 input batch.
    y
        For a network: integer labels (n,) or targets. For a layer or activation: ∂L/∂(output),
        by default drawn from N(0, 1) with ``seed``.
    step
        The difference step h, a positive number.
    seed
        Seed for the default ``y``.

    Returns
    -------
    dict
        :func:`relative_error` per tensor: "input" and the parameter names for a layer or an
        activation, "<layer>.<parameter>" for a network; NaN where backpropagation gives NaN.
    """
    check_array(x, "x", dtype_kind="f", finite=True)
    if x.dtype != np.float64:
        raise TypeError(f"gradcheck needs float64 inputs and parameters, got {describe(x)}.")
    check_nonempty(x, "x", hint="a gradient check of no samples would check nothing")
    step = check_scalar(step, "step", low=0.0, include="neither")
    seed = check_seed(seed)
    x = np.array(x)
    if isinstance(model, SequentialNet):
        return _check_network(model, x, y, step)
    if not isinstance(model, (Layer, Activation)):
        raise TypeError(
            f"model must be an mnn.nn layer, activation or SequentialNet, got {describe(model)}."
        )
    return _check_function(model, x, y, step, seed)


def _check_function(
    model: Any, x: np.ndarray, y: np.ndarray | None, step: float, seed: int
) -> dict[str, float]:
    parameters = model.parameters() if isinstance(model, Layer) else {}
    for name, value in parameters.items():
        if value.dtype != np.float64:
            raise TypeError(f"gradcheck needs float64 parameters, but {name} is {value.dtype}.")
    output = model.evaluate(x)
    if y is None:
        y = np.random.default_rng(seed).standard_normal(output.shape)
    check_array(y, "y", shape=output.shape, dtype_kind="f")
    analytic = {"input": np.array(model.backprop(y))}
    if isinstance(model, Layer):
        analytic |= {name: np.array(value) for name, value in model.gradients().items()}

    def loss() -> float:
        return float(np.sum(y * model.evaluate(x)))

    tensors = {"input": x, **parameters}
    return {
        name: _relative_error(analytic[name], central_differences(loss, tensor, step))
        for name, tensor in tensors.items()
    }


def _check_network(
    net: SequentialNet, x: np.ndarray, y: np.ndarray | None, step: float
) -> dict[str, float]:
    if y is None:
        raise ValueError("gradcheck of a network needs its labels or targets y.")
    if net.dtype != np.float64:
        raise TypeError(f"gradcheck needs a float64 network, this one is {net.dtype}.")
    net.backprop(x, y)
    analytic = {name: np.array(value) for name, value in net.gradients().items()}
    targets, _ = prepare_targets(y, len(x), net.output_shape, net.dtype, net.layers[-1].label)

    def loss() -> float:
        return net.loss.evaluate(net.evaluate(x, batch_size=None), targets)

    return {
        name: _relative_error(analytic[name], central_differences(loss, tensor, step))
        for name, tensor in net.parameters().items()
    }
