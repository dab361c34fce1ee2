"""A classifier's top-k classes beside each image, one column of bars per model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .._validation import check_array, describe
from ._layout import text_size
from .overlays import as_rgb


def plot_predictions(
    images: np.ndarray,
    predictions: Mapping[str, Sequence[Sequence[Any]]],
    *,
    titles: Sequence[str] | None = None,
    size: float = 2.4,
) -> Figure:
    """Each image in a row, followed by a bar chart of its top classes for each model.

    Parameters
    ----------
    images
        (N, H, W, 3) RGB images, uint8 or floats in [0, 1].
    predictions
        A label (e.g. ``"PyTorch"``) mapped to N lists, one per image, of predictions with
        ``name`` and ``probability`` attributes, most probable first, as returned by
        :func:`mnn.models.imagenet.decode_predictions`.
    titles
        One title per image, or ``None``.
    size
        Height of a row and width of a column, in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_array(images, "images", shape=(None, None, None, 3), dtype_kind="uf")
    n = len(images)
    if n == 0:
        raise ValueError(f"images is empty, {describe(images)}: pass at least one image.")
    pixels = [as_rgb(image, f"images[{i}]") for i, image in enumerate(images)]
    for label, per_image in predictions.items():
        if len(per_image) != n:
            raise ValueError(f"predictions[{label!r}] has {len(per_image)} entries for {n} images.")
    if titles is not None and len(titles) != n:
        raise ValueError(f"got {len(titles)} titles for {n} images.")
    columns = 1 + len(predictions)
    width = size * (1 + 1.4 * len(predictions))
    fontsize = text_size(width)
    fig, axes = plt.subplots(
        n,
        columns,
        figsize=(width, size * n),
        squeeze=False,
        gridspec_kw={"width_ratios": [1] + [1.4] * len(predictions)},
    )
    for row in range(n):
        axes[row, 0].imshow(pixels[row])
        axes[row, 0].axis("off")
        if titles is not None:
            axes[row, 0].set_title(titles[row], fontsize=fontsize)
        for ax, (label, per_image) in zip(axes[row, 1:], predictions.items(), strict=True):
            top = per_image[row]
            positions = np.arange(len(top))
            probabilities = [p.probability for p in top]
            bars = ax.barh(positions, probabilities, color="tab:blue")
            labels = [f"{p:.0%}" for p in probabilities]
            ax.bar_label(bars, labels, padding=2, fontsize=fontsize)
            ax.set_yticks(positions, [p.name for p in top], fontsize=fontsize)
            ax.invert_yaxis()
            # Room right of a full bar for its label ("100%").
            ax.set_xlim(0, 1.2)
            ax.set_xticks([0, 0.5, 1])
            ax.tick_params(axis="x", labelsize=fontsize)
            if row == 0:
                ax.set_title(label, fontsize=1.2 * fontsize)
            if row == n - 1:
                ax.set_xlabel("probability", fontsize=fontsize)
    fig.tight_layout()
    return fig
