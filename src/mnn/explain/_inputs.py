"""The batch an attribution method explains: images in the model's layout, or other inputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_array, describe
from .cam import check_images


def check_batch(inputs: Any, layout: str, dtype: np.dtype) -> np.ndarray:
    """A batch as a NumPy array in the model's dtype (tensors are read).

    Four-dimensional batches are images and are checked as :func:`~mnn.explain.cam.check_images`
    does (layout, integer pixels); other batches, (N, d) vectors say, need a leading batch axis,
    finite values and the model's floating dtype.
    """
    if not isinstance(inputs, np.ndarray) and hasattr(inputs, "__array__"):
        inputs = np.asarray(inputs.detach() if hasattr(inputs, "detach") else inputs)
    if isinstance(inputs, np.ndarray) and inputs.ndim in (3, 4):
        return check_images(inputs, layout, dtype)
    check_array(inputs, "images", dtype_kind="f", finite=True)
    if inputs.ndim < 2:
        raise ValueError(
            f"images must be a batch with a leading batch axis, got {describe(inputs)}; for one "
            "input x pass x[None]."
        )
    if inputs.dtype != dtype:
        raise TypeError(
            f"images are {inputs.dtype} but the model computes in {dtype}; pass "
            f"images.astype(np.{dtype.name})."
        )
    return inputs


def channel_axis(layout: str) -> int:
    """The channel axis of an image batch, counted from the end: -3 (NCHW) or -1 (NHWC)."""
    return -3 if layout == "NCHW" else -1
