"""The L-BFGS memory: the last m curvature pairs and the two-loop recursion that applies H_k.

L-BFGS never forms :math:`H_k`. It keeps the last m pairs :math:`(s_i, y_i)` and applies to a
vector the matrix obtained from an initial :math:`H_k^0` by m inverse BFGS updates, oldest first:

.. math::

    H \\leftarrow V_i^\\top H V_i + \\rho_i s_i s_i^\\top, \\qquad
    V_i = I - \\rho_i y_i s_i^\\top, \\qquad i = k-m, \\dots, k-1.

The two-loop recursion (Nocedal & Wright, Algorithm 7.4) does this in :math:`4mn` operations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validation import check_array, check_callable, check_positive_int, check_size
from .inner_products import dot
from .updates import require_positive_curvature


class CurvaturePairs:
    """The last ``m`` pairs :math:`(s_i, y_i)` and :math:`\\rho_i = 1/y_i^\\top s_i`, a ring buffer.

    Parameters
    ----------
    m
        Memory: how many pairs are kept.
    n
        Dimension of the vectors.
    """

    def __init__(self, m: int, n: int) -> None:
        self.m = m = check_positive_int(m, "m")
        n = check_positive_int(n, "n")
        check_size((2 * m, n), f"the memory of {m} curvature pairs of length {n}")
        self.s = np.empty((m, n))
        self.y = np.empty((m, n))
        self.rho = np.empty(m)
        self._count = 0  # pairs pushed so far; the newest sits at (count - 1) % m
        self._alpha = np.empty(m)
        self._work = np.empty(n)  # scratch for the elementwise products of the two loops

    def __len__(self) -> int:
        return min(self._count, self.m)

    def push(self, s: np.ndarray, y: np.ndarray) -> None:
        """Store a pair, dropping the oldest when ``m`` are already kept.

        Parameters
        ----------
        s, y
            Finite floating arrays of shape ``(n,)`` that :func:`has_positive_curvature`
            accepts: others are refused, since they would make :math:`H_k` indefinite.
        """
        check_array(s, "s", shape=self.s.shape[1:], dtype_kind="f")
        require_positive_curvature(s, y, "it would make H_k indefinite")
        slot = self._count % self.m
        self.s[slot] = s
        self.y[slot] = y
        self.rho[slot] = 1.0 / dot(s, y)
        self._count += 1

    def _order(self) -> list[int]:
        """Slots from the oldest to the newest pair."""
        stored = len(self)
        return [(self._count - stored + i) % self.m for i in range(stored)]

    def inverse_hessian_product(
        self, v: np.ndarray, initial: Callable[[np.ndarray], np.ndarray]
    ) -> np.ndarray:
        """:math:`H_k v` by the two-loop recursion, with :math:`H_k^0 q` = ``initial(q)``.

        Parameters
        ----------
        v
            Shape ``(n,)``; not modified.
        initial
            Applies :math:`H_k^0` to a vector of shape ``(n,)``; it may overwrite its argument.

        Returns
        -------
        numpy.ndarray
            Shape ``(n,)``.
        """
        check_array(v, "v", shape=self.s.shape[1:], dtype_kind="f")
        check_callable(initial, "initial", "initial(q) -> ndarray of shape (n,)")
        order = self._order()
        alpha, work = self._alpha, self._work
        q = v.copy()
        for i in reversed(order):
            alpha[i] = self.rho[i] * dot(self.s[i], q, work)
            q -= np.multiply(alpha[i], self.y[i], out=work)
        r = check_array(initial(q), "initial(q)", shape=v.shape, dtype_kind="f")
        for i in order:
            beta = self.rho[i] * dot(self.y[i], r, work)
            r += np.multiply(alpha[i] - beta, self.s[i], out=work)
        return r
