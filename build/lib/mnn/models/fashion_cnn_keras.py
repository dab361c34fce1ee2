"""The Fashion-MNIST CNN in Keras: built from :data:`mnn.models.fashion_cnn.LAYERS`, trained."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np

from .fashion_cnn import IMAGE_SIZE, KERNEL_SIZE, LAYERS, METRICS, fit_fashion_cnn
from .training import Step
from .training_keras import adam_step as _adam_step
from .training_keras import numpy_loss, save_weights

WEIGHTS_FILE = "model.weights.h5"
layers = keras.layers
cross_entropy = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def version() -> str:
    return keras.__version__


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


def _network() -> keras.Sequential:
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1), name="image")
    return keras.Sequential([inputs, *(_layer(*layer) for layer in LAYERS)], name="fashion_cnn")


def build(seed: int) -> keras.Sequential:
    """The untrained network, initialised after ``keras.utils.set_random_seed(seed)``."""
    keras.utils.set_random_seed(seed)
    return _network()


def loss(logits: Any, labels: Any) -> Any:
    """The mean cross-entropy of (N, 10) logits and (N,) labels."""
    return cross_entropy(labels, logits)


loss_value = numpy_loss(loss)


def adam_step(model: keras.Model, learning_rate: float) -> Step:
    """Adam on the cross-entropy of the logits, reporting the accuracy beside it."""
    return _adam_step(model, loss, learning_rate, METRICS)


def train(
    config: dict[str, Any], data: tuple[np.ndarray, ...], progress: bool
) -> tuple[keras.Sequential, dict[str, list[float]]]:
    """:func:`~mnn.models.fashion_cnn.fit_fashion_cnn` on a network built by :func:`build`, whose
    seed also seeds the dropout masks; returns the model and its history."""
    model = build(config["seed"])
    return model, fit_fashion_cnn(model, config, data, progress)


def _compiled(model: keras.Sequential, config: dict[str, Any]) -> keras.Sequential:
    """Compile for ``model.evaluate``: Adam, cross-entropy of logits, accuracy, as in training."""
    model.compile(
        optimizer=keras.optimizers.Adam(config["learning_rate"]),
        loss=cross_entropy,
        metrics=["accuracy"],
    )
    return model


def save(model: keras.Model, directory: Path) -> None:
    save_weights(model, directory / WEIGHTS_FILE)


def load(directory: Path, config: dict[str, Any]) -> keras.Sequential:
    """The trained network saved in ``directory``, compiled as in training."""
    model = _network()
    # Compiled after loading: the saved file holds no optimiser state to match the new one.
    model.load_weights(directory / WEIGHTS_FILE)
    return _compiled(model, config)
