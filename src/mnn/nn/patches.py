"""Patch matrices: ``im2col`` turns a convolution into one matrix product, ``col2im`` undoes it.

For an input A ∈ R^(n, c, h, w), filters of size fh x fw and stride s, the patch matrix has one row
per (channel k, filter row p, filter column q) and one column per (sample i, output row y,
output column x):

    cols[(k, p, q), (i, y, x)] = A[i, k, s·y + p, s·x + q].

Rows ordered (k, p, q) match ``filters.reshape(m, c·fh·fw)``; columns ordered (i, y, x) let the
product with the filter rows come out as (m, n, zh, zw), one transpose away from NCHW.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(size: int, filter_size: int, stride: int) -> int:
    """Number of valid filter positions along one axis: ⌊(size - filter_size)/stride⌋ + 1."""
    return (size - filter_size) // stride + 1


def im2col(a: np.ndarray, fshape: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """The patch matrix of ``a``.

    Parameters
    ----------
    a
        (n, c, h, w) input, any memory layout.
    fshape
        (fh, fw) filter size.
    stride
        (sh, sw) steps between filter positions.

    Returns
    -------
    numpy.ndarray
        (c·fh·fw, n·zh·zw), C-contiguous, with zh = ⌊(h - fh)/sh⌋ + 1 and likewise zw.
    """
    c = a.shape[1]
    fh, fw = fshape
    sh, sw = stride
    windows = sliding_window_view(a, (fh, fw), axis=(2, 3))[:, :, ::sh, ::sw]
    # One copy, straight into the (k, p, q) by (i, y, x) order.
    return np.ascontiguousarray(windows.transpose(1, 4, 5, 0, 2, 3)).reshape(c * fh * fw, -1)


def col2im(
    cols: np.ndarray,
    shape: tuple[int, int, int, int],
    fshape: tuple[int, int],
    stride: tuple[int, int],
) -> np.ndarray:
    """Sum the entries of a patch matrix back onto the pixels they were copied from.

    This is the adjoint of :func:`im2col`: ⟨im2col(A), C⟩ = ⟨A, col2im(C)⟩.

    Parameters
    ----------
    cols
        (c·fh·fw, n·zh·zw) patch matrix.
    shape
        (n, c, h, w) of the image it belongs to.
    fshape, stride
        As for :func:`im2col`.

    Returns
    -------
    numpy.ndarray
        (n, c, h, w), stored channel-major (a transposed view of a (c, n, h, w) array).
    """
    n, c, h, w = shape
    fh, fw = fshape
    sh, sw = stride
    zh, zw = output_size(h, fh, sh), output_size(w, fw, sw)
    taps = cols.reshape(c, fh, fw, n, zh, zw)
    image = np.zeros((c, n, h, w), dtype=cols.dtype)
    # One pass per filter tap (p, q): each adds a whole (c, n, zh, zw) block, shifted by (p, q).
    for p in range(fh):
        for q in range(fw):
            image[:, :, p : p + sh * (zh - 1) + 1 : sh, q : q + sw * (zw - 1) + 1 : sw] += taps[
                :, p, q
            ]
    return image.transpose(1, 0, 2, 3)
