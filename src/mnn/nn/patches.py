"""Patch matrices: ``im2col`` turns a convolution into one matrix product, ``col2im`` undoes it.

For an input A of shape (n, c, h, w), filters of size fh x fw and stride s, the patch matrix has
one row per (channel k, filter row p, filter column q) and one column per (output row y, output
column x, sample i):

    cols[(k, p, q), (y, x, i)] = A[i, k, s·y + p, s·x + q].

Rows ordered (k, p, q) match ``filters.reshape(m, c·fh·fw)``. Columns come in one of two orders,
following the memory layout of A:

- batch last, (y, x, i), when A is stored channel-height-width-batch (``batch_last(A)``): the
  layout ``SequentialNet`` keeps its activations in. The product with the filter rows then
  comes out stored (m, zh, zw, n), batch last again, and every elementwise pass over it
  (activation, pooling) runs along rows of n contiguous numbers;
- batch first, (i, y, x), for ordinary C-ordered NCHW arrays.

Either way the layers see and return NCHW-shaped arrays; only the strides differ.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def batch_last(a: np.ndarray) -> bool:
    """Whether ``a`` (n, ...) is stored with the batch axis last and contiguous."""
    return np.moveaxis(a, 0, -1).flags.c_contiguous


def to_batch_last(a: np.ndarray) -> np.ndarray:
    """``a`` (n, ...) with the same shape and values, stored batch last (copied if needed)."""
    if batch_last(a):
        return a
    return np.moveaxis(np.ascontiguousarray(np.moveaxis(a, 0, -1)), -1, 0)


def output_size(size: int, filter_size: int, stride: int) -> int:
    """Number of valid filter positions along one axis: ⌊(size - filter_size)/stride⌋ + 1."""
    return (size - filter_size) // stride + 1


def im2col(
    a: np.ndarray, fshape: tuple[int, int], stride: tuple[int, int], *, ones: bool = False
) -> np.ndarray:
    """The patch matrix of ``a``.

    Parameters
    ----------
    a
        (n, c, h, w) input, any memory layout.
    fshape
        (fh, fw) filter size.
    stride
        (sh, sw) steps between filter positions.
    ones
        Append a row of ones: the bias then becomes one more column of the filter matrix, and
        its gradient one more column of the filter gradient.

    Returns
    -------
    numpy.ndarray
        (c·fh·fw, n·zh·zw), or (c·fh·fw + 1, n·zh·zw) with ``ones``; C-contiguous, with
        zh = ⌊(h - fh)/sh⌋ + 1 and likewise zw; columns ordered (y, x, i) if
        ``batch_last(a)``, else (i, y, x).
    """
    c = a.shape[1]
    fh, fw = fshape
    sh, sw = stride
    windows = sliding_window_view(a, (fh, fw), axis=(2, 3))[:, :, ::sh, ::sw]
    # windows[i, k, y, x, p, q]: one copy, straight into the row and column order.
    patches = windows.transpose((1, 4, 5, 2, 3, 0) if batch_last(a) else (1, 4, 5, 0, 2, 3))
    rows = c * fh * fw
    cols = np.empty((rows + ones, patches[0, 0, 0].size), dtype=a.dtype)
    np.copyto(cols[:rows].reshape(patches.shape), patches)
    if ones:
        cols[rows] = 1
    return cols


def col2im(
    cols: np.ndarray,
    shape: tuple[int, int, int, int],
    fshape: tuple[int, int],
    stride: tuple[int, int],
    batch_last: bool,
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
    batch_last
        Whether the columns are ordered (y, x, i) rather than (i, y, x).

    Returns
    -------
    numpy.ndarray
        (n, c, h, w), stored batch last or channel-major to match the columns.
    """
    n, c, h, w = shape
    fh, fw = fshape
    sh, sw = stride
    zh, zw = output_size(h, fh, sh), output_size(w, fw, sw)
    # Work in memory order (numpy iterates transposed views less well), transpose at the end:
    # image is (c, h, w, n) or (c, n, h, w), taps[:, p, q] the block filter tap (p, q) adds.
    if batch_last:
        taps = cols.reshape(c, fh, fw, zh, zw, n)
        image = np.zeros((c, h, w, n), dtype=cols.dtype)
        rows_axis, order = 1, (3, 0, 1, 2)
    else:
        taps = cols.reshape(c, fh, fw, n, zh, zw)
        image = np.zeros((c, n, h, w), dtype=cols.dtype)
        rows_axis, order = 2, (1, 0, 2, 3)
    # One pass per filter tap (p, q), each adding a whole batch of shifted blocks.
    for p in range(fh):
        for q in range(fw):
            window = [slice(None)] * 4
            window[rows_axis] = slice(p, p + sh * (zh - 1) + 1, sh)
            window[rows_axis + 1] = slice(q, q + sw * (zw - 1) + 1, sw)
            image[tuple(window)] += taps[:, p, q]
    return image.transpose(order)
