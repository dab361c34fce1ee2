"""Activations and losses against PyTorch autograd and central differences."""

from __future__ import annotations

import numpy as np
import pytest
from nn_oracles import assert_close, torch_vjp

from mnn.nn import (
    CrossEntropy,
    Identity,
    MeanSquaredError,
    ReLU,
    Sigmoid,
    SoftMax,
    Tanh,
    gradcheck,
)


def torch_function(name):
    import torch

    return {
        "Identity": lambda z: z * 1,
        "ReLU": torch.relu,
        "Sigmoid": torch.sigmoid,
        "Tanh": torch.tanh,
        "SoftMax": lambda z: torch.softmax(z, dim=-1),
    }[name]


ACTIVATIONS = [Identity, ReLU, Sigmoid, Tanh, SoftMax]


@pytest.mark.parametrize("afun", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_evaluate_and_backprop_match_torch(afun, dtype):
    rng = np.random.default_rng(0)
    z = (3 * rng.standard_normal((7, 5))).astype(dtype)
    delta = rng.standard_normal(z.shape).astype(dtype)
    activation = afun()
    a = activation.evaluate(z)
    delta_z = activation.backprop(delta)
    a_ref, (delta_ref,) = torch_vjp(torch_function(afun.__name__), [z], delta)
    assert a.dtype == delta_z.dtype == dtype
    assert_close(a, a_ref, dtype)
    assert_close(delta_z, delta_ref, dtype)


@pytest.mark.parametrize("afun", ACTIVATIONS)
def test_gradcheck(afun):
    z = np.random.default_rng(1).standard_normal((4, 6))
    assert gradcheck(afun(), z)["input"] <= 1e-6


@pytest.mark.parametrize("afun", ACTIVATIONS)
def test_out_receives_the_result(afun):
    z = np.random.default_rng(2).standard_normal((3, 4))
    expected = afun().evaluate(z.copy())
    buffer = z.copy()
    assert afun().evaluate(buffer, out=buffer) is buffer
    np.testing.assert_allclose(buffer, expected, rtol=1e-15)
    np.testing.assert_array_equal(afun().evaluate(z), expected)  # z itself is left alone


def test_softmax_is_stable_for_large_inputs():
    a = SoftMax().evaluate(np.array([[1000.0, 1000.0, -1000.0]]))
    np.testing.assert_allclose(a, [[0.5, 0.5, 0.0]])


def test_init_factors():
    assert ReLU().factor == pytest.approx(np.sqrt(2))
    assert Sigmoid().factor == 4.0
    assert Tanh().factor == Identity().factor == SoftMax().factor == 1.0


def test_backprop_before_evaluate_is_refused():
    with pytest.raises(RuntimeError, match=r"ReLU\.backprop needs a call to evaluate first"):
        ReLU().backprop(np.zeros(3))


def probabilities_and_targets(dtype):
    rng = np.random.default_rng(3)
    z = rng.standard_normal((6, 4))
    a = (np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)).astype(dtype)
    y = np.eye(4, dtype=dtype)[rng.integers(0, 4, 6)]
    return z.astype(dtype), a, y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_value_and_gradient_match_torch(dtype):
    import torch

    _, a, y = probabilities_and_targets(dtype)
    loss = CrossEntropy()
    tensor = torch.tensor(a, requires_grad=True)
    reference = -(torch.tensor(y) * torch.log(tensor)).sum() / len(a)
    reference.backward()
    assert loss.evaluate(a, y) == pytest.approx(
        float(reference.detach()), rel=10 * float(np.finfo(dtype).eps)
    )
    assert_close(loss.gradient(a, y), tensor.grad.numpy(), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_combined_softmax_cross_entropy_delta_matches_torch_from_logits(dtype):
    import torch

    z, _, y = probabilities_and_targets(dtype)
    softmax = SoftMax()
    a = softmax.evaluate(z)
    logits = torch.tensor(z, requires_grad=True)
    torch.nn.functional.cross_entropy(logits, torch.tensor(y)).backward()
    combined = CrossEntropy().output_delta(softmax, a, y)
    assert_close(combined, logits.grad.numpy(), dtype)
    # The chain rule through SoftMax.backprop gives the same Δ.
    assert_close(softmax.backprop(CrossEntropy().gradient(a, y)), combined, dtype)


def test_mean_squared_error_matches_torch():
    import torch

    rng = np.random.default_rng(4)
    a, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    tensor = torch.tensor(a, requires_grad=True)
    reference = 0.5 * ((tensor - torch.tensor(y)) ** 2).sum() / 5
    reference.backward()
    assert MeanSquaredError().evaluate(a, y) == pytest.approx(float(reference.detach()), rel=1e-14)
    assert_close(MeanSquaredError().gradient(a, y), tensor.grad.numpy(), np.float64)
    tanh = Tanh()
    out = tanh.evaluate(a)
    expected = tanh.backprop(MeanSquaredError().gradient(out, y))
    np.testing.assert_array_equal(MeanSquaredError().output_delta(tanh, out, y), expected)


def test_cross_entropy_stays_finite_when_a_probability_underflows():
    a = np.array([[1.0, 0.0]], dtype=np.float32)
    y = np.array([[0.0, 1.0]], dtype=np.float32)
    assert CrossEntropy().evaluate(a, y) == pytest.approx(-np.log(np.finfo(np.float32).tiny))


def test_targets_of_the_wrong_shape_are_refused():
    with pytest.raises(
        ValueError, match=r"must have the shape of the network's output a, \(4, 3\)"
    ):
        CrossEntropy().evaluate(np.full((4, 3), 1 / 3), np.zeros((4, 5)))
    with pytest.raises(TypeError, match="the targets y must have a floating dtype"):
        MeanSquaredError().gradient(np.zeros((4, 3)), np.zeros((4, 3), dtype=int))


def test_combined_delta_is_exact_for_targets_whose_rows_do_not_sum_to_one():
    import torch

    rng = np.random.default_rng(5)
    z, y = rng.standard_normal((5, 3)), rng.uniform(0, 1, (5, 3))
    softmax = SoftMax()
    a = softmax.evaluate(z)
    logits = torch.tensor(z, requires_grad=True)
    torch.nn.functional.cross_entropy(logits, torch.tensor(y)).backward()
    assert_close(CrossEntropy().output_delta(softmax, a, y), logits.grad.numpy(), np.float64)


@pytest.mark.parametrize("afun", ACTIVATIONS)
def test_backprop_of_a_delta_of_another_shape_is_refused(afun):
    activation = afun()
    activation.evaluate(np.ones((7, 5)))
    with pytest.raises(ValueError, match=r"backprop needs delta = ∂L/∂A of the shape of the last "):
        activation.backprop(np.ones((1, 5)))
