r"""Receptive fields of a layer's units, and maps brought back to the input through them.

Along each axis, unit :math:`i` of a layer sees the input pixels :math:`s + iJ, \dots,
s + iJ + r - 1`: the *size* :math:`r`, the *jump* :math:`J` (input pixels between neighbouring
units) and the *start* :math:`s` of unit 0 (negative when it reaches into the padding). A layer
with kernel :math:`k`, stride :math:`\sigma`, dilation :math:`d` and :math:`p` zeros padded
before maps those of its input to

.. math::

    r' = r + d(k - 1)J, \qquad J' = \sigma J, \qquad s' = s - pJ,

starting from :math:`r = J = 1, s = 0` at the input (Araujo et al. 2019). Where branches meet
(residual sums), the field is the union of the branches' fields. Sizes count the whole span of a
dilated kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_array, check_choice, check_input_size, check_position, describe
from . import _layers
from .backends import backend_of
from .backends.base import GRID_PRESERVING, WINDOWS, Graph
from .cam import CamResult

MODES = ("bilinear", "roi")


@dataclass(frozen=True)
class ReceptiveField:
    """Where every unit of a layer looks in the input, per axis (rows, columns).

    Attributes
    ----------
    layer
        The layer's name.
    input_size
        (H, W) of the input.
    output_size
        (h, w) of the layer's feature maps.
    size
        (rows, columns) of input pixels each unit sees.
    jump
        Input pixels between neighbouring units, per axis.
    start
        First input row and column seen by unit (0, 0); negative inside the padding.
    """

    layer: str
    input_size: tuple[int, int]
    output_size: tuple[int, int]
    size: tuple[int, int]
    jump: tuple[int, int]
    start: tuple[int, int]

    def span(self, axis: int) -> np.ndarray:
        """(n, 2): first and last input pixel (inclusive) of each unit along ``axis`` (0 or 1).

        Not clipped to the image: values below 0 or beyond H - 1 lie in the padding.
        """
        check_choice(axis, "axis", (0, 1))
        first = self.start[axis] + self.jump[axis] * np.arange(self.output_size[axis])
        return np.stack([first, first + self.size[axis] - 1], axis=1)

    @property
    def centre(self) -> np.ndarray:
        """The (row, column) centre of each unit's field in input pixels, an (h, w, 2) array."""
        rows, cols = (self.span(axis).mean(axis=1) for axis in (0, 1))
        grid = np.meshgrid(rows, cols, indexing="ij")
        return np.stack(grid, axis=-1)


def _sources(graph: Graph, index: int) -> list[int]:
    """The inputs whose fields a node's field is made of.

    A window (convolution, pooling, padding) reads its first input. A layer that keeps the grid
    reads the inputs on its own grid: a broadcast (1, 1) gate, as in squeeze-excitation, is not
    followed.
    """
    node = graph.nodes[index]
    if node.kind in WINDOWS:
        return list(node.inputs[:1])
    return [i for i in node.inputs if graph.nodes[i].spatial == node.spatial]


def _ancestors(graph: Graph, target: int) -> list[int]:
    """The nodes the field of ``target`` depends on, in execution order."""
    stack, seen = [target], {target}
    while stack:
        for source in _sources(graph, stack.pop()):
            if source not in seen:
                seen.add(source)
                stack.append(source)
    return sorted(seen)


def _field_of(graph: Graph, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, end, jump) per axis, each (2,): unit i covers start + i*jump .. end + i*jump."""
    fields: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for index in _ancestors(graph, target):
        node = graph.nodes[index]
        sources = [fields[i] for i in _sources(graph, index)]
        if node.kind == "input":
            fields[index] = (np.zeros(2, int), np.zeros(2, int), np.ones(2, int))
        elif node.kind in WINDOWS:
            (start, end, jump), geometry = sources[0], node.geometry
            extent = np.array(geometry.dilation) * (np.array(geometry.kernel) - 1)
            padding = np.array(geometry.padding)
            fields[index] = (
                start - padding * jump,
                end + (extent - padding) * jump,
                jump * np.array(geometry.stride),
            )
        elif node.kind in GRID_PRESERVING and sources:
            jumps = sorted({tuple(int(j) for j in field[2]) for field in sources})
            if len(jumps) > 1:
                raise ValueError(
                    f"layer {node.name!r} joins branches whose units are {jumps} pixels apart; "
                    "their receptive fields cannot be combined."
                )
            fields[index] = (
                np.min([field[0] for field in sources], axis=0),
                np.max([field[1] for field in sources], axis=0),
                sources[0][2],
            )
        else:
            raise ValueError(
                f"cannot follow receptive fields through layer {node.name!r} ({node.type_name}) "
                "on the way to the input: its geometry is unknown. Supported are convolutions, "
                "max and average pooling, padding and cropping, and layers that keep the "
                "spatial grid."
            )
    return fields[target]


def _graph_and_layer(model: Any, layer: Any, input_size: Any) -> tuple[Graph, int]:
    backend = backend_of(model)
    graph = backend.graph(model, check_input_size(input_size))
    if layer is None:
        index, _note = _layers.default_layer(graph)
    else:
        index = _layers.find_layer(graph, layer)
    return graph, index


def receptive_field(
    model: Any, layer: Any = None, input_size: tuple[int, int] | None = None
) -> ReceptiveField:
    """The receptive field of every unit of ``layer``.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` or a ``keras.Model`` (Sequential or functional).
    layer
        A layer name or object with (h, w) feature maps; ``None`` for the default of
        :func:`mnn.explain.grad_cam`.
    input_size
        (H, W) of the input image; may be omitted for a Keras model with a fixed input size.

    Returns
    -------
    ReceptiveField
    """
    graph, index = _graph_and_layer(model, layer, input_size)
    start, end, jump = _field_of(graph, index)
    return ReceptiveField(
        layer=graph.nodes[index].name,
        input_size=graph.input_size,
        output_size=graph.nodes[index].spatial,
        size=tuple(int(n) for n in end - start + 1),
        jump=tuple(int(n) for n in jump),
        start=tuple(int(n) for n in start),
    )


def _bilinear_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of bilinear interpolation with pixel centres aligned, edges held."""
    position = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, n_in - 1)
    fraction = position - low
    matrix = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    np.add.at(matrix, (rows, low), 1.0 - fraction)
    np.add.at(matrix, (rows, high), fraction)
    return matrix


def _roi_matrix(span: np.ndarray, length: int) -> np.ndarray:
    """(length, n) indicator: pixel p lies in unit u's field (clipped to the image).

    A pixel that no unit sees (dropped by a floor in an output size) joins the nearest unit.
    """
    pixels = np.arange(length)[:, None]
    inside = (pixels >= span[:, 0]) & (pixels <= span[:, 1])
    unseen = ~inside.any(axis=1)
    nearest = np.abs(pixels - span.mean(axis=1)).argmin(axis=1)
    inside[unseen, nearest[unseen]] = True
    return inside.astype(np.float64)


def to_input(
    heatmaps: np.ndarray | CamResult,
    model: Any = None,
    layer: Any = None,
    mode: str = "bilinear",
    input_size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Bring (h, w) maps of a layer to the (H, W) input.

    ``"bilinear"`` interpolates between unit centres spread evenly over the image (a plain
    resize). ``"roi"`` gives each input pixel the mean of the units whose receptive fields
    contain it: every unit's value is spread over its whole field, overlaps are averaged, and
    units at the border, whose fields reach into the padding, cover the part inside the image.

    Parameters
    ----------
    heatmaps
        (..., h, w) maps, or a :class:`CamResult` (which supplies ``layer`` and
        ``input_size``).
    model
        The model the maps come from; needed for ``"roi"``.
    layer
        The layer of the maps (``None``: the default layer of :func:`mnn.explain.grad_cam`).
    mode
        ``"bilinear"`` or ``"roi"``.
    input_size
        (H, W) of the input.

    Returns
    -------
    numpy.ndarray
        (..., H, W) float64.
    """
    check_choice(mode, "mode", MODES)
    if isinstance(heatmaps, CamResult):
        layer = heatmaps.layer if layer is None else layer
        input_size = heatmaps.input_size if input_size is None else input_size
        heatmaps = heatmaps.heatmaps
    input_size = check_input_size(input_size)
    check_array(heatmaps, "heatmaps", dtype_kind="fiu", finite=True)
    if heatmaps.ndim < 2:
        raise ValueError(f"heatmaps must be (..., h, w) maps, got {describe(heatmaps)}.")
    h, w = heatmaps.shape[-2:]
    if mode == "bilinear":
        if input_size is None:
            raise ValueError("to_input(mode='bilinear') needs input_size=(H, W).")
        rows, cols = _bilinear_matrix(h, input_size[0]), _bilinear_matrix(w, input_size[1])
        return np.einsum("Hh,...hw,Ww->...HW", rows, heatmaps.astype(np.float64), cols)
    if model is None:
        raise ValueError("to_input(mode='roi') needs the model whose layer made the maps.")
    field = receptive_field(model, layer, input_size)
    if field.output_size != (h, w):
        raise ValueError(
            f"heatmaps have {h}x{w} units but layer {field.layer!r} has "
            f"{field.output_size[0]}x{field.output_size[1]} for a "
            f"{field.input_size[0]}x{field.input_size[1]} input: check layer and input_size."
        )
    rows, cols = (
        _roi_matrix(field.span(axis), length) for axis, length in enumerate(field.input_size)
    )
    summed = np.einsum("Hh,...hw,Ww->...HW", rows, heatmaps.astype(np.float64), cols)
    return summed / np.outer(rows.sum(axis=1), cols.sum(axis=1))


def crop_to_receptive_field(
    images: np.ndarray, model: Any, layer: Any, position: tuple[int, int]
) -> np.ndarray:
    """The part of images that one neuron of ``layer`` sees: its receptive field, cut to the
    image.

    A neuron maximised from a constant image changes only the pixels in its field, so the crop
    holds everything the maximisation made.

    Parameters
    ----------
    images
        One image or a batch in the model's layout: (C, H, W) or (N, C, H, W) for PyTorch,
        (H, W, C) or (N, H, W, C) for Keras.
    model
        The model the neuron belongs to.
    layer
        The layer's name or object.
    position
        (row, column) of the neuron in the layer's map.

    Returns
    -------
    numpy.ndarray
        ``images`` restricted to the rows and columns of the field that lie in the image
        (fewer than the field's size where it reaches into the padding), same layout.
    """
    backend = backend_of(model)
    check_array(images, "images", ndim=(3, 4))
    spatial = (-2, -1) if backend.layout == "NCHW" else (-3, -2)
    size = tuple(int(images.shape[axis]) for axis in spatial)
    field = receptive_field(model, layer, size)
    row, column = check_position(position, "position", field.output_size, f"layer {field.layer!r}")
    (top, bottom), (left, right) = (
        np.clip(field.span(axis)[index], 0, length - 1)
        for axis, index, length in ((0, row, size[0]), (1, column, size[1]))
    )
    box = [slice(None)] * images.ndim
    box[spatial[0]], box[spatial[1]] = slice(top, bottom + 1), slice(left, right + 1)
    return images[tuple(box)]
