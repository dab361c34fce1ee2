"""The contract between the explainers and the frameworks: a layer graph and one run primitive.

A backend (``mnn.explain.backends.torch``, ``mnn.explain.backends.keras``) is a module that
satisfies :class:`Backend`; :func:`mnn.explain.backends.backend_of` picks it for a model. The
explainers above the backends (CAM, gradients, LRP, maximisation, feature maps) are written once
against this contract and see NumPy arrays only, with two exceptions that keep them fast:

- a :class:`Replacement` changes what a node computes during a run. It is called inside the
  framework with framework tensors and a :class:`TensorOps`, the few operations (a node's
  linear map with chosen parameters, stop-gradient, elementwise functions) that LRP's rules and
  BatchNorm folding are written with, once, for both frameworks;
- an :class:`Objective` says which scalar of a node's output to differentiate: class scores by
  index, the top-k classes, or any weighted sum (a unit, a feature map's mean, a vector-Jacobian
  product).

Arrays cross the contract in the model's own layout (``"NCHW"`` for PyTorch, ``"NHWC"`` for
Keras); :func:`channels_first` converts. Parameters cross it in one canonical layout, PyTorch's
(see :class:`LinearParameters`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, get_args

import numpy as np

Layout = Literal["NCHW", "NHWC"]

#: What a node does, as far as the explainers need to know:
#:
#: - ``input``: the model input (node 0);
#: - windows, which carry a :class:`Geometry`: ``conv`` (any convolution, grouped included),
#:   ``depthwise_conv`` (one filter per input channel), ``max_pool``, ``avg_pool``, ``pad``
#:   (zero padding, or cropping);
#: - layers with parameters: ``dense`` (also applied to the last axis of a map), ``batch_norm``;
#: - layers that keep the grid: ``activation`` (elementwise, ReLU, ReLU6, GELU, sigmoid...),
#:   ``add`` (residual sums), ``multiply`` (gates), ``concat`` (along channels), ``norm`` (layer,
#:   group or instance normalisation), ``alias`` (returns its input: identity layers, PyTorch
#:   containers), ``dropout`` (the identity at inference), ``pointwise`` (anything else that
#:   keeps the shape);
#: - ``global_average_pool``, ``flatten`` (flatten, reshape, squeeze), ``permute`` (axes
#:   reordered), ``softmax``, ``other`` (anything else).
Kind = Literal[
    "input",
    "conv",
    "depthwise_conv",
    "max_pool",
    "avg_pool",
    "pad",
    "dense",
    "batch_norm",
    "activation",
    "add",
    "multiply",
    "concat",
    "norm",
    "alias",
    "dropout",
    "pointwise",
    "global_average_pool",
    "flatten",
    "permute",
    "softmax",
    "other",
]
KINDS: tuple[str, ...] = get_args(Kind)
#: Kinds whose units read a window of their input (a :class:`Geometry`).
WINDOWS = ("conv", "depthwise_conv", "max_pool", "avg_pool", "pad")
#: Kinds that keep the spatial grid of the maps they read.
GRID_PRESERVING = (
    "batch_norm",
    "activation",
    "add",
    "multiply",
    "concat",
    "norm",
    "alias",
    "dropout",
    "pointwise",
)
#: Kinds with a linear map whose parameters :func:`Backend.parameters` returns.
LINEAR = ("conv", "depthwise_conv", "dense")


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
        The layer's name (``model.get_layer`` in Keras, ``model.named_modules`` in PyTorch).
        PyTorch's functional operations in ``forward`` (``F.relu(x)``, ``x + skip``) are named
        ``"<operation>:<index>"``; they can be picked like layers.
    kind
        One of :data:`KINDS`.
    inputs
        Indices (into :attr:`Graph.nodes`) of the nodes whose outputs this node reads.
    shape
        The output shape of one sample, in the model's layout.
    spatial
        (h, w) when the output is a batch of feature maps in the model's layout, else ``None``.
    type_name
        The class of the layer or the operation's name (for messages).
    geometry
        For the :data:`WINDOWS` kinds.
    layer
        The framework's layer, operation or module object; ``None`` for PyTorch's functional
        operations.
    activation
        The activation a Keras layer applies after its linear map (``Conv2D(activation=...)``),
        by name; ``None`` when there is none (always, in PyTorch).
    """

    name: str
    kind: str
    inputs: tuple[int, ...]
    shape: tuple[int, ...]
    spatial: tuple[int, int] | None
    type_name: str
    geometry: Geometry | None = None
    layer: Any = None
    activation: str | None = None

    @property
    def softmax(self) -> bool:
        """Whether the layer ends in a softmax (a Keras ``Dense(activation="softmax")``)."""
        return self.activation in ("softmax", "log_softmax")


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
        (H, W) of that input when it is an image, else ``None``.
    """

    nodes: tuple[Node, ...]
    output: int
    input_shape: tuple[int, ...]
    input_size: tuple[int, int] | None


@dataclass(frozen=True)
class LinearParameters:
    """The parameters of a convolution or dense layer, in PyTorch's layout for both frameworks.

    Attributes
    ----------
    weight
        (C_out, C_in / groups, kh, kw) for a convolution (a depthwise one has C_in / groups = 1),
        (K, C) for a dense layer.
    bias
        (C_out,) or (K,); zeros when the layer has no bias.
    groups
        Convolutions: the input channels are split into ``groups`` groups, each convolved with
        its own C_out / groups filters.
    """

    weight: Any
    bias: Any
    groups: int = 1


@dataclass(frozen=True)
class BatchNormParameters:
    r"""The inference-time parameters of a BatchNorm layer, per channel (C,):
    :math:`y = \gamma (x - \mu) / \sqrt{\sigma^2 + \epsilon} + \beta`."""

    scale: Any
    shift: Any
    mean: Any
    variance: Any
    epsilon: float


@dataclass(frozen=True)
class Objective:
    """Which scalar of one node's output to differentiate, per image: k of them per image.

    Exactly one of ``classes``, ``top`` and ``weights`` is given.

    Attributes
    ----------
    node
        Index of the node whose output is read.
    classes
        (N, k) integer indices into a node output of shape (N, K): class scores.
    top
        k > 0: the k largest entries of an (N, K) output, largest first.
    weights
        ``(N, k, *node shape)``, in the model's layout: the j-th objective of image n is
        ``sum(weights[n, j] * output[n])`` (a unit, a feature map's mean, a vector-Jacobian
        product).
    """

    node: int
    classes: np.ndarray | None = None
    top: int = 0
    weights: np.ndarray | None = None

    @property
    def count(self) -> int:
        """k, the number of objectives per image."""
        if self.classes is not None:
            return int(self.classes.shape[1])
        if self.weights is not None:
            return int(self.weights.shape[1])
        return self.top


@dataclass(frozen=True)
class Run:
    """What :func:`Backend.run` returns, all as NumPy arrays in the model's layout.

    Attributes
    ----------
    outputs
        The output (N, ...) of every node that was asked for in ``keep``.
    values
        (N, k): the objective of every image, or ``None`` without an objective.
    classes
        (N, k): for class objectives (``classes`` or ``top``), the classes; else ``None``.
    gradients
        For every node in ``wrt`` (0 is the input), the gradients (k, N, ...) of the k
        objectives with respect to its output.
    leaves
        The gradients ``(k, *shape)`` with respect to the constants that replacements created with
        :meth:`TensorOps.leaf`, in the order they were created (a leaf with the batch's shape
        gets one gradient per image).
    """

    outputs: dict[int, np.ndarray]
    values: np.ndarray | None
    classes: np.ndarray | None
    gradients: dict[int, np.ndarray]
    leaves: tuple[np.ndarray, ...]


class TensorOps(Protocol):
    """The operations a :class:`Replacement` may use, on the framework's tensors.

    Arithmetic (``+ - * /``, comparisons) works on both frameworks' tensors directly.
    """

    def parameters(self, node: Node) -> LinearParameters | BatchNormParameters:
        """The node's current parameters as tensors (differentiable), canonical layout."""

    def linear(self, node: Node, x: Any, weight: Any, bias: Any) -> Any:
        """The node's linear map (convolution with its stride, padding, dilation and groups,
        or dense) applied to ``x`` with the given canonical ``weight`` and ``bias``, without
        the layer's own activation."""

    def activate(self, node: Node, z: Any) -> Any:
        """The activation the layer applies after its linear map (:attr:`Node.activation`),
        or ``z`` itself."""

    def normalize(self, node: Node, x: Any, parameters: BatchNormParameters) -> Any:
        """A batch_norm node's map applied to ``x`` with the given parameters."""

    def stop_gradient(self, x: Any) -> Any:
        """``x`` as a constant: the same values, no gradient."""

    def constant(self, value: np.ndarray) -> Any:
        """A NumPy array as a constant tensor in the model's dtype."""

    def leaf(self, value: Any) -> Any:
        """A tensor (or array) with ``value``'s values whose gradient :attr:`Run.leaves`
        reports."""

    def where(self, condition: Any, x: Any, y: Any) -> Any:
        """Elementwise ``x`` where ``condition`` holds, else ``y``."""

    def clip(self, x: Any, low: float | None, high: float | None) -> Any:
        """``x`` clipped to [low, high] (``None``: no bound)."""

    def sign(self, x: Any) -> Any:
        """Elementwise sign, with sign(0) = 0."""

    def zeros_like(self, x: Any) -> Any:
        """Zeros of ``x``'s shape and dtype."""

    def broadcast_to(self, x: Any, like: Any) -> Any:
        """``x`` broadcast to the shape of ``like``."""


class Replacement(Protocol):
    """What a node computes instead, during one :func:`Backend.run`.

    Called inside the framework with the node, the tensors it reads and the output it computed
    (so that ``output`` can be kept as a value while the gradient flows another way); returns
    the tensor the rest of the model reads. Replacements must be hashable and compare equal when
    they compute the same thing: Keras compiles one function per set of replacements.
    """

    def __call__(self, ops: TensorOps, node: Node, inputs: Sequence[Any], output: Any) -> Any:
        """The node's new output."""


class Backend(Protocol):
    """What ``mnn.explain.backends.torch`` and ``mnn.explain.backends.keras`` provide."""

    #: The layout of the model's image batches.
    layout: Layout

    def dtype(self, model: Any) -> np.dtype:
        """The floating dtype the model computes in (images must have it)."""

    def graph(self, model: Any, input_shape: tuple[int, ...] | None) -> Graph:
        """The model's layers as a :class:`Graph`, for one input of ``input_shape`` (without
        the batch axis, in the model's layout; (H, W) alone is completed with the channels);
        ``None`` asks for the model's own fixed input."""

    def run(
        self,
        model: Any,
        graph: Graph,
        images: np.ndarray,
        *,
        objective: Objective | None = None,
        keep: Sequence[int] = (),
        wrt: Sequence[int] = (),
        replace: Mapping[int, Replacement] | None = None,
    ) -> Run:
        """Run the model on ``images`` in inference mode (whatever the caller's grad mode or the
        model's train/eval mode, both restored), with the nodes in ``replace`` computing what
        their replacement says; keep the outputs of the nodes in ``keep`` and differentiate the
        objective with respect to the outputs of the nodes in ``wrt`` (node 0: the images)."""

    def parameters(self, node: Node) -> LinearParameters | BatchNormParameters:
        """The parameters of a :data:`LINEAR` or ``batch_norm`` node as NumPy arrays."""


#: The members of :class:`Backend` and of :class:`TensorOps`, for the contract's test.
BACKEND_MEMBERS = ("layout", "dtype", "graph", "run", "parameters")
TENSOR_OPS_MEMBERS = (
    "parameters",
    "linear",
    "activate",
    "normalize",
    "stop_gradient",
    "constant",
    "leaf",
    "where",
    "clip",
    "sign",
    "zeros_like",
    "broadcast_to",
)


def channels_first(array: np.ndarray, layout: str) -> np.ndarray:
    """An array of maps in ``layout`` as channels-first: (..., H, W, C) -> (..., C, H, W) for
    ``"NHWC"``; ``"NCHW"`` arrays are returned as they are."""
    return np.moveaxis(array, -1, -3) if layout == "NHWC" else array


def channels_last(array: np.ndarray, layout: str) -> np.ndarray:
    """The inverse of :func:`channels_first`: channels-first maps in ``layout``."""
    return np.moveaxis(array, -3, -1) if layout == "NHWC" else array


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
