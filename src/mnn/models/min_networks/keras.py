"""The min-networks of :mod:`mnn.models.min_networks` in Keras."""

from __future__ import annotations

import keras
import numpy as np


def network(hidden: np.ndarray, output: np.ndarray) -> keras.Sequential:
    """``hidden`` (k, 2) and ``output`` (1, k) weights -> (N, 2) -> (N, 1), float64."""
    model = keras.Sequential(
        [
            keras.Input((2,), dtype="float64"),
            keras.layers.Dense(len(hidden), use_bias=False, dtype="float64", name="hidden"),
            keras.layers.ReLU(dtype="float64", name="relu"),
            keras.layers.Dense(1, use_bias=False, dtype="float64", name="output"),
        ]
    )
    model.get_layer("hidden").set_weights([hidden.T])
    model.get_layer("output").set_weights([output.T])
    return model
