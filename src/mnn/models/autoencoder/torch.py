"""The autoencoder in PyTorch, built from the layer tables of :mod:`mnn.models.autoencoder.spec`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..fashion_mnist import IMAGE_SIZE
from ..layer_table import LayerSpec
from ..training.torch import numpy_loss
from .spec import KERNEL_SIZE, output_shapes


def _module(
    layer: LayerSpec, input_shape: tuple[int, ...], output_shape: tuple[int, ...]
) -> nn.Module:
    size = None if layer.size is None else int(layer.size)
    if layer.kind == "conv":
        return nn.Conv2d(input_shape[0], size, KERNEL_SIZE, padding="same")
    if layer.kind == "dense":
        return nn.Linear(input_shape[0], size)
    if layer.kind == "maxpool":
        return nn.MaxPool2d(size)
    if layer.kind == "upsample":
        return nn.Upsample(scale_factor=size, mode="nearest")
    if layer.kind == "flatten":
        return nn.Flatten()
    if layer.kind == "reshape":
        return nn.Unflatten(1, output_shape)
    return {"relu": nn.ReLU, "sigmoid": nn.Sigmoid}[layer.kind]()


def _sequential(layers: Sequence[LayerSpec], input_shape: tuple[int, ...]) -> nn.Sequential:
    outputs = output_shapes(layers, input_shape)
    inputs = [input_shape, *outputs[:-1]]
    return nn.Sequential(
        OrderedDict(
            (layer.name, _module(layer, shape_in, shape_out))
            for layer, shape_in, shape_out in zip(layers, inputs, outputs, strict=True)
        )
    )


class ConvAutoencoder(nn.Module):
    """``decoder(encoder(x))`` on (N, 1, 28, 28) images; ``encoder`` and ``decoder`` are
    ``nn.Sequential`` modules whose children carry the names of the layer tables."""

    def __init__(self, encoder: Sequence[LayerSpec], decoder: Sequence[LayerSpec]) -> None:
        super().__init__()
        self.layer_tables = (tuple(encoder), tuple(decoder))
        self.code_size = int(encoder[-1].size)
        self.encoder = _sequential(encoder, (1, IMAGE_SIZE, IMAGE_SIZE))
        self.decoder = _sequential(decoder, (self.code_size,))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, 28, 28) images to their (N, 1, 28, 28) reconstructions."""
        return self.decoder(self.encoder(x))


def network(encoder: Sequence[LayerSpec], decoder: Sequence[LayerSpec]) -> ConvAutoencoder:
    """The untrained network, initialised from PyTorch's global generator."""
    return ConvAutoencoder(encoder, decoder)


def is_autoencoder(model: nn.Module) -> bool:
    return isinstance(model, ConvAutoencoder)


def encoder(model: ConvAutoencoder) -> nn.Module:
    return model.encoder


def decoder(model: ConvAutoencoder) -> nn.Module:
    return model.decoder


def code_size(model: ConvAutoencoder) -> int:
    return model.code_size


def to_layout(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) -> (N, 1, 28, 28)."""
    return images[:, None]


def from_layout(outputs: np.ndarray) -> np.ndarray:
    """(N, 1, 28, 28) -> (N, 28, 28)."""
    return outputs[:, 0]


def loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy over every pixel of the batch."""
    return F.binary_cross_entropy(outputs, targets)


loss_value = numpy_loss(loss)


def layer_tables(model: ConvAutoencoder) -> tuple[tuple[LayerSpec, ...], tuple[LayerSpec, ...]]:
    """The encoder's and decoder's layer tables that ``model`` was built from."""
    return model.layer_tables


def torch_state(model: ConvAutoencoder) -> dict[str, np.ndarray]:
    """The state dict as NumPy arrays."""
    return {key: value.detach().numpy().copy() for key, value in model.state_dict().items()}


def from_torch_state(
    encoder: Sequence[LayerSpec], decoder: Sequence[LayerSpec], state: dict[str, np.ndarray]
) -> ConvAutoencoder:
    """The network with the weights ``state`` (NumPy arrays under PyTorch's names), in
    evaluation mode."""
    model = ConvAutoencoder(encoder, decoder)
    model.load_state_dict({key: torch.from_numpy(value) for key, value in state.items()})
    return model.eval()
