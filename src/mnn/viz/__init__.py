"""Figures for the book. ``mnn.viz`` draws arrays it is given; it never computes gradients."""

from .curves import plot_history
from .grids import class_grid, image_grid
from .latent import latent_plane, latent_scatter
from .predictions import plot_predictions
from .reconstructions import reconstruction_grid

__all__ = [
    "class_grid",
    "image_grid",
    "latent_plane",
    "latent_scatter",
    "plot_history",
    "plot_predictions",
    "reconstruction_grid",
]
