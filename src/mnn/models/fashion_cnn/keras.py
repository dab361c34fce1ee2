"""The Fashion-MNIST CNN in Keras, built from :data:`mnn.models.fashion_cnn.spec.LAYERS`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras

from ..fashion_mnist import IMAGE_SIZE
from ..training.keras import load_weights, numpy_loss
from .spec import KERNEL_SIZE, LAYERS

layers = keras.layers
cross_entropy = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _layer(name: str, kind: str, size: float | None) -> keras.layers.Layer:
    if kind == "conv":
        return layers.Conv2D(int(size), KERNEL_SIZE, padding="same", name=name)
    if kind == "relu":
        return layers.ReLU(name=name)
    if kind == "maxpool":
        return layers.MaxPooling2D(int(size), name=name)
    if kind == "flatten":
        return layers.Flatten(name=name)
    if kind == "dropout":
        return layers.Dropout(size, name=name)
    return layers.Dense(int(size), name=name)


def network() -> keras.Sequential:
    """The untrained network, initialised from Keras' global seed."""
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1), name="image")
    return keras.Sequential([inputs, *(_layer(*layer) for layer in LAYERS)], name="fashion_cnn")


def loss(logits: Any, labels: Any) -> Any:
    """The mean cross-entropy of (N, 10) logits and (N,) integer labels."""
    return cross_entropy(labels, logits)


loss_value = numpy_loss(loss)


def load(directory: Path, learning_rate: float) -> keras.Sequential:
    """The trained network saved in ``directory``, compiled as in training (Adam with
    ``learning_rate``, the cross-entropy of the logits, accuracy), so that ``model.evaluate``
    works."""
    model = load_weights(network(), directory)
    # Compiled after loading: the saved file holds no optimiser state to match the new one.
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=cross_entropy,
        metrics=["accuracy"],
    )
    return model
