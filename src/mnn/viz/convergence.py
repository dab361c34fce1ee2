"""Convergence curves of optimisers: a per-iteration quantity against the iteration, log scale."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

QUANTITIES = {"grad_norm": r"$\|\nabla f(x_k)\|_\infty$", "fun": r"$f(x_k) - f^*$"}


def plot_convergence(
    results: Mapping[str, Any],
    quantity: str = "grad_norm",
    *,
    minimum: float = 0.0,
    ax: Axes | None = None,
    title: str | None = None,
    styles: Mapping[str, Mapping[str, Any]] | None = None,
    logx: bool = False,
) -> Axes:
    """Draw ``result.history[quantity]`` against the iteration for each labelled result.

    Parameters
    ----------
    results
        Maps a legend label to an ``mnn.optim.OptimizeResult`` (anything with a ``history``
        mapping of per-iteration arrays of shape ``(nit + 1,)``).
    quantity
        ``"grad_norm"`` (:math:`\\|\\nabla f(x_k)\\|_\\infty`) or ``"fun"``
        (:math:`f(x_k) - f^*`, with :math:`f^*` = ``minimum``).
    minimum
        :math:`f^*`, subtracted when ``quantity="fun"``.
    ax
        Axes to draw into; default a new figure.
    title
        Axes title.
    styles
        Optional matplotlib keyword arguments per label (colour, line style, ...).
    logx
        Logarithmic iteration axis (iteration k is drawn at k + 1).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {sorted(QUANTITIES)}; got {quantity!r}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    styles = styles or {}
    for label, result in results.items():
        values = np.asarray(result.history[quantity], dtype=float)
        if quantity == "fun":
            values = values - minimum
        # Zero (an exact minimiser) cannot be drawn on a log axis: draw what is positive.
        values = np.where(values > 0, values, np.nan)
        iterations = np.arange(values.size) + (1 if logx else 0)
        ax.plot(iterations, values, label=label, **styles.get(label, {}))
    ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel("iteration k + 1" if logx else "iteration k")
    ax.set_ylabel(QUANTITIES[quantity])
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    return ax
