"""The Fashion-MNIST CNN in PyTorch, built from :data:`mnn.models.fashion_cnn.spec.LAYERS`."""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path

from torch import nn
from torch.nn import functional as F

from ..training.torch import load_weights, numpy_loss
from .spec import KERNEL_SIZE, LAYERS, flattened_shape

#: The mean cross-entropy of (N, 10) logits and (N,) integer labels, on tensors and on arrays.
loss = F.cross_entropy
loss_value = numpy_loss(loss)


def network() -> nn.Sequential:
    """The untrained network, initialised from PyTorch's global generator."""
    modules: OrderedDict[str, nn.Module] = OrderedDict()
    channels, features = 1, math.prod(flattened_shape())
    for layer in LAYERS:
        if layer.kind == "conv":
            modules[layer.name] = nn.Conv2d(channels, int(layer.size), KERNEL_SIZE, padding="same")
            channels = int(layer.size)
        elif layer.kind == "relu":
            modules[layer.name] = nn.ReLU()
        elif layer.kind == "maxpool":
            modules[layer.name] = nn.MaxPool2d(int(layer.size))
        elif layer.kind == "flatten":
            modules[layer.name] = nn.Flatten()
        elif layer.kind == "dropout":
            modules[layer.name] = nn.Dropout(layer.size)
        else:
            modules[layer.name] = nn.Linear(features, int(layer.size))
            features = int(layer.size)
    return nn.Sequential(modules)


def load(directory: Path, learning_rate: float) -> nn.Sequential:
    """The trained network saved in ``directory``, in evaluation mode (``learning_rate`` is
    used by Keras only)."""
    return load_weights(network(), directory)
