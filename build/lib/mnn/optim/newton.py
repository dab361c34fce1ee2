"""Newton's method with a line search: solve :math:`\\nabla^2 f(x_k) p_k = -\\nabla f(x_k)`."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

from .._validation import check_callable
from .descent import Callback, DirectionFailure, check_start, descend
from .line_search import Armijo, StrongWolfe
from .objective import Objective
from .result import OptimizeResult


class NewtonDirection:
    """The Newton direction; sparse Hessians are solved with ``scipy.sparse.linalg.spsolve``."""

    def __init__(self, objective: Objective) -> None:
        self.objective = objective

    def direction(self, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
        hessian = self.objective.hess(x)
        sparse = scipy.sparse.issparse(hessian)
        if sparse:
            hessian = scipy.sparse.csc_array(hessian)
        entries = hessian.data if sparse else hessian
        bad = int(np.size(entries) - np.count_nonzero(np.isfinite(entries)))
        if bad:
            raise DirectionFailure(f"hess(x) has {bad} NaN or infinite entries.")
        with warnings.catch_warnings():
            warnings.simplefilter("error", scipy.sparse.linalg.MatrixRankWarning)
            warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
            try:
                if sparse:
                    p = scipy.sparse.linalg.spsolve(hessian, -grad)
                else:
                    # Solve the system as given (LU, like the sparse path): assuming symmetry
                    # would silently mirror one triangle of a wrong, non-symmetric Hessian.
                    p = scipy.linalg.solve(hessian, -grad)
            except (np.linalg.LinAlgError, scipy.sparse.linalg.MatrixRankWarning) as error:
                raise DirectionFailure(f"the Hessian is singular ({error}).") from None
            except scipy.linalg.LinAlgWarning as warning:
                raise DirectionFailure(f"the Hessian is nearly singular ({warning}).") from None
        if not np.all(np.isfinite(p)):
            raise DirectionFailure("solving with the Hessian gave a non-finite direction.")
        return p

    def initial_step(self, k: int, p: np.ndarray) -> float:
        return 1.0

    def update(self, s: np.ndarray, y: np.ndarray) -> bool:
        return True


def newton(
    fun: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    hess: Callable[[np.ndarray], Any],
    x0: np.ndarray,
    *,
    gtol: float = 1e-5,
    maxiter: int = 100,
    line_search: str | StrongWolfe | Armijo = "wolfe",
    callback: Callback | None = None,
) -> OptimizeResult:
    """Minimise ``fun`` by Newton's method: :math:`x_{k+1} = x_k + \\alpha_k p_k` with
    :math:`\\nabla^2 f(x_k)\\, p_k = -\\nabla f(x_k)`, trying :math:`\\alpha_k = 1` first.

    On a strictly convex quadratic the first step is the minimiser. The Hessian is not modified:
    where it is not positive definite, :math:`p_k` may fail to be a descent direction, and the
    method stops with ``success=False`` and says so (it does not silently fall back to another
    direction).

    Parameters
    ----------
    fun
        ``fun(x) -> float``, :math:`f`; ``x`` has shape ``(n,)``.
    grad
        ``grad(x) -> ndarray (n,)``, :math:`\\nabla f`.
    hess
        ``hess(x) -> ndarray (n, n)`` or a ``scipy.sparse`` matrix ``(n, n)``,
        :math:`\\nabla^2 f`. Sparse Hessians are solved by sparse LU, so a tridiagonal Hessian
        costs :math:`O(n)`.
    x0
        Starting point, a finite floating array of shape ``(n,)`` (computations run in float64).
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
    check_callable(hess, "hess", "hess(x) -> ndarray or sparse matrix of shape (n, n)")
    objective = Objective(fun, grad, x0.size, hess)
    return descend(
        objective,
        x0,
        NewtonDirection(objective),
        method="newton",
        gtol=gtol,
        maxiter=maxiter,
        line_search=line_search,
        callback=callback,
    )
