"""One legend for a figure of several axes, below them, instead of one legend per axes."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.legend import Legend

from .._validation import check_positive_int, check_scalar, describe
from ._layout import text_size


def figure_legend(fig: Figure, *, ncol: int = 5, markerscale: float = 2.0) -> Legend:
    """Gather the labelled lines and points of every axes (each label once) into one legend,
    centred below the axes.

    Parameters
    ----------
    fig
        A figure made with constrained layout (``plt.subplots(..., layout="constrained")``),
        which shrinks the axes to make room for the legend.
    ncol
        Entries per row of the legend.
    markerscale
        Size of the legend's markers relative to the plotted ones (small scatter points need
        larger markers to show their colour).

    Returns
    -------
    matplotlib.legend.Legend
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {describe(fig)}; pass ax.figure.")
    ncol = check_positive_int(ncol, "ncol")
    markerscale = check_scalar(markerscale, "markerscale", low=0.0, include="neither")
    if not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        raise ValueError(
            "figure_legend needs a figure with constrained layout, which makes room for the "
            "legend below the axes; create it with plt.subplots(..., layout='constrained')."
        )
    handles = {}
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    if not handles:
        raise ValueError(
            "the figure has no labelled lines or points; draw them with label=... first."
        )
    return fig.legend(
        list(handles.values()),
        list(handles),
        loc="outside lower center",
        ncol=min(ncol, len(handles)),
        fontsize=text_size(fig.get_figwidth()),
        markerscale=markerscale,
        frameon=False,
    )
