"""Chapter 2's answer checkers: the BFGS update, the two-loop recursion and Newton's step.

The references are :mod:`mnn.optim`'s: :func:`~mnn.optim.bfgs_inverse_update`,
:class:`~mnn.optim.CurvaturePairs` (whose ``inverse_hessian_product`` is the two-loop recursion)
and :func:`~mnn.optim.newton`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse

from .. import optim
from .checking import Case, CheckReport, Mistake, run_checks

BFGS_INVERSE_UPDATE = "bfgs_inverse_update(H, s, y) -> H_next"
TWO_LOOP_RECURSION = "two_loop_recursion(g, s, y, gamma) -> r = H_k g"
NEWTON_STEP = "newton_step(g, hessian) -> p"


def _spd(rng: np.random.Generator, n: int, low: float = 0.5, high: float = 3.0) -> np.ndarray:
    """A random symmetric positive definite (n, n) matrix with eigenvalues in [low, high]."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (q * rng.uniform(low, high, n)) @ q.T


def _product_form(
    H: np.ndarray, s: np.ndarray, y: np.ndarray, rho: float, *, swapped: bool = False
) -> np.ndarray:
    """(I - rho s y^T) H (I - rho y s^T) + rho s s^T formed densely; ``swapped`` exchanges
    the two factors around H."""
    V = np.eye(len(s)) - rho * np.outer(y, s)
    left, right = (V, V.T) if swapped else (V.T, V)
    return left @ H @ right + rho * np.outer(s, s)


def check_bfgs_inverse_update(function: Callable[..., np.ndarray]) -> CheckReport:
    """Check the BFGS update of the inverse Hessian approximation.

    ``H_next = bfgs_inverse_update(H, s, y)`` must be
    :math:`(I - \\rho s y^\\top) H (I - \\rho y s^\\top) + \\rho s s^\\top` with
    :math:`\\rho = 1 / (y^\\top s)`; every case has :math:`s^\\top y > 0`.

    Parameters
    ----------
    function
        ``function(H, s, y)`` with ``H`` (n, n) symmetric positive definite and ``s``, ``y``
        (n,); returns (n, n).

    Returns
    -------
    CheckReport
    """
    rng = np.random.default_rng(7)
    inputs = [
        ("n = 1: H_next = s / y", np.array([[2.0]]), np.array([1.0]), np.array([4.0])),
        ("H = I in two dimensions", np.eye(2), np.array([1.0, 0.0]), np.array([2.0, 1.0])),
    ]
    s4 = rng.standard_normal(4)
    inputs.append(
        ("H = I, n = 4, y = A s for a diagonal A", np.eye(4), s4, np.arange(1.0, 5.0) * s4)
    )
    s5 = rng.standard_normal(5)
    inputs.append(("a random positive definite H, n = 5", _spd(rng, 5), s5, _spd(rng, 5) @ s5))
    s3 = np.array([1.0, 0.0, 0.0])
    inputs.append(
        ("s and y almost orthogonal (a small s^T y)", _spd(rng, 3), s3, np.array([0.05, 1.0, 0.5]))
    )
    s8 = rng.standard_normal(8)
    inputs.append(("a random positive definite H, n = 8", _spd(rng, 8), s8, _spd(rng, 8) @ s8))
    cases = [
        Case(description, {"H": H, "s": s, "y": y}, {"H_next": optim.bfgs_inverse_update(H, s, y)})
        for description, H, s, y in inputs
    ]
    mistakes = [
        Mistake(
            "the direct update of B is applied to H (the H and B updates swapped)",
            optim.bfgs_direct_update,
        ),
        Mistake(
            "rho is 1 / (s^T s) instead of 1 / (y^T s)",
            lambda H, s, y: _product_form(H, s, y, 1.0 / (s @ s)),
        ),
        Mistake(
            "the two factors are swapped: (I - rho y s^T) H (I - rho s y^T)",
            lambda H, s, y: _product_form(H, s, y, 1.0 / (y @ s), swapped=True),
        ),
        Mistake(
            "the term rho s s^T is missing",
            lambda H, s, y: _product_form(H, s, y, 1.0 / (y @ s)) - np.outer(s, s) / (y @ s),
        ),
    ]
    return run_checks(
        "bfgs_inverse_update", BFGS_INVERSE_UPDATE, function, cases, mistakes=mistakes
    )


def _two_loop(g: np.ndarray, s: list[np.ndarray], y: list[np.ndarray], gamma: float) -> np.ndarray:
    """mnn's two-loop recursion on the pairs (oldest first), with H_k^0 = gamma I."""
    pairs = optim.CurvaturePairs(max(len(s), 1), len(g))
    for s_i, y_i in zip(s, y, strict=True):
        pairs.push(s_i, y_i)
    return pairs.inverse_hessian_product(g, lambda q: gamma * q)


def _newest_first_twice(
    g: np.ndarray, s: list[np.ndarray], y: list[np.ndarray], gamma: float
) -> np.ndarray:
    """The two-loop recursion with its second loop also running from the newest pair."""
    q, alphas = g.copy(), []
    for s_i, y_i in zip(reversed(s), reversed(y), strict=True):
        alphas.append((s_i @ q) / (y_i @ s_i))
        q = q - alphas[-1] * y_i
    r = gamma * q
    for alpha, s_i, y_i in zip(alphas, reversed(s), reversed(y), strict=True):
        r = r + (alpha - (y_i @ r) / (y_i @ s_i)) * s_i
    return r


def check_two_loop_recursion(function: Callable[..., np.ndarray]) -> CheckReport:
    """Check the two-loop recursion of L-BFGS: ``r = two_loop_recursion(g, s, y, gamma)``.

    ``r`` must be :math:`H_k g`, where :math:`H_k` results from :math:`H_k^0 = \\gamma I` by the
    BFGS updates with the pairs :math:`(s_i, y_i)`, oldest first (Nocedal & Wright, Algorithm 7.4).

    Parameters
    ----------
    function
        ``function(g, s, y, gamma)`` with ``g`` (n,), ``s`` and ``y`` lists of m arrays (n,),
        oldest pair first (m may be 0), each pair with :math:`s_i^\\top y_i > 0`, and ``gamma``
        a positive number; returns ``r`` (n,).

    Returns
    -------
    CheckReport
    """
    rng = np.random.default_rng(8)

    def pairs(n: int, m: int, scales: np.ndarray | None = None) -> tuple[list, list]:
        A = _spd(rng, n, 0.2, 5.0)
        s = [rng.standard_normal(n) * (1.0 if scales is None else scales[i]) for i in range(m)]
        return s, [A @ s_i for s_i in s]

    def scaled(s: list[np.ndarray], y: list[np.ndarray]) -> float:
        return float(s[-1] @ y[-1] / (y[-1] @ y[-1]))

    inputs = [("no pairs yet: r = gamma g", np.array([1.0, 2.0]), [], [], 0.5)]
    inputs.append(
        ("one pair in one dimension", np.array([3.0]), [np.array([2.0])], [np.array([1.0])], 1.0)
    )
    s, y = pairs(2, 1)
    inputs.append(("one pair, n = 2, gamma = 1", rng.standard_normal(2), s, y, 1.0))
    s, y = pairs(5, 3)
    inputs.append(("three pairs, n = 5, gamma = 1", rng.standard_normal(5), s, y, 1.0))
    s, y = pairs(8, 5)
    inputs.append(
        (
            "five pairs, n = 8, scaled gamma = s^T y / y^T y of the newest pair",
            rng.standard_normal(8),
            s,
            y,
            scaled(s, y),
        )
    )
    s, y = pairs(6, 4, np.array([1e-3, 1.0, 1e2, 1e-1]))
    inputs.append(
        ("four pairs of very different lengths, n = 6", rng.standard_normal(6), s, y, scaled(s, y))
    )
    cases = [
        Case(
            description, {"g": g, "s": s, "y": y, "gamma": gamma}, {"r": _two_loop(g, s, y, gamma)}
        )
        for description, g, s, y, gamma in inputs
    ]
    mistakes = [
        Mistake(
            "the result is the direction -H g instead of r = H g",
            lambda g, s, y, gamma: -_two_loop(g, s, y, gamma),
        ),
        Mistake("gamma is left out (H_k^0 = I)", lambda g, s, y, gamma: _two_loop(g, s, y, 1.0)),
        Mistake("both loops run from the newest pair to the oldest", _newest_first_twice),
    ]
    return run_checks("two_loop_recursion", TWO_LOOP_RECURSION, function, cases, mistakes=mistakes)


def _newton_step(g: np.ndarray, hessian: np.ndarray | scipy.sparse.sparray) -> np.ndarray:
    """mnn's Newton step from 0 on f(x) = g^T x + x^T hessian x / 2 (gradient g at 0)."""
    result = optim.newton(
        lambda x: float(g @ x + 0.5 * x @ (hessian @ x)),
        lambda x: g + hessian @ x,
        lambda x: hessian,
        np.zeros(len(g)),
        maxiter=1,
    )
    return result.x


def check_newton_step(function: Callable[..., np.ndarray]) -> CheckReport:
    """Check Newton's step: ``p = newton_step(g, hessian)`` solves :math:`\\nabla^2 f\\, p = -g`.

    Parameters
    ----------
    function
        ``function(g, hessian)`` with the gradient ``g`` (n,) and the Hessian (n, n), symmetric
        positive definite, given as a NumPy array or as a ``scipy.sparse`` matrix; returns
        ``p`` (n,).

    Returns
    -------
    CheckReport
    """
    rng = np.random.default_rng(9)
    chain = optim.ChainQuadratic(5)
    q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    inputs = [
        ("n = 1: p = -g / f''", np.array([2.0]), np.array([[4.0]])),
        ("a diagonal Hessian, n = 3", np.array([1.0, -2.0, 3.0]), np.diag([1.0, 4.0, 0.5])),
        ("a full positive definite Hessian, n = 6", rng.standard_normal(6), _spd(rng, 6)),
        (
            "the chain quadratic's tridiagonal Hessian as a scipy.sparse matrix, n = 5",
            chain.grad(chain.x0),
            chain.hessian(),
        ),
        (
            "a badly conditioned Hessian (condition number 1e8), n = 4",
            rng.standard_normal(4),
            (q * np.array([1e-4, 1.0, 10.0, 1e4])) @ q.T,
        ),
        ("a random positive definite Hessian, n = 10", rng.standard_normal(10), _spd(rng, 10)),
    ]
    cases = [
        Case(description, {"g": g, "hessian": hessian}, {"p": _newton_step(g, hessian)})
        for description, g, hessian in inputs
    ]
    mistakes = [
        Mistake(
            "the sign is wrong: p = +H^-1 g, uphill", lambda g, hessian: -_newton_step(g, hessian)
        ),
        Mistake(
            "p = -H g: the Hessian is multiplied, not solved with",
            lambda g, hessian: -(hessian @ g),
        ),
        Mistake(
            "only the diagonal of the Hessian is used",
            lambda g, hessian: (
                -g / (hessian.diagonal() if scipy.sparse.issparse(hessian) else np.diag(hessian))
            ),
        ),
    ]
    return run_checks("newton_step", NEWTON_STEP, function, cases, mistakes=mistakes)
