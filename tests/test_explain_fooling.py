"""Fooling: the target class is reached, sizes are what the images say, a linear model is
fooled by the smallest change Hölder's inequality allows, and bad input is refused."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import torch
from torch import nn

from mnn import data, explain
from mnn.models import efficientnet_lite0, imagenet

BOUNDS = (-127 / 128, 1.0)  # EfficientNet-Lite0's inputs for pixels 0 and 255
GOLDFISH = 1


@pytest.fixture(scope="module")
def cat() -> np.ndarray:
    return imagenet.preprocess(data.sample_image("cat"))


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["torch", "keras"])
@pytest.mark.parametrize("margin", [0.0, 2.0])
def test_the_cat_is_fooled_into_a_goldfish(cat, framework, margin):
    model = efficientnet_lite0(framework)
    x = imagenet.to_nchw(cat) if framework == "torch" else cat
    result = explain.fool(model, x, GOLDFISH, bounds=BOUNDS, margin=margin)
    logits = imagenet.logits(model, result.images).astype(np.float64)[0]
    others = np.delete(logits, GOLDFISH)
    assert result.success[0] and logits[GOLDFISH] - others.max() > margin
    assert imagenet.class_names()[result.original[0]] == "tiger cat"
    original = imagenet.softmax(imagenet.logits(model, x))
    np.testing.assert_allclose(result.before, original, rtol=1e-5)
    np.testing.assert_allclose(result.after[0], imagenet.softmax(logits[None])[0], rtol=1e-4)
    assert result.after[0].argmax() == GOLDFISH
    change = (result.images.astype(np.float64) - x) * 128  # pixel levels
    assert result.linf[0] == pytest.approx(np.abs(change).max(), rel=1e-5)
    assert result.l2[0] == pytest.approx(np.linalg.norm(change), rel=1e-5)
    assert result.images.min() >= BOUNDS[0] and result.images.max() <= BOUNDS[1]
    # A few pixel levels suffice; the bisection leaves less than the steps took.
    assert 0 < result.linf[0] <= result.steps[0] * 0.25 and result.linf[0] < 5


def linear_pair(seed: int) -> nn.Module:
    """Two classes, y = W x + b on (1, 3, 4) images, in float64."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 2)).double()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_linear_model_is_fooled_by_the_smallest_change_in_the_max_norm(seed):
    """For two classes the margin y_t - y_o = v . x + c moves by at most eps ||v||_1 under
    changes of at most eps per pixel (Hölder), and sign steps reach that bound."""
    model = linear_pair(seed)
    x = np.random.default_rng(seed).uniform(-1, 1, (1, 1, 3, 4))
    weight = model[1].weight.detach().numpy()
    logits = model(torch.from_numpy(x)).detach().numpy()[0]
    target = int(logits.argmin())
    v = weight[target] - weight[1 - target]
    smallest = (logits[1 - target] - logits[target]) / np.abs(v).sum()
    bounds = (-10.0, 10.0)  # wide enough that no pixel is clipped
    result = explain.fool(model, x, target, bounds=bounds, step_size=0.5)
    levels = 255 / (bounds[1] - bounds[0])
    assert result.success[0]
    assert result.linf[0] == pytest.approx(smallest * levels, rel=1e-3)
    direction = np.sign(v).reshape(x.shape[1:])
    np.testing.assert_allclose(result.perturbations[0], smallest * direction, rtol=1e-3)


def test_a_model_ending_in_a_softmax_is_fooled_through_its_logits():
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((4, 4, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    x = np.random.default_rng(0).uniform(0, 1, (2, 4, 4, 1)).astype(np.float32)
    top = model(x).numpy().argmax(axis=1)
    target = [int((c + 1) % 3) for c in top]
    result = explain.fool(model, x, target, bounds=(0.0, 1.0), step_size=1.0)
    assert result.success.all() and "softmax" in result.note
    assert np.array_equal(model(result.images).numpy().argmax(axis=1), target)
    np.testing.assert_allclose(result.before.sum(axis=1), 1.0)


def test_an_image_that_cannot_be_fooled_in_time_is_reported():
    model = linear_pair(0)
    x = np.zeros((1, 1, 3, 4))
    target = int(model(torch.from_numpy(x)).detach().numpy()[0].argmin())
    result = explain.fool(model, x, target, bounds=(-10.0, 10.0), step_size=1e-3, max_steps=2)
    assert not result.success[0] and result.steps[0] == 2
    assert "were not fooled within 2 steps" in result.note


def test_bad_input_is_refused_with_what_to_do():
    model = linear_pair(0)
    x = np.zeros((1, 1, 3, 4))
    with pytest.raises(ValueError, match=r"bounds must be a pair \(low, high\)"):
        explain.fool(model, x, 0, bounds=(1.0, 0.0))
    with pytest.raises(ValueError, match="outside bounds"):
        explain.fool(model, x + 2, 0, bounds=(0.0, 1.0))
    with pytest.raises(ValueError, match="target 2 is out of range: the model has 2 classes"):
        explain.fool(model, x, 2, bounds=(-1.0, 1.0))
    with pytest.raises(ValueError, match=r"a list of one per image \(1\)"):
        explain.fool(model, x, [0, 1], bounds=(-1.0, 1.0))
    with pytest.raises(ValueError, match="margin must be finite and at least 0"):
        explain.fool(model, x, 0, bounds=(-1.0, 1.0), margin=-1.0)
    with pytest.raises(TypeError, match="bounds"):
        explain.fool(model, x, 0)


def test_an_empty_batch_gives_an_empty_result():
    """fool works image by image, so no images give an empty result (issue #16: NumPy's
    "zero-size array to reduction operation minimum" came first)."""
    result = explain.fool(linear_pair(0), np.zeros((0, 1, 3, 4)), 0, bounds=(-1.0, 1.0))
    assert result.images.shape == result.perturbations.shape == (0, 1, 3, 4)
    assert result.linf.shape == result.l2.shape == result.success.shape == (0,)
    assert result.before.shape == result.after.shape == (0, 2)
