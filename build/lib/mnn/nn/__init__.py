"""A convolutional network framework in NumPy, in the course's NCHW layout.

- Layers: :class:`Conv2D`, :class:`MaxPool2D`, :class:`Flatten`, :class:`Dense`, each with
  ``evaluate`` (forward), ``backprop`` (backward) and ``update`` (an optimizer step).
- Activations :class:`ReLU`, :class:`Sigmoid`, :class:`Tanh`, :class:`Identity`,
  :class:`SoftMax`; losses :class:`CrossEntropy`, :class:`MeanSquaredError`.
- Optimizers :class:`SGD` (with momentum), :class:`Adam`; initializers :class:`RandnAverage`,
  :class:`He`, :class:`Glorot`.
- :class:`SequentialNet` stacks layers and trains them; :func:`gradcheck` compares every gradient
  with central differences.
"""

from .activations import Activation, Identity, ReLU, Sigmoid, SoftMax, Tanh
from .gradcheck import gradcheck, relative_error
from .initializers import Glorot, He, Initializer, RandnAverage
from .layers import Conv2D, Dense, Flatten, Layer, MaxPool2D, tied_windows
from .losses import CrossEntropy, Loss, MeanSquaredError
from .network import SequentialNet
from .optimizers import SGD, Adam, Optimizer

__all__ = [
    "SGD",
    "Activation",
    "Adam",
    "Conv2D",
    "CrossEntropy",
    "Dense",
    "Flatten",
    "Glorot",
    "He",
    "Identity",
    "Initializer",
    "Layer",
    "Loss",
    "MaxPool2D",
    "MeanSquaredError",
    "Optimizer",
    "RandnAverage",
    "ReLU",
    "SequentialNet",
    "Sigmoid",
    "SoftMax",
    "Tanh",
    "gradcheck",
    "relative_error",
    "tied_windows",
]
