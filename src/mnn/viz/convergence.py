"""Convergence curves of optimisers: a per-iteration quantity against the iteration, log scale."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from .._validation import (
    check_array,
    check_bool,
    check_choice,
    check_mapping,
    check_names,
    check_scalar,
    check_text,
)
from ._layout import check_axes

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
        :math:`f^*`, subtracted when ``quantity="fun"``; a history that goes below it by more
        than rounding raises ``ValueError``.
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
    quantity = check_choice(quantity, "quantity", tuple(QUANTITIES))
    minimum = check_scalar(minimum, "minimum")
    check_text(title, "title")
    logx = check_bool(logx, "logx")
    styles = {} if styles is None else check_mapping(styles, "styles", "{'L-BFGS': {'color': 'k'}}")
    for label, style in styles.items():
        check_mapping(style, f"styles[{label!r}]", "{'color': 'k', 'linestyle': '--'}")
    if not isinstance(results, Mapping):
        raise TypeError(
            "results must map legend labels to results, e.g. {'L-BFGS': result}; "
            f"got {type(results).__name__}."
        )
    if not results:
        raise ValueError("results is empty: pass at least one labelled result.")
    check_names(list(results), "the labels of results")
    for label, result in results.items():
        if not isinstance(getattr(result, "history", None), Mapping):
            raise TypeError(
                f"results[{label!r}] has no history mapping; pass an mnn.optim.OptimizeResult."
            )
        if quantity not in result.history:
            raise KeyError(
                f"results[{label!r}].history has no {quantity!r}; it has {sorted(result.history)}."
            )
        name = f"results[{label!r}].history[{quantity!r}]"
        check_array(result.history[quantity], name, ndim=1, dtype_kind="fiu")
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    for label, result in results.items():
        values = result.history[quantity].astype(np.float64)
        if quantity == "fun":
            lowest = np.min(values, initial=np.inf, where=np.isfinite(values))
            # Below f* by more than rounding means f* is wrong: the curve would vanish silently.
            if lowest < minimum - 1e-10 * max(1.0, abs(minimum)):
                raise ValueError(
                    f"f(x_k) goes down to {lowest:.6g}, below minimum = {minimum:g} "
                    f"({label!r}); pass the true minimum f* of your function as minimum=."
                )
            values = values - minimum
        # Zero (an exact minimiser) or rounding just below it cannot be drawn on a log axis.
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
