"""mnn.explain on the ported EfficientNet-Lite0: Keras and PyTorch give the same maps and fields."""

from __future__ import annotations

import numpy as np
import pytest

from mnn import explain
from mnn.data import PHOTOS, sample_image
from mnn.models import efficientnet_lite0, imagenet
from mnn.models.efficientnet import BLOCKS


@pytest.fixture(scope="module")
def models():
    return {"torch": efficientnet_lite0("torch"), "keras": efficientnet_lite0("keras")}


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    nhwc = imagenet.preprocess([sample_image(name) for name in PHOTOS])
    return {"torch": imagenet.to_nchw(nhwc), "keras": nhwc}


def run_both(method, models, photos, **kwargs) -> dict[str, explain.CamResult]:
    return {name: method(models[name], photos[name], **kwargs) for name in models}


def assert_same_maps(results: dict[str, explain.CamResult], tolerance: float = 1e-4) -> None:
    torch_result, keras_result = results["torch"], results["keras"]
    assert torch_result.layer == keras_result.layer
    np.testing.assert_array_equal(torch_result.classes, keras_result.classes)
    scale = np.abs(torch_result.heatmaps).max()
    assert scale > 0
    np.testing.assert_allclose(keras_result.heatmaps, torch_result.heatmaps, atol=tolerance * scale)


@pytest.fixture(scope="module")
def grad_cams(models, photos):
    return run_both(explain.grad_cam, models, photos, target=("top", 3))


@pytest.fixture(scope="module")
def cams(models, photos):
    return run_both(explain.cam, models, photos, target=("top", 3))


def test_grad_cam_agrees_across_frameworks(grad_cams, models, photos):
    assert_same_maps(grad_cams)
    result = grad_cams["torch"]
    assert result.layer == "head" and result.heatmaps.shape == (len(PHOTOS), 3, 7, 7)
    logits = imagenet.logits(models["torch"], photos["torch"])
    np.testing.assert_array_equal(result.classes, np.argsort(-logits, axis=1)[:, :3])


def test_cam_agrees_across_frameworks_and_gives_grad_cam(cams, grad_cams):
    assert_same_maps(cams)
    for name in cams:
        expected = np.maximum(cams[name].heatmaps, 0) / 49
        np.testing.assert_allclose(grad_cams[name].heatmaps, expected, atol=1e-6 * expected.max())


def test_grad_cam_plus_plus_on_an_inner_layer_agrees(models, photos):
    """Grad-CAM++ divides by sums of squared and cubed gradients, so float32 rounding shows more
    than in Grad-CAM: on an AMD EPYC, PyTorch's float32 maps differ from the float64 ones by up to
    3.2e-4 of their maximum (Keras' by 4.5e-5), on an Intel Haswell by less than 1e-4. Both
    frameworks are compared with the float64 computation, and with each other, at 1e-3."""
    classes = [281, 967, 1, 665, 2]
    inner = run_both(explain.grad_cam_plus_plus, models, photos, layer="blocks.10", target=classes)
    assert_same_maps(inner, tolerance=1e-3)
    assert inner["keras"].heatmaps.shape == (len(PHOTOS), 14, 14)
    exact = explain.grad_cam_plus_plus(
        efficientnet_lite0("torch").double(),
        photos["torch"].astype(np.float64),
        layer="blocks.10",
        target=classes,
    ).heatmaps
    for result in inner.values():
        np.testing.assert_allclose(result.heatmaps, exact, atol=1e-3 * np.abs(exact).max())


def test_receptive_fields_agree_across_frameworks(models):
    for layer in ["stem", *(block.name for block in BLOCKS), "head"]:
        fields = {
            name: explain.receptive_field(model, layer, input_size=(224, 224))
            for name, model in models.items()
        }
        assert fields["torch"] == fields["keras"], layer
    # stem: 3x3 stride 2, 'SAME' adds its one zero after; blocks.0: 3x3 depthwise, stride 1.
    stem = explain.receptive_field(models["torch"], "stem", input_size=(224, 224))
    assert (stem.size, stem.jump, stem.start) == ((3, 3), (2, 2), (0, 0))
    block = explain.receptive_field(models["keras"], "blocks.0", input_size=(224, 224))
    assert (block.size, block.jump, block.start) == ((7, 7), (2, 2), (-2, -2))


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_roi_of_a_constant_head_map_is_constant(models, framework):
    result = explain.to_input(
        np.ones((7, 7)), models[framework], "head", mode="roi", input_size=(224, 224)
    )
    np.testing.assert_allclose(result, 1.0, rtol=1e-14)


def test_wrong_layout_for_efficientnet(models, photos):
    with pytest.raises(ValueError, match=r"NCHW batch.*looks NHWC.*to_nchw"):
        explain.grad_cam(models["torch"], photos["keras"])
    with pytest.raises(ValueError, match=r"NHWC batch.*looks NCHW.*to_nhwc"):
        explain.grad_cam(models["keras"], photos["torch"])
    with pytest.raises(ValueError, match=r"no layer 'block.12'.*'blocks.12'.*'head.conv'"):
        explain.grad_cam(models["keras"], photos["keras"], layer="block.12")
