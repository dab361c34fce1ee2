"""Noisy inputs for the denoising autoencoder: :math:`\\tilde x = \\mathrm{clip}(x + \\sigma
\\varepsilon, 0, 1)` with :math:`\\varepsilon \\sim N(0, 1)` independently for every pixel.

Clipping policy: noisy inputs are clipped to [0, 1], so that everything an autoencoder reads
lives in the range of its targets and of its sigmoid output, and one input check serves clean
and noisy images alike. Clipping is not harmless when :math:`\\sigma = 1`: it moves the mean of
a pixel towards 1/2 and shrinks its noise. :func:`~mnn.models.clipped_noise_moments` gives both
exactly, so that a notebook can show what clipping changes.
"""

from __future__ import annotations

import numpy as np

from ..._validation import (
    check_array,
    check_bool,
    check_in_range,
    check_positive_real,
    check_seed,
)

#: The clipping policy of :func:`~mnn.models.add_noise` and of denoising training.
CLIP = True


def add_noise(
    images: np.ndarray,
    std: float = 1.0,
    rng: int | np.random.Generator = 0,
    *,
    clip: bool = CLIP,
) -> np.ndarray:
    """:math:`x + \\sigma \\varepsilon`, clipped to [0, 1] unless ``clip=False``.

    Parameters
    ----------
    images
        Float pixels in [0, 1], any shape (e.g. (N, 28, 28), or a batch in a model's layout).
    std
        :math:`\\sigma`, the standard deviation of the noise.
    rng
        A seed or a NumPy generator (which is advanced).
    clip
        Clip the result to [0, 1] (the policy, :data:`~mnn.models.autoencoder.noise.CLIP`).

    Returns
    -------
    numpy.ndarray
        Noisy images of the same shape; float32, or float64 for float64 images.
    """
    check_array(images, "images", dtype_kind="f", finite=True)
    check_in_range(images, "images", 0.0, 1.0, "add noise to pixels scaled to [0, 1].")
    std = check_positive_real(std, "std", allow_zero=True)
    rng = np.random.default_rng(check_seed(rng, "rng", generator=True))
    clip = check_bool(clip, "clip")
    noisy = images + std * rng.standard_normal(images.shape, dtype=np.float32)
    return np.clip(noisy, 0.0, 1.0) if clip else noisy


def clipped_noise_moments(
    x: np.ndarray, std: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, standard deviation and clipping probability of :math:`y = \\mathrm{clip}(x + \\sigma
    \\varepsilon, 0, 1)` for a clean pixel value :math:`x`.

    With :math:`a = -x/\\sigma`, :math:`b = (1 - x)/\\sigma`, :math:`\\Phi` and :math:`\\varphi`
    the standard normal distribution and density, and :math:`m = \\Phi(b) - \\Phi(a)`:

    .. math::
        E[y] = 1 - \\Phi(b) + x m + \\sigma (\\varphi(a) - \\varphi(b)),

        E[y^2] = 1 - \\Phi(b) + x^2 m + 2 x \\sigma (\\varphi(a) - \\varphi(b))
                 + \\sigma^2 (m + a \\varphi(a) - b \\varphi(b)),

    and the probability that clipping acts is :math:`1 - m`.

    Parameters
    ----------
    x
        Clean pixel values in [0, 1], any shape.
    std
        :math:`\\sigma > 0`.

    Returns
    -------
    (mean, std, clipped)
        Arrays of the shape of ``x``.
    """
    # Imported here: scipy.stats takes most of a second to import, and only this function needs it.
    from scipy.stats import norm

    check_array(x, "x", dtype_kind="f", finite=True)
    check_in_range(x, "x", 0.0, 1.0, "pixel values are scaled to [0, 1].")
    sigma = check_positive_real(std, "std")
    a, b = -x / sigma, (1.0 - x) / sigma
    inside = norm.cdf(b) - norm.cdf(a)
    above = norm.sf(b)
    density_gap = norm.pdf(a) - norm.pdf(b)
    mean = above + x * inside + sigma * density_gap
    second = (
        above
        + x**2 * inside
        + 2 * x * sigma * density_gap
        + sigma**2 * (inside + a * norm.pdf(a) - b * norm.pdf(b))
    )
    # np.asarray: NumPy gives a scalar, not a 0-d array, for a 0-d x.
    spread = np.sqrt(np.maximum(second - mean**2, 0.0))
    return np.asarray(mean), np.asarray(spread), np.asarray(1.0 - inside)
