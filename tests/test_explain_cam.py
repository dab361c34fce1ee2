"""CAM, Grad-CAM and Grad-CAM++ on small networks, against the papers' formulas written naively.

Gradients for the naive versions come from central finite differences of the network's head,
in float64, not from autograd.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections import OrderedDict

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch
from torch import nn

from mnn import explain
from mnn.models import untrained_fashion_cnn
from mnn.models.torch_weights.keras import load_torch_weights

SIZE = 8
CLASSES = 5


def gap_net(seed: int = 0) -> nn.Sequential:
    """conv, relu, strided conv, relu, global average pooling, dense: a CAM head (float64)."""
    torch.manual_seed(seed)
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(3, 6, 3, padding=1),
            relu1=nn.ReLU(),
            conv2=nn.Conv2d(6, 8, 3, stride=2, padding=1),
            relu2=nn.ReLU(),
            pool=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(),
            dropout=nn.Dropout(0.3),
            dense=nn.Linear(8, CLASSES),
        )
    ).double()


def smooth_net(seed: int = 0) -> nn.Sequential:
    """A head with a convolution and a flattening dense layer, so gradients vary in space."""
    torch.manual_seed(seed)
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(3, 4, 3, padding=1),
            act1=nn.Tanh(),
            conv2=nn.Conv2d(4, 4, 3, padding=1),
            act2=nn.Tanh(),
            head_conv=nn.Conv2d(4, 3, 1),
            head_act=nn.Softplus(),
            flatten=nn.Flatten(),
            dense=nn.Linear(3 * SIZE * SIZE, CLASSES),
        )
    ).double()


def keras_smooth_net(weights: dict[str, np.ndarray]) -> keras.Model:
    """The same network in Keras, with the PyTorch weights."""
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((SIZE, SIZE, 3)),
            layers.Conv2D(4, 3, padding="same", name="conv1"),
            layers.Activation("tanh", name="act1"),
            layers.Conv2D(4, 3, padding="same", name="conv2"),
            layers.Activation("tanh", name="act2"),
            layers.Conv2D(3, 1, name="head_conv"),
            layers.Activation("softplus", name="head_act"),
            layers.Flatten(name="flatten"),
            layers.Dense(CLASSES, name="dense"),
        ]
    )
    load_torch_weights(model, weights, flattened={"dense": (3, SIZE, SIZE)})
    return model


def keras_gap_net(final_softmax: str | None = None) -> keras.Model:
    """A Keras CAM head; ``final_softmax`` "dense" or "layer" ends it in a softmax."""
    keras.utils.set_random_seed(1)
    layers = keras.layers
    stack = [
        keras.Input((SIZE, SIZE, 3)),
        layers.Conv2D(6, 3, padding="same", activation="relu", name="conv1"),
        layers.Conv2D(8, 3, strides=2, padding="same", name="conv2"),
        layers.ReLU(name="relu2"),
        layers.GlobalAveragePooling2D(name="pool"),
        layers.Dense(CLASSES, activation="softmax" if final_softmax == "dense" else None),
    ]
    if final_softmax == "layer":
        stack.append(layers.Softmax(name="probabilities"))
    return keras.Sequential(stack)


@pytest.fixture(scope="module")
def images_nchw() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((3, 3, SIZE, SIZE))


@pytest.fixture(scope="module")
def torch_smooth() -> nn.Sequential:
    return smooth_net().eval()


def finite_difference_gradients(head: nn.Module, activations: np.ndarray, classes: np.ndarray):
    """(N, C, h, w) d y_class / dA by central differences, one entry at a time."""
    step = 1e-6
    gradients = np.zeros_like(activations)
    for n, c in enumerate(classes):
        base = activations[n : n + 1]
        for index in np.ndindex(base.shape[1:]):
            shift = np.zeros_like(base)
            shift[(0, *index)] = step
            with torch.no_grad():
                up = head(torch.from_numpy(base + shift))[0, c].item()
                down = head(torch.from_numpy(base - shift))[0, c].item()
            gradients[(n, *index)] = (up - down) / (2 * step)
    return gradients


def split(model: nn.Sequential, layer: str) -> tuple[nn.Sequential, nn.Sequential]:
    names = list(model._modules)
    cut = names.index(layer) + 1
    return model[:cut], model[cut:]


def naive_grad_cam(activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    """Selvaraju et al. (2017), eq. 1-2, with loops."""
    n_images, channels, h, w = activations.shape
    maps = np.zeros((n_images, h, w))
    for n in range(n_images):
        for k in range(channels):
            alpha = sum(gradients[n, k, i, j] for i in range(h) for j in range(w)) / (h * w)
            maps[n] += alpha * activations[n, k]
    return np.maximum(maps, 0)


def naive_grad_cam_plus_plus(
    activations: np.ndarray, gradients: np.ndarray, logits: np.ndarray
) -> np.ndarray:
    """Chattopadhay et al. (2018), eq. 19 with S = exp(Y) (eq. 20-22), with loops."""
    n_images, channels, h, w = activations.shape
    maps = np.zeros((n_images, h, w))
    for n in range(n_images):
        exp_score = np.exp(logits[n])
        for k in range(channels):
            total = activations[n, k].sum()
            weight = 0.0
            for i in range(h):
                for j in range(w):
                    g = gradients[n, k, i, j]
                    denominator = 2 * g**2 + total * g**3
                    alpha = g**2 / denominator if denominator != 0 else 0.0
                    weight += alpha * max(exp_score * g, 0.0)
            maps[n] += weight * activations[n, k]
    return np.maximum(maps, 0)


@pytest.fixture(scope="module")
def smooth_reference(torch_smooth, images_nchw):
    """Activations of act2, logits, chosen classes and finite-difference gradients."""
    features, head = split(torch_smooth, "act2")
    with torch.no_grad():
        activations = features(torch.from_numpy(images_nchw)).numpy()
        logits = torch_smooth(torch.from_numpy(images_nchw)).numpy()
    classes = np.array([0, 3, 4])
    gradients = finite_difference_gradients(head, activations, classes)
    return activations, logits, classes, gradients


def test_grad_cam_equals_the_formula_with_finite_difference_gradients(
    torch_smooth, images_nchw, smooth_reference
):
    activations, _logits, classes, gradients = smooth_reference
    result = explain.grad_cam(torch_smooth, images_nchw, layer="act2", target=list(classes))
    expected = naive_grad_cam(activations, gradients)
    assert expected.max() > 0 and (expected == 0).any()  # the ReLU matters here
    np.testing.assert_allclose(result.heatmaps, expected, rtol=1e-6, atol=1e-9 * expected.max())
    np.testing.assert_array_equal(result.classes, classes)


def test_grad_cam_plus_plus_equals_the_formula_up_to_the_exp_score(
    torch_smooth, images_nchw, smooth_reference
):
    activations, logits, classes, gradients = smooth_reference
    result = explain.grad_cam_plus_plus(
        torch_smooth, images_nchw, layer="act2", target=list(classes)
    )
    chosen = logits[np.arange(len(classes)), classes]
    expected = naive_grad_cam_plus_plus(activations, gradients, chosen)
    expected /= np.exp(chosen)[:, None, None]
    np.testing.assert_allclose(result.heatmaps, expected, rtol=1e-6, atol=1e-9 * expected.max())
    plain = explain.grad_cam(torch_smooth, images_nchw, layer="act2", target=list(classes))
    assert not np.allclose(result.heatmaps, plain.heatmaps)


def test_keras_equals_torch_on_the_same_network(torch_smooth, images_nchw):
    weights = {k: v.numpy().astype(np.float32) for k, v in torch_smooth.state_dict().items()}
    keras_model = keras_smooth_net(weights)
    torch32 = smooth_net().float().eval()
    images = images_nchw.astype(np.float32)
    for method in (explain.grad_cam, explain.grad_cam_plus_plus):
        expected = method(torch32, images, layer="act2", target=("top", 2))
        result = method(keras_model, images.transpose(0, 2, 3, 1), layer="act2", target=("top", 2))
        np.testing.assert_array_equal(result.classes, expected.classes)
        np.testing.assert_allclose(
            result.heatmaps, expected.heatmaps, rtol=0, atol=1e-5 * expected.heatmaps.max()
        )
        np.testing.assert_allclose(result.scores, expected.scores, rtol=1e-5, atol=1e-6)


def test_grad_cam_is_relu_of_cam_over_hw_for_a_gap_dense_head(images_nchw):
    model = gap_net().eval()
    cam = explain.cam(model, images_nchw, target=("top", 3))
    grad = explain.grad_cam(model, images_nchw, target=("top", 3))
    h, w = cam.heatmaps.shape[-2:]
    assert (h, w) == (SIZE // 2, SIZE // 2) and cam.layer == grad.layer == "relu2"
    assert (cam.heatmaps < 0).any()
    np.testing.assert_allclose(grad.heatmaps, np.maximum(cam.heatmaps, 0) / (h * w), atol=1e-14)


def test_cam_averages_to_the_logit_minus_the_bias(images_nchw):
    model = gap_net().eval()
    result = explain.cam(model, images_nchw, target=2)
    bias = model.dense.bias.detach().numpy()[2]
    np.testing.assert_allclose(result.heatmaps.mean(axis=(1, 2)) + bias, result.scores, atol=1e-12)
    np.testing.assert_allclose(result.scores, result.logits[:, 2])


@pytest.mark.parametrize("final_softmax", ["dense", "layer"])
def test_keras_theorem_and_softmax_models_are_explained_through_their_logits(
    final_softmax, images_nchw
):
    images = images_nchw.transpose(0, 2, 3, 1).astype(np.float32)
    plain = keras_gap_net()
    ending = keras_gap_net(final_softmax)
    cam = explain.cam(plain, images)
    grad = explain.grad_cam(plain, images)
    np.testing.assert_allclose(
        grad.heatmaps, np.maximum(cam.heatmaps, 0) / 16, rtol=1e-5, atol=1e-7
    )
    for method, expected in ((explain.cam, cam), (explain.grad_cam, grad)):
        result = method(ending, images)
        assert "softmax" in result.note
        np.testing.assert_allclose(result.logits, expected.logits, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(result.heatmaps, expected.heatmaps, rtol=1e-5, atol=1e-7)


def test_torch_softmax_module_is_skipped(images_nchw):
    model = gap_net().eval()
    ending = nn.Sequential(model, nn.Softmax(dim=1)).eval()
    expected = explain.grad_cam(model, images_nchw, target=1)
    result = explain.grad_cam(ending, images_nchw, target=1, layer="0.relu2")
    assert "ends in a softmax ('1')" in result.note and "logits of '0.dense'" in result.note
    np.testing.assert_allclose(result.heatmaps, expected.heatmaps, atol=1e-14)
    np.testing.assert_allclose(result.scores, expected.scores)


def test_targets(images_nchw, torch_smooth):
    logits = torch_smooth(torch.from_numpy(images_nchw)).detach().numpy()
    order = np.argsort(-logits, axis=1)
    top = explain.grad_cam(torch_smooth, images_nchw, target="top")
    ranked = explain.grad_cam(torch_smooth, images_nchw, target=("top", 3))
    fixed = explain.grad_cam(torch_smooth, images_nchw, target=1)
    listed = explain.grad_cam(torch_smooth, images_nchw, target=np.array([4, 0, 2]))
    assert top.heatmaps.shape == (3, SIZE, SIZE) and top.classes.shape == (3,)
    assert ranked.heatmaps.shape == (3, 3, SIZE, SIZE) and ranked.scores.shape == (3, 3)
    np.testing.assert_array_equal(top.classes, order[:, 0])
    np.testing.assert_array_equal(ranked.classes, order[:, :3])
    np.testing.assert_allclose(ranked.heatmaps[:, 0], top.heatmaps, atol=1e-15)
    np.testing.assert_allclose(ranked.scores, np.take_along_axis(logits, order[:, :3], 1))
    np.testing.assert_array_equal(fixed.classes, [1, 1, 1])
    np.testing.assert_array_equal(listed.classes, [4, 0, 2])
    for n, c in enumerate([4, 0, 2]):
        one = explain.grad_cam(torch_smooth, images_nchw[n : n + 1], target=int(c))
        np.testing.assert_allclose(listed.heatmaps[n], one.heatmaps[0], atol=1e-15)


def test_layer_by_object_default_layer_and_what_is_said(images_nchw, caplog):
    model = gap_net().eval()
    with caplog.at_level(logging.INFO, logger="mnn"), warnings.catch_warnings():
        warnings.simplefilter("error")
        default = explain.grad_cam(model, images_nchw)
    assert default.layer == "relu2"
    assert "'relu2'" in default.note and "'conv2'" in default.note
    assert any("relu2" in record.getMessage() for record in caplog.records)
    by_object = explain.grad_cam(model, images_nchw, layer=model.relu2)
    np.testing.assert_array_equal(by_object.heatmaps, default.heatmaps)
    fashion = untrained_fashion_cnn("torch")
    x = np.zeros((1, 1, 28, 28), np.float32)
    assert explain.grad_cam(fashion, x).layer == "conv4_relu"
    assert explain.grad_cam(untrained_fashion_cnn("keras"), x[:, 0, :, :, None]).layer == (
        "conv4_relu"
    )


def test_cam_refuses_heads_without_global_average_pooling():
    fashion = untrained_fashion_cnn("torch")
    x = np.zeros((1, 1, 28, 28), np.float32)
    with pytest.raises(ValueError, match=r"global average pooling.*mnn\.explain\.grad_cam"):
        explain.cam(fashion, x)
    with pytest.raises(ValueError, match=r"global average pooling.*grad_cam"):
        explain.cam(untrained_fashion_cnn("keras"), x[:, 0, :, :, None])


def test_cam_only_on_the_pooled_layer(images_nchw):
    with pytest.raises(ValueError, match=r"feeds the global average pooling \('relu2'\).*grad_cam"):
        explain.cam(gap_net(), images_nchw, layer="conv1")


def test_bad_layers(images_nchw):
    model = gap_net()
    with pytest.raises(ValueError, match=r"no layer 'conv3'.*Did you mean.*'conv1', 'conv2'"):
        explain.grad_cam(model, images_nchw, layer="conv3")
    with pytest.raises(ValueError, match=r"convolutional layers are: 'conv1', 'conv2'"):
        explain.grad_cam(model, images_nchw, layer=nn.ReLU())
    with pytest.raises(ValueError, match=r"'dense' \(Linear\) has output shape \(5,\), not a"):
        explain.grad_cam(model, images_nchw, layer="dense")
    keras_model = untrained_fashion_cnn("keras")
    with pytest.raises(ValueError, match=r"'conv1', 'conv2', 'conv3', 'conv4'"):
        explain.grad_cam(keras_model, np.zeros((1, 28, 28, 1), np.float32), layer="head")
    with pytest.raises(ValueError, match=r"'flatten' \(Flatten\) has output shape \(1568,\)"):
        explain.grad_cam(keras_model, np.zeros((1, 28, 28, 1), np.float32), layer="flatten")


def test_a_module_that_runs_twice_is_ambiguous(images_nchw):
    relu = nn.ReLU()
    model = nn.Sequential(nn.Conv2d(3, 4, 3), relu, nn.Conv2d(4, 4, 3), relu, nn.Flatten())
    model = nn.Sequential(model, nn.Linear(4 * 4 * 4, 2)).double()
    with pytest.raises(ValueError, match=r"'0.1' runs 2 times"):
        explain.grad_cam(model, images_nchw, layer="0.1")


def test_bad_targets(images_nchw):
    model = gap_net()
    with pytest.raises(ValueError, match=r"target 5 is out of range: the model has 5 classes"):
        explain.grad_cam(model, images_nchw, target=5)
    with pytest.raises(ValueError, match=r"target -1 is out of range"):
        explain.grad_cam(model, images_nchw, target=[0, -1, 2])
    with pytest.raises(ValueError, match=r"more classes than the model has \(5\)"):
        explain.grad_cam(model, images_nchw, target=("top", 6))
    with pytest.raises(ValueError, match=r"k in target=\('top', k\) must be at least 1"):
        explain.grad_cam(model, images_nchw, target=("top", 0))
    with pytest.raises(ValueError, match=r'"top" or \("top", k\); got the string \'best\''):
        explain.grad_cam(model, images_nchw, target="best")
    with pytest.raises(ValueError, match=r"one integer class per image \(3\)"):
        explain.grad_cam(model, images_nchw, target=[1, 2])
    with pytest.raises(TypeError, match=r"class index.*got float 1\.0"):
        explain.grad_cam(model, images_nchw, target=1.0)
    with pytest.raises(TypeError, match=r"got True"):
        explain.grad_cam(model, images_nchw, target=True)


def test_bad_images(images_nchw):
    model = gap_net()
    with pytest.raises(ValueError, match=r"NCHW batch.*looks NHWC.*to_nchw"):
        explain.grad_cam(model, np.zeros((2, SIZE, SIZE, 3)))
    with pytest.raises(ValueError, match=r"NHWC batch.*looks NCHW.*to_nhwc"):
        explain.grad_cam(keras_gap_net(), np.zeros((2, 3, SIZE, SIZE), np.float32))
    with pytest.raises(ValueError, match=r"for one image pass images\[None\]"):
        explain.grad_cam(model, images_nchw[0])
    with pytest.raises(TypeError, match=r"images are float32 but the model computes in float64"):
        explain.grad_cam(model, images_nchw.astype(np.float32))
    with pytest.raises(ValueError, match=r"images must be finite"):
        explain.grad_cam(model, np.full((1, 3, SIZE, SIZE), np.nan))
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module or a keras.Model"):
        explain.grad_cam("resnet", images_nchw)


def test_framework_tensors_are_accepted(images_nchw):
    model = gap_net()
    expected = explain.grad_cam(model, images_nchw)
    result = explain.grad_cam(model, torch.from_numpy(images_nchw))
    np.testing.assert_array_equal(result.heatmaps, expected.heatmaps)


def test_torch_models_are_explained_in_evaluation_mode_and_left_as_they_were(images_nchw):
    model = gap_net()  # in training mode: its dropout is active
    model.relu1.eval()  # a mixed state, to be restored as it was
    modes = [module.training for module in model.modules()]
    expected = explain.grad_cam(gap_net().eval(), images_nchw)
    result = explain.grad_cam(model, images_nchw)
    np.testing.assert_array_equal(result.heatmaps, expected.heatmaps)
    assert [module.training for module in model.modules()] == modes


def test_a_nested_keras_model_is_the_default_layer_and_cam_is_its_weighted_sum():
    """Transfer learning in Keras: a convolutional base model used as one layer."""
    keras.utils.set_random_seed(2)
    base = keras.Sequential(
        [keras.Input((SIZE, SIZE, 3)), keras.layers.Conv2D(4, 3, activation="relu")], name="base"
    )
    dense = keras.layers.Dense(CLASSES, name="dense")
    model = keras.Sequential(
        [keras.Input((SIZE, SIZE, 3)), base, keras.layers.GlobalAveragePooling2D(), dense]
    )
    images = np.random.default_rng(4).standard_normal((2, SIZE, SIZE, 3)).astype(np.float32)
    cam = explain.cam(model, images, target=3)
    grad = explain.grad_cam(model, images, target=3)
    assert grad.layer == cam.layer == "base" and "last feature map" in grad.note
    features = base.predict(images, verbose=0)  # (2, 6, 6, 4)
    expected = features @ dense.kernel.numpy()[:, 3]
    np.testing.assert_allclose(cam.heatmaps, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad.heatmaps, np.maximum(expected, 0) / 36, rtol=1e-4, atol=1e-7)


def test_models_that_cannot_take_the_batch():
    unbuilt = keras.Sequential([keras.layers.Conv2D(2, 3), keras.layers.Flatten()])
    with pytest.raises(ValueError, match=r"no defined input: build it on keras.Input"):
        explain.grad_cam(unbuilt, np.zeros((1, SIZE, SIZE, 3), np.float32))
    with pytest.raises(ValueError, match=r"takes images of shape \(8, 8, 3\).*got \(9, 9, 3\)"):
        explain.grad_cam(keras_gap_net(), np.zeros((1, 9, 9, 3), np.float32))
    with pytest.raises(ValueError, match=r"cannot run on images of shape \(2, 8, 8\) \(C, H, W\)"):
        explain.grad_cam(gap_net(), np.zeros((1, 2, SIZE, SIZE)))


def test_keras_functional_model_with_keras_ops_between_layers():
    """``x + skip``, ``keras.ops.relu`` and ``keras.ops.mean`` are operations, not layers."""
    keras.utils.set_random_seed(3)
    image = keras.Input((SIZE, SIZE, 3))
    first = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv1")(image)
    skip = keras.layers.Conv2D(4, 3, padding="same", name="conv2")(first)
    features = keras.ops.relu(keras.layers.Conv2D(6, 3, name="conv3")(keras.ops.relu(first + skip)))
    dense = keras.layers.Dense(CLASSES, name="dense")
    model = keras.Model(image, dense(keras.ops.mean(features, axis=(1, 2))))
    images = np.random.default_rng(5).standard_normal((2, SIZE, SIZE, 3)).astype(np.float32)
    result = explain.grad_cam(model, images, target=[1, 4])
    assert result.layer == features._keras_history.operation.name
    inner = keras.Model(image, [features, model.outputs[0]])
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        activations, logits = inner(x)
        scores = tf.gather(logits, [[1], [4]], batch_dims=1)
    gradients = tape.gradient(scores, activations).numpy()
    weights = gradients.mean(axis=(1, 2), keepdims=True)
    expected = np.maximum((weights * activations.numpy()).sum(axis=-1), 0)
    np.testing.assert_allclose(result.heatmaps, expected, rtol=1e-5, atol=1e-7)
    cam = explain.cam(model, images, target=[1, 4])
    dense_weight = dense.kernel.numpy()[:, [1, 4]].T  # (images, channels)
    expected_cam = np.einsum("nhwc,nc->nhw", activations.numpy(), dense_weight)
    np.testing.assert_allclose(cam.heatmaps, expected_cam, rtol=1e-5, atol=1e-6)
    field = explain.receptive_field(model, result.layer)
    assert (field.size, field.jump, field.start) == ((7, 7), (1, 1), (-2, -2))


class FunctionalHead(nn.Module):
    """conv, then ``pool`` (a function of the feature maps returning (N, C)), then a dense layer."""

    def __init__(self, pool, activation: nn.Module | None = None) -> None:
        super().__init__()
        torch.manual_seed(6)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.activation = activation
        self.pool = pool
        self.dense = nn.Linear(4, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.conv(x)
        features = self.activation(features) if self.activation else torch.relu(features)
        return self.dense(self.pool(features))


@pytest.mark.parametrize(
    "pool",
    [
        lambda a: torch.flatten(a.mean((2, 3)), 1),
        lambda a: nn.functional.adaptive_avg_pool2d(a, 1).squeeze(-1).squeeze(-1),
    ],
    ids=["mean-flatten", "pool-squeeze"],
)
def test_cam_sees_through_reshapes_of_the_pooled_vector(pool, images_nchw):
    model = FunctionalHead(pool, nn.ReLU()).double()
    result = explain.cam(model, images_nchw, target=2)
    with torch.no_grad():
        features = model.activation(model.conv(torch.from_numpy(images_nchw))).numpy()
    expected = np.einsum("nchw,c->nhw", features, model.dense.weight.detach().numpy()[2])
    assert result.layer == "activation"
    np.testing.assert_allclose(result.heatmaps, expected, rtol=1e-10, atol=1e-12)


def test_a_functional_operation_before_the_pooling(images_nchw):
    """``torch.relu`` in ``forward`` has no module to hook: its output is found by replaying the
    trace, for CAM and for Grad-CAM's default layer alike."""
    model = FunctionalHead(lambda a: a.mean((2, 3))).double()
    cam = explain.cam(model, images_nchw, target=1)
    grad = explain.grad_cam(model, images_nchw, target=1)
    assert re.fullmatch(r"relu:\d+", cam.layer) and grad.layer == cam.layer
    assert "applies as a function" in grad.note and "'conv'" in grad.note
    with torch.no_grad():
        features = torch.relu(model.conv(torch.from_numpy(images_nchw))).numpy()
    expected = np.einsum("nchw,c->nhw", features, model.dense.weight.detach().numpy()[1])
    np.testing.assert_allclose(cam.heatmaps, expected, rtol=1e-10, atol=1e-12)
    h, w = features.shape[-2:]
    np.testing.assert_allclose(grad.heatmaps, np.maximum(expected, 0) / (h * w), rtol=1e-10)
    picked = explain.grad_cam(model, images_nchw, target=1, layer=cam.layer)
    np.testing.assert_array_equal(picked.heatmaps, grad.heatmaps)


def test_a_torch_tensor_that_requires_grad_is_read(images_nchw):
    model = gap_net()
    expected = explain.grad_cam(model, images_nchw)
    tensor = torch.from_numpy(images_nchw.copy()).requires_grad_()
    result = explain.grad_cam(model, tensor)
    np.testing.assert_array_equal(result.heatmaps, expected.heatmaps)
    assert tensor.grad is None


def test_integer_pixels_are_refused_with_what_to_do():
    with pytest.raises(TypeError, match=r"uint8.*astype\(np\.float64\).*preprocess"):
        explain.grad_cam(gap_net(), np.zeros((1, 3, SIZE, SIZE), np.uint8))


def test_a_layer_inside_a_nested_keras_model_cannot_be_picked_and_the_error_says_so():
    base = keras.Sequential(
        [keras.Input((SIZE, SIZE, 3)), keras.layers.Conv2D(4, 3, name="inner_conv")], name="base"
    )
    model = keras.Sequential(
        [keras.Input((SIZE, SIZE, 3)), base, keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    with pytest.raises(ValueError, match=r"no layer 'inner_conv'\..*feature maps are: 'base'.*"):
        explain.grad_cam(model, np.zeros((1, SIZE, SIZE, 3), np.float32), layer="inner_conv")


def test_a_torch_model_whose_head_was_replaced_is_traced_again(images_nchw):
    """Transfer learning: explain, swap in a new head, explain again with the new head."""
    model = gap_net()
    explain.cam(model, images_nchw)
    model.dense = nn.Linear(8, 3).double()
    result = explain.cam(model, images_nchw, target=1)
    features = model[:4](torch.from_numpy(images_nchw)).detach().numpy()
    expected = np.einsum("nchw,c->nhw", features, model.dense.weight.detach().numpy()[1])
    assert result.logits.shape == (3, 3)
    np.testing.assert_allclose(result.heatmaps, expected, rtol=1e-10, atol=1e-12)
    model.conv2 = nn.Conv2d(6, 8, 3, stride=2, padding=1).double()
    by_object = explain.grad_cam(model, images_nchw, layer=model.conv2)
    assert by_object.layer == "conv2"


def test_a_keras_sequential_model_whose_head_was_replaced(images_nchw):
    """After pop and add the layers' first calls are in the old graph: a clear error, and the
    clone it recommends is explained with the new head."""
    model = keras_gap_net()
    images = np.ascontiguousarray(images_nchw.transpose(0, 2, 3, 1)).astype(np.float32)
    explain.cam(model, images)
    model.pop()
    model.add(keras.layers.Dense(3, name="new_head"))
    with pytest.raises(ValueError, match=r"'new_head' reads a tensor.*pop or add.*clone_model"):
        explain.cam(model, images, target=1)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    result = explain.cam(copy, images, target=1)
    features = keras.Model(copy.inputs[0], copy.get_layer("relu2").output)(images).numpy()
    expected = features @ model.get_layer("new_head").kernel.numpy()[:, 1]
    assert result.logits.shape == (3, 3)
    np.testing.assert_allclose(result.heatmaps, expected, rtol=1e-5, atol=1e-6)


def test_the_default_layer_skips_convolutions_on_pooled_one_by_one_maps(images_nchw):
    """A 1x1 convolution as classifier after global pooling (MobileNetV3's head) has no map."""
    torch.manual_seed(7)
    model = nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(3, 4, 3, padding=1),
            relu=nn.ReLU(),
            pool=nn.AdaptiveAvgPool2d(1),
            classifier=nn.Conv2d(4, CLASSES, 1),
            flatten=nn.Flatten(),
        )
    ).double()
    result = explain.grad_cam(model, images_nchw, target=2)
    assert result.layer == "relu" and "'conv'" in result.note
    with torch.no_grad():
        features = model[:2](torch.from_numpy(images_nchw)).numpy()
    weight = model.classifier.weight.detach().numpy()[2, :, 0, 0]
    expected = np.maximum(np.einsum("nchw,c->nhw", features, weight), 0) / SIZE**2
    np.testing.assert_allclose(result.heatmaps, expected, rtol=1e-10, atol=1e-14)


class WrappedHead(nn.Module):
    """Features, pooling, then a head in its own container, as torchvision writes classifiers."""

    def __init__(self, head: nn.Sequential) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(self.pool(self.features(x)), 1))


def test_a_head_in_a_container_is_looked_into(images_nchw):
    torch.manual_seed(8)
    model = WrappedHead(nn.Sequential(nn.Dropout(0.2), nn.Linear(4, CLASSES))).double().eval()
    result = explain.cam(model, images_nchw, target=1)
    features = model.features(torch.from_numpy(images_nchw)).detach().numpy()
    weight = model.head[1].weight.detach().numpy()[1]
    np.testing.assert_allclose(
        result.heatmaps, np.einsum("nchw,c->nhw", features, weight), rtol=1e-10, atol=1e-14
    )
    with_softmax = WrappedHead(nn.Sequential(model.head[1], nn.Softmax(dim=1)))
    with_softmax.features = model.features
    probabilities = explain.grad_cam(with_softmax, images_nchw, target=1)
    logits = explain.grad_cam(model, images_nchw, target=1)
    assert "ends in a softmax ('head.1')" in probabilities.note
    np.testing.assert_array_equal(probabilities.logits, logits.logits)
    np.testing.assert_allclose(probabilities.heatmaps, logits.heatmaps, rtol=1e-12, atol=0)


class SharedActivation(nn.Module):
    """One ``self.relu`` called after every convolution, as many PyTorch models do."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(9)
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dense = nn.Linear(4, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.relu(self.conv2(self.relu(self.conv1(x))))
        return self.dense(torch.flatten(self.pool(features), 1))


def test_a_module_called_several_times_is_captured_at_the_call_that_was_picked(images_nchw):
    model = SharedActivation().double()
    result = explain.grad_cam(model, images_nchw, target=[0, 3, 4])
    x = torch.from_numpy(images_nchw)
    features = model.relu(model.conv2(model.relu(model.conv1(x))))
    scores = model.dense(features.mean((2, 3)))[[0, 1, 2], [0, 3, 4]]
    (gradients,) = torch.autograd.grad(scores.sum(), features)
    expected = naive_grad_cam(features.detach().numpy(), gradients.numpy())
    assert result.layer == "relu"
    np.testing.assert_allclose(result.heatmaps, expected, rtol=1e-10, atol=1e-14)
    cam = explain.cam(model, images_nchw, target=3)
    weight = model.dense.weight.detach().numpy()[3]
    np.testing.assert_allclose(
        cam.heatmaps, np.einsum("nchw,c->nhw", features.detach().numpy(), weight), rtol=1e-10
    )


def test_a_keras_layer_called_twice_is_an_error_that_says_so():
    relu = keras.layers.ReLU(name="shared_relu")
    image = keras.Input((SIZE, SIZE, 3))
    features = relu(keras.layers.Conv2D(4, 3)(relu(keras.layers.Conv2D(4, 3)(image))))
    model = keras.Model(image, keras.layers.Dense(2)(keras.layers.Flatten()(features)))
    with pytest.raises(ValueError, match=r"called more than once.*a layer of its own"):
        explain.grad_cam(model, np.zeros((1, SIZE, SIZE, 3), np.float32))


def test_a_subclassed_keras_model_is_refused_with_what_to_do():
    class Subclassed(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.conv = keras.layers.Conv2D(4, 3)
            self.pool = keras.layers.GlobalAveragePooling2D()
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(self.pool(self.conv(x)))

    model = Subclassed()
    images = np.zeros((1, SIZE, SIZE, 3), np.float32)
    model(images)
    with pytest.raises(ValueError, match=r"subclassed keras\.Model.*write it as a functional"):
        explain.grad_cam(model, images)


class DenseLayer(nn.Module):
    """DenseNet's layer: BN, ReLU, conv, then the new maps concatenated to the input."""

    def __init__(self, channels: int, growth: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        self.conv = nn.Conv2d(channels, growth, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.conv(self.relu(self.norm(x)))], 1)


class DenseNetLike(nn.Module):
    """torchvision's DenseNet in small: features end in a BatchNorm; forward() applies the final
    ReLU as a function, in place, then pools and classifies."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(8)
        self.features = nn.Sequential(
            OrderedDict(
                conv0=nn.Conv2d(3, 4, 3, padding=1),
                block=nn.Sequential(DenseLayer(4, 2), DenseLayer(6, 2)),
                norm5=nn.BatchNorm2d(8),
            )
        )
        self.classifier = nn.Linear(8, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = nn.functional.relu(self.features(x), inplace=True)
        pooled = nn.functional.adaptive_avg_pool2d(features, (1, 1))
        return self.classifier(torch.flatten(pooled, 1))


class ConvNeXtBlock(nn.Module):
    """ConvNeXt's block: depthwise conv, then channels last for LayerNorm and an MLP of Linear
    layers, scaled, back to channels first, plus the input."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.pwconv1 = nn.Linear(dim, 2 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(2 * dim, dim)
        self.gamma = nn.Parameter(torch.full((dim,), 0.5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.gamma * self.pwconv2(self.act(self.pwconv1(self.norm(y))))
        return x + y.permute(0, 3, 1, 2)


class LayerNorm2d(nn.LayerNorm):
    """torchvision's LayerNorm over the channels of NCHW maps."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class ConvNeXtLike(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(9)
        self.features = nn.Sequential(
            nn.Conv2d(3, 6, 2, stride=2), nn.Sequential(ConvNeXtBlock(6), ConvNeXtBlock(6))
        )
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(LayerNorm2d(6), nn.Flatten(1), nn.Linear(6, CLASSES))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.avgpool(self.features(x)))


def _grad_cam_by_hand(model, features_of, images, classes):
    """Grad-CAM from autograd on the map ``features_of(x)`` returns with the logits."""
    x = torch.from_numpy(images)
    features, logits = features_of(model, x)
    scores = logits.gather(1, torch.as_tensor(classes)[:, None]).sum()
    (gradients,) = torch.autograd.grad(scores, features)
    return naive_grad_cam(features.detach().numpy(), gradients.numpy())


def test_the_default_layer_of_a_densenet_is_its_features_after_the_final_relu(images_nchw):
    model = DenseNetLike().double().eval()

    def features_of(model, x):
        features = torch.relu(model.features(x))
        return features, model.classifier(features.mean((2, 3)))

    result = explain.grad_cam(model, images_nchw, target=[0, 1, 2])
    assert re.fullmatch(r"relu:\d+", result.layer), result.layer
    assert "applies as a function" in result.note
    expected = _grad_cam_by_hand(model, features_of, images_nchw, [0, 1, 2])
    np.testing.assert_allclose(result.heatmaps, expected, rtol=1e-9, atol=1e-12)
    cam = explain.cam(model, images_nchw, target=1)
    assert cam.layer == result.layer


def test_the_default_layer_of_a_convnext_is_its_last_stage(images_nchw):
    model = ConvNeXtLike().double().eval()

    def features_of(model, x):
        features = model.features(x)
        return features, model.classifier(model.avgpool(features))

    result = explain.grad_cam(model, images_nchw, target=[3, 0, 4])
    assert result.layer == "features", result.note
    expected = _grad_cam_by_hand(model, features_of, images_nchw, [3, 0, 4])
    np.testing.assert_allclose(result.heatmaps, expected, rtol=1e-9, atol=1e-12)
    # Inside a block, the maps that are channels last have no spatial grid to explain.
    graph = explain.backends.backend_of(model).graph(model, images_nchw.shape[1:])
    norm = next(node for node in graph.nodes if node.name == "features.1.0.norm")
    assert norm.spatial is None and norm.shape == (4, 4, 6)
    with pytest.raises(ValueError, match="not a batch of feature maps"):
        explain.grad_cam(model, images_nchw, layer="features.1.0.norm")
