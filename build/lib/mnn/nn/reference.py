"""The course's loop implementations: slow on purpose, the oracle the vectorised layers must match.

The convolution loops over samples i, filters j and channels k and calls
``scipy.signal.convolve2d`` on single images, exactly as the derivation reads; pooling loops over
every window. Only stride 1 and valid convolutions, as in the course. Used by the tests and by
``benchmarks/conv.py`` as the baseline; use :class:`~mnn.nn.Conv2D` and
:class:`~mnn.nn.MaxPool2D` for real work.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import convolve2d


def conv2d_forward(a: np.ndarray, filters: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Z_ij = b_j + Σ_k A_ik * F_jk (valid): a (n, c, h, w), filters (m, c, fh, fw), bias (m,)
    -> (n, m, h - fh + 1, w - fw + 1)."""
    n, c, h, w = a.shape
    m, _, fh, fw = filters.shape
    z = np.zeros((n, m, h - fh + 1, w - fw + 1), dtype=a.dtype)
    for i in range(n):
        for j in range(m):
            z[i, j] = bias[j]
            for k in range(c):
                z[i, j] += convolve2d(a[i, k], filters[j, k], mode="valid")
    return z


def conv2d_backward(
    a: np.ndarray, filters: np.ndarray, delta: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From Δ = ∂L/∂Z (n, m, zh, zw): (∂L/∂A, ∂L/∂F, ∂L/∂b).

    ∂L/∂A_ik = Σ_j Δ_ij * rot180(F_jk) (full), ∂L/∂F_jk = Σ_i rot180(A_ik) * Δ_ij (valid),
    ∂L/∂b_j = Σ Δ_ij.
    """
    n, c, _, _ = a.shape
    m = filters.shape[0]
    delta_pre = np.zeros_like(a)
    d_filters = np.zeros_like(filters)
    for i in range(n):
        for j in range(m):
            for k in range(c):
                delta_pre[i, k] += convolve2d(delta[i, j], filters[j, k, ::-1, ::-1], mode="full")
                d_filters[j, k] += convolve2d(a[i, k, ::-1, ::-1], delta[i, j], mode="valid")
    return delta_pre, d_filters, delta.sum(axis=(0, 2, 3))


def max_pool2d_forward(a: np.ndarray, area: tuple[int, int]) -> np.ndarray:
    """Maximum over each non-overlapping ph x pw window; incomplete windows are cropped."""
    n, c, h, w = a.shape
    ph, pw = area
    z = np.empty((n, c, h // ph, w // pw), dtype=a.dtype)
    for i in range(n):
        for k in range(c):
            for y in range(h // ph):
                for x in range(w // pw):
                    z[i, k, y, x] = a[i, k, y * ph : (y + 1) * ph, x * pw : (x + 1) * pw].max()
    return z


def max_pool2d_backward(
    a: np.ndarray, area: tuple[int, int], delta: np.ndarray, strict: bool
) -> np.ndarray:
    """Send each window's δ to its maxima: all of it to each (``strict=False``) or shared
    equally among them (``strict=True``)."""
    n, c, h, w = a.shape
    ph, pw = area
    delta_pre = np.zeros_like(a)
    for i in range(n):
        for k in range(c):
            for y in range(h // ph):
                for x in range(w // pw):
                    window = a[i, k, y * ph : (y + 1) * ph, x * pw : (x + 1) * pw]
                    is_max = window == window.max()
                    share = delta[i, k, y, x] / (is_max.sum() if strict else 1)
                    delta_pre[i, k, y * ph : (y + 1) * ph, x * pw : (x + 1) * pw] = is_max * share
    return delta_pre
