"""Heatmaps over images: jet overlays as in the course, diverging overlays, per-class grids.

Heatmaps must already have the image's size: bring a layer's (h, w) map to the image with
:func:`mnn.explain.to_input` (bilinear or through receptive fields) first.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure

from .._validation import (
    check_array,
    check_bool,
    check_colormap,
    check_names,
    check_positive_real,
    check_scalar,
    describe,
)
from ._layout import cell_size, check_figure, text_size

#: Blue for negative, grey for zero, red for positive values (used with a symmetric range).
DIVERGING = LinearSegmentedColormap.from_list(
    "mnn_diverging", [(0.0, "#2166ac"), (0.5, "#bdbdbd"), (1.0, "#b2182b")], N=511
)


def as_rgb(image: np.ndarray, name: str = "image") -> np.ndarray:
    """An image as float RGB in [0, 1]: (H, W, 3) or grey (H, W); uint8, or floats in [0, 1]."""
    check_array(image, name, ndim=(2, 3))
    if image.ndim == 3 and image.shape[-1] != 3:
        hint = {
            1: f"; pass {name}[..., 0] for a (H, W, 1) grey image",
            4: f"; pass {name}[..., :3] to drop the alpha channel",
        }
        raise ValueError(
            f"{name} must be (H, W, 3) RGB or (H, W) grey, got {describe(image)}"
            f"{hint.get(image.shape[-1], '')}."
        )
    if image.size == 0:
        raise ValueError(f"{name} is empty, {describe(image)}: pass an image of at least 1x1.")
    if image.dtype != np.uint8 and image.dtype.kind != "f":
        raise TypeError(
            f"{name} must be uint8 (0-255) or floating (0-1), got {describe(image)}; convert "
            f"0-255 pixels with {name}.astype(np.uint8)."
        )
    check_array(image, name, finite=True)
    if image.dtype == np.uint8:
        rgb = image / 255.0
    else:
        if image.min() < 0 or image.max() > 1:
            raise ValueError(
                f"a floating {name} must have values in [0, 1], got [{image.min():.3g}, "
                f"{image.max():.3g}]; pass image / 255 for 0-255 pixels, or rescale "
                "a preprocessed image back to pixels first."
            )
        rgb = image.astype(np.float64)
    return np.repeat(rgb[..., None], 3, axis=-1) if rgb.ndim == 2 else rgb


def _check_heatmap(heatmap: np.ndarray, image: np.ndarray) -> np.ndarray:
    check_array(heatmap, "heatmap", dtype_kind="fiu", finite=True)
    if heatmap.ndim != 2:
        raise ValueError(
            f"heatmap must be one (H, W) map, got {describe(heatmap)}; pass heatmaps[i] of a "
            "batch, or draw a batch with overlay_grid or heatmap_grid."
        )
    if heatmap.shape != image.shape[:2]:
        raise ValueError(
            f"heatmap has shape {heatmap.shape} but the image is {image.shape[:2]}; bring it to "
            f"the image first with mnn.explain.to_input(heatmap, input_size={image.shape[:2]}) "
            "(bilinear), or mnn.explain.to_input(heatmap, model, mode='roi')."
        )
    return heatmap.astype(np.float64)


def superimpose(
    image: np.ndarray, heatmap: np.ndarray, *, alpha: float = 0.5, cmap: str = "jet"
) -> np.ndarray:
    """Colour a heatmap and blend it over an image, like the course's ``superimpose_heatmap``.

    Negative values count as zero; the rest is divided by the maximum, quantised to 256 levels,
    coloured with ``cmap`` and mixed as ``(1 - alpha) * image + alpha * colour``.

    Parameters
    ----------
    image
        (H, W, 3) RGB or (H, W) grey; uint8, or floats in [0, 1].
    heatmap
        (H, W), any real values.
    alpha
        Weight of the colour, in [0, 1].
    cmap
        A matplotlib colour map name.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) float RGB in [0, 1].
    """
    _check_alpha(alpha)
    colormap = check_colormap(cmap)
    rgb = as_rgb(image)
    positive = np.maximum(_check_heatmap(heatmap, rgb), 0.0)
    peak = positive.max()
    # As the course: 256 levels, which index the colour map's table directly.
    levels = np.uint8(positive / peak * 255) if peak > 0 else np.zeros(positive.shape, np.uint8)
    colour = colormap.resampled(256)(levels)[..., :3]
    return (1.0 - alpha) * rgb + alpha * colour


def diverging_overlay(
    image: np.ndarray, heatmap: np.ndarray, *, alpha: float = 0.6, limit: float | None = None
) -> np.ndarray:
    """Blend a signed heatmap over the grey image: blue negative, grey zero, red positive.

    Parameters
    ----------
    image
        (H, W, 3) RGB or (H, W) grey; uint8, or floats in [0, 1].
    heatmap
        (H, W) signed values.
    alpha
        Weight of the colour, in [0, 1].
    limit
        The value shown as full red (and its negative as full blue); default the largest
        absolute value.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) float RGB in [0, 1].
    """
    _check_alpha(alpha)
    rgb = as_rgb(image)
    values = _check_heatmap(heatmap, rgb)
    limit = _limit(values, limit)
    colour = DIVERGING(0.5 + 0.5 * np.clip(values / limit, -1.0, 1.0))[..., :3]
    grey = np.repeat(rgb.mean(axis=-1, keepdims=True), 3, axis=-1)
    return (1.0 - alpha) * grey + alpha * colour


def _limit(values: np.ndarray, limit: float | None) -> float:
    if limit is None:
        peak = float(np.abs(values).max())
        return peak if peak > 0 else 1.0
    return check_positive_real(limit, "limit")


def _check_alpha(alpha: float) -> None:
    check_scalar(alpha, "alpha", low=0.0, high=1.0)


def heatmap_grid(
    image: np.ndarray,
    heatmaps: np.ndarray,
    titles: Sequence[str] | None = None,
    *,
    diverging: bool = False,
    alpha: float = 0.5,
    size: float = 2.2,
) -> Figure:
    """One row per heatmap (e.g. per class): the image, the heatmap, the overlay.

    Parameters
    ----------
    image
        (H, W, 3) or (H, W), shared by every row; or (K, H, W, 3) one image per row.
    heatmaps
        (K, H, W) at the image's size.
    titles
        One title per row (e.g. "tabby 0.62").
    diverging
        Signed maps: :func:`diverging_overlay` and a symmetric blue-grey-red scale instead of
        :func:`superimpose` and jet. The heatmap column uses the overlay's scale: jet from 0 to
        the map's maximum (negative values get the lowest colour, and the colour bar an arrow),
        or blue-grey-red from minus to plus the largest absolute value.
    alpha
        Weight of the colour in the overlay.
    size
        Width and height of one cell in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_array(heatmaps, "heatmaps", dtype_kind="fiu", finite=True)
    if heatmaps.ndim != 3:
        raise ValueError(
            f"heatmaps must be (K, H, W), one map per row, got {describe(heatmaps)}; pass "
            "heatmap[None] for a single (H, W) map."
        )
    if len(heatmaps) == 0:
        raise ValueError(f"heatmaps is empty, {describe(heatmaps)}: pass at least one map.")
    images = _per_row(image, len(heatmaps))
    if titles is not None:
        titles = check_names(titles, "titles")
        if len(titles) != len(heatmaps):
            raise ValueError(f"got {len(titles)} titles for {len(heatmaps)} heatmaps.")
    diverging = check_bool(diverging, "diverging")
    _check_alpha(alpha)
    rows = len(heatmaps)
    size = cell_size(size, 2.2, 3)
    fontsize = text_size(3 * size)
    check_figure(3 * rows, 3 * size, rows * size + 0.2)
    fig, axes = plt.subplots(rows, 3, figsize=(3 * size, rows * size + 0.2), squeeze=False)
    for row, (picture, heatmap) in enumerate(zip(images, heatmaps, strict=True)):
        rgb = as_rgb(picture)
        if diverging:
            limit = _limit(heatmap.astype(np.float64), None)
            shown = axes[row, 1].imshow(heatmap, cmap=DIVERGING, vmin=-limit, vmax=limit)
            overlay = diverging_overlay(rgb, heatmap, alpha=alpha)
        else:
            # The overlay's scale: 0 to the map's maximum, negative values at its lowest colour.
            peak = max(float(heatmap.max()), 0.0)
            shown = axes[row, 1].imshow(heatmap, cmap="jet", vmin=0.0, vmax=peak or 1.0)
            overlay = superimpose(rgb, heatmap, alpha=alpha)
        axes[row, 0].imshow(rgb)
        axes[row, 2].imshow(overlay)
        below = not diverging and heatmap.min() < 0
        bar = fig.colorbar(
            shown, ax=axes[row, 1], fraction=0.046, pad=0.04, extend="min" if below else "neither"
        )
        bar.ax.tick_params(labelsize=fontsize)
        if titles is not None:
            axes[row, 0].set_ylabel(titles[row], fontsize=fontsize)
        for ax in axes[row]:
            ax.set_xticks([])
            ax.set_yticks([])
    for ax, label in zip(axes[0], ("image", "heatmap", "overlay"), strict=True):
        ax.set_title(label, fontsize=fontsize)
    fig.tight_layout()
    return fig


def overlay_grid(
    images: np.ndarray,
    heatmaps: np.ndarray,
    titles: Sequence[Sequence[str]] | None = None,
    *,
    row_titles: Sequence[str] | None = None,
    alpha: float = 0.5,
    size: float | None = None,
    colorbar: bool = False,
) -> Figure:
    """One row per image: the image, then one jet overlay per heatmap (e.g. its top-k classes).

    Parameters
    ----------
    images
        (R, H, W, 3) or (R, H, W).
    heatmaps
        (R, C, H, W) at the images' size.
    titles
        (R, C) titles of the overlays.
    row_titles
        R titles of the images.
    alpha
        Weight of the colour in the overlays.
    size
        Width and height of one cell in inches; default 2.0, less when needed to keep the
        figure within the book's column.
    colorbar
        Add one colour bar for all overlays, from 0 to 1: :func:`superimpose` divides each
        heatmap by its own maximum, so colours compare places within a map, not across maps.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_array(images, "images", ndim=(3, 4))
    check_array(heatmaps, "heatmaps", dtype_kind="fiu", finite=True)
    if heatmaps.ndim != 4:
        raise ValueError(
            f"heatmaps must be (R, C, H, W), C maps per image, got {describe(heatmaps)}; pass "
            "heatmaps[:, None] for one (H, W) map per image."
        )
    if len(heatmaps) != len(images):
        raise ValueError(f"got {len(heatmaps)} rows of heatmaps for {len(images)} images.")
    rows, columns = heatmaps.shape[:2]
    if rows == 0 or columns == 0:
        raise ValueError(f"heatmaps is empty, {describe(heatmaps)}: pass at least one map.")
    if titles is not None:
        if not isinstance(titles, (list, tuple)):
            raise TypeError(
                f"titles must be a list of {rows} lists of {columns} strings, got "
                f"{describe(titles)}."
            )
        titles = [check_names(row, f"titles[{i}]") for i, row in enumerate(titles)]
        if [len(t) for t in titles] != [columns] * rows:
            raise ValueError(f"titles must be {rows} rows of {columns} strings, like the heatmaps.")
    if row_titles is not None:
        row_titles = check_names(row_titles, "row_titles")
        if len(row_titles) != rows:
            raise ValueError(f"got {len(row_titles)} row titles for {rows} images.")
    _check_alpha(alpha)
    colorbar = check_bool(colorbar, "colorbar")
    bar_width = 0.8 if colorbar else 0.0
    size = cell_size(size, 2.0, columns + 1, bar_width)
    width = (columns + 1) * size + bar_width
    fontsize = text_size(width)
    check_figure(rows * (columns + 1), width, rows * size + 0.2)
    fig, axes = plt.subplots(rows, columns + 1, figsize=(width, rows * size + 0.2), squeeze=False)
    for row in range(rows):
        rgb = as_rgb(images[row], f"images[{row}]")
        axes[row, 0].imshow(rgb)
        if row_titles is not None:
            axes[row, 0].set_title(row_titles[row], fontsize=fontsize)
        for column in range(columns):
            ax = axes[row, column + 1]
            ax.imshow(superimpose(rgb, heatmaps[row, column], alpha=alpha))
            if titles is not None:
                ax.set_title(titles[row][column], fontsize=fontsize)
        for ax in axes[row]:
            ax.axis("off")
    # Keep a strip on the right for the colour bar and its label.
    fig.tight_layout(rect=(0.0, 0.0, 1.0 - bar_width / width, 1.0))
    if colorbar:
        top, bottom = axes[0, -1].get_position().y1, axes[-1, -1].get_position().y0
        slot = fig.add_axes((1.0 - (bar_width - 0.05) / width, bottom, 0.15 / width, top - bottom))
        bar = fig.colorbar(ScalarMappable(Normalize(0.0, 1.0), cmap="jet"), cax=slot)
        bar.set_label("heatmap / its maximum", fontsize=fontsize)
        bar.ax.tick_params(labelsize=fontsize)
    return fig


def _per_row(image: np.ndarray, rows: int) -> list[np.ndarray]:
    check_array(image, "image", ndim=(2, 3, 4))
    if image.ndim == 4:
        if len(image) != rows:
            raise ValueError(f"got {len(image)} images for {rows} heatmaps.")
        return list(image)
    return [image] * rows
