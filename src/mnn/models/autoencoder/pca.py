"""PCA as the best linear autoencoder: :math:`z = W^T (x - \\mu)`, :math:`\\hat x = \\mu + W z`.

Among all encoders and decoders that are linear (affine), the :math:`k` leading principal
directions :math:`W` minimise the mean squared reconstruction error (Baldi and Hornik, 1989).
The fitted object works with :func:`mnn.models.encode`, :func:`~mnn.models.decode` and
:func:`~mnn.models.reconstruct`, like an autoencoder.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from ..._validation import check_positive_int
from .images import check_images

if TYPE_CHECKING:  # at run time scikit-learn is imported when a PCA is fitted: it is slow to load
    from sklearn.decomposition import PCA


def pca_autoencoder(images: np.ndarray, n_components: int = 2) -> PCA:
    """scikit-learn's PCA fitted to the flattened images, exactly (no randomised solver).

    Parameters
    ----------
    images
        (N, 28, 28) float pixels in [0, 1].
    n_components
        :math:`k`, the size of the code.

    Returns
    -------
    sklearn.decomposition.PCA
        Its ``transform`` maps (N, 784) to (N, k); ``inverse_transform`` maps back.
    """
    from sklearn.decomposition import PCA

    images = check_images(images)
    n_components = check_positive_int(n_components, "n_components")
    most = min(len(images), images[0].size)
    if n_components > most:
        raise ValueError(
            f"n_components must be at most {most}, the smaller of the number of images and of "
            f"pixels: PCA of {len(images)} images has no more directions; got {n_components}."
        )
    pixels = images.reshape(len(images), -1).astype(np.float64)
    if not np.any(pixels != pixels[0]):
        raise ValueError(
            f"images are {len(images)} copies of one image: PCA finds no direction in which they "
            "vary (its explained variance ratios would be NaN); pass images that differ."
        )
    # Both solvers are exact; the eigenvectors of the covariance are the faster for many images.
    solver = "covariance_eigh" if pixels.shape[0] >= pixels.shape[1] else "full"
    return PCA(n_components, svd_solver=solver).fit(pixels)


def is_pca(model: Any) -> bool:
    """Whether ``model`` is a scikit-learn PCA (without importing scikit-learn)."""
    decomposition = sys.modules.get("sklearn.decomposition")
    return decomposition is not None and isinstance(model, decomposition.PCA)
