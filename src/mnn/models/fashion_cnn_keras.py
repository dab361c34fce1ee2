"""The Fashion-MNIST CNN in Keras: built from :data:`mnn.models.fashion_cnn.LAYERS`, trained."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import keras
import numpy as np

from .fashion_cnn import HISTORY_KEYS, IMAGE_SIZE, KERNEL_SIZE, LAYERS, progress_bar

WEIGHTS_FILE = "weights.npz"
layers = keras.layers


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


def _compiled(model: keras.Sequential, config: dict[str, Any]) -> keras.Sequential:
    """Compile for training and ``model.evaluate``: Adam, cross-entropy of logits, accuracy."""
    model.compile(
        optimizer=keras.optimizers.Adam(config["learning_rate"]),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


class _ProgressCallback(keras.callbacks.Callback):
    """Advance a tqdm bar after every mini-batch."""

    def __init__(self, bar: Any) -> None:
        super().__init__()
        self.bar = bar

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.bar.update()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        self.bar.set_postfix(
            loss=f"{logs.get('loss', float('nan')):.3f}",
            val_accuracy=f"{logs.get('val_accuracy', float('nan')):.3f}",
        )


def train(
    config: dict[str, Any], data: tuple[np.ndarray, ...], progress: bool
) -> tuple[keras.Sequential, dict[str, list[float]]]:
    """Adam on shuffled mini-batches (``model.fit``); returns the model and its history."""
    x_train, y_train, x_test, y_test = data
    epochs, batch_size = config["epochs"], config["batch_size"]
    model = _compiled(build(config["seed"]), config)
    total = epochs * math.ceil(len(x_train) / batch_size)
    with progress_bar(total, progress, "fashion_cnn (keras)") as bar:
        fitted = model.fit(
            x_train,
            y_train,
            batch_size=batch_size,
            epochs=epochs,
            validation_data=(x_test, y_test),
            callbacks=[_ProgressCallback(bar)],
            verbose=0,
        )
    history = {key: [float(v) for v in fitted.history[key]] for key in HISTORY_KEYS}
    return model, history


def save(model: keras.Model, directory: Path) -> None:
    # Plain NumPy arrays in model.weights order (Keras' .h5 writer warns under NumPy 2).
    np.savez(directory / WEIGHTS_FILE, *model.get_weights())


def load(directory: Path, config: dict[str, Any]) -> keras.Sequential:
    """The trained network saved in ``directory``, compiled as in training."""
    model = _compiled(_network(), config)
    with np.load(directory / WEIGHTS_FILE) as stored:
        model.set_weights([stored[f"arr_{i}"] for i in range(len(stored.files))])
    return model
