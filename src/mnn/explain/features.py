"""What a layer computes: its feature maps for some images, and its filters.

Both are returned channels first whatever the framework, so that the same code reads and draws
them: feature maps (N, C, h, w) and filters (C_out, C_in / groups, kh, kw), PyTorch's layout.
A Keras layer's (N, h, w, C) output and (kh, kw, C_in, C_out) kernel are transposed to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_input_size
from . import _layers
from .backends import backend_of
from .backends.base import channels_first
from .cam import check_images


def feature_maps(model: Any, images: Any, layer: Any) -> np.ndarray:
    """The output of ``layer`` for a batch of images, channels first.

    This is what the course reads with a sub-model (``keras.Model(model.inputs,
    layer.output)``) or a forward hook in PyTorch, for either framework.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` or a ``keras.Model``, run in inference mode.
    images
        (N, C, H, W) for PyTorch or (N, H, W, C) for Keras, in the model's dtype.
    layer
        The name (or the layer object) of a layer whose output has a height and a width: a
        convolution (before its activation, when the activation is a layer of its own), an
        activation, a pooling, a block.

    Returns
    -------
    numpy.ndarray
        (N, C, h, w) in the model's dtype: channel ``c`` of image ``n`` is ``maps[n, c]``.
    """
    backend = backend_of(model)
    images = check_images(images, backend.layout, backend.dtype(model))
    graph = backend.graph(model, images.shape[1:])
    index = _layers.find_layer(graph, layer)
    run = backend.run(model, graph, images, keep=(index,))
    return channels_first(run.outputs[index], backend.layout)


def filters(model: Any, layer: Any, *, input_size: tuple[int, int] | None = None) -> np.ndarray:
    """The filters (weights) of a convolutional layer, channels first.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` or a ``keras.Model``.
    layer
        The name (or the object) of a convolution (``nn.Conv2d``, ``Conv2D``,
        ``DepthwiseConv2D``).
    input_size
        (H, W) of the images the model takes, for a model that does not declare a fixed size
        (every PyTorch module; a Keras model built on ``keras.Input((None, None, C))``): its
        layers are found by running it once.

    Returns
    -------
    numpy.ndarray
        (C_out, C_in / groups, kh, kw): ``filters[j]`` is the filter that makes output channel
        ``j``, ``filters[j, k]`` its slice over input channel ``k``, laid out as the image it is
        correlated with (row ``0`` on top). A depthwise convolution has one input channel per
        filter: (C, 1, kh, kw).
    """
    backend = backend_of(model)
    graph = backend.graph(model, check_input_size(input_size))
    index = _layers.find_layer(graph, layer)
    node = graph.nodes[index]
    if node.kind not in ("conv", "depthwise_conv"):
        raise ValueError(
            f"layer {node.name!r} ({node.type_name}) is not a convolution, so it has no filters. "
            f"Its convolutional layers are: {_layers._listing(_layers.convolution_names(graph))}."
        )
    return np.asarray(backend.parameters(node).weight)
