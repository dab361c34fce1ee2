"""The course's small Sequential CNN, adapted to 28x28 Fashion-MNIST, in PyTorch and Keras.

conv, conv, pool, conv, conv, pool, flatten, dropout, dense, dense, out: the layer table
:data:`LAYERS` is written once and both frameworks build from it, with the same names, so the
two models have the same architecture and the same number of parameters. Convolutions are 3x3
with "same" padding; every convolution and hidden dense layer is followed by its own ReLU layer
(``conv1_relu``, ...); ``logits`` has no softmax.

:func:`~mnn.models.trained_fashion_cnn` trains a model once and keeps it in the user cache
(:func:`mnn.cache.cached_artifact`), keyed by the configuration and the seed; later calls load it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .._validation import check_array, check_choice, check_positive_int
from ..cache import cached_artifact
from ._frameworks import FRAMEWORKS


class Layer(NamedTuple):
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
LAYERS: tuple[Layer, ...] = (
    Layer("conv1", "conv", 16),
    Layer("conv1_relu", "relu"),
    Layer("conv2", "conv", 16),
    Layer("conv2_relu", "relu"),
    Layer("pool1", "maxpool", 2),
    Layer("conv3", "conv", 32),
    Layer("conv3_relu", "relu"),
    Layer("conv4", "conv", 32),
    Layer("conv4_relu", "relu"),
    Layer("pool2", "maxpool", 2),
    Layer("flatten", "flatten"),
    Layer("dropout", "dropout", 0.5),
    Layer("dense1", "dense", 128),
    Layer("dense1_relu", "relu"),
    Layer("dense2", "dense", 64),
    Layer("dense2_relu", "relu"),
    Layer("logits", "dense", NUM_CLASSES),
)
KERNEL_SIZE = 3
#: What the training history records, once per epoch.
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


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
            f"dtype {images.dtype}."
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
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)):
        raise TypeError(f"learning_rate must be a number, got {learning_rate!r}.")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}.")
    config = {
        "layers": [list(layer) for layer in LAYERS],
        "framework": framework,
        "framework_version": backend.version(),
        "epochs": check_positive_int(epochs, "epochs"),
        "batch_size": check_positive_int(batch_size, "batch_size"),
        "learning_rate": float(learning_rate),
        "n_train": _check_count(n_train, "n_train", TRAIN_IMAGES),
        "n_test": _check_count(n_test, "n_test", TEST_IMAGES),
        "seed": check_positive_int(seed, "seed", minimum=0),
    }

    def create(directory: Path) -> None:
        data = _training_data(framework, config["n_train"], config["n_test"], config["seed"])
        model, history = backend.train(config, data, progress)
        backend.save(model, directory)
        (directory / "history.json").write_text(json.dumps(history))

    directory, _created = cached_artifact(f"fashion_cnn/{framework}", config, create)
    history = json.loads((directory / "history.json").read_text())
    return backend.load(directory, config), history


def _check_count(value: int | None, name: str, available: int) -> int | None:
    if value is None:
        return None
    value = check_positive_int(value, name)
    if value > available:
        raise ValueError(f"{name} must be at most {available:,} (all images), got {value:,}.")
    return value


def progress_bar(total: int, enabled: bool, description: str) -> Any:
    """A tqdm bar over ``total`` mini-batches (a silent one when not ``enabled``)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="batch", disable=not enabled)


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
