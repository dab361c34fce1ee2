"""What every backend hands to the framework-free code above it: a layer graph and captures.

A backend (``mnn.explain.backends.torch``, ``mnn.explain.backends.keras``) is a module
with the same five members:

``layout``
    ``"NCHW"`` or ``"NHWC"``: the layout of the model's image batches.
``dtype(model)``
    The floating dtype the model computes in (images must have it).
``graph(model, input_shape)``
    The model's layers as a :class:`Graph`, for one input of ``input_shape`` (without the batch
    axis, in the model's layout); ``input_shape=None`` asks for the model's own fixed input.
``capture(model, images, graph, layer, score, classes, top, gradients)``
    Run the model on ``images`` keeping the output of node ``layer`` and the class scores of
    node ``score``; the gradients of the chosen scores with respect to that output when
    ``gradients``. Returns a :class:`Capture`.
``dense_parameters(node)``
    The weight matrix (K, C) and bias (K,) of a dense layer node.

Everything above the backends works on these NumPy arrays and dataclasses only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: What a node does, as far as CAM, Grad-CAM and receptive fields need to know:
#: ``input`` the model input; ``conv``, ``pool``, ``pad`` carry a :class:`Geometry`;
#: ``alias`` returns its input unchanged (identity layers, PyTorch containers);
#: ``dropout`` is the identity at inference; ``pointwise`` keeps the spatial grid
#: (activations, BatchNorm, sums); ``global_average_pool``, ``flatten``, ``dense``,
#: ``softmax``; ``other`` anything else.
KINDS = (
    "input",
    "conv",
    "pool",
    "pad",
    "alias",
    "dropout",
    "pointwise",
    "global_average_pool",
    "flatten",
    "dense",
    "softmax",
    "other",
)


@dataclass(frozen=True)
class Geometry:
    """How the units of a layer look at its input, per spatial axis (height, width).

    Unit ``i`` of the output reads input positions ``i * stride - padding + dilation * t`` for
    ``t = 0 .. kernel - 1``. ``padding`` counts the zeros added *before* the first input row
    (column); a negative value crops.
    """

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int] = (1, 1)


@dataclass(frozen=True, eq=False)
class Node:
    """One layer (or, in PyTorch, one functional operation) of a model, in execution order.

    Attributes
    ----------
    name
        The layer's name (``model.get_layer`` in Keras, ``model.named_modules`` in PyTorch);
        PyTorch's functional operations get ``"<op>:<index>"`` and cannot be picked as layers.
        The ``keras.ops`` of a functional Keras model keep their own names and can be picked.
    kind
        One of :data:`KINDS`.
    inputs
        Indices (into :attr:`Graph.nodes`) of the nodes whose outputs this node reads.
    shape
        The output shape of one sample, in the model's layout.
    spatial
        (h, w) when the output is a batch of feature maps, else ``None``.
    type_name
        The class of the layer (for messages).
    geometry
        For ``conv``, ``pool`` and ``pad`` nodes.
    layer
        The framework's layer, operation or module object; ``None`` for PyTorch's functional
        operations.
    softmax
        A dense layer whose activation is a softmax (Keras ``Dense(activation="softmax")``).
    """

    name: str
    kind: str
    inputs: tuple[int, ...]
    shape: tuple[int, ...]
    spatial: tuple[int, int] | None
    type_name: str
    geometry: Geometry | None = None
    layer: Any = None
    softmax: bool = False


@dataclass(frozen=True, eq=False)
class Graph:
    """The nodes of a model in execution order, for one input size.

    Attributes
    ----------
    nodes
        Node 0 is the model input.
    output
        Index of the node that produces the model output.
    input_shape
        The shape of one input, in the model's layout.
    input_size
        (H, W) of that input.
    """

    nodes: tuple[Node, ...]
    output: int
    input_shape: tuple[int, ...]
    input_size: tuple[int, int]


@dataclass(frozen=True)
class Capture:
    """A layer's output on a batch, and the gradients of class scores with respect to it.

    Attributes
    ----------
    activations
        (N, C, h, w): the layer's output, channels first whatever the framework.
    gradients
        (k, N, C, h, w): gradient of the score of the j-th chosen class of every image, or
        ``None`` when no gradients were asked for.
    logits
        (N, K) class scores before any softmax.
    classes
        (N, k) the classes whose scores were differentiated.
    """

    activations: np.ndarray
    gradients: np.ndarray | None
    logits: np.ndarray
    classes: np.ndarray


def kind_from_shapes(
    input_grids: list[tuple[int, int] | None], output_grid: tuple[int, int] | None, same: bool
) -> str:
    """The kind of a layer its class does not tell: ``"pointwise"`` or ``"other"``.

    A layer with feature-map output is pointwise when it reads a map on its own grid and no map
    on another grid (a (1, 1) map broadcasts, as a squeeze-excitation gate does). A layer with
    other outputs is pointwise when ``same``: its output has the shape of each of its inputs.
    """
    if output_grid is None:
        return "pointwise" if same else "other"
    grids = [grid for grid in input_grids if grid is not None]
    keeps = output_grid in grids and all(grid in (output_grid, (1, 1)) for grid in grids)
    return "pointwise" if keeps else "other"


def pair(value: int | tuple[int, ...] | list[int]) -> tuple[int, int]:
    """An int or a pair of ints as a (height, width) pair."""
    if isinstance(value, int):
        return value, value
    first, second = value
    return int(first), int(second)
