"""EfficientNet-Lite0: PyTorch against the efficientnet-lite-pytorch package, Keras against it."""

from __future__ import annotations

import re

import efficientnet_lite_pytorch as oracle_package
import keras
import numpy as np
import pytest
import tensorflow as tf
import torch

from mnn._padding import same_padding
from mnn.data import PHOTOS, sample_image
from mnn.models import efficientnet_lite0, imagenet
from mnn.models.efficientnet import BLOCKS, pretrained_weights
from mnn.models.efficientnet.checkpoint import checkpoint_name, checkpoint_path
from mnn.models.efficientnet.torch import SamePad2d

CAT_CLASSES = {281, 282, 283, 284, 285}  # tabby, tiger cat, Persian, Siamese, Egyptian cat
ESPRESSO = 967
MOPED, MOTOR_SCOOTER = 665, 670


@pytest.fixture(scope="module")
def torch_model():
    return efficientnet_lite0("torch")


@pytest.fixture(scope="module")
def keras_model():
    return efficientnet_lite0("keras")


@pytest.fixture(scope="module")
def photos_nhwc() -> np.ndarray:
    return imagenet.preprocess([sample_image(name) for name in PHOTOS])


@pytest.fixture(scope="module")
def torch_logits(torch_model, photos_nhwc) -> np.ndarray:
    return imagenet.logits(torch_model, imagenet.to_nchw(photos_nhwc))


@pytest.fixture(scope="module")
def keras_logits(keras_model, photos_nhwc) -> np.ndarray:
    return imagenet.logits(keras_model, photos_nhwc)


def test_checkpoint_fills_every_parameter_and_buffer_strictly(torch_model):
    raw = torch.load(checkpoint_path(), map_location="cpu", weights_only=True)
    renamed = {checkpoint_name(key) for key in raw}
    assert len(renamed) == len(raw) == 296
    expected = torch_model.state_dict()
    assert renamed == set(expected)
    weights = pretrained_weights()
    assert all(weights[k].shape == tuple(v.shape) for k, v in expected.items())
    assert sum(p.numel() for p in torch_model.parameters()) == 4_652_008
    fresh = efficientnet_lite0("torch", pretrained=False)
    fresh.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)


def test_torch_logits_equal_the_reference_package(torch_logits, photos_nhwc):
    reference = oracle_package.EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=str(checkpoint_path())
    ).eval()
    with torch.no_grad():
        expected = reference(torch.from_numpy(imagenet.to_nchw(photos_nhwc))).numpy()
    np.testing.assert_allclose(torch_logits, expected, rtol=0, atol=1e-5)


def test_keras_logits_equal_torch(torch_logits, keras_logits):
    np.testing.assert_allclose(keras_logits, torch_logits, rtol=0, atol=1e-4)
    top5 = np.argsort(-torch_logits, axis=1)[:, :5]
    np.testing.assert_array_equal(np.argsort(-keras_logits, axis=1)[:, :5], top5)


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_top1_on_the_bundled_photos(framework, torch_logits, keras_logits):
    logits = dict(zip(PHOTOS, torch_logits if framework == "torch" else keras_logits, strict=True))
    assert int(np.argmax(logits["cat"])) in CAT_CLASSES
    assert int(np.argmax(logits["coffee"])) == ESPRESSO
    assert int(np.argmax(logits["motorcycle"])) in {MOPED, MOTOR_SCOOTER}


def test_classify_runs_either_framework_from_raw_photos(torch_model, keras_model, torch_logits):
    cat = sample_image("cat")
    expected = imagenet.decode_predictions(torch_logits[:1], top=3)
    for model in (torch_model, keras_model):
        predictions = imagenet.classify(model, cat, top=3)
        assert [p.index for p in predictions[0]] == [p.index for p in expected[0]]


def _torch_layer_outputs(model, x: np.ndarray) -> dict[str, np.ndarray]:
    outputs = {}
    handles = [
        module.register_forward_hook(
            lambda _m, _i, out, name=name: outputs.__setitem__(name, out.detach().numpy())
        )
        for name, module in model.named_modules()
        if name
    ]
    try:
        with torch.no_grad():
            model(torch.from_numpy(imagenet.to_nchw(x)))
    finally:
        for handle in handles:
            handle.remove()
    return outputs


def test_every_keras_layer_name_denotes_the_same_tensor_in_torch(torch_model, keras_model):
    x = imagenet.preprocess(sample_image("cat"))
    torch_outputs = _torch_layer_outputs(torch_model, x)
    names = [layer.name for layer in keras_model.layers[1:]]
    # PyTorch only: the padding modules, and the containers that have no output of their own.
    torch_only = re.compile(r"(.*\.pad|blocks|blocks\.\d+\.(expand|depthwise|project))$")
    assert sorted(n for n in torch_outputs if not torch_only.match(n)) == sorted(names)
    probe = keras.Model(keras_model.input, [keras_model.get_layer(n).output for n in names])
    for name, keras_out in zip(names, probe(x, training=False), strict=True):
        expected = torch_outputs[name]
        got = keras_out.numpy()
        got = got.transpose(0, 3, 1, 2) if got.ndim == 4 else got
        scale = max(1.0, float(np.abs(expected).max()))
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-4 * scale, err_msg=name)


def test_block_table():
    assert [b.name for b in BLOCKS] == [f"blocks.{i}" for i in range(16)]
    assert [b.residual for b in BLOCKS].count(True) == 9
    assert BLOCKS[0].in_channels == 32 and BLOCKS[-1].out_channels == 320
    assert [b.stride for b in BLOCKS] == [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]


@pytest.mark.parametrize("size", [7, 8, 13, 224])
@pytest.mark.parametrize(("kernel", "stride"), [(1, 1), (3, 1), (3, 2), (5, 2)])
def test_same_padding_equals_tensorflow_same(size, kernel, stride):
    rng = np.random.default_rng(size * 10 + kernel + stride)
    x = rng.standard_normal((1, size, size + 1, 2)).astype(np.float32)
    filters = rng.standard_normal((kernel, kernel, 2, 3)).astype(np.float32)
    expected = tf.nn.conv2d(x, filters, stride, padding="SAME").numpy()
    padded = SamePad2d(kernel, stride)(torch.from_numpy(x.transpose(0, 3, 1, 2)))
    kernel_oihw = torch.from_numpy(filters.transpose(3, 2, 0, 1))
    got = torch.nn.functional.conv2d(padded, kernel_oihw, None, stride)
    np.testing.assert_allclose(got.numpy().transpose(0, 2, 3, 1), expected, atol=1e-4)
    before, after = same_padding(size, kernel, stride)
    assert before <= after <= before + 1


def test_models_agree_on_odd_input_sizes(torch_model, keras_model):
    x = np.random.default_rng(0).uniform(-1, 1, (1, 97, 131, 3)).astype(np.float32)
    with torch.no_grad():
        expected = torch_model(torch.from_numpy(imagenet.to_nchw(x))).numpy()
    np.testing.assert_allclose(keras_model(x, training=False).numpy(), expected, atol=1e-4)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"framework must be one of 'torch', 'keras'; got 'jax'"):
        efficientnet_lite0("jax")
    with pytest.raises(TypeError, match="pretrained must be True or False"):
        efficientnet_lite0("torch", pretrained="yes")
    with pytest.raises(KeyError, match=r"unexpected key '_se_reduce\.weight'"):
        checkpoint_name("_se_reduce.weight")
