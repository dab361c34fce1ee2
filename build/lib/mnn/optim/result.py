"""The one result type that Newton, BFGS and L-BFGS return, and the iterate a callback sees."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class OptimizeResult:
    """The outcome of a minimisation, whichever method produced it.

    Attributes
    ----------
    x
        The last iterate :math:`x_k`, shape ``(n,)``.
    fun
        :math:`f(x_k)`.
    grad
        :math:`\\nabla f(x_k)`, shape ``(n,)``.
    grad_norm
        :math:`\\|\\nabla f(x_k)\\|_\\infty`, the quantity the stopping test compares with ``gtol``.
    nit
        Number of iterations (accepted steps).
    nfev
        Number of evaluations of the objective.
    ngev
        Number of evaluations of the gradient.
    nhev
        Number of evaluations of the Hessian (Newton only).
    success
        True only when the gradient test ``grad_norm <= gtol`` was met.
    message
        Why the method stopped, in words.
    method
        ``"newton"``, ``"bfgs"`` or ``"lbfgs"``.
    history
        Per-iteration values, each of shape ``(nit + 1,)`` (entry 0 belongs to ``x0``):
        ``"fun"`` (:math:`f(x_k)`), ``"grad_norm"`` (:math:`\\|\\nabla f(x_k)\\|_\\infty`) and
        ``"step"`` (the accepted step length :math:`\\alpha_{k-1}`; NaN at entry 0).
    skipped_updates
        Quasi-Newton updates skipped by the curvature safeguard
        (:math:`s_k^\\top y_k \\le \\varepsilon \\|s_k\\| \\|y_k\\|`); always 0 for Newton.
    """

    x: np.ndarray
    fun: float
    grad: np.ndarray
    grad_norm: float
    nit: int
    nfev: int
    ngev: int
    nhev: int
    success: bool
    message: str
    method: str
    history: dict[str, np.ndarray] = field(repr=False)
    skipped_updates: int = 0

    def __str__(self) -> str:
        status = "converged" if self.success else "did not converge"
        # Three short lines rather than one: printed in the book, they must fit its column.
        return (
            f"{self.method} {status} after {self.nit} iterations: "
            f"f = {self.fun:.6g}, ||g||_inf = {self.grad_norm:.3g}\n"
            f"evaluations: {self.nfev} f, {self.ngev} grad, {self.nhev} Hessian\n"
            f"{self.message}"
        )


@dataclass(frozen=True)
class Iterate:
    """What a callback receives after each accepted step.

    Attributes
    ----------
    k
        The iteration number (1 after the first step).
    x
        :math:`x_k`, shape ``(n,)``, read-only.
    fun
        :math:`f(x_k)`.
    grad
        :math:`\\nabla f(x_k)`, shape ``(n,)``, read-only.
    step
        The accepted step length :math:`\\alpha_{k-1}`.
    """

    k: int
    x: np.ndarray
    fun: float
    grad: np.ndarray
    step: float
