"""The autoencoder in Keras, built from the layer tables of :mod:`mnn.models.autoencoder.spec`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from ..fashion_mnist import IMAGE_SIZE
from ..layer_table import LayerSpec
from ..torch_weights.keras import load_torch_weights
from ..training.keras import numpy_loss
from .spec import KERNEL_SIZE, layer_table, output_shapes

MODEL_NAME = "conv_autoencoder"
layers = keras.layers


def _layer(layer: LayerSpec, output_shape: tuple[int, ...]) -> keras.layers.Layer:
    name, size = layer.name, None if layer.size is None else int(layer.size)
    if layer.kind == "conv":
        return layers.Conv2D(size, KERNEL_SIZE, padding="same", name=name)
    if layer.kind == "dense":
        return layers.Dense(size, name=name)
    if layer.kind == "maxpool":
        return layers.MaxPooling2D(size, name=name)
    if layer.kind == "upsample":
        return layers.UpSampling2D(size, interpolation="nearest", name=name)
    if layer.kind == "flatten":
        return layers.Flatten(name=name)
    if layer.kind == "reshape":
        channels, height, width = output_shape
        return layers.Reshape((height, width, channels), name=name)
    if layer.kind == "relu":
        return layers.ReLU(name=name)
    return layers.Activation("sigmoid", name=name)


def _sequential(
    layer_list: Sequence[LayerSpec], input_shape: tuple[int, ...], name: str
) -> keras.Sequential:
    # Keras is channels-last: (C, H, W) from the table becomes (H, W, C).
    keras_input = (*input_shape[1:], input_shape[0]) if len(input_shape) == 3 else input_shape
    shapes = output_shapes(layer_list, input_shape)
    return keras.Sequential([keras.Input(keras_input), *map(_layer, layer_list, shapes)], name=name)


def network(encoder: Sequence[LayerSpec], decoder: Sequence[LayerSpec]) -> keras.Sequential:
    """The untrained network, initialised from Keras' global seed."""
    code_size = int(encoder[-1].size)
    return keras.Sequential(
        [
            keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1), name="image"),
            _sequential(encoder, (1, IMAGE_SIZE, IMAGE_SIZE), "encoder"),
            _sequential(decoder, (code_size,), "decoder"),
        ],
        name=MODEL_NAME,
    )


def is_autoencoder(model: keras.Model) -> bool:
    return model.name == MODEL_NAME and [layer.name for layer in model.layers] == [
        "encoder",
        "decoder",
    ]


def encoder(model: keras.Model) -> keras.Model:
    return model.get_layer("encoder")


def decoder(model: keras.Model) -> keras.Model:
    return model.get_layer("decoder")


def code_size(model: keras.Model) -> int:
    return encoder(model).get_layer("code").units


def to_layout(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) -> (N, 28, 28, 1)."""
    return images[..., None]


def from_layout(outputs: np.ndarray) -> np.ndarray:
    """(N, 28, 28, 1) -> (N, 28, 28)."""
    return outputs[..., 0]


def loss(outputs: Any, targets: Any) -> Any:
    """Mean binary cross-entropy over every pixel of the batch."""
    return keras.ops.mean(keras.losses.binary_crossentropy(targets, outputs))


loss_value = numpy_loss(loss)


def layer_tables(model: keras.Model) -> tuple[tuple[LayerSpec, ...], tuple[LayerSpec, ...]]:
    """The encoder's and decoder's layer tables that ``model`` was built from."""
    convolutions = [layer for layer in encoder(model).layers if isinstance(layer, layers.Conv2D)]
    return layer_table([layer.filters for layer in convolutions], code_size(model))


def _flattened_shape(encoder_layers: Sequence[LayerSpec]) -> tuple[int, int, int]:
    """(C, H, W) of the feature map that ``enc_flatten`` flattens (and ``dec_reshape`` rebuilds)."""
    shapes = output_shapes(encoder_layers, (1, IMAGE_SIZE, IMAGE_SIZE))
    return shapes[[layer.name for layer in encoder_layers].index("enc_flatten") - 1]


def from_torch_state(
    encoder_layers: Sequence[LayerSpec],
    decoder_layers: Sequence[LayerSpec],
    state: dict[str, np.ndarray],
) -> keras.Sequential:
    """A Keras autoencoder holding the weights of a PyTorch one, given as NumPy arrays under
    their PyTorch names (``"encoder.enc_conv1.weight"``, ...)."""
    model = network(encoder_layers, decoder_layers)
    flattened = _flattened_shape(encoder_layers)
    encoder_state = {k.removeprefix("encoder."): v for k, v in state.items() if k[:8] == "encoder."}
    decoder_state = {k.removeprefix("decoder."): v for k, v in state.items() if k[:8] == "decoder."}
    # dec_dense feeds a reshape, which PyTorch reads as (C, H, W) and Keras as (H, W, C):
    # reorder its output units so that unit (h, w, c) of Keras is unit (c, h, w) of PyTorch.
    channels, height, width = flattened
    for key in ("dec_dense.weight", "dec_dense.bias"):
        value = decoder_state[key].reshape(channels, height, width, -1)
        decoder_state[key] = value.transpose(1, 2, 0, 3).reshape(decoder_state[key].shape)
    load_torch_weights(encoder(model), encoder_state, flattened={"code": flattened})
    load_torch_weights(decoder(model), decoder_state)
    return model


def torch_state(model: keras.Model) -> dict[str, np.ndarray]:
    """The weights of ``model`` under PyTorch's names and in PyTorch's layouts: the inverse of
    :func:`from_torch_state`."""
    channels, height, width = _flattened_shape(layer_tables(model)[0])
    state = {}
    for part in ("encoder", "decoder"):
        for layer in model.get_layer(part).layers:
            if isinstance(layer, layers.Conv2D):
                kernel, bias = layer.get_weights()
                weight = kernel.transpose(3, 2, 0, 1)
            elif isinstance(layer, layers.Dense):
                kernel, bias = layer.get_weights()
                if layer.name == "code":  # its inputs: Keras flattens (H, W, C), PyTorch (C, H, W)
                    chw = kernel.reshape(height, width, channels, -1).transpose(2, 0, 1, 3)
                    kernel = chw.reshape(kernel.shape)
                elif layer.name == "dec_dense":  # its outputs: the same, for the reshape
                    chw = kernel.reshape(-1, height, width, channels).transpose(0, 3, 1, 2)
                    kernel = chw.reshape(kernel.shape)
                    bias = bias.reshape(height, width, channels).transpose(2, 0, 1).ravel()
                weight = kernel.T
            else:
                continue
            state[f"{part}.{layer.name}.weight"] = np.ascontiguousarray(weight)
            state[f"{part}.{layer.name}.bias"] = np.ascontiguousarray(bias)
    return state
