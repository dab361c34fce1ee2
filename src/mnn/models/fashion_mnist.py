"""The Fashion-MNIST images that the small models (CNN, autoencoders) train and test on."""

from __future__ import annotations

import numpy as np

IMAGE_SIZE = 28
TRAIN_IMAGES, TEST_IMAGES = 60_000, 10_000


def training_subset(
    n_train: int | None, n_test: int | None, seed: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The first ``n_train`` of a seeded shuffle of the training images, and the first ``n_test``
    test images.

    Parameters
    ----------
    n_train, n_test
        How many; ``None`` takes all 60,000 or 10,000.
    seed
        Seeds the shuffle of the training set (the test images keep their order).

    Returns
    -------
    ((x_train, y_train), (x_test, y_test))
        uint8 images (N, 28, 28) and uint8 labels (N,), as :func:`mnn.data.load_fashion_mnist`
        returns them.
    """
    from ..data import load_fashion_mnist

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    chosen = np.random.default_rng(seed).permutation(len(x_train))[:n_train]
    return (x_train[chosen], y_train[chosen]), (x_test[:n_test], y_test[:n_test])
