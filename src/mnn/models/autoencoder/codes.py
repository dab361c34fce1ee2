"""The code space: encoding, decoding, reconstructing, and the loss of the reconstructions.

Every function takes an autoencoder of either framework; :func:`encode`, :func:`decode` and
:func:`reconstruct` also take a PCA fitted by :func:`mnn.models.pca_autoencoder` (the best
*linear* autoencoder). Images are (N, 28, 28) floats in [0, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._validation import (
    check_array,
    check_nonempty,
    check_positive_int,
    check_scalar,
    check_size,
    describe,
)
from ..fashion_mnist import IMAGE_SIZE
from ..inference import forward
from ..training import evaluator
from .build import half_of
from .images import check_images
from .pca import is_pca

#: Images per forward pass in :func:`encode`, :func:`decode`, :func:`reconstruct` and
#: :func:`reconstruction_loss`.
INFERENCE_BATCH = 1000


def encode(model: Any, images: np.ndarray) -> np.ndarray:
    """The codes :math:`z = f(x)` of ``images``.

    Parameters
    ----------
    model
        An autoencoder of either framework, or a PCA from :func:`mnn.models.pca_autoencoder`.
    images
        (N, 28, 28) floats in [0, 1].

    Returns
    -------
    numpy.ndarray
        (N, code_size) float32.
    """
    images = check_images(images)
    if is_pca(model):
        return model.transform(images.reshape(len(images), -1)).astype(np.float32)
    half = half_of(model)
    return forward(half.encoder(model), half.to_layout(images), INFERENCE_BATCH)


def decode(model: Any, codes: np.ndarray) -> np.ndarray:
    """The images :math:`g(z)` the decoder makes of ``codes``.

    Parameters
    ----------
    model
        An autoencoder of either framework, or a PCA from :func:`mnn.models.pca_autoencoder`.
    codes
        (N, code_size) finite floats.

    Returns
    -------
    numpy.ndarray
        (N, 28, 28) float32; in (0, 1) for an autoencoder, unbounded for PCA.
    """
    if is_pca(model):
        code_size = model.n_components_
    else:
        half = half_of(model)
        code_size = half.code_size(model)
    check_array(codes, "codes", shape=(None, code_size), dtype_kind="f", finite=True)
    if len(codes) == 0:
        raise ValueError(f"codes is empty, shape {codes.shape}: pass at least one code.")
    if np.abs(codes).max() > np.finfo(np.float32).max:
        raise ValueError(
            "codes must lie within float32's range (magnitudes below 3.4e38), the precision "
            "the decoder computes in; some are beyond it."
        )
    codes = codes.astype(np.float32, copy=False)
    if is_pca(model):
        flat = model.inverse_transform(codes).astype(np.float32)
        images = flat.reshape(len(codes), IMAGE_SIZE, IMAGE_SIZE)
    else:
        images = half.from_layout(forward(half.decoder(model), codes, INFERENCE_BATCH))
    if not np.all(np.isfinite(images)):
        raise FloatingPointError(
            f"the decoder overflowed on codes as large as {np.abs(codes).max():.3g}: some pixels "
            "are NaN or infinite. The codes of images lie within a few units of 0 (see "
            "mnn.models.encode); decode codes of that size."
        )
    return images


def reconstruct(model: Any, images: np.ndarray) -> np.ndarray:
    """:math:`\\hat x = g(f(x))` for every image: (N, 28, 28) in, (N, 28, 28) float32 out."""
    images = check_images(images)
    if is_pca(model):
        return decode(model, encode(model, images))
    half = half_of(model)
    return half.from_layout(forward(model, half.to_layout(images), INFERENCE_BATCH))


def reconstruction_loss(model: Any, images: np.ndarray, targets: np.ndarray | None = None) -> float:
    """The mean binary cross-entropy between the reconstructions of ``images`` and ``targets``.

    .. math:: L = -\\frac{1}{N P} \\sum_{n, p} t_{np} \\log \\hat x_{np}
              + (1 - t_{np}) \\log (1 - \\hat x_{np})

    over the :math:`P = 784` pixels of the :math:`N` images, computed by the model's own
    framework (the loss it is trained with).

    Parameters
    ----------
    model
        An autoencoder of either framework.
    images
        (N, 28, 28) inputs in [0, 1], e.g. noisy images.
    targets
        (N, 28, 28) targets in [0, 1]; default ``images`` itself.
    """
    images = check_images(images)
    targets = images if targets is None else check_images(targets, "targets")
    if targets.shape != images.shape:
        raise ValueError(
            f"targets must have the shape of images {images.shape}, got {targets.shape}."
        )
    if is_pca(model):
        raise TypeError(
            "model is a PCA, but reconstruction_loss is the binary cross-entropy of a sigmoid "
            "output; PCA's linear reconstructions can leave [0, 1]: compare them by mean squared "
            "error instead."
        )
    half = half_of(model)
    evaluate = evaluator(model, half.loss_value, INFERENCE_BATCH)
    return evaluate(half.to_layout(images), half.to_layout(targets))["loss"]


def latent_grid(
    codes: np.ndarray, n: int = 15, quantiles: tuple[float, float] = (0.01, 0.99)
) -> np.ndarray:
    """A regular n x n grid of the code plane that spans the bulk of ``codes``.

    Parameters
    ----------
    codes
        (N, 2) codes, e.g. :func:`encode` of test images.
    n
        Nodes per side.
    quantiles
        Each coordinate runs from this lower to this upper quantile of the codes, so that a few
        outlying codes do not stretch the grid.

    Returns
    -------
    numpy.ndarray
        (n * n, 2) float32 codes, row by row from the largest :math:`z_2` down, :math:`z_1`
        increasing along a row: the order :func:`mnn.viz.latent_plane` draws.
    """
    check_array(codes, "codes", shape=(None, 2), dtype_kind="f", finite=True)
    check_nonempty(codes, "codes", what="code", hint="encode some images first")
    n = check_positive_int(n, "n", minimum=2)
    check_size((n * n, 2), f"a grid of n x n = {n * n:,} codes", itemsize=8, hint="use a smaller n")
    if not isinstance(quantiles, (tuple, list)) or len(quantiles) != 2:
        raise TypeError(
            f"quantiles must be a pair (low, high) such as (0.01, 0.99), got {describe(quantiles)}."
        )
    low, high = (check_scalar(q, "quantiles", low=0.0, high=1.0) for q in quantiles)
    if not low < high:
        raise ValueError(f"quantiles must satisfy 0 <= low < high <= 1, got {quantiles!r}.")
    (z1_low, z2_low), (z1_high, z2_high) = np.quantile(codes, [low, high], axis=0)
    if not (z1_high > z1_low and z2_high > z2_low):
        raise ValueError("the codes do not spread in both directions: there is no plane to grid.")
    z1 = np.linspace(z1_low, z1_high, n)
    z2 = np.linspace(z2_high, z2_low, n)
    return np.stack(np.meshgrid(z1, z2), axis=-1).reshape(-1, 2).astype(np.float32)
