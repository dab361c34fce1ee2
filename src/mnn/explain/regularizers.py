r"""Regularisers for activation maximisation: what keeps the synthesised image readable.

:func:`mnn.explain.maximize` ascends :math:`f(x) - \sum_i \Omega_i(x)`, where :math:`f` is the
unit's activation. A regulariser plays one of three parts:

- a :class:`Penalty` :math:`\Omega(x)` is subtracted from the objective, and its gradient from
  the ascent direction: :class:`L2` (:math:`\lambda \|x\|^2`), :class:`GaussianPrior`
  (:math:`-\log p(x)` up to a constant, for :math:`x \sim \mathcal N(\mu, \Sigma)`),
  :class:`TotalVariation`;
- a :class:`Transform` changes the image the model sees at each step, and the gradient is
  brought back through it: :class:`Jitter` (a random shift), which makes the image work at
  every position instead of exploiting one pixel grid;
- a :class:`Projection` changes the image after each step: :class:`Blur` (a Gaussian blur
  every few steps, Yosinski et al. 2015). The valid pixel range is a projection too; it is the
  ``bounds`` argument of :func:`~mnn.explain.maximize`.

Regularisers see the variable being optimised channels first, whatever the framework: images
as (N, C, H, W), or codes as (N, d) when the image is made by a generator. Penalties work on
both; transforms and projections on images only.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import scipy.linalg
import scipy.ndimage

from .._validation import (
    check_array,
    check_instance,
    check_positive_int,
    check_positive_real,
    check_scalar,
    describe,
)

__all__ = [
    "L2",
    "Blur",
    "GaussianPrior",
    "Jitter",
    "Penalty",
    "Projection",
    "TotalVariation",
    "Transform",
]


class Penalty:
    r"""A term :math:`\Omega(x)` subtracted from the objective, per image.

    Subclasses define :meth:`value_and_gradient`; ``smooth`` says whether :math:`\Omega` is
    differentiable everywhere (L-BFGS needs it).
    """

    smooth: bool = True

    def value_and_gradient(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r""":math:`\Omega(x_n)` for every sample and the gradient.

        Parameters
        ----------
        x
            (N, ...) float64: images channels first, or codes.

        Returns
        -------
        (values, gradient)
            (N,) and the shape of ``x``.
        """
        raise NotImplementedError


class Transform:
    """A random change of the image the model sees at one step, undone on the gradient."""

    def sample(self, rng: np.random.Generator) -> Any:
        """Draw the change of one step (the same for every image of the batch)."""
        raise NotImplementedError

    def apply(self, images: np.ndarray, change: Any) -> np.ndarray:
        """The images the model sees: (N, C, H, W) -> (N, C, H, W)."""
        raise NotImplementedError

    def pull_back(self, gradient: np.ndarray, change: Any) -> np.ndarray:
        """The gradient with respect to the transformed images, brought back to the images."""
        raise NotImplementedError


class Projection:
    """A change of the images after a step of the ascent."""

    def project(self, images: np.ndarray, step: int) -> np.ndarray:
        """The images after step ``step`` (counted from 0): (N, C, H, W) -> (N, C, H, W)."""
        raise NotImplementedError


#: Anything :func:`mnn.explain.maximize` accepts in ``regularizers``.
Regularizer = Penalty | Transform | Projection


def _per_sample(x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1)


def _check_variable(x: Any, name: str, owner: str, *, images: bool = False) -> np.ndarray:
    """The variable being optimised: a finite float (N, ...) batch; (N, C, H, W) for ``images``."""
    check_array(x, name, dtype_kind="f", finite=True)
    if x.ndim < 2:
        raise ValueError(f"{name} must be a batch (N, ...) of images or codes, got {describe(x)}.")
    if images and x.ndim != 4:
        raise ValueError(
            f"{owner} works on images (N, C, H, W), but {name}, the variable being optimised, "
            f"has shape {x.shape}; with a generator, regularise the code with L2 or GaussianPrior."
        )
    return x


class L2(Penalty):
    r""":math:`\Omega(x) = \lambda \|x\|^2`: keeps the image (or code) small.

    For inputs centred on zero (ImageNet's :math:`(p - 127)/128`), zero is the grey image, so
    the penalty pulls every pixel that does not help the unit back to grey. For a linear unit
    :math:`f(x) = w^\top x + b` the maximiser is :math:`x^* = w / (2\lambda)`.

    Parameters
    ----------
    lam
        :math:`\lambda > 0`.
    """

    def __init__(self, lam: float) -> None:
        self.lam = check_positive_real(lam, "lam")

    def __repr__(self) -> str:
        return f"L2({self.lam:g})"

    def value_and_gradient(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _check_variable(x, "x", "L2")
        return self.lam * (_per_sample(x) ** 2).sum(axis=1), 2.0 * self.lam * x


class GaussianPrior(Penalty):
    r""":math:`\Omega(x) = \frac{\lambda}{2} (x - \mu)^\top \Sigma^{-1} (x - \mu)`, which is
    :math:`-\lambda \log p(x)` up to a constant for :math:`x \sim \mathcal N(\mu, \Sigma)`.

    For a linear unit :math:`f(x) = w^\top x + b` and :math:`\lambda = 1` the maximiser is
    :math:`x^* = \mu + \Sigma w`: the mean, moved along the directions the data vary in.
    :meth:`fit` estimates :math:`\mu` and :math:`\Sigma` from samples.

    Parameters
    ----------
    mean
        :math:`\mu`, the shape of one sample, channels first: (C, H, W) or (d,).
    cov
        :math:`\Sigma`: (D, D) symmetric positive definite with D = ``mean.size``, entries in
        the order of ``mean.ravel()``; or (D,) variances of a diagonal :math:`\Sigma`.
    lam
        :math:`\lambda > 0`, the weight of the penalty.
    """

    def __init__(self, mean: np.ndarray, cov: np.ndarray, *, lam: float = 1.0) -> None:
        check_array(mean, "mean", dtype_kind="fiu", finite=True)
        size = mean.size
        check_array(cov, "cov", ndim=(1, 2), dtype_kind="fiu", finite=True)
        if cov.shape not in ((size,), (size, size)):
            raise ValueError(
                f"cov must be ({size}, {size}) or ({size},) (variances) for a mean of shape "
                f"{mean.shape} ({size} entries), got {describe(cov)}."
            )
        self.mean = mean.astype(np.float64)
        self.lam = check_positive_real(lam, "lam")
        if cov.ndim == 1:
            if np.any(cov <= 0):
                raise ValueError(
                    "cov's variances must be positive, got a minimum of "
                    f"{cov.min():g}; estimate them with GaussianPrior.fit(samples, shrinkage=...)."
                )
            self.cov = cov.astype(np.float64)
            self._factor = None
            return
        if not np.allclose(cov, cov.T, rtol=1e-6, atol=1e-12 * np.abs(cov).max()):
            raise ValueError("cov must be symmetric, got a matrix that differs from its transpose.")
        self.cov = cov.astype(np.float64)
        try:
            self._factor = scipy.linalg.cho_factor(self.cov)
        except np.linalg.LinAlgError:
            raise ValueError(
                "cov is not positive definite (a pixel that never varies in the data has zero "
                "variance); estimate it with GaussianPrior.fit(samples, shrinkage=0.1), which "
                "mixes in a multiple of the identity."
            ) from None

    def __repr__(self) -> str:
        kind = "diagonal" if self._factor is None else "full"
        return f"GaussianPrior({kind} covariance of {self.mean.size}, lam={self.lam:g})"

    @classmethod
    def fit(cls, samples: np.ndarray, *, shrinkage: float = 0.1, lam: float = 1.0) -> GaussianPrior:
        r"""The Gaussian of ``samples``: their mean and a shrunk covariance
        :math:`\Sigma = (1 - s) S + s \frac{\operatorname{tr} S}{D} I`, with :math:`S` the
        sample covariance and :math:`s` = ``shrinkage`` (positive definite for :math:`s > 0`).

        Parameters
        ----------
        samples
            (N, C, H, W) images channels first (``images[:, None]`` for grey (N, H, W)), or
            (N, d) codes; N >= 2.
        shrinkage
            :math:`s \in [0, 1]`.
        lam
            The weight of the penalty.
        """
        check_array(samples, "samples", dtype_kind="fiu", finite=True)
        if samples.ndim < 2 or len(samples) < 2:
            raise ValueError(
                f"samples must be a batch (N, ...) of at least 2 samples, got {describe(samples)}."
            )
        shrinkage = check_positive_real(shrinkage, "shrinkage", allow_zero=True)
        if shrinkage > 1:
            raise ValueError(f"shrinkage must lie in [0, 1], got {shrinkage:g}.")
        flat = _per_sample(samples).astype(np.float64)
        sample_cov = np.cov(flat, rowvar=False)
        target = np.trace(sample_cov) / len(sample_cov) * np.eye(len(sample_cov))
        cov = (1.0 - shrinkage) * sample_cov + shrinkage * target
        return cls(samples.mean(axis=0), cov, lam=lam)

    def _solve(self, centred: np.ndarray) -> np.ndarray:
        """:math:`\\Sigma^{-1} v` for every row v of (N, D) ``centred``."""
        if self._factor is None:
            return centred / self.cov
        return scipy.linalg.cho_solve(self._factor, centred.T).T

    def value_and_gradient(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _check_variable(x, "x", "GaussianPrior")
        if x.shape[1:] != self.mean.shape:
            raise ValueError(
                f"GaussianPrior has a mean of shape {self.mean.shape}, but x, the samples being "
                f"optimised, have shape {x.shape[1:]} (channels first)."
            )
        centred = _per_sample(x) - self.mean.ravel()
        solved = self._solve(centred)
        values = 0.5 * self.lam * (centred * solved).sum(axis=1)
        return values, (self.lam * solved).reshape(x.shape)


def _check_change(change: Any) -> tuple[int, int]:
    """A shift as :meth:`Jitter.sample` draws it: (rows, columns), two ints."""
    if (
        not isinstance(change, (tuple, list))
        or len(change) != 2
        or any(
            isinstance(c, (bool, np.bool_)) or not isinstance(c, numbers.Integral) for c in change
        )
    ):
        raise TypeError(
            f"change must be a (rows, columns) pair of ints, as Jitter.sample returns, got "
            f"{describe(change)}."
        )
    return int(change[0]), int(change[1])


class TotalVariation(Penalty):
    r"""The total variation of Mahendran and Vedaldi (2015), summed over channels:

    .. math::

        \Omega(x) = \lambda \sum_{c,i,j} \big((x_{c,i,j+1} - x_{c,i,j})^2
        + (x_{c,i+1,j} - x_{c,i,j})^2\big)^{\beta/2},

    over :math:`i < H - 1, j < W - 1`. It penalises differences between neighbouring pixels:
    the high-frequency patterns that maximise a unit without looking like anything.
    :math:`\beta = 2` is smooth; :math:`\beta < 2` keeps edges sharper but is not differentiable
    where neighbours are equal (the gradient is taken as 0 there, and L-BFGS refuses it).

    Parameters
    ----------
    lam
        :math:`\lambda > 0`.
    beta
        :math:`\beta \geq 1`.
    """

    def __init__(self, lam: float, beta: float = 2.0) -> None:
        self.lam = check_positive_real(lam, "lam")
        self.beta = check_positive_real(beta, "beta")
        if self.beta < 1:
            raise ValueError(f"beta must be at least 1, got {self.beta:g}.")
        self.smooth = self.beta >= 2

    def __repr__(self) -> str:
        return f"TotalVariation({self.lam:g}, beta={self.beta:g})"

    def value_and_gradient(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _check_variable(x, "x", "TotalVariation", images=True)
        corner = x[:, :, :-1, :-1]
        right = x[:, :, :-1, 1:] - corner
        down = x[:, :, 1:, :-1] - corner
        squared = right**2 + down**2
        values = self.lam * _per_sample(squared ** (self.beta / 2)).sum(axis=1)
        if self.beta == 2:
            slope = np.full_like(squared, 2.0 * self.lam)
        else:
            positive = squared > 0
            base = np.where(positive, squared, 1.0)
            slope = np.where(positive, self.lam * self.beta * base ** (self.beta / 2 - 1), 0.0)
        gradient = np.zeros_like(x)
        gradient[:, :, :-1, 1:] += slope * right
        gradient[:, :, 1:, :-1] += slope * down
        gradient[:, :, :-1, :-1] -= slope * (right + down)
        return values, gradient


class Jitter(Transform):
    """Shift the image by a random number of pixels in each direction at every step.

    The shift wraps around (``numpy.roll``). A pattern that only works on one pixel grid stops
    working when the grid moves, so the ascent favours patterns that work at every position
    (Mordvintsev et al. 2015, DeepDream; Olah et al. 2017).

    Parameters
    ----------
    pixels
        The largest shift, in pixels, along each axis (shifts are uniform in -pixels .. pixels).
    """

    def __init__(self, pixels: int) -> None:
        self.pixels = check_positive_int(pixels, "pixels")

    def __repr__(self) -> str:
        return f"Jitter({self.pixels})"

    def sample(self, rng: np.random.Generator) -> tuple[int, int]:
        check_instance(
            rng,
            "rng",
            np.random.Generator,
            "a numpy.random.Generator such as np.random.default_rng(0)",
        )
        rows, cols = rng.integers(-self.pixels, self.pixels + 1, size=2)
        return int(rows), int(cols)

    def apply(self, images: np.ndarray, change: tuple[int, int]) -> np.ndarray:
        _check_variable(images, "images", "Jitter", images=True)
        return np.roll(images, _check_change(change), axis=(-2, -1))

    def pull_back(self, gradient: np.ndarray, change: tuple[int, int]) -> np.ndarray:
        _check_variable(gradient, "gradient", "Jitter", images=True)
        rows, columns = _check_change(change)
        return np.roll(gradient, (-rows, -columns), axis=(-2, -1))


class Blur(Projection):
    """Blur the image with a Gaussian every few steps (Yosinski et al. 2015).

    It removes the high frequencies that the gradient keeps adding, more cheaply than a penalty.

    Parameters
    ----------
    sigma
        The Gaussian's standard deviation in pixels.
    every
        Blur after steps every - 1, 2 every - 1, ...
    """

    def __init__(self, sigma: float, every: int = 4) -> None:
        self.sigma = check_positive_real(sigma, "sigma")
        self.every = check_positive_int(every, "every")

    def __repr__(self) -> str:
        return f"Blur({self.sigma:g}, every={self.every})"

    def project(self, images: np.ndarray, step: int) -> np.ndarray:
        _check_variable(images, "images", "Blur", images=True)
        step = check_scalar(step, "step", int, low=0)
        if (step + 1) % self.every:
            return images
        return scipy.ndimage.gaussian_filter(images, sigma=(0, 0, self.sigma, self.sigma))
