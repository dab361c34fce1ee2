"""mnn: the companion package of *Mathematics of Neural Networks*.

Subpackages are imported on first use, so ``import mnn`` stays fast and does not pull in
PyTorch or TensorFlow:

- ``mnn.data``: MNIST, Fashion-MNIST and sample photographs, offline and checksummed.
- ``mnn.nn``: a convolutional network framework written in NumPy.
- ``mnn.optim``: Newton, BFGS and L-BFGS.
- ``mnn.models``: pretrained and small models in PyTorch and Keras.
- ``mnn.explain``: CAM, Grad-CAM and Grad-CAM++, receptive fields, feature maps and filters,
  activation maximisation and fooling, attribution by gradients (Gradient x Input, Integrated
  Gradients, SmoothGrad) and LRP.
- ``mnn.viz``: figures.
- ``mnn.exercises``: answer checkers for the course's implementation exercises.

Importing ``mnn`` also keeps TensorFlow's start-up notices (oneDNN, CPU features) off standard
error, whoever imports TensorFlow afterwards; see :mod:`mnn._quiet`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ._frameworks import guard_load_order
from ._quiet import quiet_import

__version__ = "0.1.0"

_SUBPACKAGES = ("data", "nn", "optim", "models", "explain", "viz", "exercises")
__all__ = [*_SUBPACKAGES, "__version__"]

# TensorFlow's C++ start-up notices would otherwise fill the first cell that uses Keras.
quiet_import("tensorflow")

# PyTorch's triton and TensorFlow abort the process when loaded in the wrong order (#17). Called
# after quiet_import, so that its finder comes first: torch and triton are loaded, then
# TensorFlow, quietly.
guard_load_order()


def __getattr__(name: str) -> ModuleType:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'mnn' has no attribute {name!r}")
