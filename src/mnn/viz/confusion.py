"""The confusion matrix of a classifier, drawn from counts it is given."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from .._validation import check_array, check_names, check_text, describe
from ._layout import TEXT_SIZE, check_axes, check_figure


def plot_confusion_matrix(
    matrix: np.ndarray,
    class_names: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Draw counts[true class, predicted class] with the count written in every cell.

    The diagonal (correct predictions) dominates any colour scale, so cells are coloured by
    their count on a logarithmic scale.

    Parameters
    ----------
    matrix
        (k, k) non-negative integer counts, rows the true classes, columns the predictions
        (as ``sklearn.metrics.confusion_matrix`` returns them).
    class_names
        k labels for the axes; default 0 .. k-1.
    ax
        Axes to draw into; default a new figure.
    title
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_array(matrix, "matrix", ndim=2)
    if matrix.dtype.kind not in "iu":
        raise TypeError(
            f"matrix must hold integer counts, got {describe(matrix)}; pass "
            "sklearn.metrics.confusion_matrix(y_true, y_pred) without normalize=."
        )
    k = matrix.shape[0]
    if matrix.shape != (k, k):
        raise ValueError(f"matrix must be square, got shape {matrix.shape}.")
    if k == 0:
        raise ValueError("matrix is empty (0x0): pass the counts of at least one class.")
    if matrix.min() < 0:
        row, column = np.unravel_index(matrix.argmin(), matrix.shape)
        raise ValueError(
            f"matrix must hold counts, which are not negative, got {matrix[row, column]} at "
            f"[{row}, {column}]; pass sklearn.metrics.confusion_matrix(y_true, y_pred)."
        )
    names = (
        [str(i) for i in range(k)]
        if class_names is None
        else check_names(class_names, "class_names")
    )
    if len(names) != k:
        raise ValueError(f"got {len(names)} class names for a {k}x{k} matrix.")
    check_text(title, "title")
    # Cells wide enough for a four-digit count at the book's text size.
    width, height = 0.55 * k + 1.5, 0.55 * k + 1.2
    check_figure(k * k, width, height)
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(width, height))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    threshold = np.log1p(matrix).max() / 2
    for row in range(k):
        for column in range(k):
            count = matrix[row, column]
            color = "white" if np.log1p(count) > threshold else "black"
            ax.text(
                column, row, str(count), ha="center", va="center", fontsize=TEXT_SIZE, color=color
            )
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    return ax
