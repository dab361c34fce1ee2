"""The course network of chapter 1 trained in mnn, PyTorch or Keras, once, then loaded.

The twins (:mod:`~mnn.models.course_network.torch`, :mod:`~mnn.models.course_network.keras`)
build the same network as a :class:`~mnn.nn.SequentialNet` with copies of its weights, give its
loss and gradients in mnn's names and layouts, and train as :meth:`SequentialNet.train
<mnn.nn.SequentialNet.train>` trains: the same batches in the same order
(:func:`mnn.nn.training.minibatches`), the same records.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..._frameworks import FRAMEWORKS, framework_module
from ..._validation import check_bool, check_choice, check_positive_int, check_seed
from ...nn.course import EPSILON, LEARNING_RATE, course_network, course_optimizer, mnist_images
from ...nn.network import SequentialNet
from ...nn.training import History
from ..training import train_or_load

#: The cache folder; it predates this module (the course network was trained in mnn.nn), and a
#: new name would make every reader train the three networks again.
NAMESPACE = "nn/course_network"
# Bump when the training code changes what a cached result would be.
VERSION = 2


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
        "mnn" (:meth:`SequentialNet.train <mnn.nn.SequentialNet.train>`), "torch" (the
        :mod:`~mnn.models.course_network.torch` twin) or "keras"
        (:mod:`~mnn.models.course_network.keras`).
    epochs, batch_size, seed
        Training schedule; ``seed`` draws the initial weights and shuffles the batches.
    verbose
        Progress bars and one line per epoch while training.

    Returns
    -------
    (net, history)
        The trained network with its weights in mnn's layout (for every framework), and the
        per-epoch history of :meth:`SequentialNet.train <mnn.nn.SequentialNet.train>`
        ("seconds" as measured when it was trained).
    """
    check_choice(framework, "framework", ("mnn", *FRAMEWORKS))
    config = {
        "network": "conv32x3x3-relu-maxpool2x2strict-flatten-dense100-relu-dense10-softmax",
        "framework": framework,
        "optimizer": {"name": "adam", "learning_rate": LEARNING_RATE, "epsilon": EPSILON},
        "epochs": check_positive_int(epochs, "epochs"),
        "batch_size": check_positive_int(batch_size, "batch_size"),
        "seed": check_seed(seed),
        "dtype": "float32",
        "version": VERSION,
    }

    check_bool(verbose, "verbose")

    def train() -> tuple[SequentialNet, History]:
        (x, y), validation = mnist_images()
        net = course_network(seed=seed)
        schedule = {
            "batch_size": config["batch_size"], "epochs": config["epochs"], "seed": seed,
            "validation_data": validation, "verbose": verbose,
        }  # fmt: skip
        if framework == "mnn":
            return net, net.train(x, y, **schedule)
        twin = framework_module(__name__, framework)
        return net, twin.train(net, x, y, optim=course_optimizer(), **schedule)

    def save(net: SequentialNet, directory: Path) -> None:
        np.savez(directory / "weights.npz", **net.parameters())

    def load(directory: Path) -> SequentialNet:
        net = course_network(seed=seed)
        with np.load(directory / "weights.npz") as saved:
            for name, value in net.parameters().items():
                value[...] = saved[name]
        return net

    return train_or_load(NAMESPACE, config, train, save, load)
