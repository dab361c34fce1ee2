"""Figures for the book. ``mnn.viz`` draws arrays it is given; it never computes gradients."""

from .convergence import plot_convergence
from .curves import plot_history
from .grids import class_grid, image_grid
from .predictions import plot_predictions

__all__ = ["class_grid", "image_grid", "plot_convergence", "plot_history", "plot_predictions"]
