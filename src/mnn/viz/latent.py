"""The two-dimensional code of an autoencoder: images as points, and the plane as images."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from .._validation import (
    check_array,
    check_bool,
    check_colormap,
    check_names,
    check_nonempty,
    check_scalar,
    check_text,
)
from ._layout import TEXT_SIZE, check_axes
from ._scale import check_scale


def latent_scatter(
    codes: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    *,
    ax: Axes | None = None,
    title: str | None = None,
    marker_size: float = 6.0,
    axis_labels: tuple[str, str] = ("$z_1$", "$z_2$"),
    legend: bool = True,
) -> Axes:
    """Scatter the 2-D codes, one colour per class, with a legend of the class names.

    Parameters
    ----------
    codes
        (N, 2) codes (or any 2-D embedding).
    labels
        (N,) integer classes in ``0 .. len(class_names) - 1``.
    class_names
        The name of each class (at most 20: one colour each).
    ax
        Axes to draw into; default a new figure.
    title
        Axes title.
    marker_size
        Area of a marker, in points squared.
    axis_labels
        Names of the two coordinates.
    legend
        Draw the legend of class names (right of the axes). With several scatters in one
        figure, pass ``False`` and draw one legend for all with :func:`figure_legend`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_array(codes, "codes", shape=(None, 2), dtype_kind="fiu", finite=True)
    check_array(labels, "labels", shape=(len(codes),), dtype_kind="iu")
    check_nonempty(codes, "codes", what="code")
    class_names = check_names(class_names, "class_names")
    _check_common(ax, title, axis_labels)
    marker_size = check_scalar(marker_size, "marker_size", low=0.0, include="neither")
    legend = check_bool(legend, "legend")
    if len(class_names) == 0:
        raise ValueError("class_names is empty: pass the name of every class.")
    if len(class_names) > 20:
        raise ValueError(f"at most 20 classes can get their own colour, got {len(class_names)}.")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(class_names)):
        raise ValueError(
            f"labels must lie in 0 .. {len(class_names) - 1} (one per class name), got values "
            f"from {labels.min()} to {labels.max()}."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5))
    colours = plt.get_cmap("tab10" if len(class_names) <= 10 else "tab20").colors
    for index, name in enumerate(class_names):
        members = labels == index
        ax.scatter(*codes[members].T, s=marker_size, color=colours[index], label=name, alpha=0.8)
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(fontsize=TEXT_SIZE, markerscale=2.0, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


def latent_plane(
    images: np.ndarray,
    grid: np.ndarray,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    cmap: str = "gray_r",
    axis_labels: tuple[str, str] = ("$z_1$", "$z_2$"),
) -> Axes:
    """Show images decoded at the nodes of a regular grid of the code plane, each at its place.

    Parameters
    ----------
    images
        (n * n, H, W) grey images in [0, 1], ``images[i]`` decoded from ``grid[i]``. Values a
        little outside are drawn at its ends; values further than 1 outside are refused.
    grid
        (n * n, 2) codes in the order of :func:`mnn.models.latent_grid`: row by row from the
        largest :math:`z_2` down, :math:`z_1` increasing along a row.
    ax
        Axes to draw into; default a new figure.
    title
        Axes title.
    cmap
        Colour map.
    axis_labels
        Names of the two coordinates.

    Returns
    -------
    matplotlib.axes.Axes
        The axes are in code coordinates, so that scatter plots can share them.
    """
    check_array(images, "images", ndim=3, dtype_kind="f", finite=True)
    check_array(grid, "grid", shape=(len(images), 2), dtype_kind="f", finite=True)
    check_nonempty(images, "images", what="image")
    check_scale(images, "images", 0.0, 1.0, "divide 0-255 pixels by 255")
    check_colormap(cmap)
    _check_common(ax, title, axis_labels)
    n = math.isqrt(len(grid))
    lattice = grid.reshape(n, n, 2) if n > 1 and n * n == len(grid) else None
    if (
        lattice is None
        or not np.allclose(lattice[:, :, 0], lattice[:1, :, 0])
        or not np.allclose(lattice[:, :, 1], lattice[:, :1, 1])
        or not (np.all(np.diff(lattice[0, :, 0]) > 0) and np.all(np.diff(lattice[:, 0, 1]) < 0))
    ):
        raise ValueError(
            f"grid must be a regular n x n lattice (n >= 2) in the order of "
            f"mnn.models.latent_grid, got {len(grid)} codes that are not; make it with "
            f"mnn.models.latent_grid."
        )
    height, width = images.shape[1:]
    mosaic = images.reshape(n, n, height, width).transpose(0, 2, 1, 3).reshape(n * height, -1)
    z1, z2 = lattice[0, :, 0], lattice[:, 0, 1]
    half_1, half_2 = (z1[1] - z1[0]) / 2, (z2[0] - z2[1]) / 2
    extent = (z1[0] - half_1, z1[-1] + half_1, z2[-1] - half_2, z2[0] + half_2)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(mosaic, cmap=cmap, vmin=0.0, vmax=1.0, extent=extent, aspect="auto")
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    if title:
        ax.set_title(title)
    return ax


def _check_common(ax: object, title: object, axis_labels: object) -> None:
    """The arguments both figures share: axes to draw into, a title, the coordinates' names."""
    check_axes(ax)
    check_text(title, "title")
    check_names(axis_labels, "axis_labels", length=2)
