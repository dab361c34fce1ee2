"""The course's MNIST experiment: its network, its data, and cached training in three frameworks.

The network: conv 32@3x3 ReLU -> max-pool 2x2 -> flatten -> dense 100 ReLU -> dense 10
softmax, cross-entropy, Adam with learning rate 1e-3, batches of 1000, 10 epochs. The pooling
is ``strict``: on MNIST, windows whose maxima tie are common (identical patches of saturated
strokes, and of blank background once a bias turns positive), and only the strict rule gives
the gradient PyTorch and Keras compute there. Trained
results are kept in the user cache (:func:`mnn.cache.cached_artifact`), keyed by the whole
configuration, so a second run loads them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from numpy.typing import DTypeLike

from .._validation import check_choice, check_positive_int
from ..cache import cached_artifact, read_artifact
from .activations import ReLU, SoftMax
from .network import SequentialNet
from .optimizers import Adam
from .training import History

LEARNING_RATE = 1e-3
EPSILON = 1e-7
# Bump when the training code changes what a cached result would be.
VERSION = 2


def course_network(*, dtype: DTypeLike = np.float32, seed: int = 0) -> SequentialNet:
    """The course's MNIST network in mnn, with initial weights drawn from ``seed``.

    Returns
    -------
    SequentialNet
        Input (1, 28, 28), output 10 class probabilities, Adam(1e-3) in every layer.
    """
    optim = Adam(LEARNING_RATE, epsilon=EPSILON)
    net = SequentialNet((1, 28, 28), dtype=dtype, seed=seed)
    net.add_conv2D((32, 3, 3), ReLU(), optim)
    net.add_pool2D((2, 2), strict=True)
    net.add_flatten()
    net.add_dense(100, ReLU(), optim)
    net.add_dense(10, SoftMax(), optim)
    return net


def mnist_images(
    dtype: DTypeLike = np.float32,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """MNIST from :func:`mnn.data.load_mnist`, scaled to [0, 1] and shaped (N, 1, 28, 28).

    Returns
    -------
    ((x_train, y_train), (x_test, y_test))
        Images of ``dtype``, integer labels (N,).
    """
    from ..data import load_mnist

    (x_train, y_train), (x_test, y_test) = load_mnist()
    scale = np.asarray(1 / 255, dtype=dtype)
    return (x_train[:, None] * scale, y_train), (x_test[:, None] * scale, y_test)


def _config(framework: str, epochs: int, batch_size: int, seed: int) -> dict:
    return {
        "network": "conv32x3x3-relu-maxpool2x2strict-flatten-dense100-relu-dense10-softmax",
        "framework": framework,
        "optimizer": {"name": "adam", "learning_rate": LEARNING_RATE, "epsilon": EPSILON},
        "epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
        "dtype": "float32",
        "version": VERSION,
    }


def train_course_network(
    framework: str = "mnn",
    *,
    epochs: int = 10,
    batch_size: int = 1000,
    seed: int = 0,
    verbose: bool = True,
) -> tuple[SequentialNet, History]:
    """Train the course network on all 60,000 MNIST images, or load the cached result.

    All three frameworks start from the same initial weights (``course_network(seed=seed)``),
    see the same minibatches in the same order, and are validated on the 10,000 test images
    after every epoch.

    Parameters
    ----------
    framework
        "mnn", "torch" (the :mod:`~mnn.nn.torch_port` twin) or "keras"
        (:mod:`~mnn.nn.keras_port`).
    epochs, batch_size, seed
        Training schedule; ``seed`` draws the initial weights and shuffles the batches.
    verbose
        Progress bars and one line per epoch while training.

    Returns
    -------
    (net, history)
        The trained network with its weights in mnn's layout (for every framework), and the
        per-epoch history of :meth:`SequentialNet.train` ("seconds" as measured when it was
        trained).
    """
    check_choice(framework, "framework", ("mnn", "torch", "keras"))
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    config = _config(framework, epochs, batch_size, seed)

    def create(directory: Path) -> None:
        (x, y), (x_test, y_test) = mnist_images()
        net = course_network(seed=seed)
        schedule = {
            "batch_size": batch_size, "epochs": epochs, "seed": seed,
            "validation_data": (x_test, y_test), "verbose": verbose,
        }  # fmt: skip
        if framework == "mnn":
            history = net.train(x, y, **schedule)
        elif framework == "torch":
            from .torch_port import fit_torch, from_torch, to_torch

            model = to_torch(net)
            history = fit_torch(model, x, y, loss=net.loss, optim=_adam(), **schedule)
            from_torch(model, net)
        else:
            from .keras_port import fit_keras, from_keras, to_keras

            model = to_keras(net)
            history = fit_keras(model, x, y, loss=net.loss, optim=_adam(), **schedule)
            from_keras(model, net)
        np.savez(directory / "weights.npz", **net.parameters())
        (directory / "history.json").write_text(json.dumps(history, indent=1))

    def read(directory: Path) -> tuple[SequentialNet, History]:
        net = course_network(seed=seed)
        with np.load(directory / "weights.npz") as saved:
            for name, value in net.parameters().items():
                value[...] = saved[name]
        return net, json.loads((directory / "history.json").read_text())

    directory, _ = cached_artifact("nn/course_network", config, create)
    return read_artifact(directory, read)


def _adam() -> Adam:
    return Adam(LEARNING_RATE, epsilon=EPSILON)
