"""Rows of images side by side: inputs, noisy inputs, reconstructions."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .._validation import check_array, check_colormap, check_mapping, check_names, check_text
from ._layout import TEXT_SIZE, cell_size, check_figure, label_width, text_size
from ._scale import check_scale


def reconstruction_grid(
    rows: Mapping[str, np.ndarray],
    *,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    cmap: str = "gray",
    size: float | None = None,
    title: str | None = None,
) -> Figure:
    """One named row per set of images, one column per example: ``{"input": x, "noisy": x_tilde,
    "output": x_hat}`` shows each example above its noisy version and its reconstruction.

    Parameters
    ----------
    rows
        Row name -> (N, H, W) grey images; every row has the same shape.
    ranges
        Row name -> (low, high) of the colour scale; rows not named here use (0, 1), so that
        pixel values compare across rows. Values outside a row's range are drawn at its ends;
        values further than the range's width outside it (0-255 pixels on (0, 1), say) are
        refused.
    cmap
        Colour map.
    size
        Width and height of one image in inches; default 1.0, less when needed to keep the
        figure within the book's column.
    title
        Title of the figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_mapping(rows, "rows", "{'input': x, 'output': x_hat}")
    if not rows:
        raise ValueError("rows is empty: pass a mapping from row names to (N, H, W) images.")
    check_names(list(rows), "the names of rows")
    if ranges is not None:
        check_mapping(ranges, "ranges", "{'noisy': (-1.0, 2.0)}")
    check_colormap(cmap)
    check_text(title, "title")
    shape = None
    for name, images in rows.items():
        check_array(images, f"rows[{name!r}]", ndim=3, dtype_kind="fiu", finite=True)
        shape = images.shape if shape is None else shape
        if images.shape != shape:
            raise ValueError(
                f"every row must have the shape of the first, {shape}; rows[{name!r}] has "
                f"{images.shape}."
            )
    ranges = dict(ranges or {})
    unknown = sorted(set(ranges) - set(rows))
    if unknown:
        raise ValueError(f"ranges names rows that do not exist: {unknown}.")
    n = shape[0]
    if n == 0:
        raise ValueError(f"the rows hold no images, shape {shape}: pass at least one image.")
    for name, images in rows.items():
        low, high = _check_range(ranges.get(name, (0.0, 1.0)), name)
        fix = f"divide 0-255 pixels by 255, or pass ranges={{{name!r}: (low, high)}}"
        check_scale(images, f"rows[{name!r}]", low, high, fix)
    # Inches: the names on the left, a frame on the right, the title on top.
    left, right, top = label_width(rows, TEXT_SIZE), 0.1, 0.5 if title else 0.1
    size = cell_size(size, 1.0, n, left + right)
    fontsize = text_size(size * n + left + right)
    left = label_width(rows, fontsize)
    width, height = size * n + left + right, size * len(rows) + top + 0.1
    check_figure(n * len(rows), width, height)
    fig, axes = plt.subplots(len(rows), n, figsize=(width, height), squeeze=False)
    for row, (name, images) in enumerate(rows.items()):
        low, high = ranges.get(name, (0.0, 1.0))
        for col in range(n):
            ax = axes[row, col]
            ax.imshow(images[col], cmap=cmap, vmin=low, vmax=high)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=fontsize)
    if title:
        fig.suptitle(title, fontsize=1.2 * fontsize)
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=0.1 / height,
        top=1 - top / height,
        wspace=0.05,
        hspace=0.05,
    )
    return fig


def _check_range(pair: object, name: str) -> tuple[float, float]:
    if (
        not isinstance(pair, (tuple, list))
        or len(pair) != 2
        or not all(isinstance(v, (int, float, np.integer, np.floating)) for v in pair)
        or not np.isfinite(pair).all()
        or not pair[0] < pair[1]
    ):
        raise ValueError(
            f"ranges[{name!r}] must be a pair (low, high) of finite numbers with low < high, "
            f"got {pair!r}."
        )
    return float(pair[0]), float(pair[1])
