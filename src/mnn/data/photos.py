"""Real photographs that ship inside scikit-image's wheel, so they work offline."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validation import check_choice


def _motorcycle() -> np.ndarray:
    import skimage.data

    left, _right, _disparity = skimage.data.stereo_motorcycle()
    return left


def _from_skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        return getattr(skimage.data, name)()

    return load


#: The photographs by name, each a function returning a uint8 RGB (H, W, 3) array.
PHOTOS: dict[str, Callable[[], np.ndarray]] = {
    "cat": _from_skimage("chelsea"),
    "coffee": _from_skimage("coffee"),
    "rocket": _from_skimage("rocket"),
    "motorcycle": _motorcycle,
    "astronaut": _from_skimage("astronaut"),
}


def sample_image(name: str) -> np.ndarray:
    """One of the bundled photographs as a uint8 RGB array.

    Parameters
    ----------
    name
        ``"cat"`` (300x451), ``"coffee"`` (400x600), ``"rocket"`` (427x640),
        ``"motorcycle"`` (500x741) or ``"astronaut"`` (512x512).

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8, a fresh copy the caller may modify.
    """
    name = check_choice(name, "name", tuple(PHOTOS))
    image = np.array(PHOTOS[name](), copy=True)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise RuntimeError(
            f"scikit-image returned {image.shape} {image.dtype} for {name!r}, not uint8 RGB: "
            "check the installed scikit-image version."
        )
    return image
