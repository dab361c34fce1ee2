"""The autoencoder's layer tables, written once: both frameworks build from them.

See :mod:`mnn.models.autoencoder` for the architecture; :func:`layer_table` makes the tables for
any encoder widths, :func:`summary` prints them with output shapes and parameter counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..._validation import check_positive_int, check_size, describe
from ..fashion_mnist import IMAGE_SIZE
from ..layer_table import LayerSpec

#: The encoder widths c1, c2, c3, small enough to train on all 60,000 images in about a minute.
WIDTHS = (8, 16, 16)
CODE_SIZE = 2
KERNEL_SIZE = 3
POOL = 2


def layer_table(
    widths: Sequence[int] = WIDTHS, code_size: int = CODE_SIZE
) -> tuple[tuple[LayerSpec, ...], tuple[LayerSpec, ...]]:
    """The encoder's and the decoder's layer tables for encoder widths ``widths``.

    Kinds: conv (3x3, same padding), relu, sigmoid, maxpool (size x size), upsample (size x,
    nearest neighbour), flatten, dense (units), reshape (to ``size`` channels of a square map).

    Parameters
    ----------
    widths
        Output channels of the encoder's convolutions, first to last. There is a 2x2 pooling
        between consecutive convolutions, so 28 must be divisible by ``2 ** (len(widths) - 1)``.
    code_size
        Units of the bottleneck ``code``.

    Returns
    -------
    (encoder, decoder)
        Two tuples of :class:`~mnn.models.layer_table.LayerSpec`.
    """
    widths = _check_widths(widths)
    code_size = check_positive_int(code_size, "code_size")
    depth = len(widths)
    side = IMAGE_SIZE // POOL ** (depth - 1)
    encoder: list[LayerSpec] = []
    for k, width in enumerate(widths, start=1):
        if k > 1:
            encoder.append(LayerSpec(f"enc_pool{k - 1}", "maxpool", POOL))
        encoder += [LayerSpec(f"enc_conv{k}", "conv", width), LayerSpec(f"enc_relu{k}", "relu")]
    encoder += [LayerSpec("enc_flatten", "flatten"), LayerSpec("code", "dense", code_size)]

    decoder = [
        LayerSpec("dec_dense", "dense", widths[-1] * side * side),
        LayerSpec("dec_relu", "relu"),
        LayerSpec("dec_reshape", "reshape", widths[-1]),
    ]
    for k in range(depth, 0, -1):
        # dec_conv{k} maps the channels of enc_conv{k}'s output back to those of its input.
        if k > 1:
            decoder += [
                LayerSpec(f"dec_conv{k}", "conv", widths[k - 2]),
                LayerSpec(f"dec_relu{k}", "relu"),
            ]
            decoder.append(LayerSpec(f"dec_up{k - 1}", "upsample", POOL))
        else:
            decoder += [LayerSpec("dec_conv1", "conv", 1), LayerSpec("dec_sigmoid", "sigmoid")]
    parameters = sum(parameter_counts(encoder, (1, IMAGE_SIZE, IMAGE_SIZE)))
    parameters += sum(parameter_counts(decoder, (code_size,)))
    check_size(
        (parameters,),
        f"an autoencoder of widths {widths} and code_size {code_size}",
        itemsize=4,
        hint="choose smaller widths or code_size",
    )
    return tuple(encoder), tuple(decoder)


def output_shapes(
    layers: Sequence[LayerSpec], input_shape: tuple[int, ...]
) -> list[tuple[int, ...]]:
    """The output shape of every layer, (C, H, W) for maps and (features,) for vectors."""
    shapes, shape = [], tuple(input_shape)
    for layer in layers:
        if layer.kind == "conv":
            shape = (int(layer.size), *shape[1:])
        elif layer.kind == "maxpool":
            shape = (shape[0], shape[1] // int(layer.size), shape[2] // int(layer.size))
        elif layer.kind == "upsample":
            shape = (shape[0], shape[1] * int(layer.size), shape[2] * int(layer.size))
        elif layer.kind == "flatten":
            shape = (math.prod(shape),)
        elif layer.kind == "dense":
            shape = (int(layer.size),)
        elif layer.kind == "reshape":
            side = math.isqrt(shape[0] // int(layer.size))
            shape = (int(layer.size), side, side)
        shapes.append(shape)
    return shapes


def parameter_counts(layers: Sequence[LayerSpec], input_shape: tuple[int, ...]) -> list[int]:
    """Weights plus biases of every layer: :math:`(9 c_{in} + 1) c_{out}` for a 3x3
    convolution, :math:`(n_{in} + 1) n_{out}` for a dense layer, 0 otherwise."""
    inputs = [tuple(input_shape), *output_shapes(layers, input_shape)[:-1]]
    counts = []
    for layer, shape in zip(layers, inputs, strict=True):
        if layer.kind == "conv":
            counts.append((KERNEL_SIZE * KERNEL_SIZE * shape[0] + 1) * int(layer.size))
        elif layer.kind == "dense":
            counts.append((shape[0] + 1) * int(layer.size))
        else:
            counts.append(0)
    return counts


def summary(widths: Sequence[int] = WIDTHS, code_size: int = CODE_SIZE) -> str:
    """A text table of the architecture: layer, kind, output shape (C, H, W), parameters."""
    encoder, decoder = layer_table(widths, code_size)
    lines = [f"{'layer':<13} {'kind':<9} {'output (C, H, W)':<17} {'parameters':>10}"]
    total = 0
    for part, input_shape in ((encoder, (1, IMAGE_SIZE, IMAGE_SIZE)), (decoder, (code_size,))):
        rows = zip(
            part,
            output_shapes(part, input_shape),
            parameter_counts(part, input_shape),
            strict=True,
        )
        for layer, shape, count in rows:
            lines.append(f"{layer.name:<13} {layer.kind:<9} {shape!s:<17} {count:>10,}")
            total += count
    lines.append(f"{'total':<41} {total:>10,}")
    return "\n".join(lines)


def _check_widths(widths: Any) -> tuple[int, ...]:
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or not widths:
        raise TypeError(f"widths must be a non-empty sequence of integers, got {describe(widths)}.")
    widths = tuple(check_positive_int(w, "every width") for w in widths)
    if IMAGE_SIZE % POOL ** (len(widths) - 1):
        raise ValueError(
            f"{len(widths)} widths need {len(widths) - 1} 2x2 poolings, but 28 is not divisible "
            f"by {POOL ** (len(widths) - 1)}; use at most 3 widths."
        )
    return widths
