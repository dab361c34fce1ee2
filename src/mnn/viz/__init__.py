"""Figures for the book. ``mnn.viz`` draws arrays it is given; it never computes gradients."""

from .confusion import plot_confusion_matrix
from .convergence import plot_convergence
from .curves import plot_history
from .explorer import HeatmapExplorer, RelevanceExplorer, heatmap_explorer, relevance_explorer
from .features import contrast_factors, feature_map_grid, filter_grid
from .grids import class_grid, image_grid
from .latent import latent_plane, latent_scatter
from .legends import figure_legend
from .overlays import DIVERGING, diverging_overlay, heatmap_grid, overlay_grid, superimpose
from .predictions import plot_predictions
from .reconstructions import reconstruction_grid
from .relevance import RELEVANCE, relevance_grid, relevance_limit
from .traces import plot_trace

__all__ = [
    "DIVERGING",
    "RELEVANCE",
    "HeatmapExplorer",
    "RelevanceExplorer",
    "class_grid",
    "contrast_factors",
    "diverging_overlay",
    "feature_map_grid",
    "figure_legend",
    "filter_grid",
    "heatmap_explorer",
    "heatmap_grid",
    "image_grid",
    "latent_plane",
    "latent_scatter",
    "overlay_grid",
    "plot_confusion_matrix",
    "plot_convergence",
    "plot_history",
    "plot_predictions",
    "plot_trace",
    "reconstruction_grid",
    "relevance_explorer",
    "relevance_grid",
    "relevance_limit",
    "superimpose",
]
