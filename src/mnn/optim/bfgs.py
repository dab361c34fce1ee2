"""BFGS with a dense approximation: the inverse form (H_k, the default) or the direct form (B_k)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg

from .._validation import check_choice, check_size
from .descent import Callback, DirectionFailure, check_start, descend
from .inner_products import dot, matvec
from .line_search import Armijo, StrongWolfe, first_trial_step
from .objective import Objective
from .result import OptimizeResult
from .updates import bfgs_direct_update, bfgs_inverse_update, has_positive_curvature


class DenseBFGSDirection:
    """The BFGS direction from a dense matrix: :math:`H_k` (inverse form) or :math:`B_k` (direct).

    Inverse form: :math:`p_k = -H_k \\nabla f(x_k)`, :math:`O(n^2)` per iteration. Direct form:
    solve :math:`B_k p_k = -\\nabla f(x_k)` by Cholesky, :math:`O(n^3)` per iteration, kept for
    teaching; both produce the same iterates up to rounding. Before the first update the initial
    identity is rescaled so that its size matches the curvature just measured:
    :math:`H_0 = \\gamma I`, :math:`B_0 = \\gamma^{-1} I` with
    :math:`\\gamma = y_0^\\top s_0 / y_0^\\top y_0` (Nocedal & Wright, eq. 6.20).
    """

    def __init__(self, n: int, form: str) -> None:
        self.form = form
        self.matrix = np.eye(n)
        self.updated = False

    def direction(self, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
        if self.form == "inverse":
            return -matvec(self.matrix, grad)
        try:
            factor = scipy.linalg.cho_factor(self.matrix)
        except np.linalg.LinAlgError:
            raise DirectionFailure(
                "B_k is no longer numerically positive definite (Cholesky failed)."
            ) from None
        return -scipy.linalg.cho_solve(factor, grad)

    def initial_step(self, k: int, p: np.ndarray) -> float:
        return 1.0 if self.updated else first_trial_step(p)

    def update(self, s: np.ndarray, y: np.ndarray) -> bool:
        if not has_positive_curvature(s, y):
            return False
        inverse = self.form == "inverse"
        if not self.updated:
            gamma = dot(y, s) / dot(y, y)
            self.matrix *= gamma if inverse else 1.0 / gamma
            self.updated = True
        update = bfgs_inverse_update if inverse else bfgs_direct_update
        self.matrix = update(self.matrix, s, y)
        return True


def bfgs(
    fun: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    *,
    form: str = "inverse",
    gtol: float = 1e-5,
    maxiter: int = 10_000,
    line_search: str | StrongWolfe | Armijo = "wolfe",
    callback: Callback | None = None,
) -> OptimizeResult:
    """Minimise ``fun`` by BFGS with a dense :math:`n \\times n` approximation.

    :math:`x_{k+1} = x_k + \\alpha_k p_k` with :math:`p_k = -H_k \\nabla f(x_k)`; after each step
    the pair :math:`s_k = x_{k+1} - x_k`, :math:`y_k = \\nabla f(x_{k+1}) - \\nabla f(x_k)`
    updates :math:`H_k` (see :mod:`mnn.optim.updates`). Safeguard: a pair with
    :math:`s_k^\\top y_k \\le 10^{-10} \\|s_k\\| \\|y_k\\|` is skipped and counted in
    ``result.skipped_updates``; with the strong Wolfe line search this does not happen.

    Parameters
    ----------
    fun
        ``fun(x) -> float``, :math:`f`; ``x`` has shape ``(n,)``.
    grad
        ``grad(x) -> ndarray (n,)``, :math:`\\nabla f`.
    x0
        Starting point, a finite floating array of shape ``(n,)`` (computations run in float64).
    form
        ``"inverse"``: update :math:`H_k \\approx \\nabla^2 f^{-1}`, :math:`O(n^2)` per iteration.
        ``"direct"``: update :math:`B_k \\approx \\nabla^2 f` and solve with it,
        :math:`O(n^3)` per iteration (for teaching).
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
    form = check_choice(form, "form", ("inverse", "direct"))
    check_size(
        (x0.size, x0.size),
        f"the dense {x0.size} x {x0.size} approximation of BFGS",
        hint="use lbfgs for large n.",
    )
    objective = Objective(fun, grad, x0.size)
    return descend(
        objective,
        x0,
        DenseBFGSDirection(x0.size, form),
        method="bfgs",
        gtol=gtol,
        maxiter=maxiter,
        line_search=line_search,
        callback=callback,
    )
