"""Independent oracles for the LRP tests: each rule written from its formula on a layer given as
an explicit matrix, convolutions turned into matrices by loops, and a layer-by-layer backward
relevance pass. NumPy only, nothing from mnn.explain."""

from __future__ import annotations

import numpy as np


def conv_matrix(
    weight: np.ndarray,
    input_shape: tuple[int, int, int],
    output_shape: tuple[int, int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int] = (1, 1),
    groups: int = 1,
) -> np.ndarray:
    """The (C_out*Ho*Wo, C_in*H*W) matrix of a cross-correlation with PyTorch-layout ``weight``
    (C_out, C_in/groups, kh, kw); ``padding`` counts the zeros before the first row and column
    (zero padding contributes nothing, so it has no column)."""
    c_out, c_group, kh, kw = weight.shape
    c_in, height, width = input_shape
    _, out_h, out_w = output_shape
    per_group = c_out // groups
    matrix = np.zeros((c_out, out_h, out_w, c_in, height, width))
    for o in range(c_out):
        group = o // per_group
        for i in range(out_h):
            for j in range(out_w):
                for c in range(c_group):
                    for u in range(kh):
                        for v in range(kw):
                            y = i * stride[0] - padding[0] + u * dilation[0]
                            x = j * stride[1] - padding[1] + v * dilation[1]
                            if 0 <= y < height and 0 <= x < width:
                                matrix[o, i, j, group * c_group + c, y, x] += weight[o, c, u, v]
    return matrix.reshape(c_out * out_h * out_w, c_in * height * width)


def stabilized(values: np.ndarray, epsilon: float) -> np.ndarray:
    """values + epsilon * sign(values), sign(0) = +1."""
    return values + np.where(values >= 0, epsilon, -epsilon)


def _share(numerator: np.ndarray, denominator: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """R_j = sum_k numerator[k, j] / denominator[k] * upper[k]."""
    return (numerator / denominator[:, None] * upper[:, None]).sum(axis=0)


def lrp_zero(a, matrix, bias, upper):
    z = matrix @ a + bias
    return _share(matrix * a, z, upper)


def lrp_epsilon(a, matrix, bias, upper, epsilon):
    z = matrix @ a + bias
    return _share(matrix * a, stabilized(z, epsilon), upper)


def lrp_gamma(a, matrix, bias, upper, gamma, stabilizer):
    """Zennit's generalised LRP-gamma: for z > 0 the positive contributions amplified, for
    z < 0 the negative ones."""
    z = matrix @ a + bias
    positive_inputs, negative_inputs = np.maximum(a, 0), np.minimum(a, 0)
    w_plus, w_minus = np.maximum(matrix, 0), np.minimum(matrix, 0)
    up = positive_inputs * (matrix + gamma * w_plus) + negative_inputs * (matrix + gamma * w_minus)
    down = positive_inputs * (matrix + gamma * w_minus) + negative_inputs * (
        matrix + gamma * w_plus
    )
    numerator = np.where((z > 0)[:, None], up, np.where((z < 0)[:, None], down, 0.0))
    denominator = np.where(
        z > 0,
        up.sum(axis=1) + bias + gamma * np.maximum(bias, 0),
        down.sum(axis=1) + bias + gamma * np.minimum(bias, 0),
    )
    return _share(numerator, stabilized(denominator, stabilizer), upper)


def lrp_alpha_beta(a, matrix, bias, upper, alpha, beta, stabilizer):
    contributions = matrix * a
    positive, negative = np.maximum(contributions, 0), np.minimum(contributions, 0)
    p = positive.sum(axis=1) + np.maximum(bias, 0)
    n = negative.sum(axis=1) + np.minimum(bias, 0)
    return alpha * _share(positive, stabilized(p, stabilizer), upper) - beta * _share(
        negative, stabilized(n, stabilizer), upper
    )


def lrp_zbox(a, matrix, upper, low, high, stabilizer):
    """z^B: shares (a_j w_jk - l_j w+_jk - h_j w-_jk) / sum_j (...), the bias left out."""
    numerator = matrix * a - np.maximum(matrix, 0) * low - np.minimum(matrix, 0) * high
    return _share(numerator, stabilized(numerator.sum(axis=1), stabilizer), upper)


def lrp_flat(connected, upper, stabilizer):
    numerator = connected.astype(np.float64)
    return _share(numerator, stabilized(numerator.sum(axis=1), stabilizer), upper)


def lrp_w_square(matrix, upper, stabilizer):
    numerator = matrix**2
    return _share(numerator, stabilized(numerator.sum(axis=1), stabilizer), upper)


def max_pool_winners(a: np.ndarray, size: int) -> np.ndarray:
    """(C*h*w, C*H*W) 0/1 matrix sending each window's output to its (first) maximum."""
    channels, height, width = a.shape
    out_h, out_w = height // size, width // size
    matrix = np.zeros((channels, out_h, out_w, channels, height, width))
    for c in range(channels):
        for i in range(out_h):
            for j in range(out_w):
                window = a[c, i * size : (i + 1) * size, j * size : (j + 1) * size]
                u, v = np.unravel_index(np.argmax(window), window.shape)
                matrix[c, i, j, c, i * size + u, j * size + v] = 1.0
    return matrix.reshape(channels * out_h * out_w, channels * height * width)
