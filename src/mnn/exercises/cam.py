"""Chapter 3's answer checkers: the CAM and Grad-CAM computations on one image's feature maps.

The arrays are laid out as the course's Keras code gets them: feature maps and their gradients
(h, w, K), the dense layer's kernel (K, classes). The expected maps are the chapter's formulas,

.. math::

    M^c = \\sum_k w^c_k A^k, \\qquad
    L^c = \\mathrm{ReLU}\\Big(\\sum_k \\alpha^c_k A^k\\Big), \\quad
    \\alpha^c_k = \\frac{1}{hw} \\sum_{i,j} \\frac{\\partial y^c}{\\partial A^k_{ij}},

which is what :func:`mnn.explain.cam` and :func:`mnn.explain.grad_cam` compute on a model (this
package's tests check that the two agree on PyTorch models); the arrays here stand for the
captured feature maps and gradients, so the checks need no framework.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .checking import Case, CheckReport, Mistake, run_checks

CLASS_ACTIVATION_MAP = "class_activation_map(feature_maps, dense_kernel, c) -> heatmap"
GRAD_CAM = "grad_cam_map(feature_maps, gradients) -> heatmap"


def _cam(feature_maps: np.ndarray, dense_kernel: np.ndarray, c: int) -> np.ndarray:
    """M^c = sum_k w^c_k A^k: (h, w, K) and (K, classes) -> (h, w)."""
    return feature_maps @ dense_kernel[:, c]


def _grad_cam(feature_maps: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    """ReLU(sum_k alpha_k A^k) with alpha_k the mean of gradients[..., k]."""
    return np.maximum(feature_maps @ gradients.mean(axis=(0, 1)), 0.0)


def check_class_activation_map(function: Callable[..., np.ndarray]) -> CheckReport:
    """Check CAM: ``heatmap = class_activation_map(feature_maps, dense_kernel, c)``.

    The map of class ``c`` is :math:`M^c = \\sum_k w^c_k A^k` with :math:`w^c_k` =
    ``dense_kernel[k, c]``, the weight from channel k's average to the logit of class c. It may
    be negative: CAM has no ReLU.

    Parameters
    ----------
    function
        ``function(feature_maps, dense_kernel, c)`` with ``feature_maps`` (h, w, K),
        ``dense_kernel`` (K, classes) as Keras stores a dense layer's weights, and the class
        ``c`` an int; returns the heatmap (h, w).

    Returns
    -------
    CheckReport
    """
    rng = np.random.default_rng(10)
    inputs = [
        (
            "one channel of 2x2, one class",
            rng.integers(0, 5, (2, 2, 1)) * 1.0,
            np.array([[2.0]]),
            0,
        ),
        (
            "two channels, weights of opposite signs",
            rng.integers(0, 5, (2, 3, 2)) * 1.0,
            np.array([[1.0, 0.5], [-2.0, 1.0]]),
            0,
        ),
        (
            "the class is c = 2: column 2 of the kernel",
            rng.integers(0, 4, (3, 3, 3)) * 1.0,
            rng.integers(-3, 4, (3, 4)) * 1.0,
            2,
        ),
        (
            "a 1x1 map: the logit minus the bias",
            rng.standard_normal((1, 1, 4)),
            rng.standard_normal((4, 3)),
            1,
        ),
        (
            "negative values stay negative (CAM has no ReLU)",
            -rng.uniform(0, 1, (2, 2, 3)),
            np.abs(rng.standard_normal((3, 2))),
            1,
        ),
        (
            "random 7x7 maps with 16 channels, 10 classes",
            np.maximum(rng.standard_normal((7, 7, 16)), 0),
            rng.standard_normal((16, 10)),
            7,
        ),
    ]
    cases = [
        Case(
            description,
            {"feature_maps": maps, "dense_kernel": kernel, "c": c},
            {"heatmap": _cam(maps, kernel, c)},
        )
        for description, maps, kernel, c in inputs
    ]
    mistakes = [
        Mistake(
            "a ReLU is applied: CAM keeps its sign (Grad-CAM is the one with the ReLU)",
            lambda feature_maps, dense_kernel, c: np.maximum(
                _cam(feature_maps, dense_kernel, c), 0
            ),
        ),
        Mistake(
            "the channels are averaged instead of summed",
            lambda feature_maps, dense_kernel, c: (
                _cam(feature_maps, dense_kernel, c) / feature_maps.shape[-1]
            ),
        ),
    ]
    return run_checks(
        "class_activation_map", CLASS_ACTIVATION_MAP, function, cases, mistakes=mistakes
    )


def check_grad_cam(function: Callable[..., np.ndarray]) -> CheckReport:
    """Check Grad-CAM: ``heatmap = grad_cam_map(feature_maps, gradients)``.

    The channel weights are the gradients averaged over the map,
    :math:`\\alpha_k = \\frac{1}{hw}\\sum_{ij} \\partial y^c / \\partial A^k_{ij}`, and the map is
    :math:`\\mathrm{ReLU}(\\sum_k \\alpha_k A^k)`.

    Parameters
    ----------
    function
        ``function(feature_maps, gradients)`` with the feature maps :math:`A` and the gradient
        :math:`\\partial y^c / \\partial A` of the class score, both (h, w, K); returns the
        heatmap (h, w).

    Returns
    -------
    CheckReport
    """
    rng = np.random.default_rng(11)
    constant = np.broadcast_to(rng.standard_normal(6), (5, 5, 6)) / 25
    inputs = [
        (
            "one channel of 2x2, a positive gradient",
            rng.integers(0, 5, (2, 2, 1)) * 1.0,
            np.full((2, 2, 1), 0.5),
        ),
        (
            "two channels, one with a negative average gradient",
            rng.integers(0, 5, (2, 3, 2)) * 1.0,
            np.stack([np.full((2, 3), 1.0), np.full((2, 3), -0.5)], axis=-1),
        ),
        (
            "gradients that change over the map: only their average counts",
            rng.integers(0, 4, (3, 3, 2)) * 1.0,
            rng.integers(-3, 4, (3, 3, 2)) * 1.0,
        ),
        (
            "every weighted sum negative: the map is zero",
            rng.uniform(0.5, 1, (2, 2, 2)),
            -np.ones((2, 2, 2)),
        ),
        (
            "constant gradients w_k / (hw), a CAM head: ReLU(CAM) / (hw)",
            rng.uniform(0, 1, (5, 5, 6)),
            np.array(constant),
        ),
        (
            "random 7x7 maps with 32 channels",
            np.maximum(rng.standard_normal((7, 7, 32)), 0),
            rng.standard_normal((7, 7, 32)) * 1e-2,
        ),
    ]
    cases = [
        Case(
            description,
            {"feature_maps": maps, "gradients": gradients},
            {"heatmap": _grad_cam(maps, gradients)},
        )
        for description, maps, gradients in inputs
    ]
    mistakes = [
        Mistake(
            "the ReLU is forgotten",
            lambda feature_maps, gradients: feature_maps @ gradients.mean(axis=(0, 1)),
        ),
        Mistake(
            "the gradients are summed over the map instead of averaged",
            lambda feature_maps, gradients: (
                _grad_cam(feature_maps, gradients) * gradients.shape[0] * gradients.shape[1]
            ),
        ),
        Mistake(
            "gradients and feature maps are multiplied position by position, without averaging "
            "the gradients first",
            lambda feature_maps, gradients: np.maximum((feature_maps * gradients).sum(axis=-1), 0),
        ),
    ]
    return run_checks("grad_cam_map", GRAD_CAM, function, cases, mistakes=mistakes)
