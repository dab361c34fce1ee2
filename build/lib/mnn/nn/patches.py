"""Patch matrices: ``im2col`` turns a convolution into matrix products, ``col2im`` undoes it.

For an input A of shape (n, c, h, w), filters of size fh x fw and stride s, a patch matrix has
one row per (channel k, filter row p, filter column q) and one column per filter position,

    cols[(k, p, q), position] = A[i, k, s·y + p, s·x + q]   for the position (y, x) in image i,

so that ``filters.reshape(m, c·fh·fw) @ cols`` is the correlation of A with the filters. How the
columns are arranged follows the memory layout of A, so that neither the copy into the patch
matrix nor the product's result needs a transposition:

- batch last, when A is stored channel-height-width-batch (``batch_last(A)``, the layout
  ``SequentialNet`` keeps its activations in): one matrix (c·fh·fw, zh·zw·n) with columns
  (y, x, i). Each of its rows is copied from runs of zw·n contiguous numbers of A, the product
  comes out stored (m, zh, zw, n), batch last again, and every elementwise pass over it
  (activation, pooling) runs along rows of n contiguous numbers;
- otherwise (ordinary C-ordered NCHW arrays): one matrix per image, stacked,
  (n, c·fh·fw, zh·zw) with columns (y, x). ``np.matmul`` multiplies the filter rows with each,
  and the result, (n, m, zh·zw), is Z in ordinary NCHW order. Its rows are copied in runs of
  only zw numbers, so :class:`~mnn.nn.Conv2D` takes this form only when the patch matrix is
  small next to Z (c·fh·fw ≤ m), and otherwise converts A to batch last first.

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
    """The patch matrix of ``a``, or the stack of its images' patch matrices.

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
        If ``batch_last(a)``: (c·fh·fw, zh·zw·n), columns ordered (y, x, i); else
        (n, c·fh·fw, zh·zw), one patch matrix per image, columns ordered (y, x). With
        ``ones``, c·fh·fw + 1 rows; C-contiguous; zh = ⌊(h - fh)/sh⌋ + 1 and likewise zw.
    """
    n, c = a.shape[:2]
    fh, fw = fshape
    sh, sw = stride
    windows = sliding_window_view(a, (fh, fw), axis=(2, 3))[:, :, ::sh, ::sw]
    zh, zw = windows.shape[2:4]
    rows = c * fh * fw
    # windows[i, k, y, x, p, q]: one copy, straight into the row and column order.
    if batch_last(a):
        cols = np.empty((rows + ones, zh * zw * n), dtype=a.dtype)
        patches, block = windows.transpose(1, 4, 5, 2, 3, 0), cols[:rows]
    else:
        cols = np.empty((n, rows + ones, zh * zw), dtype=a.dtype)
        patches, block = windows.transpose(0, 1, 4, 5, 2, 3), cols[:, :rows]
    np.copyto(block.reshape(patches.shape), patches)
    if ones:
        cols[..., rows, :] = 1
    return cols


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
        (c·fh·fw, zh·zw·n) patch matrix with columns (y, x, i), or (n, c·fh·fw, zh·zw) stack
        of per-image patch matrices, as :func:`im2col` makes them.
    shape
        (n, c, h, w) of the image it belongs to.
    fshape, stride
        As for :func:`im2col`.

    Returns
    -------
    numpy.ndarray
        (n, c, h, w), stored batch last for one matrix, C-ordered for a stack.
    """
    n, c, h, w = shape
    fh, fw = fshape
    sh, sw = stride
    zh, zw = output_size(h, fh, sh), output_size(w, fw, sw)
    # Work in memory order, transpose at the end: image is (c, h, w, n) or (n, c, h, w), and
    # taps[p, q] the block that filter tap (p, q) adds, with the axes of image.
    if cols.ndim == 2:
        taps = cols.reshape(c, fh, fw, zh, zw, n).transpose(1, 2, 0, 3, 4, 5)
        image = np.zeros((c, h, w, n), dtype=cols.dtype)
        rows_axis, order = 1, (3, 0, 1, 2)
    else:
        taps = cols.reshape(n, c, fh, fw, zh, zw).transpose(2, 3, 0, 1, 4, 5)
        image = np.zeros((n, c, h, w), dtype=cols.dtype)
        rows_axis, order = 2, (0, 1, 2, 3)
    # One pass per filter tap (p, q), each adding a whole batch of shifted blocks.
    for p in range(fh):
        for q in range(fw):
            window = [slice(None)] * 4
            window[rows_axis] = slice(p, p + sh * (zh - 1) + 1, sh)
            window[rows_axis + 1] = slice(q, q + sw * (zw - 1) + 1, sw)
            image[tuple(window)] += taps[p, q]
    return image.transpose(order)
