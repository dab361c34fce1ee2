"""The user's objective, gradient and Hessian behind one counting, checking interface."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse

from .._validation import check_array, check_callable, describe


class Objective:
    """Wrap ``fun``, ``grad`` and optionally ``hess``: count their calls and check what they return.

    Parameters
    ----------
    fun
        ``fun(x) -> float``, the objective :math:`f`.
    grad
        ``grad(x) -> ndarray (n,)``, its gradient :math:`\\nabla f`.
    n
        The dimension of ``x``.
    hess
        ``hess(x) -> ndarray (n, n) or scipy.sparse matrix (n, n)``, the Hessian (Newton only).
    """

    def __init__(
        self,
        fun: Callable[[np.ndarray], float],
        grad: Callable[[np.ndarray], np.ndarray],
        n: int,
        hess: Callable[[np.ndarray], Any] | None = None,
    ) -> None:
        self._fun = check_callable(fun, "fun", "fun(x) -> float")
        self._grad = check_callable(grad, "grad", "grad(x) -> ndarray of shape (n,)")
        self._hess = hess
        self.n = n
        self.nfev = 0
        self.ngev = 0
        self.nhev = 0

    def fun(self, x: np.ndarray) -> float:
        """:math:`f(x)` as a Python float (possibly NaN or infinite: the caller decides)."""
        self.nfev += 1
        value = self._fun(x)
        is_scalar = isinstance(value, (float, int, np.floating, np.integer)) or (
            isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "fiu"
        )
        if not is_scalar or isinstance(value, (bool, np.bool_)):
            raise TypeError(
                f"fun(x) must return a real scalar, got {describe(value)}; "
                f"return the objective as a float (for a one-element array, use value.item())."
            )
        return float(value)

    def grad(self, x: np.ndarray) -> np.ndarray:
        """:math:`\\nabla f(x)`, shape ``(n,)``: a copy, since ``grad`` may reuse one buffer."""
        self.ngev += 1
        value = check_array(self._grad(x), "grad(x)", shape=(self.n,), dtype_kind="f")
        return value.copy()

    def hess(self, x: np.ndarray) -> np.ndarray | scipy.sparse.sparray | scipy.sparse.spmatrix:
        """:math:`\\nabla^2 f(x)`, a dense array or a SciPy sparse matrix of shape ``(n, n)``."""
        self.nhev += 1
        value = self._hess(x)
        if scipy.sparse.issparse(value):
            if value.shape != (self.n, self.n):
                raise ValueError(
                    f"hess(x) must have shape ({self.n}, {self.n}), got {describe(value)}."
                )
            if value.dtype.kind != "f":
                raise TypeError(
                    f"hess(x) must have a floating dtype, got a sparse matrix of dtype "
                    f"{value.dtype}; the Hessian of a real function is real."
                )
            return value
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"hess(x) must return a NumPy array or a scipy.sparse matrix of shape "
                f"({self.n}, {self.n}), got {describe(value)}; use np.asarray for nested lists "
                "(a LinearOperator cannot be solved with: return the matrix itself)."
            )
        return check_array(value, "hess(x)", shape=(self.n, self.n), dtype_kind="f")
