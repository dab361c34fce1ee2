"""A forward pass of a Keras model on a NumPy batch, compiled once per model."""

from __future__ import annotations

import weakref
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

# One compiled inference function per model: eager Keras is 5-10x slower than torch here.
_compiled: weakref.WeakKeyDictionary[keras.Model, Callable] = weakref.WeakKeyDictionary()


def forward(model: keras.Model, inputs: np.ndarray) -> np.ndarray:
    """``model(inputs, training=False)`` inside a cached ``tf.function``."""
    if model not in _compiled:
        # One trace for every batch size (and image size, where the model allows it); a weak
        # reference, so that the cached function does not keep its model alive.
        (model_inputs,) = model.inputs
        spec = tf.TensorSpec((None, *model_inputs.shape[1:]), model_inputs.dtype)
        model_ref = weakref.ref(model)
        _compiled[model] = tf.function(
            lambda x: model_ref()(x, training=False), input_signature=[spec]
        )
    return _compiled[model](inputs).numpy()
