"""EfficientNet-Lite0 in Keras 3: a functional model whose layers carry the PyTorch module names.

Convolutions use ``padding="same"``, which is TensorFlow's own "SAME" (extra pixel after). The
composite names of the PyTorch tree (``stem``, ``blocks.i``, ``head``) are ``Identity`` layers
here, so that every name denotes the same tensor in both frameworks.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
import numpy as np

from ..torch_weights.keras import load_torch_weights
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

layers = keras.layers


def _conv_bn(
    x: keras.KerasTensor,
    prefix: str,
    filters: int,
    kernel: int = 1,
    stride: int = 1,
    *,
    depthwise: bool = False,
    relu6: bool = True,
) -> keras.KerasTensor:
    """conv, bn[, relu6] named ``prefix.conv``, ``prefix.bn``, ``prefix.relu6``."""
    if depthwise:
        conv = layers.DepthwiseConv2D(
            kernel, stride, padding="same", use_bias=False, name=f"{prefix}.conv"
        )
    else:
        conv = layers.Conv2D(
            filters, kernel, stride, padding="same", use_bias=False, name=f"{prefix}.conv"
        )
    x = conv(x)
    x = layers.BatchNormalization(
        epsilon=BATCHNORM_EPS, momentum=BATCHNORM_MOMENTUM, name=f"{prefix}.bn"
    )(x)
    if relu6:
        x = layers.ReLU(max_value=6.0, name=f"{prefix}.relu6")(x)
    return x


def _mbconv(x: keras.KerasTensor, block: Block) -> keras.KerasTensor:
    y = _conv_bn(x, f"{block.name}.expand", block.hidden_channels) if block.expands else x
    y = _conv_bn(y, f"{block.name}.depthwise", 0, block.kernel, block.stride, depthwise=True)
    y = _conv_bn(y, f"{block.name}.project", block.out_channels, relu6=False)
    if block.residual:
        y = layers.Add(name=f"{block.name}.add")([y, x])
    return layers.Identity(name=block.name)(y)


def build(weights: Mapping[str, np.ndarray] | None) -> keras.Model:
    """The Keras model on (N, H, W, 3) inputs of any size, with ``weights`` ported if given."""
    inputs = keras.Input((None, None, 3), name="image")
    x = layers.Identity(name="stem")(_conv_bn(inputs, "stem", STEM_CHANNELS, 3, 2))
    for block in BLOCKS:
        x = _mbconv(x, block)
    x = layers.Identity(name="head")(_conv_bn(x, "head", HEAD_CHANNELS))
    x = layers.GlobalAveragePooling2D(keepdims=True, name="pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(DROPOUT, name="dropout")(x)
    logits = layers.Dense(NUM_CLASSES, name="classifier")(x)
    model = keras.Model(inputs, logits, name="efficientnet_lite0")
    if weights is not None:
        load_torch_weights(model, weights)
    return model
