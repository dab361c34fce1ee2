"""The course's MNIST experiment: its network and its data.

The network: conv 32@3x3 ReLU -> max-pool 2x2 -> flatten -> dense 100 ReLU -> dense 10
softmax, cross-entropy, Adam with learning rate 1e-3, batches of 1000, 10 epochs. The pooling
is ``strict``: on MNIST, windows whose maxima tie are common (identical patches of saturated
strokes, and of blank background once a bias turns positive), and only the strict rule gives
the gradient PyTorch and Keras compute there. It trains with :meth:`SequentialNet.train
<mnn.nn.SequentialNet.train>`; :func:`mnn.models.course_network.train_course_network` trains it,
or its PyTorch and Keras twins, once and keeps the result in the user cache.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import DTypeLike

from .activations import ReLU, SoftMax
from .network import SequentialNet
from .optimizers import Adam

LEARNING_RATE = 1e-3
EPSILON = 1e-7


def course_optimizer() -> Adam:
    """The course's optimiser: Adam with learning rate 1e-3 and epsilon 1e-7 (Keras' default)."""
    return Adam(LEARNING_RATE, epsilon=EPSILON)


def course_network(*, dtype: DTypeLike = np.float32, seed: int = 0) -> SequentialNet:
    """The course's MNIST network in mnn, with initial weights drawn from ``seed``.

    Returns
    -------
    SequentialNet
        Input (1, 28, 28), output 10 class probabilities, Adam(1e-3) in every layer.
    """
    optim = course_optimizer()
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
