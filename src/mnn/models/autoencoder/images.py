"""The autoencoder's images: (N, 28, 28) float pixels in [0, 1], its inputs and its targets."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._validation import check_array, check_in_range, describe
from ..fashion_mnist import IMAGE_SIZE

IMAGES_HINT = (
    "pass (N, 28, 28) float pixels in [0, 1], e.g. mnn.models.autoencoder_inputs(uint8_images)"
)


def autoencoder_inputs(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28), as :func:`mnn.data.load_fashion_mnist` returns them, as float32
    pixels in [0, 1] of the same shape: the inputs and targets of the autoencoder."""
    check_array(images, "images", shape=(None, IMAGE_SIZE, IMAGE_SIZE))
    if images.dtype != np.uint8:
        raise TypeError(
            f"images must be uint8 pixels (0-255), got dtype {images.dtype}; floating images "
            "already scaled to [0, 1] are the autoencoder's inputs as they are."
        )
    return images.astype(np.float32) / 255.0


def check_images(images: Any, name: str = "images") -> np.ndarray:
    """Check that ``images`` are (N, 28, 28) finite floats in [0, 1]; return them as float32."""
    check_array(images, name)
    if images.dtype.kind != "f":
        raise TypeError(
            f"{name} must be floating-point pixels in [0, 1], got {describe(images)}; "
            f"{IMAGES_HINT}."
        )
    side = (IMAGE_SIZE, IMAGE_SIZE)
    if images.ndim != 3 or images.shape[1:] != side:
        if images.shape == side:
            hint = f"a single image needs a batch axis: pass {name}[None]"
        elif images.shape[1:] == (1, *side):
            hint = f"drop the channel axis with {name}[:, 0]"
        elif images.shape[1:] == (*side, 1):
            hint = f"drop the channel axis with {name}[..., 0]"
        else:
            hint = IMAGES_HINT
        raise ValueError(f"{name} must have shape (any, 28, 28), got {describe(images)}; {hint}.")
    if len(images) == 0:
        raise ValueError(f"{name} is empty, shape {images.shape}: pass at least one image.")
    check_array(images, name, finite=True)
    check_in_range(images, name, 0.0, 1.0, IMAGES_HINT + ".")
    return images.astype(np.float32, copy=False)
