"""The course's small Sequential CNN, adapted to 28x28 Fashion-MNIST, in PyTorch and Keras.

conv, conv, pool, conv, conv, pool, flatten, dropout, dense, dense, out: the layer table
:data:`~mnn.models.fashion_cnn.spec.LAYERS` is written once and both frameworks build from it
(:mod:`~mnn.models.fashion_cnn.torch`, :mod:`~mnn.models.fashion_cnn.keras`), with the same names,
so the two models have the same architecture and the same number of parameters. Convolutions are
3x3 with "same" padding; every convolution and hidden dense layer is followed by its own ReLU
layer (``conv1_relu``, ...); ``logits`` has no softmax.

:func:`~mnn.models.trained_fashion_cnn` trains a model once and keeps it in the user cache
(:func:`mnn.models.training.train_or_load`), keyed by the configuration and the seed; later calls
load it. Both frameworks train with the loop the autoencoder uses, :func:`mnn.models.training.fit`:
Adam on the cross-entropy of the logits, with the accuracy beside it.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ..._frameworks import FRAMEWORKS, framework_module
from ..._validation import (
    check_array,
    check_bool,
    check_choice,
    check_count,
    check_positive_int,
    check_positive_real,
)
from ..fashion_mnist import IMAGE_SIZE, TEST_IMAGES, TRAIN_IMAGES, training_subset
from ..training import History, evaluator, fit, train_or_load
from .spec import EVALUATION_BATCH, HISTORY_KEYS, LAYERS, METRICS

__all__ = ["fashion_inputs", "trained_fashion_cnn", "untrained_fashion_cnn"]


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


def _halves(framework: str) -> tuple[ModuleType, ModuleType]:
    """The framework's CNN module and its training module."""
    check_choice(framework, "framework", FRAMEWORKS)
    return framework_module(__name__, framework), framework_module("mnn.models.training", framework)


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
    cnn, trainer = _halves(framework)
    with trainer.seeded(check_positive_int(seed, "seed", minimum=0)):
        return cnn.network()


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
) -> tuple[Any, History]:
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
    cnn, trainer = _halves(framework)
    config = {
        "layers": [list(layer) for layer in LAYERS],
        "framework": framework,
        "framework_version": trainer.version(),
        "epochs": check_positive_int(epochs, "epochs"),
        "batch_size": check_positive_int(batch_size, "batch_size"),
        "learning_rate": check_positive_real(learning_rate, "learning_rate"),
        "n_train": check_count(n_train, "n_train", TRAIN_IMAGES, what="images"),
        "n_test": check_count(n_test, "n_test", TEST_IMAGES, what="images"),
        "seed": check_positive_int(seed, "seed", minimum=0),
        "training": "mnn.models.training.fit",
    }
    check_bool(progress, "progress")

    def train() -> tuple[Any, History]:
        (x_train, y_train), (x_test, y_test) = training_subset(
            config["n_train"], config["n_test"], config["seed"]
        )
        # The seed also draws the dropout masks, so the whole training runs seeded.
        with trainer.seeded(config["seed"]):
            model = cnn.network()
            history = fit(
                trainer.adam_step(model, cnn.loss, config["learning_rate"], METRICS),
                evaluator(model, cnn.loss_value, EVALUATION_BATCH, METRICS),
                (fashion_inputs(x_train, framework), y_train.astype(np.int64)),
                (fashion_inputs(x_test, framework), y_test.astype(np.int64)),
                epochs=config["epochs"],
                batch_size=config["batch_size"],
                seed=config["seed"],
                progress=progress,
                description=f"fashion_cnn ({framework})",
            )
        return model, {key: history[key] for key in HISTORY_KEYS}

    def load(directory: Path) -> Any:
        return cnn.load(directory, config["learning_rate"])

    return train_or_load(f"fashion_cnn/{framework}", config, train, trainer.save_weights, load)
