"""L-BFGS: BFGS that keeps only the last m curvature pairs and applies H_k by two loops."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse

from .._validation import (
    check_array,
    check_callable,
    check_positive_int,
    check_positive_real,
    describe,
)
from .curvature_pairs import CurvaturePairs
from .descent import Callback, check_start, descend
from .inner_products import dot
from .line_search import Armijo, StrongWolfe, first_trial_step
from .objective import Objective
from .result import OptimizeResult
from .updates import has_positive_curvature

InitialInverseHessian = Callable[[np.ndarray], np.ndarray] | np.ndarray | None


def _check_initial(H0: InitialInverseHessian, n: int) -> Callable[[np.ndarray], np.ndarray] | None:
    """``H0`` as a function ``q -> H0 q`` that may overwrite ``q``; ``None`` for the identity."""
    if H0 is None:
        return None
    full_matrix = "for a full matrix M pass H0=lambda v: M @ v"
    if isinstance(H0, np.ndarray):
        if H0.ndim == 2:
            raise ValueError(
                f"H0 must have shape ({n},) when given as an array (the diagonal of H0), got "
                f"{describe(H0)}; {full_matrix}."
            )
        diagonal = check_array(H0, "H0", shape=(n,), dtype_kind="f", finite=True)
        if not np.all(diagonal > 0):
            raise ValueError(
                "H0 given as an array is the diagonal of the initial inverse Hessian and must be "
                f"positive; {int(np.sum(diagonal <= 0))} of its {n} entries are <= 0."
            )
        diagonal = diagonal.astype(np.float64, copy=True)

        def apply_diagonal(q: np.ndarray) -> np.ndarray:
            q *= diagonal
            return q

        return apply_diagonal
    if scipy.sparse.issparse(H0):
        raise TypeError(
            f"H0 must be a callable H0(v) or a diagonal array, got {describe(H0)}; {full_matrix}."
        )
    operator = check_callable(H0, "H0", "H0(v) -> ndarray of shape (n,), or a diagonal array")

    def apply_operator(q: np.ndarray) -> np.ndarray:
        product = check_array(operator(q.copy()), "H0(v)", shape=(n,), dtype_kind="f")
        return product.astype(np.float64, copy=True)

    return apply_operator


class LBFGSDirection:
    """:math:`p_k = -H_k \\nabla f(x_k)` with :math:`H_k` from the last ``m`` pairs.

    The initial matrix is :math:`H_k^0 = \\gamma_k H_0` (``H0`` defaults to :math:`I`), with
    :math:`\\gamma_k` fixed, or ``"scaled"``:
    :math:`\\gamma_k = s_{k-1}^\\top y_{k-1} / y_{k-1}^\\top H_0 y_{k-1}` (for :math:`H_0 = I` the
    course's :math:`s_{k-1}^\\top y_{k-1} / y_{k-1}^\\top y_{k-1}`; 1 before the first pair).
    """

    def __init__(
        self,
        n: int,
        m: int,
        gamma: str | float,
        H0: Callable[[np.ndarray], np.ndarray] | None,
    ) -> None:
        self.pairs = CurvaturePairs(m, n)
        self.scaled = gamma == "scaled"
        self.gamma = 1.0 if self.scaled else float(gamma)
        self.H0 = H0

    def _initial(self, q: np.ndarray) -> np.ndarray:
        r = q if self.H0 is None else self.H0(q)
        r *= self.gamma
        return r

    def direction(self, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
        p = self.pairs.inverse_hessian_product(grad, self._initial)
        np.negative(p, out=p)
        return p

    def initial_step(self, k: int, p: np.ndarray) -> float:
        # With H0 = I and no pair yet, p = -gamma g carries no scale information.
        return first_trial_step(p) if k == 0 and self.H0 is None else 1.0

    def update(self, s: np.ndarray, y: np.ndarray) -> bool:
        if not has_positive_curvature(s, y):
            return False
        self.pairs.push(s, y)
        if self.scaled:
            H0y = y if self.H0 is None else self.H0(y.copy())
            self.gamma = dot(s, y) / dot(y, H0y)
        return True


def lbfgs(
    fun: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    *,
    m: int = 10,
    gamma: str | float = "scaled",
    H0: InitialInverseHessian = None,
    gtol: float = 1e-5,
    maxiter: int = 10_000,
    line_search: str | StrongWolfe | Armijo = "wolfe",
    callback: Callback | None = None,
) -> OptimizeResult:
    """Minimise ``fun`` by limited-memory BFGS.

    :math:`x_{k+1} = x_k + \\alpha_k p_k` with :math:`p_k = -H_k \\nabla f(x_k)`, where
    :math:`H_k` is never formed: the two-loop recursion applies it using the last ``m`` pairs
    :math:`(s_i, y_i)` and :math:`H_k^0 = \\gamma_k H_0` (see :class:`LBFGSDirection`). Memory and
    work per iteration are :math:`O(mn)`. Safeguard: a pair with
    :math:`s_k^\\top y_k \\le 10^{-10} \\|s_k\\| \\|y_k\\|` is not stored and is counted in
    ``result.skipped_updates``; with the strong Wolfe line search this does not happen.

    Parameters
    ----------
    fun
        ``fun(x) -> float``, :math:`f`; ``x`` has shape ``(n,)``.
    grad
        ``grad(x) -> ndarray (n,)``, :math:`\\nabla f`.
    x0
        Starting point, a finite floating array of shape ``(n,)`` (computations run in float64).
    m
        Memory: the number of pairs kept.
    gamma
        ``"scaled"`` (:math:`\\gamma_k = s_{k-1}^\\top y_{k-1} / y_{k-1}^\\top H_0 y_{k-1}`) or a
        fixed positive number, e.g. ``1.0``.
    H0
        The initial inverse Hessian, symmetric positive definite: ``None`` (the identity), an
        array ``d`` of shape ``(n,)`` with positive entries (:math:`H_0 = \\mathrm{diag}(d)`), or a
        callable ``H0(v) -> ndarray (n,)`` returning :math:`H_0 v` (a preconditioner). When
        ``H0`` is given, the first trial step is 1; otherwise it is :math:`\\min(1, 1/\\|p_0\\|)`.
    gtol
        Stop with success when :math:`\\|\\nabla f(x_k)\\|_\\infty \\le` ``gtol``.
    maxiter
        Most iterations.
    line_search
        ``"wolfe"`` (strong Wolfe, the default), ``"armijo"``, or a configured
        :class:`~mnn.optim.line_search.StrongWolfe` /
        :class:`~mnn.optim.line_search.Armijo`.
    callback
        ``callback(iterate)`` after every step, with an
        :class:`~mnn.optim.result.Iterate`; return ``True`` to stop, ``None`` to go on.

    Returns
    -------
    OptimizeResult
    """
    x0 = check_start(x0)
    m = check_positive_int(m, "m")
    if isinstance(gamma, str):
        if gamma != "scaled":
            raise ValueError(f"gamma must be 'scaled' or a positive number, got {gamma!r}.")
    else:
        check_positive_real(gamma, "gamma")
    operator = _check_initial(H0, x0.size)
    objective = Objective(fun, grad, x0.size)
    return descend(
        objective,
        x0,
        LBFGSDirection(x0.size, m, gamma, operator),
        method="lbfgs",
        gtol=gtol,
        maxiter=maxiter,
        line_search=line_search,
        callback=callback,
    )
