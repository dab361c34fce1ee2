"""Layers: each with ``evaluate`` (forward), ``backprop`` (backward) and ``update`` (a step)."""

from .base import Layer, ParametricLayer
from .conv import Conv2D
from .dense import Dense
from .flatten import Flatten
from .pool import MaxPool2D, tied_windows

__all__ = ["Conv2D", "Dense", "Flatten", "Layer", "MaxPool2D", "ParametricLayer", "tied_windows"]
