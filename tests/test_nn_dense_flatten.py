"""Dense and Flatten against PyTorch, TensorFlow and central differences."""

from __future__ import annotations

import numpy as np
import pytest
from nn_oracles import assert_close, tf_vjp, torch_vjp

from mnn.nn import Dense, Flatten, Identity, ReLU, Sigmoid, gradcheck
from mnn.nn.patches import to_batch_last


def torch_dense(a, weights, bias):
    import torch

    return torch.nn.functional.linear(a, weights.T, bias)


def tf_dense(a, weights, bias):
    import tensorflow as tf

    return tf.matmul(a, weights) + bias


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["rows", "batch_last"])
@pytest.mark.parametrize("oracle", ["torch", "tensorflow"])
def test_forward_and_every_gradient_match_the_frameworks(dtype, layout, oracle):
    rng = np.random.default_rng(0)
    layer = Dense(7, 5, Identity(), dtype=dtype)
    layer.bias[...] = rng.standard_normal(5)
    a = rng.standard_normal((9, 7)).astype(dtype)
    if layout == "batch_last":
        a = to_batch_last(a)
    z = layer.evaluate(a)
    delta = rng.standard_normal(z.shape).astype(dtype)
    delta_pre = layer.backprop(delta)
    function, vjp = (torch_dense, torch_vjp) if oracle == "torch" else (tf_dense, tf_vjp)
    z_ref, (da_ref, dw_ref, db_ref) = vjp(function, [a, layer.weights, layer.bias], delta)
    for computed, reference in [
        (z, z_ref),
        (delta_pre, da_ref),
        (layer.d_weights, dw_ref),
        (layer.d_bias, db_ref),
    ]:
        assert computed.dtype == dtype
        assert_close(computed, reference, dtype)


@pytest.mark.parametrize("afun", [Identity, ReLU, Sigmoid])
def test_gradcheck(afun):
    a = np.random.default_rng(1).standard_normal((4, 6))
    errors = gradcheck(Dense(6, 3, afun(), rng=2), a)
    assert set(errors) == {"input", "weights", "bias"}
    assert max(errors.values()) <= 1e-6, errors


def test_flatten_is_a_reshape_in_channel_row_column_order_and_back():
    a = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    layer = Flatten(tensor=(3, 4, 5))
    assert layer.output_shape == (60,)
    for batch in (a, to_batch_last(a)):
        flat = layer.evaluate(batch)
        np.testing.assert_array_equal(flat, a.reshape(2, 60))
        np.testing.assert_array_equal(layer.backprop(flat), a)
    assert gradcheck(layer, a)["input"] <= 1e-6


def test_bad_input_is_refused():
    layer = Dense(6, 3, name="hidden")
    with pytest.raises(ValueError, match=r"Dense layer 'hidden' must have shape \(any, 6\)"):
        layer.evaluate(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="must have 2 dimensions"):
        layer.evaluate(np.zeros((4, 2, 3)))
    with pytest.raises(TypeError, match="must be a NumPy array, got list"):
        layer.evaluate([[0.0] * 6])
    with pytest.raises(ValueError, match="no must be at least 1"):
        Dense(6, 0)
    with pytest.raises(TypeError, match=r"optim must be an instance of mnn\.nn\.Optimizer"):
        Dense(6, 3, optim="adam")
    with pytest.raises(ValueError, match=r"Flatten layer 'flatten' must have shape \(any, 3, 4\)"):
        Flatten(tensor=(3, 4)).evaluate(np.zeros((2, 4, 3)))


def test_the_input_gradient_can_be_skipped():
    rng = np.random.default_rng(3)
    layer = Dense(4, 3, ReLU())
    delta = rng.standard_normal((5, 3))
    layer.evaluate(rng.standard_normal((5, 4)))
    assert layer.backprop(delta, input_gradient=False) is None
    d_weights = layer.d_weights.copy()
    assert layer.backprop(delta).shape == (5, 4)
    np.testing.assert_array_equal(layer.d_weights, d_weights)
