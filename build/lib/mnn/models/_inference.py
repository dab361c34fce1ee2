"""Running a model of either framework on a NumPy batch, without gradients."""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .._frameworks import framework_of

# One compiled inference function per Keras model: eager Keras is 5-10x slower than torch here.
_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def forward(model: Any, inputs: np.ndarray) -> np.ndarray:
    """The model's output on ``inputs`` (in the model's own layout), in inference mode.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` (run under ``torch.no_grad``, in its current train/eval mode) or a
        ``keras.Model`` (run with ``training=False`` inside a cached ``tf.function``).
    inputs
        A float32 batch, (N, C, H, W) for PyTorch or (N, H, W, C) for Keras.

    Returns
    -------
    numpy.ndarray
        The output as a float32 array.
    """
    if framework_of(model) == "torch":
        import torch

        with torch.no_grad():
            return model(torch.from_numpy(np.ascontiguousarray(inputs))).numpy()
    return _keras_inference(model)(inputs).numpy()


def _keras_inference(model: Any) -> Any:
    if model not in _compiled:
        import tensorflow as tf

        # One trace for every batch size (and image size, where the model allows it); a weak
        # reference, so that the cached function does not keep its model alive.
        (inputs,) = model.inputs
        spec = tf.TensorSpec((None, *inputs.shape[1:]), inputs.dtype)
        model_ref = weakref.ref(model)
        _compiled[model] = tf.function(
            lambda x: model_ref()(x, training=False), input_signature=[spec]
        )
    return _compiled[model]
