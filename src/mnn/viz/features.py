"""What a layer computes: grids of feature maps with their contrast factors, and of filters.

Both take the channels-first arrays of :func:`mnn.explain.feature_maps` (one image's maps,
``maps[n]``) and :func:`mnn.explain.filters`, whatever the framework.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .._validation import (
    check_array,
    check_bool,
    check_count,
    check_positive_int,
    check_scalar,
    check_text,
    describe,
)
from ._layout import cell_size, check_figure, text_size
from .grids import _bare
from .overlays import DIVERGING


def contrast_factors(maps: np.ndarray) -> np.ndarray:
    """How much each map is brightened after all are scaled together: the largest absolute
    value of all maps divided by the map's own (1 for the strongest map; 0 for a map that is
    zero everywhere, which is shown black).

    Parameters
    ----------
    maps
        (C, h, w).

    Returns
    -------
    numpy.ndarray
        (C,) float64, each >= 1 or 0.
    """
    check_array(maps, "maps", ndim=3, dtype_kind="fiu", finite=True)
    if maps.size == 0:
        raise ValueError(f"maps is empty, {describe(maps)}: pass at least one map of 1x1 or more.")
    peaks = np.abs(maps.astype(np.float64)).reshape(len(maps), -1).max(axis=1)
    common = peaks.max()
    return np.where(peaks > 0, common / np.where(peaks > 0, peaks, 1.0), 0.0)


def _factor_label(factor: float) -> str:
    if factor == 0:
        return "zero"
    return f"x {factor:.1f}" if factor < 9.95 else f"x {factor:.0f}"


def _channel_numbers(channels: Any, count: int) -> list[int]:
    """The channel number of each of ``count`` maps, checked; default 0 .. count - 1."""
    if channels is None:
        return list(range(count))
    if isinstance(channels, np.ndarray):
        channels = check_array(channels, "channels", shape=(count,), dtype_kind="iu").tolist()
    elif not isinstance(channels, (list, tuple)):
        raise TypeError(
            f"channels must be a list or array of {count} integers, one per map, got "
            f"{describe(channels)}."
        )
    elif len(channels) != count:
        raise ValueError(f"channels must hold {count} numbers, one per map, got {len(channels)}.")
    return [check_scalar(c, f"channels[{i}]", int, low=0) for i, c in enumerate(channels)]


def feature_map_grid(
    maps: np.ndarray,
    *,
    contrast: bool = True,
    channels: np.ndarray | list[int] | None = None,
    ncols: int = 8,
    size: float | None = None,
    suptitle: str | None = None,
) -> Figure:
    """The feature maps of one image, as the course shows them.

    All maps are divided by the largest absolute value among them, so that they share one
    scale; with ``contrast``, each is then multiplied by its own contrast factor
    (:func:`contrast_factors`) so that its strongest value is full white, and the factor is
    written above it ("x 12": the map is twelve times weaker than the strongest). Maps with
    negative values (before an activation) are drawn blue-grey-red around zero, others from
    black to white.

    Parameters
    ----------
    maps
        (C, h, w) the maps of one image, e.g. ``mnn.explain.feature_maps(...)[0]``.
    contrast
        Stretch each map by its factor; ``False`` shows all on the common scale.
    channels
        The channel number of each map, for the titles (when ``maps`` is a selection);
        default 0 .. C - 1.
    ncols
        Maps per row.
    size
        Width and height of one cell in inches; default 1.2, less when needed to keep the
        figure within the book's column.
    suptitle
        Title of the whole figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_array(maps, "maps", dtype_kind="fiu", finite=True)
    if maps.ndim != 3:
        hint = "; pass maps[n] for image n of a batch" if maps.ndim == 4 else ""
        raise ValueError(
            f"maps must be (C, h, w), the maps of one image, got {describe(maps)}{hint}."
        )
    if len(maps) == 0:
        raise ValueError(f"maps is empty, {describe(maps)}: pass at least one map.")
    contrast = check_bool(contrast, "contrast")
    channels = _channel_numbers(channels, len(maps))
    ncols = min(check_positive_int(ncols, "ncols"), len(maps))
    suptitle = check_text(suptitle, "suptitle")
    nrows = -(-len(maps) // ncols)
    values = maps.astype(np.float64)
    factors = contrast_factors(values)
    common = np.abs(values).max() or 1.0
    scaled = values / common * (factors if contrast else np.ones_like(factors))[:, None, None]
    signed = bool(values.min() < 0)
    size = cell_size(size, 1.2, ncols)
    fontsize = text_size(size * ncols)
    title_height = 1.6 * fontsize / 72
    width, height = size * ncols, (size + title_height) * nrows + (0.5 if suptitle else 0.1)
    check_figure(nrows * ncols, width, height)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False)
    for index, ax in enumerate(axes.flat):
        _bare(ax)
        if index >= len(maps):
            ax.set_visible(False)
            continue
        if signed:
            ax.imshow(scaled[index], cmap=DIVERGING, vmin=-1.0, vmax=1.0)
        else:
            ax.imshow(scaled[index], cmap="gray", vmin=0.0, vmax=1.0)
        label = f"{channels[index]}"
        if contrast:
            label += f" {_factor_label(factors[index])}"
        ax.set_title(label, fontsize=fontsize)
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize * 1.2)
    fig.tight_layout()
    return fig


def _symmetric(weights: np.ndarray) -> np.ndarray:
    """Weights divided by their largest absolute value: [-1, 1], zero stays zero."""
    peak = np.abs(weights).max()
    return weights / peak if peak > 0 else weights


def filter_grid(
    filters: np.ndarray,
    *,
    count: int | None = None,
    depth: int = 8,
    ncols: int = 8,
    size: float | None = None,
    suptitle: str | None = None,
) -> Figure:
    """The filters of a convolution, in the layout that suits their input.

    - one input channel (a first layer on grey images): one cell per filter;
    - three input channels (a first layer on RGB images): per filter, the filter as an RGB
      image (grey is zero, each filter scaled by its largest weight) beside its R, G and B
      slices;
    - more (a deeper layer): one row per filter, its slices over the first ``depth`` input
      channels ("depth sections").

    Slices are drawn blue-grey-red, each filter on its own symmetric scale.

    Parameters
    ----------
    filters
        (C_out, C_in, kh, kw), e.g. :func:`mnn.explain.filters`.
    count
        Show the first ``count`` filters (at most all C_out of them); default all.
    depth
        Input channels shown per filter of a deeper layer.
    ncols
        Cells per row for one input channel; filters per row (four cells each) for three.
    size
        Width and height of one cell in inches; default 1.0, less when needed to fit the column.
    suptitle
        Title of the whole figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_array(filters, "filters", dtype_kind="fiu", finite=True)
    if filters.ndim != 4:
        raise ValueError(
            f"filters must be (C_out, C_in, kh, kw), as mnn.explain.filters returns them, got "
            f"{describe(filters)}."
        )
    if filters.size == 0:
        raise ValueError(f"filters is empty, {describe(filters)}: pass at least one filter.")
    count = check_count(count, "count", len(filters), what="filters")
    values = np.stack([_symmetric(f) for f in filters[:count].astype(np.float64)])
    ncols, depth = check_positive_int(ncols, "ncols"), check_positive_int(depth, "depth")
    suptitle = check_text(suptitle, "suptitle")
    in_channels = values.shape[1]
    if in_channels == 3:
        per_row = min(ncols, len(values))
        cells = [
            ("rgb", j, None) if k < 0 else ("slice", j, k)
            for j in range(len(values))
            for k in (-1, 0, 1, 2)
        ]
        rows = [cells[i : i + 4 * per_row] for i in range(0, len(cells), 4 * per_row)]
        titles = ["RGB", "R", "G", "B"] * per_row
    elif in_channels == 1:
        per_row = min(ncols, len(values))
        flat = [("slice", j, 0) for j in range(len(values))]
        rows = [flat[i : i + per_row] for i in range(0, len(flat), per_row)]
        titles = None
    else:
        shown = min(depth, in_channels)
        rows = [[("slice", j, k) for k in range(shown)] for j in range(len(values))]
        titles = [f"in {k}" for k in range(shown)]
    columns = max(len(row) for row in rows)
    size = cell_size(size, 1.0, columns)
    fontsize = text_size(size * columns)
    width, height = size * columns, size * len(rows) + (0.5 if suptitle else 0.1) + 0.3
    check_figure(len(rows) * columns, width, height)
    fig, axes = plt.subplots(len(rows), columns, figsize=(width, height), squeeze=False)
    for r, row in enumerate(rows):
        for c, ax in enumerate(axes[r]):
            _bare(ax)
            if c >= len(row):
                ax.set_visible(False)
                continue
            kind, j, k = row[c]
            if kind == "rgb":
                ax.imshow(0.5 + 0.5 * values[j].transpose(1, 2, 0))
            else:
                ax.imshow(values[j, k], cmap=DIVERGING, vmin=-1.0, vmax=1.0)
            if in_channels == 1 or kind == "rgb" or (in_channels != 3 and c == 0):
                ax.set_ylabel(f"{j}", rotation=0, ha="right", va="center", fontsize=fontsize)
            if titles is not None and r == 0:
                ax.set_title(titles[c], fontsize=fontsize)
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize * 1.2)
    fig.tight_layout()
    return fig
