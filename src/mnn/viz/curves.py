"""Training curves: one line per recorded quantity, against the epoch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator


def plot_history(
    history: Mapping[str, Sequence[float]],
    keys: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    logy: bool = False,
    title: str | None = None,
) -> Axes:
    """Plot per-epoch curves such as ``{"loss": [...], "val_loss": [...]}``.

    Parameters
    ----------
    history
        Maps a name to one value per epoch (the first value is epoch 1).
    keys
        Which entries to draw, in order; default all of them.
    ax
        Axes to draw into; default a new figure.
    logy
        Logarithmic vertical axis.
    title
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    keys = list(history) if keys is None else list(keys)
    missing = [k for k in keys if k not in history]
    if missing:
        raise KeyError(f"history has no entries {missing}; it has {sorted(history)}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    for key in keys:
        values = list(history[key])
        ax.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=key)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax
