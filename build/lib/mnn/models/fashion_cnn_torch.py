"""The Fashion-MNIST CNN in PyTorch: built from :data:`mnn.models.fashion_cnn.LAYERS`, trained."""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .fashion_cnn import KERNEL_SIZE, LAYERS, METRICS, fit_fashion_cnn, flattened_shape
from .training import Step
from .training_torch import adam_step as _adam_step
from .training_torch import numpy_loss

WEIGHTS_FILE = "weights.pt"
#: The mean cross-entropy of (N, 10) logits and (N,) labels, on NumPy arrays.
loss_value = numpy_loss(F.cross_entropy)


def version() -> str:
    return torch.__version__


def _network() -> nn.Sequential:
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


def build(seed: int) -> nn.Sequential:
    """The untrained network, initialised from ``seed`` without touching the global RNG."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return _network()


def adam_step(model: nn.Module, learning_rate: float) -> Step:
    """Adam on the cross-entropy of the logits, reporting the accuracy beside it."""
    return _adam_step(model, F.cross_entropy, learning_rate, METRICS)


def train(
    config: dict[str, Any], data: tuple[np.ndarray, ...], progress: bool
) -> tuple[nn.Sequential, dict[str, list[float]]]:
    """:func:`~mnn.models.fashion_cnn.fit_fashion_cnn` on a network initialised from
    ``config["seed"]``, which also seeds the dropout masks, without touching PyTorch's global
    generator; returns the model in evaluation mode and its history."""
    with torch.random.fork_rng():
        torch.manual_seed(config["seed"])
        model = _network()
        history = fit_fashion_cnn(model, config, data, progress)
    return model.eval(), history


def save(model: nn.Module, directory: Path) -> None:
    torch.save(model.state_dict(), directory / WEIGHTS_FILE)


def load(directory: Path, config: dict[str, Any]) -> nn.Sequential:
    """The trained network saved in ``directory``, in evaluation mode."""
    model = _network()
    model.load_state_dict(torch.load(directory / WEIGHTS_FILE, weights_only=True))
    return model.eval()
