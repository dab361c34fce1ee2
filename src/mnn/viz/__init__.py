"""Figures for the book. ``mnn.viz`` draws arrays it is given; it never computes gradients."""

from .confusion import plot_confusion_matrix
from .curves import plot_history
from .grids import class_grid, image_grid
from .predictions import plot_predictions

__all__ = ["class_grid", "image_grid", "plot_confusion_matrix", "plot_history", "plot_predictions"]
