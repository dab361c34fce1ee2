"""Test problems with analytic gradients, sparse Hessians and known minimisers.

- :class:`ChainQuadratic`: the course's badly conditioned quadratic
  :math:`f(x) = \\tfrac12 \\big((x_1 - 1)^2 + \\sum_{k=2}^n k (x_k - x_{k-1})^2\\big)`.
- :class:`Rosenbrock`: the chained n-dimensional Rosenbrock function, a non-quadratic problem.

Both have the minimiser :math:`x^* = (1, \\dots, 1)` with :math:`f(x^*) = 0`, tridiagonal
Hessians (returned as ``scipy.sparse`` arrays, so Newton scales to :math:`n = 10^6`), and a
starting point ``x0``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

from .._validation import check_array, check_positive_int, check_size


class OnesProblem:
    """What both problems share: dimension ``n``, start at 0, minimiser (1, ..., 1), f* = 0."""

    n: int

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={self.n})"

    @property
    def x0(self) -> np.ndarray:
        """The starting point :math:`x_0 = 0`, shape ``(n,)``."""
        return np.zeros(self.n)

    @property
    def minimizer(self) -> np.ndarray:
        """:math:`x^* = (1, \\dots, 1)`, shape ``(n,)``."""
        return np.ones(self.n)

    minimum = 0.0
    """:math:`f(x^*)`."""


class ChainQuadratic(OnesProblem):
    """:math:`f(x) = \\tfrac12 \\|W^{1/2}(Lx - e_1)\\|^2`, the course's chain quadratic.

    Here :math:`(Lx)_1 = x_1`, :math:`(Lx)_k = x_k - x_{k-1}` (:math:`L` is unit lower
    bidiagonal) and :math:`W = \\mathrm{diag}(1, 2, \\dots, n)`, so that
    :math:`f(x) = \\tfrac12((x_1 - 1)^2 + \\sum_{k=2}^n k (x_k - x_{k-1})^2)`.

    - Gradient: :math:`\\nabla f(x) = L^\\top W (Lx - e_1)`.
    - Hessian: :math:`A = L^\\top W L`, tridiagonal with diagonal
      :math:`(1 + 2, 2 + 3, \\dots, (n-1) + n, n)` and off-diagonal :math:`(-2, \\dots, -n)`.
    - Inverse: :math:`A^{-1} = L^{-1} W^{-1} L^{-\\top}`, where :math:`L^{-1}` is the lower
      triangle of ones, so :math:`A^{-1} v` is two cumulative sums: :math:`O(n)`.
    - Minimiser: :math:`x^* = A^{-1} e_1 = (1, \\dots, 1)`, :math:`f^* = 0`.

    Parameters
    ----------
    n
        The dimension.
    """

    def __init__(self, n: int) -> None:
        self.n = check_positive_int(n, "n")
        check_size((self.n,), f"one vector of ChainQuadratic(n={self.n})")
        self.weights = np.arange(1.0, self.n + 1.0)

    def _residual(self, x: np.ndarray) -> np.ndarray:
        """:math:`Lx - e_1`, shape ``(n,)``."""
        check_array(x, "x", shape=(self.n,), dtype_kind="f")
        r = np.empty(self.n)
        r[0] = x[0] - 1.0
        np.subtract(x[1:], x[:-1], out=r[1:])
        return r

    def terms(self, x: np.ndarray) -> np.ndarray:
        """The n terms of :math:`2 f(x)`: :math:`(x_1 - 1)^2` and :math:`k (x_k - x_{k-1})^2`.

        :meth:`fun` sums them pairwise; summed in another order they give another rounding of
        the same :math:`f`, which is how Chapter 2 shows that long runs depend on rounding.

        Parameters
        ----------
        x
            Shape ``(n,)``.

        Returns
        -------
        numpy.ndarray
            Shape ``(n,)``.
        """
        r = self._residual(x)
        return self.weights * (r * r)

    def fun(self, x: np.ndarray) -> float:
        """:math:`f(x)` for ``x`` of shape ``(n,)``, the :meth:`terms` summed pairwise.

        The sum does not depend on the machine's BLAS (see :mod:`mnn.optim.inner_products`).
        """
        return 0.5 * float(np.add.reduce(self.terms(x)))

    def grad(self, x: np.ndarray) -> np.ndarray:
        """:math:`\\nabla f(x) = L^\\top W (Lx - e_1)`, shape ``(n,)``."""
        u = self._residual(x)
        u *= self.weights
        g = u.copy()
        g[:-1] -= u[1:]
        return g

    def hessian_diagonals(self) -> tuple[np.ndarray, np.ndarray]:
        """The diagonal, shape ``(n,)``, and the off-diagonal, shape ``(n - 1,)``, of :math:`A`."""
        w = self.weights
        diagonal = w.copy()
        diagonal[:-1] += w[1:]
        return diagonal, -w[1:]

    def hessian(self, x: np.ndarray | None = None) -> scipy.sparse.csr_array:
        """The (constant) Hessian :math:`A` as a sparse ``(n, n)`` array; ``x`` is ignored."""
        diagonal, off = self.hessian_diagonals()
        return scipy.sparse.diags_array([off, diagonal, off], offsets=[-1, 0, 1], format="csr")

    def inverse_hessian_product(self, v: np.ndarray) -> np.ndarray:
        """:math:`A^{-1} v = L^{-1} W^{-1} L^{-\\top} v` by two cumulative sums, shape ``(n,)``."""
        check_array(v, "v", shape=(self.n,), dtype_kind="f")
        return np.cumsum(np.cumsum(v[::-1])[::-1] / self.weights)

    def hessian_eigenvalues(self) -> np.ndarray:
        """All eigenvalues of :math:`A`, ascending, shape ``(n,)`` (:math:`O(n^2)`: small n only).

        Their absolute accuracy is about :math:`\\varepsilon \\|A\\| \\approx 4n\\varepsilon`; for
        the smallest one at large n use :meth:`extreme_eigenvalues`.
        """
        diagonal, off = self.hessian_diagonals()
        return scipy.linalg.eigvalsh_tridiagonal(diagonal, off)

    def extreme_eigenvalues(self) -> tuple[float, float]:
        """:math:`(\\lambda_{\\min}(A), \\lambda_{\\max}(A))`, both to full relative accuracy.

        :math:`\\lambda_{\\max}` by bisection on the tridiagonal matrix; :math:`\\lambda_{\\min}`
        as :math:`1/\\lambda_{\\max}(A^{-1})` by Lanczos on the :math:`O(n)` exact inverse, since
        bisection's absolute error :math:`\\varepsilon \\|A\\|` would swamp
        :math:`\\lambda_{\\min} \\sim 1/(n \\log n)` for large n.
        """
        diagonal, off = self.hessian_diagonals()
        if self.n <= 2:
            eigenvalues = scipy.linalg.eigvalsh_tridiagonal(diagonal, off)
            return float(eigenvalues[0]), float(eigenvalues[-1])
        top = scipy.linalg.eigvalsh_tridiagonal(
            diagonal, off, select="i", select_range=(self.n - 1, self.n - 1)
        )
        inverse = scipy.sparse.linalg.LinearOperator(
            (self.n, self.n), matvec=self.inverse_hessian_product, dtype=np.float64
        )
        largest_inverse = scipy.sparse.linalg.eigsh(
            inverse, k=1, which="LA", v0=np.ones(self.n), return_eigenvectors=False
        )
        return 1.0 / float(largest_inverse[0]), float(top[0])

    def condition_number(self) -> float:
        """:math:`\\kappa(A) = \\lambda_{\\max} / \\lambda_{\\min}`."""
        smallest, largest = self.extreme_eigenvalues()
        return largest / smallest


class Rosenbrock(OnesProblem):
    """The chained Rosenbrock function
    :math:`f(x) = \\sum_{i=1}^{n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2`, for n >= 2.

    Non-convex, with a curved valley; :math:`x^* = (1, \\dots, 1)`, :math:`f^* = 0`. The
    starting point is :math:`x_0 = 0`.

    Parameters
    ----------
    n
        The dimension, at least 2.
    """

    def __init__(self, n: int) -> None:
        self.n = check_positive_int(n, "n", minimum=2)
        check_size((self.n,), f"one vector of Rosenbrock(n={self.n})")

    def fun(self, x: np.ndarray) -> float:
        """:math:`f(x)` for ``x`` of shape ``(n,)``."""
        check_array(x, "x", shape=(self.n,), dtype_kind="f")
        valley = x[1:] - x[:-1] ** 2
        return float(np.sum(100.0 * valley**2 + (1.0 - x[:-1]) ** 2))

    def grad(self, x: np.ndarray) -> np.ndarray:
        """:math:`\\nabla f(x)`, shape ``(n,)``."""
        check_array(x, "x", shape=(self.n,), dtype_kind="f")
        valley = x[1:] - x[:-1] ** 2
        g = np.zeros(self.n)
        g[:-1] = -400.0 * x[:-1] * valley - 2.0 * (1.0 - x[:-1])
        g[1:] += 200.0 * valley
        return g

    def hessian(self, x: np.ndarray) -> scipy.sparse.csr_array:
        """:math:`\\nabla^2 f(x)` as a sparse tridiagonal ``(n, n)`` array."""
        check_array(x, "x", shape=(self.n,), dtype_kind="f")
        diagonal = np.zeros(self.n)
        diagonal[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
        diagonal[1:] += 200.0
        off = -400.0 * x[:-1]
        return scipy.sparse.diags_array([off, diagonal, off], offsets=[-1, 0, 1], format="csr")
