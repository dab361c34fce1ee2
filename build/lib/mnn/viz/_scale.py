"""Grey images drawn on a fixed colour range: refuse images that are on another scale."""

from __future__ import annotations

import numpy as np


def check_scale(images: np.ndarray, name: str, low: float, high: float, fix: str) -> None:
    """Refuse ``images`` with values further than the range's width outside [low, high].

    Values a little outside the range are drawn at its ends (the overshoot of a linear
    reconstruction, say); values far outside it mean another scale, such as 0-255 pixels on a
    (0, 1) range, which would be drawn all white. ``fix`` says what to do instead.
    """
    width = high - low
    smallest, largest = float(images.min()), float(images.max())
    if smallest < low - width or largest > high + width:
        raise ValueError(
            f"{name} has values from {smallest:.3g} to {largest:.3g}, far outside its colour "
            f"range ({low:g}, {high:g}): it would be drawn as one flat colour; {fix}."
        )
