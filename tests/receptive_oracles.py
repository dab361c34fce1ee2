"""Input-gradient supports, the oracle for receptive fields, in PyTorch and in Keras.

With positive weights and no nonlinearity, every path from an input pixel to a unit adds a
positive term to the unit's gradient, so the gradient is non-zero exactly on the pixels the unit
sees. Through max pooling only the chosen maximum passes, so the support is a subset.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
import torch

Box = tuple[tuple[int, int], tuple[int, int]]


def bounding_box(gradient: np.ndarray) -> Box | None:
    """First and last row and column where a (H, W) gradient is non-zero; None if nowhere."""
    rows, cols = np.nonzero(gradient)
    if not rows.size:
        return None
    return (int(rows.min()), int(rows.max())), (int(cols.min()), int(cols.max()))


def unit_gradients(
    model, images: np.ndarray, units: np.ndarray
) -> tuple[np.ndarray, tuple[int, int]]:
    """The gradient of each unit (row, column) of channel 0 of the output with respect to the
    input, one per image: ``images`` (U, H, W) and ``units`` (U, 2) -> (U, H, W); and the
    output's (h, w). The model takes one channel: NCHW float64 in PyTorch, NHWC float32 in Keras.

    One backward pass for all units: image b only feeds unit b's score.
    """
    rows, cols = units.T
    if isinstance(model, torch.nn.Module):
        x = torch.tensor(images[:, None], requires_grad=True)
        output = model(x)
        output[np.arange(len(units)), 0, rows, cols].sum().backward()
        return x.grad[:, 0].numpy(), tuple(output.shape[2:])
    if not isinstance(model, keras.Model):
        raise TypeError(f"a torch.nn.Module or a keras.Model, not {type(model)}")
    x = tf.Variable(images[..., None].astype(np.float32))
    with tf.GradientTape() as tape:
        output = model(x)
        picked = tf.gather_nd(output, np.stack([np.arange(len(units)), rows, cols, 0 * rows], 1))
        score = tf.reduce_sum(picked)
    return tape.gradient(score, x).numpy()[..., 0], tuple(output.shape[1:3])


def gradient_supports(model, image: np.ndarray, output_size: tuple[int, int]) -> dict:
    """(row, column) of every output unit -> the bounding box of its input gradient at ``image``
    (H, W), or None where the gradient is zero. The model's output must be (h, w) =
    ``output_size``."""
    units = np.array(list(np.ndindex(output_size)))
    images = np.repeat(image[None], len(units), axis=0)
    gradients, spatial = unit_gradients(model, images, units)
    assert spatial == tuple(output_size), f"the output is {spatial}, not {output_size}"
    return {tuple(unit): bounding_box(g) for unit, g in zip(units, gradients, strict=True)}
