"""The course's convolutional layer: a true (flipped-filter) convolution, by im2col and GEMM."""

from __future__ import annotations

import numpy as np
from numpy.typing import DTypeLike

from ..._validation import check_int_tuple
from ..activations import Activation
from ..initializers import Initializer
from ..optimizers import Optimizer
from ..patches import batch_last, col2im, im2col, output_size, to_batch_last
from .base import ParametricLayer, pair


class Conv2D(ParametricLayer):
    """Z_ij = b_j + Σ_k A_ik * F_jk (a true convolution, valid by default), A_out = f(Z).

    With A ∈ R^(n, c, h, w), filters F ∈ R^(m, c, fh, fw) and b ∈ R^m, stride 1 and no padding,

        Z[i, j, y, x] = b_j + Σ_k Σ_{p,q} A[i, k, y + p, x + q] F[j, k, fh-1-p, fw-1-q],

    so Z ∈ R^(n, m, h-fh+1, w-fw+1): the filter is flipped, as in ``scipy.signal.convolve2d``.
    PyTorch and Keras compute the cross-correlation, i.e. use ``F[:, :, ::-1, ::-1]``.
    Backpropagation with Δ = ∂L/∂Z:

    - ∂L/∂b_j = Σ_{i,y,x} Δ[i, j, y, x];
    - ∂L/∂F_jk = Σ_i Ã_ik * Δ_ij, a valid convolution of the 180°-rotated input Ã with Δ
      (equivalently, the valid correlation of A with Δ, rotated by 180°);
    - ∂L/∂A_ik = Σ_j Δ_ij * F̃_jk, a full convolution of Δ with the rotated filters F̃.

    All three are matrix products with the patch matrix of :mod:`mnn.nn.patches`; no Python loop
    runs over samples, channels or filters. Results have NCHW shapes; they are stored batch last
    when the input is, and also for an NCHW input whose patch matrix has more rows c·fh·fw than
    there are filters m: the layer then works batch last (see :mod:`mnn.nn.patches`).

    Parameters
    ----------
    tensor
        (c, h, w) shape of one input sample.
    fshape
        (m, fh, fw): number of filters and their size.
    afun
        Activation (default :class:`~mnn.nn.ReLU`).
    optim
        Optimizer (default :class:`~mnn.nn.SGD`); the layer keeps its own copy.
    initializer
        Draw of the initial filters (default :class:`~mnn.nn.RandnAverage`); the bias starts at 0.
    stride
        Step between filter positions, one integer or (sh, sw).
    padding
        Zeros added on each side of the input, one integer or (ph, pw).
    dtype
        Dtype of the parameters, and of the inputs the layer accepts.
    rng
        Seed or generator for the initial filters.
    name
        Name used in summaries and error messages.
    """

    kind = "conv2d"

    def __init__(
        self,
        tensor: tuple[int, int, int],
        fshape: tuple[int, int, int],
        afun: Activation | None = None,
        optim: Optimizer | None = None,
        initializer: Initializer | None = None,
        *,
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dtype: DTypeLike = np.float64,
        rng: np.random.Generator | int = 0,
        name: str | None = None,
    ) -> None:
        c, h, w = check_int_tuple(tensor, "tensor", 3)
        m, fh, fw = check_int_tuple(fshape, "fshape", 3)
        self.stride = pair(stride, "stride", minimum=1)
        self.padding = pair(padding, "padding", minimum=0)
        (sh, sw), (ph, pw) = self.stride, self.padding
        if fh > h + 2 * ph or fw > w + 2 * pw:
            raise ValueError(
                f"fshape={(m, fh, fw)}: the {fh}x{fw} filters do not fit into the "
                f"{h + 2 * ph}x{w + 2 * pw} (padded) input of shape {(c, h, w)}; use a smaller "
                f"fshape or more padding."
            )
        super().__init__((c, h, w), afun, optim, initializer, dtype, rng, name)
        self.fshape = (m, fh, fw)
        self._zshape = (m, output_size(h + 2 * ph, fh, sh), output_size(w + 2 * pw, fw, sw))
        self.filters = self._initial_weights((m, c, fh, fw), c * fh * fw, m * fh * fw)
        self.bias = np.zeros(m, dtype=self.dtype)
        self.d_filters = np.zeros_like(self.filters)
        self.d_bias = np.zeros_like(self.bias)
        self._cols: np.ndarray | None = None
        self._filter_rows: np.ndarray | None = None
        self._padded_shape: tuple[int, int, int, int] | None = None

    @property
    def output_shape(self) -> tuple[int, int, int]:
        return self._zshape

    def parameters(self) -> dict[str, np.ndarray]:
        return {"filters": self.filters, "bias": self.bias}

    def gradients(self) -> dict[str, np.ndarray]:
        return {"filters": self.d_filters, "bias": self.d_bias}

    def _linear(self, a: np.ndarray) -> np.ndarray:
        self._check_input(a, ndim=4)
        m, fh, fw = self.fshape
        n, c = a.shape[:2]
        # One patch matrix for a batch-last input; for an ordinary NCHW one too when it has more
        # rows than Δ (c·fh·fw > m): converting A and Δ to batch last then costs less than
        # copying patches in and out of a stack of per-image matrices, in runs of zw numbers.
        one_matrix = batch_last(a) or c * fh * fw > m
        ph, pw = self.padding
        if ph or pw:
            a = np.pad(a, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        if one_matrix:
            a = to_batch_last(a)
        self._padded_shape = a.shape
        self._cols = im2col(a, (fh, fw), self.stride, ones=True)
        # The flip turns the convolution into the correlation that the patch matrix computes;
        # the bias is the weight of the patch matrix's last row, all ones.
        rotated = self.filters[:, :, ::-1, ::-1].reshape(m, -1)
        self._filter_rows = np.concatenate([rotated, self.bias[:, None]], axis=1)
        # Z = F_rows cols: (m, zh·zw·n) from one matrix, (n, m, zh·zw) from a stack.
        z = self._filter_rows @ self._cols
        _, zh, zw = self._zshape
        if one_matrix:
            return z.reshape(m, zh, zw, n).transpose(3, 0, 1, 2)
        return z.reshape(n, m, zh, zw)

    def _backprop_linear(self, delta: np.ndarray, input_gradient: bool) -> np.ndarray | None:
        m, fh, fw = self.fshape
        c = self.input_shape[0]
        # Δ_rows, Δ with one row per filter, columns in the order of the patch matrix: no copy
        # when delta has the layout of Z.
        if self._cols.ndim == 2:
            delta_rows = delta.transpose(1, 2, 3, 0).reshape(m, -1)
            d_filter_rows = delta_rows @ self._cols.T
        else:
            delta_rows = delta.reshape(len(delta), m, -1)
            d_filter_rows = (delta_rows @ self._cols.transpose(0, 2, 1)).sum(axis=0)
        self.d_bias = d_filter_rows[:, -1].copy()
        d_filters = d_filter_rows[:, :-1].reshape(m, c, fh, fw)[:, :, ::-1, ::-1]
        self.d_filters = np.ascontiguousarray(d_filters)
        if not input_gradient:
            return None
        d_cols = self._filter_rows[:, :-1].T @ delta_rows
        delta_pre = col2im(d_cols, self._padded_shape, (fh, fw), self.stride)
        ph, pw = self.padding
        if ph or pw:
            delta_pre = delta_pre[:, :, ph : delta_pre.shape[2] - ph, pw : delta_pre.shape[3] - pw]
        return delta_pre

    def __repr__(self) -> str:
        return (
            f"Conv2D(tensor={self.input_shape}, fshape={self.fshape}, afun={self.afun!r}, "
            f"stride={self.stride}, padding={self.padding})"
        )
