"""Grids of images: samples per class, filters, feature maps."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._validation import (
    check_array,
    check_colormap,
    check_names,
    check_positive_int,
    check_seed,
    check_text,
    describe,
)
from ._layout import TEXT_SIZE, cell_size, check_figure, label_width, text_size
from .overlays import as_rgb


def image_grid(
    images: np.ndarray,
    *,
    titles: Sequence[str] | None = None,
    row_labels: Sequence[str] | None = None,
    ncols: int = 10,
    cmap: str = "gray",
    size: float | None = None,
    suptitle: str | None = None,
) -> Figure:
    """Show images in a grid, row by row.

    Parameters
    ----------
    images
        (N, H, W) grey images of any real dtype, each shown with its own range; or
        (N, H, W, 3) RGB images, uint8 or floats in [0, 1].
    titles
        One short title per image, or ``None``.
    row_labels
        One label per row, written left of the row (e.g. the method that made it), or ``None``.
    ncols
        Images per row.
    cmap
        Colour map for grey images.
    size
        Width and height of one cell in inches; default 1.2, less when needed to keep the
        figure within the book's column.
    suptitle
        Title of the whole figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_array(images, "images", ndim=(3, 4), dtype_kind="fiub", finite=True)
    if images.ndim == 4 and images.shape[-1] != 3:
        raise ValueError(f"RGB images must be (N, H, W, 3), got shape {images.shape}.")
    if len(images) == 0:
        raise ValueError(f"images is empty, {describe(images)}: pass at least one image.")
    ncols = check_positive_int(ncols, "ncols")
    check_colormap(cmap)
    suptitle = check_text(suptitle, "suptitle")
    n = len(images)
    if titles is not None:
        titles = check_names(titles, "titles")
        if len(titles) != n:
            raise ValueError(f"got {len(titles)} titles for {n} images.")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    labels = () if row_labels is None else check_names(row_labels, "row_labels")
    if row_labels is not None and len(labels) != nrows:
        raise ValueError(
            f"got {len(labels)} row labels for {nrows} rows of {ncols} images; pass one "
            "label per row."
        )
    size = cell_size(size, 1.2, ncols, label_width(labels, TEXT_SIZE))
    fontsize = text_size(size * ncols + label_width(labels, TEXT_SIZE))
    margin = label_width(labels, fontsize)
    title_height = 1.6 * fontsize / 72 if titles is not None else 0.0
    width = size * ncols + margin
    height = (size + title_height) * nrows + (0.5 if suptitle else 0.1)
    check_figure(nrows * ncols, width, height)
    if images.ndim == 4:
        images = np.stack([as_rgb(image, f"images[{i}]") for i, image in enumerate(images)])
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False)
    for index, ax in enumerate(axes.flat):
        _bare(ax)
        if index < n:
            ax.imshow(images[index], cmap=cmap if images.ndim == 3 else None)
            if titles is not None:
                ax.set_title(titles[index], fontsize=fontsize)
    if row_labels is not None:
        for ax, label in zip(axes[:, 0], labels, strict=True):
            ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=fontsize)
    if suptitle:
        fig.suptitle(suptitle, fontsize=fontsize * 1.2)
    fig.tight_layout()
    return fig


def _bare(ax: Axes) -> None:
    """No ticks, no frame; unlike ``axis("off")`` the axis labels stay visible."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def class_grid(
    images: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    *,
    per_class: int = 8,
    seed: int = 0,
    size: float | None = None,
) -> Figure:
    """Show ``per_class`` random samples of every class: one row per class, named on the left.

    Parameters
    ----------
    images
        (N, H, W) grey images.
    labels
        (N,) integer labels in ``0 .. len(class_names) - 1``.
    class_names
        The name of each class.
    per_class
        Samples drawn (without replacement) from each class.
    seed
        Seed of the draw, so that the figure is the same every run.
    size
        Width and height of one cell in inches; default 0.9, less when needed to keep the
        figure within the book's column.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_array(images, "images", ndim=3, dtype_kind="fiub", finite=True)
    check_array(labels, "labels", shape=(len(images),), dtype_kind="iu")
    per_class = check_positive_int(per_class, "per_class")
    class_names = check_names(class_names, "class_names")
    if len(class_names) == 0:
        raise ValueError("class_names is empty: pass the name of every class.")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(class_names)):
        raise ValueError(
            f"labels must lie in 0 .. {len(class_names) - 1} (one per class name), got values "
            f"from {labels.min()} to {labels.max()}; pass one name per class."
        )
    rng = np.random.default_rng(check_seed(seed))
    members = [np.flatnonzero(labels == row) for row in range(len(class_names))]
    for row, (name, indices) in enumerate(zip(class_names, members, strict=True)):
        if len(indices) < per_class:
            raise ValueError(
                f"class {row} ({name!r}) has {len(indices)} images, "
                f"fewer than per_class={per_class}."
            )
    nrows = len(class_names)
    size = cell_size(size, 0.9, per_class, label_width(class_names, TEXT_SIZE))
    fontsize = text_size(size * per_class + label_width(class_names, TEXT_SIZE))
    margin = label_width(class_names, fontsize)
    width, height = size * per_class + margin, size * nrows + 0.4
    check_figure(nrows * per_class, width, height)
    fig, axes = plt.subplots(nrows, per_class, figsize=(width, height), squeeze=False)
    for row, name in enumerate(class_names):
        chosen = rng.choice(members[row], size=per_class, replace=False)
        for col, index in enumerate(chosen):
            ax = axes[row, col]
            ax.imshow(images[index], cmap="gray_r")
            _bare(ax)
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=fontsize)
    fig.subplots_adjust(
        left=margin / width,
        right=0.99,
        bottom=0.01,
        top=1 - 0.4 / height,
        wspace=0.05,
        hspace=0.05,
    )
    return fig
