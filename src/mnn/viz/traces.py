"""How an activation maximisation went: the unit's activation, step by step."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from .._validation import check_array, check_names, check_text, describe
from ._layout import TEXT_SIZE, check_axes


def plot_trace(
    trace: np.ndarray,
    labels: Sequence[str] | None = None,
    *,
    penalty: np.ndarray | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Draw the activation of each image's unit against the step of the ascent.

    Parameters
    ----------
    trace
        (steps + 1, N): ``MaximizeResult.trace``, one column per image.
    labels
        One legend label per image, or ``None``.
    penalty
        (steps + 1, N): ``MaximizeResult.penalty``; when given, the regularised objective
        (activation minus penalty) is drawn dashed in the same colour.
    ax
        Axes to draw into; default a new figure.
    title
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_array(trace, "trace", ndim=2, dtype_kind="fiu", finite=True)
    if len(trace) == 0 or trace.shape[1] == 0:
        raise ValueError(f"trace is empty, {describe(trace)}: pass MaximizeResult.trace.")
    if labels is not None:
        labels = check_names(labels, "labels", length=trace.shape[1])
    if penalty is not None:
        check_array(penalty, "penalty", shape=trace.shape, dtype_kind="fiu", finite=True)
    ax = check_axes(ax)
    title = check_text(title, "title")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    steps = np.arange(len(trace))
    for column in range(trace.shape[1]):
        label = labels[column] if labels is not None else None
        (line,) = ax.plot(steps, trace[:, column], label=label)
        if penalty is not None:
            ax.plot(steps, trace[:, column] - penalty[:, column], "--", color=line.get_color())
    ax.set_xlabel("step", fontsize=TEXT_SIZE)
    ax.set_ylabel("activation" + (" (dashed: minus penalty)" if penalty is not None else ""))
    ax.tick_params(labelsize=TEXT_SIZE)
    if labels is not None:
        ax.legend(fontsize=TEXT_SIZE)
    if title:
        ax.set_title(title, fontsize=TEXT_SIZE)
    return ax
