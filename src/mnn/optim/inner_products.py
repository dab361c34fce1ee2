"""Inner products, norms and matrix-vector products summed in an order fixed by NumPy.

``a @ b``, ``np.dot`` and ``np.linalg.norm`` call the BLAS library NumPy was built with, and
OpenBLAS picks its kernel at run time from the CPU (or from ``OPENBLAS_CORETYPE``): kernels of
different vector widths add the products :math:`a_i b_i` in different orders, some with fused
multiply-adds, so the last bits of :math:`a^\\top b` depend on the machine. A quasi-Newton run on
a badly conditioned problem amplifies those bits: its line-search decisions near the solution
flip, and iteration counts at :math:`n = 1000` moved by a factor of two between two kernels of
the same CPU.

Here every product :math:`a_i b_i` is rounded on its own (an elementwise ufunc) and the sum is
NumPy's pairwise summation (``np.add.reduce``), whose order depends only on the length and on
NumPy's own code, not on the CPU or the BLAS build. So the methods of :mod:`mnn.optim` take the
same steps, bit for bit, on any machine running the same NumPy. The price is one pass over
memory more than BLAS's ``ddot``; the sum is as accurate (pairwise: error
:math:`O(\\varepsilon \\log n)` relative to :math:`\\sum |a_i b_i|`).
"""

from __future__ import annotations

import math

import numpy as np


def dot(a: np.ndarray, b: np.ndarray, work: np.ndarray | None = None) -> float:
    """:math:`a^\\top b`, summed pairwise.

    Parameters
    ----------
    a, b
        Shape ``(n,)`` each, float64.
    work
        Optional scratch array of shape ``(n,)`` that receives the products :math:`a_i b_i`
        (saves an allocation in loops); its content is overwritten.

    Returns
    -------
    float
    """
    return float(np.add.reduce(np.multiply(a, b, out=work)))


def norm(a: np.ndarray) -> float:
    """:math:`\\|a\\|_2 = \\sqrt{a^\\top a}`, for ``a`` of shape ``(n,)``."""
    return math.sqrt(dot(a, a))


def matvec(M: np.ndarray, v: np.ndarray) -> np.ndarray:
    """:math:`M v`, each entry an inner product of a row of ``M`` with ``v``, summed pairwise.

    Parameters
    ----------
    M
        Shape ``(n, n)``, C-contiguous (rows are summed along their contiguous axis).
    v
        Shape ``(n,)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``.
    """
    return np.add.reduce(M * v, axis=1)
