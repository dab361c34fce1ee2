"""Feature maps and filters equal what the frameworks themselves give: a Keras sub-model's
output, a PyTorch forward hook's, the layers' own weights."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import torch

from mnn import explain
from mnn.models import efficientnet_lite0, untrained_fashion_cnn

LAYERS = ["conv1", "conv2_relu", "pool1", "conv4"]


def images(framework: str, count: int = 3) -> np.ndarray:
    pixels = np.random.default_rng(1).uniform(0, 1, (count, 28, 28)).astype(np.float32)
    return pixels[:, None] if framework == "torch" else pixels[..., None]


@pytest.mark.parametrize("layer", LAYERS)
def test_keras_feature_maps_are_the_sub_models_output_channels_first(layer):
    model = untrained_fashion_cnn("keras", seed=3)
    x = images("keras")
    sub = keras.Model(model.inputs[0], model.get_layer(layer).output)
    expected = np.moveaxis(sub(x).numpy(), -1, 1)
    maps = explain.feature_maps(model, x, layer)
    assert maps.shape == expected.shape and maps.dtype == np.float32
    np.testing.assert_allclose(maps, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("layer", LAYERS)
def test_pytorch_feature_maps_are_the_hooks_output(layer):
    model = untrained_fashion_cnn("torch", seed=3)
    x = images("torch")
    kept = []
    handle = model.get_submodule(layer).register_forward_hook(lambda m, i, o: kept.append(o))
    with torch.no_grad():
        model(torch.from_numpy(x))
    handle.remove()
    np.testing.assert_array_equal(explain.feature_maps(model, x, layer), kept[0].numpy())


def test_the_frameworks_agree_on_efficientnet_maps_and_filters():
    torch_model, keras_model = efficientnet_lite0("torch"), efficientnet_lite0("keras")
    photo = np.random.default_rng(2).uniform(-1, 1, (1, 64, 64, 3)).astype(np.float32)
    for layer in ("stem", "blocks.1.depthwise.conv", "blocks.5"):
        nhwc = explain.feature_maps(keras_model, photo, layer)
        nchw = explain.feature_maps(torch_model, photo.transpose(0, 3, 1, 2).copy(), layer)
        np.testing.assert_allclose(nchw, nhwc, atol=1e-4 * np.abs(nchw).max())
    for layer in ("stem.conv", "blocks.1.depthwise.conv", "blocks.1.project.conv"):
        weights = explain.filters(keras_model, layer, input_size=(64, 64))
        np.testing.assert_array_equal(
            explain.filters(torch_model, layer, input_size=(64, 64)), weights
        )
    depthwise = explain.filters(keras_model, "blocks.1.depthwise.conv", input_size=(64, 64))
    kernel = keras_model.get_layer("blocks.1.depthwise.conv").kernel.numpy()  # (kh, kw, C, 1)
    assert depthwise.shape == (96, 1, 3, 3)
    np.testing.assert_array_equal(depthwise, kernel.transpose(2, 3, 0, 1))


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_filters_are_the_layers_weights_in_pytorchs_layout(framework):
    model = untrained_fashion_cnn(framework, seed=3)
    for layer in ("conv1", "conv3"):
        if framework == "torch":
            got = explain.filters(model, layer, input_size=(28, 28))
            expected = model.get_submodule(layer).weight.detach().numpy()
        else:
            got = explain.filters(model, layer)
            expected = model.get_layer(layer).kernel.numpy().transpose(3, 2, 0, 1)
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_a_filter_is_the_correlation_that_makes_its_map(framework):
    """filters[j, k] laid out as the image: the map at (i, j) is sum(patch * filter) + bias."""
    model = untrained_fashion_cnn(framework, seed=3)
    x = images(framework, 1)
    size = {"input_size": (28, 28)} if framework == "torch" else {}
    weight = explain.filters(model, "conv1", **size)[5, 0]
    maps = explain.feature_maps(model, x, "conv1")[0, 5]
    grey = x[0, 0] if framework == "torch" else x[0, ..., 0]
    patch = grey[9:12, 14:17]
    bias = maps[10, 15] - (patch * weight).sum()
    assert maps[4, 20] == pytest.approx((grey[3:6, 19:22] * weight).sum() + bias, abs=1e-5)


def test_bad_layers_and_images_are_refused_with_what_to_do():
    model = untrained_fashion_cnn("torch", seed=3)
    with pytest.raises(ValueError, match=r"no layer 'cnv2'\. Did you mean 'conv2'"):
        explain.feature_maps(model, images("torch"), "cnv2")
    with pytest.raises(ValueError, match="not a batch of feature maps"):
        explain.feature_maps(model, images("torch"), "dense1")
    with pytest.raises(ValueError, match="looks NHWC"):
        explain.feature_maps(model, images("keras"), "conv1")
    with pytest.raises(ValueError, match=r"pass input_size=\(H, W\)"):
        explain.filters(model, "conv1")
    with pytest.raises(
        ValueError, match=r"'conv1_relu' \(ReLU\) is not a convolution.*'conv1', 'conv2'"
    ):
        explain.filters(model, "conv1_relu", input_size=(28, 28))
    with pytest.raises(ValueError, match=r"input_size must be a pair \(H, W\)"):
        explain.filters(model, "conv1", input_size=28)
