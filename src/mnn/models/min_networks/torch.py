"""The min-networks of :mod:`mnn.models.min_networks` in PyTorch."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch
from torch import nn


def network(hidden: np.ndarray, output: np.ndarray) -> nn.Sequential:
    """``hidden`` (k, 2) and ``output`` (1, k) weights: (N, 2) -> (N, 1), float64, eval mode."""
    layers = OrderedDict(
        hidden=nn.Linear(2, len(hidden), bias=False),
        relu=nn.ReLU(),
        output=nn.Linear(len(hidden), 1, bias=False),
    )
    with torch.no_grad():
        layers["hidden"].weight.copy_(torch.from_numpy(hidden))
        layers["output"].weight.copy_(torch.from_numpy(output))
    return nn.Sequential(layers).double().eval()
