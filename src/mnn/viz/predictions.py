"""A classifier's top-k classes beside each image, one column of bars per model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .._validation import check_array, check_mapping, check_names, check_scalar, describe
from ._layout import check_cell_size, check_figure, text_size
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
    check_mapping(predictions, "predictions", "{'PyTorch': decode_predictions(logits)}")
    check_names(list(predictions), "the labels of predictions")
    for label, per_image in predictions.items():
        if not isinstance(per_image, (list, tuple)):
            raise TypeError(
                f"predictions[{label!r}] must be a list with one list of predictions per image, "
                f"got {describe(per_image)}."
            )
        if len(per_image) != n:
            raise ValueError(f"predictions[{label!r}] has {len(per_image)} entries for {n} images.")
        for row, top in enumerate(per_image):
            _check_top(top, f"predictions[{label!r}][{row}]")
    if titles is not None:
        titles = check_names(titles, "titles")
        if len(titles) != n:
            raise ValueError(f"got {len(titles)} titles for {n} images.")
    size = check_cell_size(size)
    columns = 1 + len(predictions)
    width = size * (1 + 1.4 * len(predictions))
    fontsize = text_size(width)
    check_figure(n * columns, width, size * n)
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


def _check_top(top: object, name: str) -> None:
    """One image's predictions: a list of objects with a str ``name`` and a ``probability``."""
    if not isinstance(top, (list, tuple)):
        raise TypeError(f"{name} must be a list of predictions, got {describe(top)}.")
    for index, prediction in enumerate(top):
        label = getattr(prediction, "name", None)
        if not isinstance(label, str):
            raise TypeError(
                f"{name}[{index}] must have a str attribute name, like the predictions of "
                f"mnn.models.imagenet.decode_predictions; got {describe(prediction)}."
            )
        check_scalar(
            getattr(prediction, "probability", None), f"{name}[{index}].probability", low=0, high=1
        )
