"""SciPy's L-BFGS-B, stopped by the same gradient test as mnn's methods, for comparisons."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.optimize

from .._validation import check_callable, check_positive_int, check_positive_real
from .descent import check_start


def scipy_lbfgsb(
    fun: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    *,
    m: int = 10,
    gtol: float = 1e-5,
    maxiter: int = 100_000,
    maxfun: int | None = None,
) -> scipy.optimize.OptimizeResult:
    """Minimise ``fun`` with SciPy's L-BFGS-B until :math:`\\|g_k\\|_\\infty \\le` ``gtol``.

    SciPy also stops when the relative decrease of :math:`f` falls below ``ftol`` (by default
    2.2e-9), which on a badly conditioned problem happens long before the gradient test; here
    ``ftol = 0``, so both implementations stop by the same test and their counts compare.

    Parameters
    ----------
    fun, grad
        :math:`f(x)` and :math:`\\nabla f(x)`, shape ``(n,)``.
    x0
        Starting point, a finite floating array of shape ``(n,)``.
    m
        Number of curvature pairs kept (SciPy's ``maxcor``).
    gtol
        Stop when :math:`\\|\\nabla f(x_k)\\|_\\infty \\le` ``gtol``.
    maxiter
        Iteration limit.
    maxfun
        Limit on evaluations of ``fun``; ``None`` means ``10 * maxiter``.

    Returns
    -------
    scipy.optimize.OptimizeResult
        SciPy's result: ``x`` (n,), ``nit``, ``nfev``, ``success``, ``message``; ``success`` is
        False, whatever SciPy says, when :math:`f` is not finite at the returned ``x``.
    """
    check_callable(fun, "fun", "fun(x) -> float")
    check_callable(grad, "grad", "grad(x) -> ndarray of shape (n,)")
    x0 = check_start(x0)
    m = check_positive_int(m, "m")
    gtol = check_positive_real(gtol, "gtol", allow_zero=True)
    maxiter = check_positive_int(maxiter, "maxiter")
    maxfun = 10 * maxiter if maxfun is None else check_positive_int(maxfun, "maxfun")
    options = {"maxcor": m, "gtol": gtol, "ftol": 0.0, "maxiter": maxiter, "maxfun": maxfun}
    result = scipy.optimize.minimize(fun, x0, jac=grad, method="L-BFGS-B", options=options)
    if not np.isfinite(result.fun):
        # SciPy stops on a zero gradient even where f is NaN, and calls that a success.
        result.success = False
        result.message = f"f = {result.fun} is not finite at the returned x; {result.message}"
    return result
