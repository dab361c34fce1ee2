"""The BFGS update of a dense Hessian approximation: direct form (B) and inverse form (H).

With :math:`s_k = x_{k+1} - x_k`, :math:`y_k = \\nabla f(x_{k+1}) - \\nabla f(x_k)` and
:math:`\\rho_k = 1 / (y_k^\\top s_k)`:

.. math::

    B_{k+1} = B_k - \\frac{B_k s_k s_k^\\top B_k}{s_k^\\top B_k s_k}
              + \\frac{y_k y_k^\\top}{y_k^\\top s_k},
    \\qquad
    H_{k+1} = (I - \\rho_k s_k y_k^\\top) H_k (I - \\rho_k y_k s_k^\\top) + \\rho_k s_k s_k^\\top.

When :math:`H_k = B_k^{-1}`, :math:`H_{k+1} = B_{k+1}^{-1}` (Sherman-Morrison-Woodbury). Both
are only defined, and stay positive definite, when :math:`s_k^\\top y_k > 0`; see
:func:`has_positive_curvature` for the safeguard every method here applies.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array
from .inner_products import dot, matvec, norm

CURVATURE_TOLERANCE = 1e-10
"""The safeguard's :math:`\\varepsilon`: a pair is used only if
:math:`s^\\top y > \\varepsilon \\|s\\| \\|y\\|`."""


def has_positive_curvature(s: np.ndarray, y: np.ndarray) -> bool:
    """Whether the pair :math:`(s, y)` may enter a BFGS update.

    The safeguard: accept only if :math:`s^\\top y > \\varepsilon \\|s\\|_2 \\|y\\|_2` with
    :math:`\\varepsilon` = ``CURVATURE_TOLERANCE``, i.e. the angle between :math:`s` and :math:`y`
    is safely below 90 degrees. A pair that fails is skipped (the approximation is kept as it
    was), because updating with :math:`s^\\top y \\le 0` would destroy positive definiteness. The
    strong Wolfe line search guarantees :math:`s^\\top y > 0` up to rounding; Armijo
    backtracking does not.

    Parameters
    ----------
    s, y
        Floating arrays of shape ``(n,)`` each; a pair with a NaN or infinite entry is refused
        (``False``).
    """
    _check_pair(s, y)
    return dot(s, y) > CURVATURE_TOLERANCE * norm(s) * norm(y)


def bfgs_direct_update(B: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:math:`B_{k+1}` from :math:`B_k` (the form the secant condition is proved in).

    Parameters
    ----------
    B
        Symmetric positive definite, shape ``(n, n)``.
    s, y
        Shape ``(n,)`` each, with :math:`s^\\top y > 0`.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, n)``; satisfies :math:`B_{k+1} s = y`.

    Raises
    ------
    ValueError
        For a pair that :func:`has_positive_curvature` refuses, or :math:`s^\\top B s \\le 0`:
        the update would divide by zero or lose positive definiteness.
    """
    _check_update(B, "B", s, y)
    Bs = matvec(B, s)
    sBs = dot(s, Bs)
    if not sBs > 0:
        raise ValueError(
            f"B is not positive definite along s (s^T B s = {sBs:.3g}): BFGS updates "
            "a symmetric positive definite B."
        )
    return B - np.outer(Bs, Bs) / sBs + np.outer(y, y) / dot(y, s)


def bfgs_inverse_update(H: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:math:`H_{k+1}` from :math:`H_k` in :math:`O(n^2)` operations.

    Expanding the product form gives a symmetric rank-two update,

    .. math::

        H_{k+1} = H_k + s w^\\top + w s^\\top, \\qquad
        w = \\tfrac12 (\\rho^2 y^\\top H_k y + \\rho) s - \\rho H_k y,

    which needs one matrix-vector product instead of two matrix-matrix products.

    Parameters
    ----------
    H
        Symmetric positive definite, shape ``(n, n)``.
    s, y
        Shape ``(n,)`` each, with :math:`s^\\top y > 0`.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, n)``; satisfies :math:`H_{k+1} y = s`.

    Raises
    ------
    ValueError
        For a pair that :func:`has_positive_curvature` refuses: the update would divide by
        zero or lose positive definiteness.
    """
    _check_update(H, "H", s, y)
    rho = 1.0 / dot(y, s)
    Hy = matvec(H, y)
    w = 0.5 * (rho * rho * dot(y, Hy) + rho) * s - rho * Hy
    return H + (np.outer(s, w) + np.outer(w, s))


def _check_pair(s: np.ndarray, y: np.ndarray) -> None:
    """``s`` and ``y``: floating vectors of one shape ``(n,)`` (a pair with a NaN or infinite
    entry has no positive curvature)."""
    check_array(s, "s", ndim=1, dtype_kind="f")
    check_array(y, "y", shape=s.shape, dtype_kind="f")


def _check_update(matrix: np.ndarray, name: str, s: np.ndarray, y: np.ndarray) -> None:
    """The arguments of an update: an ``(n, n)`` matrix and a pair that may enter it."""
    _check_pair(s, y)
    check_array(matrix, name, shape=(s.size, s.size), dtype_kind="f", finite=True)
    require_positive_curvature(
        s, y, "the update would divide by zero or lose positive definiteness"
    )


def require_positive_curvature(s: np.ndarray, y: np.ndarray, consequence: str) -> None:
    """Refuse a pair that :func:`has_positive_curvature` rejects; ``consequence`` says what
    using it would do."""
    if not has_positive_curvature(s, y):
        raise ValueError(
            f"the pair (s, y) has s^T y = {dot(s, y):.3g}, not safely positive "
            f"(s^T y > {CURVATURE_TOLERANCE:g} ||s|| ||y||): {consequence}; skip such a pair, "
            "as has_positive_curvature decides."
        )
