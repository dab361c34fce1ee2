"""Gradient, Gradient x Input, Integrated Gradients and SmoothGrad against autograd,
GradientTape, central differences, and their defining properties (completeness)."""

from __future__ import annotations

from collections import OrderedDict

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch
from torch import nn

from mnn import explain
from mnn.models import untrained_fashion_cnn

RNG = np.random.default_rng(31)


def torch_net() -> nn.Module:
    torch.manual_seed(2)
    return nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(2, 4, 3, padding=1),
            act=nn.Softplus(),  # smooth, for central differences and quadrature
            pool=nn.AvgPool2d(2),
            flatten=nn.Flatten(),
            dense=nn.Linear(4 * 3 * 3, 5),
        )
    ).double()


def keras_net() -> keras.Model:
    keras.utils.set_random_seed(2)
    return keras.Sequential(
        [
            keras.Input((6, 6, 2)),
            keras.layers.Conv2D(4, 3, padding="same", activation="softplus"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(5, activation="softmax"),
        ]
    )


def torch_gradients(model: nn.Module, x: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """(N, ...) gradients of the logits of ``classes`` (N,), by autograd."""
    inputs = torch.from_numpy(x).requires_grad_()
    logits = model(inputs)
    (gradient,) = torch.autograd.grad(
        logits.gather(1, torch.from_numpy(classes)[:, None]).sum(), inputs
    )
    return gradient.numpy()


def keras_gradients(model: keras.Model, x: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """(N, ...) gradients of the logits (the softmax's input) of ``classes``, by GradientTape."""
    logits_model = keras.Model(
        model.inputs, model.layers[-1].input @ model.layers[-1].kernel + model.layers[-1].bias
    )
    inputs = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        logits = logits_model(inputs)
        score = tf.reduce_sum(tf.gather(logits, classes, batch_dims=1))
    return tape.gradient(score, inputs).numpy()


def test_torch_gradient_and_gradient_x_input_equal_autograd_and_central_differences():
    model = torch_net()
    x = RNG.standard_normal((3, 2, 6, 6))
    logits = model(torch.from_numpy(x)).detach().numpy()
    top = logits.argmax(axis=1)
    np.testing.assert_allclose(
        explain.gradient(model, x), torch_gradients(model, x, top), rtol=1e-12
    )
    chosen = np.array([4, 0, 2])
    expected = torch_gradients(model, x, chosen)
    np.testing.assert_allclose(
        explain.gradient(model, x, target=list(chosen)), expected, rtol=1e-12
    )
    np.testing.assert_allclose(
        explain.gradient_x_input(model, x, target=list(chosen)), x * expected, rtol=1e-12
    )
    ranked = explain.gradient(model, x, target=("top", 2))
    assert ranked.shape == (3, 2, 2, 6, 6)
    second = np.argsort(-logits, axis=1)[:, 1]
    np.testing.assert_allclose(ranked[:, 1], torch_gradients(model, x, second), rtol=1e-12)
    direction, step = RNG.standard_normal(x.shape), 1e-6

    def scores(images):
        return model(torch.from_numpy(images)).detach().numpy()[np.arange(3), chosen]

    numeric = (scores(x + step * direction) - scores(x - step * direction)) / (2 * step)
    analytic = (expected * direction).reshape(3, -1).sum(axis=1)
    np.testing.assert_allclose(numeric, analytic, rtol=1e-6)


def test_keras_gradient_equals_gradient_tape_through_the_softmax_logits():
    model = keras_net()
    x = RNG.standard_normal((3, 6, 6, 2)).astype(np.float32)
    chosen = np.array([1, 3, 3])
    expected = keras_gradients(model, x, chosen)
    np.testing.assert_allclose(
        explain.gradient(model, x, target=list(chosen)), expected, rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        explain.gradient_x_input(model, x, target=list(chosen)), x * expected, rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_integrated_gradients_are_complete_at_256_steps(framework):
    """sum_i R_i = f(x) - f(baseline), for the course's CNN (ReLU: kinks on the path)."""
    model = untrained_fashion_cnn(framework, seed=3)
    shape = (1, 28, 28) if framework == "torch" else (28, 28, 1)
    x = RNG.uniform(0, 1, (2, *shape)).astype(np.float32)
    baseline = RNG.uniform(0, 0.2, shape).astype(np.float32)
    attribution = explain.integrated_gradients(model, x, baseline=baseline, steps=256)
    scores = _logits(model, x)
    classes = scores.argmax(axis=1)
    start = _logits(model, np.broadcast_to(baseline, x.shape).copy())[np.arange(2), classes]
    difference = scores[np.arange(2), classes] - start
    total = attribution.reshape(2, -1).sum(axis=1)
    np.testing.assert_allclose(total, difference, rtol=1e-3, atol=1e-3 * np.abs(difference).max())


def _logits(model, x: np.ndarray) -> np.ndarray:
    from mnn.explain.backends import backend_of

    backend = backend_of(model)
    graph = backend.graph(model, x.shape[1:])
    return (
        backend.run(model, graph, x, keep=(graph.output,)).outputs[graph.output].astype(np.float64)
    )


def test_integrated_gradients_with_one_step_is_the_midpoint_gradient_and_batches_do_not_matter():
    model = torch_net()
    x = RNG.standard_normal((3, 2, 6, 6))
    top = model(torch.from_numpy(x)).argmax(1).numpy()
    one = explain.integrated_gradients(model, x, steps=1)
    np.testing.assert_allclose(one, x * torch_gradients(model, x / 2, top), rtol=1e-12)
    many = explain.integrated_gradients(model, x, steps=20, baseline=0.5, batch_size=32)
    np.testing.assert_allclose(
        explain.integrated_gradients(model, x, steps=20, baseline=0.5, batch_size=7),
        many,
        rtol=1e-12,
    )
    alphas = (np.arange(20) + 0.5) / 20
    mean = np.mean([torch_gradients(model, 0.5 + a * (x - 0.5), top) for a in alphas], axis=0)
    np.testing.assert_allclose(many, (x - 0.5) * mean, rtol=1e-10)


def test_smoothgrad_averages_gradients_at_seeded_noisy_copies():
    model = torch_net()
    x = RNG.standard_normal((2, 2, 6, 6))
    top = model(torch.from_numpy(x)).argmax(1).numpy()
    result = explain.smoothgrad(model, x, samples=5, noise=0.2, seed=4, batch_size=3)
    epsilon = np.random.default_rng(4).standard_normal((5, 2, 2, 6, 6))
    sigma = 0.2 * (x.max(axis=(1, 2, 3)) - x.min(axis=(1, 2, 3)))
    noisy = x + sigma[:, None, None, None] * epsilon
    expected = np.mean([torch_gradients(model, noisy[j], top) for j in range(5)], axis=0)
    np.testing.assert_allclose(result, expected, rtol=1e-10)
    np.testing.assert_allclose(
        explain.smoothgrad(model, x, samples=5, noise=0.2, seed=4), result, rtol=1e-12
    )
    assert not np.allclose(explain.smoothgrad(model, x, samples=5, noise=0.2, seed=5), result)
    np.testing.assert_allclose(
        explain.smoothgrad(model, x, noise=0.0, samples=2), explain.gradient(model, x), rtol=1e-12
    )


def test_heatmaps_sum_the_channels_of_either_layout():
    x = RNG.standard_normal((2, 2, 6, 6))
    torch_attribution = explain.gradient_x_input(torch_net(), x)
    np.testing.assert_allclose(
        explain.heatmaps(torch_attribution, torch_net()), torch_attribution.sum(axis=1)
    )
    keras_attribution = explain.gradient_x_input(
        keras_net(), x.transpose(0, 2, 3, 1).astype(np.float32)
    )
    assert explain.heatmaps(keras_attribution, keras_net()).shape == (2, 6, 6)
    with pytest.raises(ValueError, match=r"attribution must be an \(N, \.\.\.\) batch of images"):
        explain.heatmaps(torch_attribution[0], torch_net())


def test_bad_input_is_refused():
    model = torch_net()
    x = RNG.standard_normal((2, 2, 6, 6))
    with pytest.raises(ValueError, match=r"steps must be at least 1, got 0"):
        explain.integrated_gradients(model, x, steps=0)
    with pytest.raises(
        ValueError, match=r"baseline has shape \(3, 6, 6\), which does not broadcast"
    ):
        explain.integrated_gradients(model, x, baseline=np.zeros((3, 6, 6)))
    with pytest.raises(ValueError, match=r"noise must be finite and at least 0, got -0.1"):
        explain.smoothgrad(model, x, noise=-0.1)
    with pytest.raises(ValueError, match=r"for one image pass images\[None\]"):
        explain.gradient(model, x[0])
    with pytest.raises(TypeError, match=r"images are int64 but the model computes in float64"):
        explain.gradient_x_input(model, x.astype(np.int64))
    with pytest.raises(ValueError, match=r"target 7 is out of range"):
        explain.gradient(model, x, target=7)


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_an_empty_batch_gives_empty_attributions_in_both_frameworks(framework):
    """Every method works image by image, so no images give (0, ...) results (issue #16:
    smoothgrad failed in NumPy's reshape of the empty batch)."""
    model, shape = (
        (torch_net(), (0, 2, 6, 6)) if framework == "torch" else (keras_net(), (0, 6, 6, 2))
    )
    x = np.zeros(shape, np.float64 if framework == "torch" else np.float32)
    for method in (explain.gradient, explain.gradient_x_input, explain.smoothgrad):
        assert method(model, x).shape == shape, method.__name__
    assert explain.integrated_gradients(model, x, steps=2).shape == shape
    assert explain.smoothgrad(model, x, target=("top", 2)).shape == (0, 2, *shape[1:])


def test_arguments_found_by_the_sweep_are_refused_by_name():
    """Issue #16: a NaN baseline was blamed on the images, NumPy's float32 numbers were not
    numbers, a negative seed failed in NumPy, and heatmaps summed NaN or complex attributions."""
    model = torch_net()
    x = RNG.standard_normal((2, 2, 6, 6))
    with pytest.raises(ValueError, match="baseline must be a finite real number, got nan"):
        explain.integrated_gradients(model, x, baseline=np.nan, steps=1)
    with pytest.raises(ValueError, match="baseline must be finite, but 1 of its 72 entries"):
        explain.integrated_gradients(
            model, x, baseline=np.where(np.arange(72).reshape(2, 6, 6) == 5, np.inf, 0.0), steps=1
        )
    with pytest.raises(TypeError, match="baseline must have a floating dtype"):
        explain.integrated_gradients(model, x, baseline=np.zeros((2, 6, 6), np.int64), steps=1)
    half = explain.integrated_gradients(model, x, baseline=np.float32(0.5), steps=1)
    np.testing.assert_array_equal(half, explain.integrated_gradients(model, x, "top", 0.5, 1))
    with pytest.raises(ValueError, match=r"seed must be a non-negative integer, got -1"):
        explain.smoothgrad(model, x, samples=1, seed=-1)
    attribution = RNG.standard_normal((2, 2, 6, 6))
    attribution[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="attribution must be finite"):
        explain.heatmaps(attribution, model)
    with pytest.raises(TypeError, match="attribution must have a floating dtype"):
        explain.heatmaps(attribution.astype(complex), model)


def test_targets_are_checked_for_an_empty_batch_and_beyond_int64():
    """Issue #16: target=7 passed unchecked with no images (there was no class to compare), an
    empty list was refused as a float array, and target=2**63 failed in NumPy (OverflowError)."""
    model, empty = torch_net(), np.zeros((0, 2, 6, 6))
    with pytest.raises(ValueError, match=r"target 7 is out of range: the model has 5 classes"):
        explain.gradient(model, empty, target=7)
    with pytest.raises(ValueError, match=r"target 7 is out of range: the model has 5 classes"):
        explain.fool(model, empty, 7, bounds=(-1.0, 1.0))
    assert explain.gradient(model, empty, target=[]).shape == (0, 2, 6, 6)
    with pytest.raises(ValueError, match=r"target 9223372036854775808 is out of range"):
        explain.gradient(model, RNG.standard_normal((1, 2, 6, 6)), target=2**63)
