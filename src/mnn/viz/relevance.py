"""Relevance heatmaps (LRP, Gradient x Input, ...) on a symmetric red/white/blue scale.

Relevance is signed: red where an input speaks for the explained class, blue where it speaks
against it, white where it says nothing. Each map is drawn on its own symmetric scale
:math:`[-b, b]`. As in the course, :math:`b` is set by the typical size of the relevance rather
than by its largest value, :math:`b = 10\\,(\\overline{|R|^3})^{1/3}` (at most :math:`\\max |R|`),
so that a few very relevant pixels do not wash out all the others; values beyond it are shown
at full colour.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from .._validation import check_array, check_names, check_positive_real, describe
from ._layout import cell_size, check_figure, text_size
from .overlays import as_rgb

#: Blue for negative, white for zero, red for positive relevance (used on a symmetric range).
RELEVANCE = LinearSegmentedColormap.from_list(
    "mnn_relevance", [(0.0, "#08306b"), (0.25, "#4292c6"), (0.5, "#ffffff"),
                      (0.75, "#ef3b2c"), (1.0, "#67000d")], N=511,
)  # fmt: skip


def relevance_limit(heatmap: np.ndarray) -> float:
    """The half-width :math:`b` of a map's colour scale: :math:`10\\,(\\overline{|R|^3})^{1/3}`,
    at most :math:`\\max |R|`; 1 for a map of zeros.

    Parameters
    ----------
    heatmap
        (H, W) signed relevance (or any array: the mean is over all its values).
    """
    check_array(heatmap, "heatmap", dtype_kind="fiu", finite=True)
    magnitude = np.abs(np.asarray(heatmap, dtype=np.float64))
    peak = float(magnitude.max()) if magnitude.size else 0.0
    if peak == 0:
        return 1.0
    return min(peak, 10.0 * float(np.mean(magnitude**3)) ** (1 / 3))


def _check_titles(titles: object, rows: int, columns: int) -> list[tuple[str, ...]]:
    """``titles`` checked to be ``rows`` lists of ``columns`` strings, like the heatmaps."""
    wanted = f"titles must be {rows} rows of {columns} strings, like the heatmaps"
    if not isinstance(titles, (list, tuple)):
        raise TypeError(f"{wanted}, got {describe(titles)}.")
    if len(titles) != rows:
        raise ValueError(f"{wanted}, got {len(titles)} rows.")
    return [check_names(row, f"titles[{r}]", length=columns) for r, row in enumerate(titles)]


def check_limit(limit: str | float) -> str | float:
    """Check a ``limit`` as :func:`relevance_grid` takes it: ``"typical"``, ``"max"`` or a
    positive number (returned as a float)."""
    if isinstance(limit, str):
        if limit not in ("typical", "max"):
            raise ValueError(f"limit must be 'typical', 'max' or a positive number, got {limit!r}.")
        return limit
    return check_positive_real(limit, "limit")


def relevance_grid(
    heatmaps: np.ndarray,
    titles: Sequence[Sequence[str]] | None = None,
    *,
    images: np.ndarray | None = None,
    row_titles: Sequence[str] | None = None,
    limit: str | float = "typical",
    size: float | None = None,
) -> Figure:
    """Rows of relevance maps, each on its own symmetric red/white/blue scale.

    Parameters
    ----------
    heatmaps
        (R, C, H, W): C maps per row (e.g. per method or per framework).
    titles
        (R, C) titles of the maps.
    images
        (R, H, W, 3) or (R, H, W): an image shown first in each row (the maps' own size need
        not match).
    row_titles
        R titles, on the images (or the first maps).
    limit
        ``"typical"`` (:func:`relevance_limit`), ``"max"`` (the largest absolute value) or a
        positive number, the value drawn at full red (its negative at full blue) in every map.
    size
        Width and height of one cell in inches; default 2.0, less when needed to keep the
        figure within the book's column.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_array(heatmaps, "heatmaps", dtype_kind="fiu", finite=True)
    if heatmaps.ndim != 4:
        raise ValueError(
            f"heatmaps must be (R, C, H, W), C maps per row, got {describe(heatmaps)}; pass "
            "heatmaps[:, None] for one (H, W) map per row."
        )
    rows, columns = heatmaps.shape[:2]
    if heatmaps.size == 0:
        raise ValueError(f"heatmaps is empty, {describe(heatmaps)}: pass at least one map.")
    if titles is not None:
        titles = _check_titles(titles, rows, columns)
    if row_titles is not None:
        row_titles = check_names(row_titles, "row_titles", length=rows)
    if images is not None:
        check_array(images, "images", ndim=(3, 4))
        if len(images) != rows:
            raise ValueError(f"got {len(images)} images for {rows} rows of maps.")
    limit = check_limit(limit)
    first = int(images is not None)
    size = cell_size(size, 2.0, columns + first)
    fontsize = text_size((columns + first) * size)
    width, height = (columns + first) * size, rows * size + 0.3
    check_figure(rows * (columns + first), width, height)
    fig, axes = plt.subplots(rows, columns + first, figsize=(width, height), squeeze=False)
    for row in range(rows):
        if images is not None:
            axes[row, 0].imshow(as_rgb(images[row], f"images[{row}]"))
        for column in range(columns):
            heatmap = heatmaps[row, column].astype(np.float64)
            if limit == "typical":
                bound = relevance_limit(heatmap)
            elif limit == "max":
                bound = float(np.abs(heatmap).max()) or 1.0
            else:
                bound = float(limit)
            ax = axes[row, column + first]
            ax.imshow(heatmap, cmap=RELEVANCE, vmin=-bound, vmax=bound, interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[row][column], fontsize=fontsize)
        if row_titles is not None:
            axes[row, 0].set_ylabel(row_titles[row], fontsize=fontsize)
        for ax in axes[row]:
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    return fig
