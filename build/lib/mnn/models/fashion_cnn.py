"""The course's small Sequential CNN, adapted to 28x28 Fashion-MNIST, in PyTorch and Keras.

conv, conv, pool, conv, conv, pool, flatten, dropout, dense, dense, out: the layer table
:data:`LAYERS` is written once and both frameworks build from it, with the same names, so the
two models have the same architecture and the same number of parameters. Convolutions are 3x3
with "same" padding; every convolution and hidden dense layer is followed by its own ReLU layer
(``conv1_relu``, ...); ``logits`` has no softmax.

:func:`~mnn.models.trained_fashion_cnn` trains a model once and keeps it in the user cache
(:func:`mnn.cache.cached_artifact`), keyed by the configuration and the seed; later calls load it.
Both frameworks train with the loop the autoencoder uses, :func:`mnn.models.training.fit`
(``fit_fashion_cnn``): Adam on the cross-entropy of the logits, with the accuracy beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .._frameworks import FRAMEWORKS
from .._validation import (
    check_array,
    check_choice,
    check_count,
    check_positive_int,
    check_positive_real,
)
from ..cache import cached_artifact, read_artifact
from .training import accuracy, evaluator, fit


class LayerSpec(NamedTuple):
    """One row of the layer table: name, kind and its size (filters, units, pool or rate)."""

    name: str
    kind: str
    size: float | None = None


IMAGE_SIZE = 28
NUM_CLASSES = 10
TRAIN_IMAGES, TEST_IMAGES = 60_000, 10_000
#: The layer table. A "conv" is 3x3 with "same" padding and ``size`` filters, a "maxpool" takes
#: the maximum over ``size`` x ``size`` windows, "dropout" has rate ``size``, "dense" has ``size``
#: units.
LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec("conv1", "conv", 16),
    LayerSpec("conv1_relu", "relu"),
    LayerSpec("conv2", "conv", 16),
    LayerSpec("conv2_relu", "relu"),
    LayerSpec("pool1", "maxpool", 2),
    LayerSpec("conv3", "conv", 32),
    LayerSpec("conv3_relu", "relu"),
    LayerSpec("conv4", "conv", 32),
    LayerSpec("conv4_relu", "relu"),
    LayerSpec("pool2", "maxpool", 2),
    LayerSpec("flatten", "flatten"),
    LayerSpec("dropout", "dropout", 0.5),
    LayerSpec("dense1", "dense", 128),
    LayerSpec("dense1_relu", "relu"),
    LayerSpec("dense2", "dense", 64),
    LayerSpec("dense2_relu", "relu"),
    LayerSpec("logits", "dense", NUM_CLASSES),
)
KERNEL_SIZE = 3
#: Reported beside the cross-entropy during training (:mod:`mnn.models.training`).
METRICS = {"accuracy": accuracy}
#: What the training history records, once per epoch.
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
#: Test images per forward pass when the model is evaluated after every epoch.
EVALUATION_BATCH = 1000


def flattened_shape() -> tuple[int, int, int]:
    """(channels, height, width) of the feature map that ``flatten`` turns into a vector."""
    size, channels = IMAGE_SIZE, 1
    for layer in LAYERS[: [layer.name for layer in LAYERS].index("flatten")]:
        if layer.kind == "conv":
            channels = int(layer.size)
        elif layer.kind == "maxpool":
            size //= int(layer.size)
    return channels, size, size


def fashion_inputs(images: np.ndarray, framework: str) -> np.ndarray:
    """Fashion-MNIST images as the model's float32 input, scaled to [0, 1].

    Parameters
    ----------
    images
        (N, 28, 28) uint8, as :func:`mnn.data.load_fashion_mnist` returns them.
    framework
        ``"torch"`` gives (N, 1, 28, 28), ``"keras"`` gives (N, 28, 28, 1).

    Returns
    -------
    numpy.ndarray
        float32 in [0, 1].
    """
    check_choice(framework, "framework", FRAMEWORKS)
    check_array(images, "images", shape=(None, IMAGE_SIZE, IMAGE_SIZE))
    if images.dtype != np.uint8:
        raise TypeError(
            f"images must be uint8 pixels (0-255) as loaded by mnn.data.load_fashion_mnist, got "
            f"dtype {images.dtype}; for float32 images already scaled to [0, 1], add the channel "
            "axis instead: images[:, None] for torch, images[..., None] for keras."
        )
    x = images.astype(np.float32) / 255.0
    return x[:, None] if framework == "torch" else x[..., None]


def _backend(framework: str) -> Any:
    check_choice(framework, "framework", FRAMEWORKS)
    if framework == "torch":
        from . import fashion_cnn_torch as backend
    else:
        from . import fashion_cnn_keras as backend
    return backend


def untrained_fashion_cnn(framework: str = "torch", seed: int = 0) -> Any:
    """The untrained CNN, initialised from ``seed``.

    Parameters
    ----------
    framework
        ``"torch"`` (an ``nn.Sequential`` on (N, 1, 28, 28)) or ``"keras"`` (a
        ``keras.Sequential`` on (N, 28, 28, 1)); both return (N, 10) logits.
    seed
        Seed of the weight initialisation (PyTorch: without touching the global generator;
        Keras: through ``keras.utils.set_random_seed``, which also seeds Python and NumPy).
    """
    seed = check_positive_int(seed, "seed", minimum=0)
    return _backend(framework).build(seed)


def trained_fashion_cnn(
    framework: str = "torch",
    *,
    epochs: int = 3,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    n_train: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
    progress: bool = True,
) -> tuple[Any, dict[str, list[float]]]:
    """The CNN trained on Fashion-MNIST with Adam: loaded from the user cache, or trained once.

    About 20-40 s per epoch on two CPU cores for the full training set.

    Parameters
    ----------
    framework
        ``"torch"`` or ``"keras"``.
    epochs, batch_size, learning_rate
        Adam on the cross-entropy of the logits, mini-batches reshuffled every epoch.
    n_train, n_test
        Train on the first ``n_train`` of a seeded shuffle of the 60,000 training images and
        validate on the first ``n_test`` test images; ``None`` uses all of them.
    seed
        Seeds the initialisation, the shuffling and dropout; part of the cache key.
    progress
        Show a tqdm progress bar while training.

    Returns
    -------
    (model, history)
        The model (PyTorch: in evaluation mode; Keras: compiled with the training loss and
        accuracy, so that ``model.evaluate`` works) and its per-epoch ``"loss"``, ``"accuracy"``,
        ``"val_loss"``, ``"val_accuracy"``, ready for :func:`mnn.viz.plot_history`.
    """
    backend = _backend(framework)
    config = {
        "layers": [list(layer) for layer in LAYERS],
        "framework": framework,
        "framework_version": backend.version(),
        "epochs": check_positive_int(epochs, "epochs"),
        "batch_size": check_positive_int(batch_size, "batch_size"),
        "learning_rate": check_positive_real(learning_rate, "learning_rate"),
        "n_train": check_count(n_train, "n_train", TRAIN_IMAGES, what="images"),
        "n_test": check_count(n_test, "n_test", TEST_IMAGES, what="images"),
        "seed": check_positive_int(seed, "seed", minimum=0),
        "training": "mnn.models.training.fit",
    }

    def create(directory: Path) -> None:
        data = _training_data(framework, config["n_train"], config["n_test"], config["seed"])
        model, history = backend.train(config, data, progress)
        backend.save(model, directory)
        (directory / "history.json").write_text(json.dumps(history))

    directory, _created = cached_artifact(f"fashion_cnn/{framework}", config, create)

    def read(directory: Path) -> tuple[Any, dict[str, list[float]]]:
        history = json.loads((directory / "history.json").read_text())
        return backend.load(directory, config), history

    return read_artifact(directory, read)


def fit_fashion_cnn(
    model: Any, config: dict[str, Any], data: tuple[np.ndarray, ...], progress: bool
) -> dict[str, list[float]]:
    """Train ``model`` in place with :func:`mnn.models.training.fit`: Adam on the cross-entropy
    of the logits, with the accuracy beside it; returns the history (:data:`HISTORY_KEYS`).

    Parameters
    ----------
    model
        An untrained network of ``config["framework"]``.
    config
        The configuration of :func:`trained_fashion_cnn` (epochs, batch size, learning rate,
        seed).
    data
        (x_train, y_train, x_test, y_test): inputs in the model's layout, int64 labels.
    progress
        Show a tqdm progress bar.
    """
    backend = _backend(config["framework"])
    x_train, y_train, x_test, y_test = data
    history = fit(
        backend.adam_step(model, config["learning_rate"]),
        evaluator(model, backend.loss_value, EVALUATION_BATCH, METRICS),
        (x_train, y_train),
        (x_test, y_test),
        epochs=config["epochs"],
        batch_size=config["batch_size"],
        seed=config["seed"],
        progress=progress,
        description=f"fashion_cnn ({config['framework']})",
    )
    return {key: history[key] for key in HISTORY_KEYS}


def _training_data(
    framework: str, n_train: int | None, n_test: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) in the model's layout, labels int64."""
    from ..data import load_fashion_mnist

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    chosen = np.random.default_rng(seed).permutation(len(x_train))[:n_train]
    return (
        fashion_inputs(x_train[chosen], framework),
        y_train[chosen].astype(np.int64),
        fashion_inputs(x_test[:n_test], framework),
        y_test[:n_test].astype(np.int64),
    )
