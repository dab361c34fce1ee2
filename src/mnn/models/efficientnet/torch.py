"""EfficientNet-Lite0 in PyTorch: a plain tree of modules, every layer visible to forward hooks.

TensorFlow "SAME" padding is an explicit :class:`SamePad2d` module before each convolution with a
kernel larger than 1, so that receptive-field code can read the geometry from the modules.

The model computes in PyTorch's ``channels_last`` memory format: its convolution weights are
stored so, and :meth:`EfficientNetLite0.forward` converts its input. PyTorch's CPU kernels for
depthwise and 1x1 convolutions are several times faster on that layout than on the default
NCHW one. Only the memory order changes: every tensor keeps its logical (N, C, H, W) shape, so
forward hooks, indexing and gradients see what they would see without it, and the callers'
(N, 3, H, W) inputs work as they are.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..._padding import same_padding
from .spec import (
    BATCHNORM_EPS,
    BATCHNORM_MOMENTUM,
    BLOCKS,
    DROPOUT,
    HEAD_CHANNELS,
    NUM_CLASSES,
    STEM_CHANNELS,
    Block,
)


class SamePad2d(nn.Module):
    """Zero padding that turns the following ``kernel_size``/``stride`` convolution into "SAME".

    The amounts depend on the input size (see :func:`mnn._padding.same_padding`).
    """

    def __init__(self, kernel_size: int, stride: int) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride

    def padding(self, height: int, width: int) -> tuple[int, int, int, int]:
        """(left, right, top, bottom) zeros for an input of ``height`` x ``width``."""
        top, bottom = same_padding(height, self.kernel_size, self.stride)
        left, right = same_padding(width, self.kernel_size, self.stride)
        return left, right, top, bottom

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> (N, C, H + top + bottom, W + left + right), zeros around."""
        return F.pad(x, self.padding(x.shape[-2], x.shape[-1]))

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class Add(nn.Module):
    """The residual sum ``x + skip`` as a module, so that forward hooks (and the explainers that
    use them) can see it."""

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        """The sum of two tensors of the same shape."""
        return x + skip


def _conv_bn(
    c_in: int,
    c_out: int,
    kernel: int = 1,
    stride: int = 1,
    *,
    depthwise: bool = False,
    relu6: bool = True,
) -> nn.Sequential:
    """[pad,] conv, bn[, relu6] under those names."""
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    if kernel > 1:
        layers["pad"] = SamePad2d(kernel, stride)
    layers["conv"] = nn.Conv2d(
        c_in, c_out, kernel, stride, groups=c_out if depthwise else 1, bias=False
    )
    layers["bn"] = nn.BatchNorm2d(c_out, eps=BATCHNORM_EPS, momentum=1 - BATCHNORM_MOMENTUM)
    if relu6:
        layers["relu6"] = nn.ReLU6()
    return nn.Sequential(layers)


class MBConv(nn.Module):
    """Inverted residual block: expand (1x1), depthwise (kxk), project (1x1, linear), + input."""

    def __init__(self, block: Block) -> None:
        super().__init__()
        hidden = block.hidden_channels
        self.expand = _conv_bn(block.in_channels, hidden) if block.expands else None
        self.depthwise = _conv_bn(hidden, hidden, block.kernel, block.stride, depthwise=True)
        self.project = _conv_bn(hidden, block.out_channels, relu6=False)
        self.add = Add() if block.residual else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x if self.expand is None else self.expand(x)
        y = self.project(self.depthwise(y))
        return y if self.add is None else self.add(y, x)


class EfficientNetLite0(nn.Module):
    """stem -> blocks.0..15 -> head -> pool -> flatten -> dropout -> classifier (logits).

    Weights in ``channels_last`` memory format (see the module's docstring).
    """

    def __init__(self) -> None:
        super().__init__()
        self.stem = _conv_bn(3, STEM_CHANNELS, 3, 2)
        self.blocks = nn.Sequential(*(MBConv(block) for block in BLOCKS))
        self.head = _conv_bn(BLOCKS[-1].out_channels, HEAD_CHANNELS)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(DROPOUT)
        self.classifier = nn.Linear(HEAD_CHANNELS, NUM_CLASSES)
        self.to(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) images to (N, 1000) logits; ``x`` may be in either memory format."""
        x = x.contiguous(memory_format=torch.channels_last)
        x = self.head(self.blocks(self.stem(x)))
        return self.classifier(self.dropout(self.flatten(self.pool(x))))


def read_checkpoint(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a PyTorch checkpoint file as NumPy arrays, under the file's own keys."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {key: value.numpy() for key, value in state.items()}


def build(weights: Mapping[str, np.ndarray] | None) -> EfficientNetLite0:
    """The PyTorch model in evaluation mode, with ``weights`` loaded strictly if given."""
    model = EfficientNetLite0()
    if weights is not None:
        model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)
    return model.eval()
