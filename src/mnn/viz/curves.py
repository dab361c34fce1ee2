"""Training curves: one line per recorded quantity, against the epoch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .._validation import check_bool, check_names, check_text, describe
from ._layout import check_axes


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
        Maps a name to one value per epoch (the first value is epoch 1); a NaN leaves a gap.
        For Keras, pass the ``.history`` of what ``fit`` returns.
    keys
        Which entries to draw, in order; default all of them.
    ax
        Axes to draw into; default a new figure.
    logy
        Logarithmic vertical axis; every value drawn must then be positive.
    title
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(history, Mapping):
        hint = "a dict such as {'loss': [...], 'val_loss': [...]}"
        if isinstance(getattr(history, "history", None), Mapping):
            hint = "its .history, the dict that Keras' fit records"
        raise TypeError(
            f"history must map names to per-epoch values, got {describe(history)}; pass {hint}."
        )
    if isinstance(keys, str):
        raise TypeError(f"keys must be a list of names, e.g. [{keys!r}], got the string {keys!r}.")
    keys = list(history) if keys is None else list(check_names(keys, "keys"))
    logy = check_bool(logy, "logy")
    check_text(title, "title")
    missing = [k for k in keys if k not in history]
    if missing:
        raise KeyError(f"history has no entries {missing}; it has {sorted(history)}.")
    if not keys:
        raise ValueError("there is nothing to draw: history is empty, or keys is.")
    curves = {key: _per_epoch(history[key], key, logy) for key in keys}
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    for key, values in curves.items():
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


def _per_epoch(values: Sequence[float], key: str, logy: bool) -> np.ndarray:
    """``history[key]`` as a 1-D array of one real number per epoch (NaN allowed: a gap)."""
    array = np.asarray(values)
    if array.ndim != 1 or array.dtype.kind not in "fiu" or array.size == 0:
        raise ValueError(
            f"history[{key!r}] must hold one number per epoch, got {describe(values)}."
        )
    if logy and np.any(array <= 0):
        raise ValueError(
            f"history[{key!r}] has values <= 0 (down to {np.nanmin(array):g}), which a "
            "logarithmic axis cannot draw; pass logy=False."
        )
    return array
