"""The answer checkers accept correct answers, computed independently, and reject typical wrong
ones with a report that names the failing case.

Correct answers come from independent oracles: SciPy's ``convolve2d`` loops, PyTorch, dense
linear algebra, :mod:`mnn.explain` run on PyTorch models. Wrong answers are the mistakes
students make, written out here.
"""

from __future__ import annotations

import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg
import torch
import torch.nn.functional as F
from torch import nn

from mnn import exercises, explain, optim
from mnn.exercises import CheckReport
from mnn.explain.lrp.rules import Zero
from mnn.nn import reference


def flat(report: CheckReport) -> str:
    """The report's text with its line breaks (prose is wrapped to 88 columns) as spaces."""
    return " ".join(str(report).split())


def assert_rejected(report: CheckReport, case: str, diagnosis: str | None = None) -> None:
    """The report failed, its first failure is ``case``, and it names it (and the mistake)."""
    text = flat(report)
    assert not report.passed and report.attempted
    assert report.failed_cases[0] == case, text
    assert f'First failure, in the case "{case}":' in text
    assert "expected" in text and "Inputs:" in text
    assert report.case is not None and report.case.description == case
    if diagnosis is not None:
        assert f"Your result is what you get when {diagnosis}" in text, text


# Chapter 1 -----------------------------------------------------------------------------------


def conv_torch(a: np.ndarray, filters: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The true convolution as PyTorch's cross-correlation with the filters rotated."""
    weight = torch.from_numpy(filters[:, :, ::-1, ::-1].copy())
    return F.conv2d(torch.from_numpy(a), weight, torch.from_numpy(bias)).numpy()


def conv_backward_torch(a: np.ndarray, filters: np.ndarray, delta: np.ndarray) -> tuple:
    a_t = torch.from_numpy(a.copy()).requires_grad_()
    f_t = torch.from_numpy(filters.copy()).requires_grad_()
    b_t = torch.zeros(len(filters), dtype=torch.float64, requires_grad=True)
    z = F.conv2d(a_t, torch.flip(f_t, (2, 3)), b_t)
    z.backward(torch.from_numpy(delta))
    return a_t.grad.numpy(), f_t.grad.numpy(), b_t.grad.numpy()


FIRST_CONV = "one 3x3 image, one channel, one 2x2 filter"


@pytest.mark.parametrize("answer", [reference.conv2d_forward, conv_torch], ids=["loops", "torch"])
def test_conv2d_forward_accepts_correct_answers(answer) -> None:
    report = exercises.check_conv2d_forward(answer)
    assert report.passed, str(report)
    assert str(report).startswith("conv2d_forward: all 6 cases passed.")


def test_conv2d_forward_rejects_typical_mistakes() -> None:
    def no_flip(a, filters, bias):
        return reference.conv2d_forward(a, filters[:, :, ::-1, ::-1], bias)

    def one_short(a, filters, bias):  # range(h - fh) instead of range(h - fh + 1)
        return reference.conv2d_forward(a, filters, bias)[:, :, :-1, :-1]

    def bias_per_channel(a, filters, bias):  # the bias added once per input channel
        return reference.conv2d_forward(a, filters, bias) + (a.shape[1] - 1) * bias[:, None, None]

    def no_bias(a, filters, bias):
        return reference.conv2d_forward(a, filters, np.zeros_like(bias))

    assert_rejected(
        exercises.check_conv2d_forward(no_flip), FIRST_CONV, "the filters are not flipped"
    )
    report = exercises.check_conv2d_forward(one_short)
    assert_rejected(report, FIRST_CONV)
    assert "expected shape (1, 1, 2, 2), got shape (1, 1, 1, 1)" in flat(report)
    assert_rejected(
        exercises.check_conv2d_forward(bias_per_channel),
        "1x1 filters: each pixel scaled and the channels summed",
    )
    assert_rejected(
        exercises.check_conv2d_forward(no_bias),
        "a filter as large as the image: one output pixel",
        "the bias is left out",
    )


def test_conv2d_backward_accepts_correct_answers() -> None:
    for answer in (reference.conv2d_backward, conv_backward_torch):
        report = exercises.check_conv2d_backward(answer)
        assert report.passed, str(report)


def test_conv2d_backward_rejects_typical_mistakes() -> None:
    def filter_gradient_not_rotated(a, filters, delta):
        grad_a, grad_filters, grad_bias = reference.conv2d_backward(a, filters, delta)
        return grad_a, grad_filters[:, :, ::-1, ::-1], grad_bias

    def valid_instead_of_full(a, filters, delta):  # grad_a cropped to the output's size
        grad_a, grad_filters, grad_bias = reference.conv2d_backward(a, filters, delta)
        return grad_a[:, :, : delta.shape[2], : delta.shape[3]], grad_filters, grad_bias

    def bias_of_first_image(a, filters, delta):
        grad_a, grad_filters, _ = reference.conv2d_backward(a, filters, delta)
        return grad_a, grad_filters, delta[0].sum(axis=(1, 2))

    def only_two(a, filters, delta):
        return reference.conv2d_backward(a, filters, delta)[:2]

    assert_rejected(
        exercises.check_conv2d_backward(filter_gradient_not_rotated),
        FIRST_CONV,
        "grad_filters is the correlation of A with delta",
    )
    report = exercises.check_conv2d_backward(valid_instead_of_full)
    assert_rejected(report, FIRST_CONV)
    assert "output grad_a: expected shape (1, 1, 3, 3), got shape (1, 1, 2, 2)" in flat(report)
    assert_rejected(
        exercises.check_conv2d_backward(bias_of_first_image),
        "two images with three channels, four 3x3 filters",
    )
    report = exercises.check_conv2d_backward(only_two)
    assert_rejected(report, FIRST_CONV)
    assert "must return 3 values (grad_a, grad_filters, grad_bias)" in flat(report)


def pool_windows(a: np.ndarray, area: tuple[int, int]) -> np.ndarray:
    """(n, c, zh, zw, ph*pw) windows, cropped, by plain indexing."""
    ph, pw = area
    n, c, h, w = a.shape
    zh, zw = h // ph, w // pw
    out = np.empty((n, c, zh, zw, ph * pw))
    for y in range(zh):
        for x in range(zw):
            out[:, :, y, x] = a[:, :, y * ph : (y + 1) * ph, x * pw : (x + 1) * pw].reshape(
                n, c, -1
            )
    return out


def test_max_pool2d_forward_accepts_correct_answers() -> None:
    def torch_pool(a, area):
        return F.max_pool2d(torch.from_numpy(a), area).numpy()

    for answer in (reference.max_pool2d_forward, torch_pool):
        report = exercises.check_max_pool2d_forward(answer)
        assert report.passed, str(report)


def test_max_pool2d_forward_rejects_typical_mistakes() -> None:
    def not_cropped(a, area):  # ceil: incomplete windows kept
        return F.max_pool2d(torch.from_numpy(a), area, ceil_mode=True).numpy()

    def overlapping(a, area):  # stride 1 instead of the window's size
        return F.max_pool2d(torch.from_numpy(a), area, stride=1).numpy()

    def largest_magnitude(a, area):
        return np.abs(pool_windows(a, area)).max(axis=-1)

    def mean_pooling(a, area):
        return pool_windows(a, area).mean(axis=-1)

    cropped = "a 5x5 image in 2x2 windows: the last row and column are cropped"
    report = exercises.check_max_pool2d_forward(not_cropped)
    assert_rejected(report, cropped)
    assert "expected shape (1, 1, 2, 2), got shape (1, 1, 3, 3)" in flat(report)
    assert_rejected(
        exercises.check_max_pool2d_forward(overlapping), "a 4x4 image in four 2x2 windows"
    )
    assert_rejected(
        exercises.check_max_pool2d_forward(largest_magnitude),
        "negative values: the maximum, not the largest magnitude",
        "the largest absolute value",
    )
    assert_rejected(exercises.check_max_pool2d_forward(mean_pooling), "one 2x2 window")


def test_max_pool2d_backward_accepts_the_loops() -> None:
    report = exercises.check_max_pool2d_backward(reference.max_pool2d_backward)
    assert report.passed, str(report)


def test_max_pool2d_backward_rejects_typical_mistakes() -> None:
    def strict_ignored(a, area, delta, strict):
        return reference.max_pool2d_backward(a, area, delta, False)

    def framework_rule(a, area, delta, strict):  # PyTorch's: all of delta to one maximum
        tensor = torch.from_numpy(a.copy()).requires_grad_()
        F.max_pool2d(tensor, area).backward(torch.from_numpy(delta))
        return tensor.grad.numpy()

    def cropped_rows_get_delta(a, area, delta, strict):  # the border not zeroed
        grad_a = reference.max_pool2d_backward(a, area, delta, strict)
        h, w = (a.shape[2] // area[0]) * area[0], (a.shape[3] // area[1]) * area[1]
        grad_a[:, :, h:, :] = 1.0
        grad_a[:, :, :, w:] = 1.0
        return grad_a

    def divided_always(a, area, delta, strict):
        return reference.max_pool2d_backward(a, area, delta, True)

    halves = "two tied maxima, strict=True: delta / 2 each"
    assert_rejected(
        exercises.check_max_pool2d_backward(strict_ignored), halves, "strict is ignored"
    )
    assert_rejected(
        exercises.check_max_pool2d_backward(framework_rule),
        "two tied maxima, strict=False: each gets the full delta",
        "the whole delta goes to the first of the tied maxima",
    )
    assert_rejected(
        exercises.check_max_pool2d_backward(cropped_rows_get_delta),
        "a 5x5 image in 2x2 windows: the last row and column are cropped, strict=False",
    )
    assert_rejected(
        exercises.check_max_pool2d_backward(divided_always),
        "two tied maxima, strict=False: each gets the full delta",
        "delta is divided among tied maxima even when strict=False",
    )


def test_flatten_accepts_reshape_and_rejects_mistakes() -> None:
    def flatten(a):
        return a.reshape(len(a), -1)

    def flatten_backprop(delta, input_shape):
        return delta.reshape(input_shape)

    assert exercises.check_flatten(flatten, flatten_backprop).passed

    def keras_order(a):
        return a.transpose(0, 2, 3, 1).reshape(len(a), -1)

    def keras_order_back(delta, input_shape):
        n, c, h, w = input_shape
        return delta.reshape(n, h, w, c).transpose(0, 3, 1, 2)

    def batch_too(a):
        return a.reshape(-1)

    def stays_flat(delta, input_shape):
        return delta

    order_case = "two images with three channels of 2x2: channel, then row, then column"
    assert_rejected(
        exercises.check_flatten(keras_order, keras_order_back),
        order_case,
        "the maps are flattened in Keras' order",
    )
    report = exercises.check_flatten(batch_too, flatten_backprop)
    assert_rejected(report, "one image, one channel of 2x3")
    assert "expected shape (1, 6), got shape (6,)" in flat(report)
    report = exercises.check_flatten(flatten, stays_flat)
    assert_rejected(report, "one image, one channel of 2x3")
    assert "output grad_a: expected shape (1, 1, 2, 3), got shape (1, 6)" in flat(report)


# Chapter 2 -----------------------------------------------------------------------------------


def inverse_of_direct_update(H, s, y):
    """H_next as the inverse of the direct update of B = H^-1 (the theorem, densely)."""
    return np.linalg.inv(optim.bfgs_direct_update(np.linalg.inv(H), s, y))


def product_form(H, s, y):
    rho = 1.0 / (y @ s)
    V = np.eye(len(s)) - rho * np.outer(y, s)
    return V.T @ H @ V + rho * np.outer(s, s)


def test_bfgs_inverse_update_accepts_correct_answers() -> None:
    for answer in (optim.bfgs_inverse_update, inverse_of_direct_update, product_form):
        report = exercises.check_bfgs_inverse_update(answer)
        assert report.passed, str(report)


def test_bfgs_inverse_update_rejects_typical_mistakes() -> None:
    def b_update_on_h(H, s, y):  # the H and B updates swapped
        Hs = H @ s
        return H - np.outer(Hs, Hs) / (s @ Hs) + np.outer(y, y) / (y @ s)

    def s_and_y_swapped(H, s, y):  # the update of B written with H, i.e. s and y exchanged
        return product_form(H, y, s)

    def no_rank_one_term(H, s, y):
        return product_form(H, s, y) - np.outer(s, s) / (y @ s)

    def rho_from_s(H, s, y):
        rho = 1.0 / (s @ s)
        V = np.eye(len(s)) - rho * np.outer(y, s)
        return V.T @ H @ V + rho * np.outer(s, s)

    first = "n = 1: H_next = s / y"
    assert_rejected(
        exercises.check_bfgs_inverse_update(b_update_on_h),
        first,
        "the direct update of B is applied to H (the H and B updates swapped)",
    )
    assert_rejected(exercises.check_bfgs_inverse_update(s_and_y_swapped), first)
    assert_rejected(
        exercises.check_bfgs_inverse_update(no_rank_one_term), first, "the term rho s s^T"
    )
    assert_rejected(exercises.check_bfgs_inverse_update(rho_from_s), first, "rho is 1 / (s^T s)")


def dense_two_loop(g, s, y, gamma):
    """H_k g with H_k formed densely by the product-form updates of gamma I."""
    H = gamma * np.eye(len(g))
    for s_i, y_i in zip(s, y, strict=True):
        H = product_form(H, s_i, y_i)
    return H @ g


def two_loop(g, s, y, gamma):
    q, alphas = g.copy(), []
    for s_i, y_i in zip(reversed(s), reversed(y), strict=True):
        alphas.append((s_i @ q) / (y_i @ s_i))
        q -= alphas[-1] * y_i
    r = gamma * q
    for s_i, y_i, alpha in zip(s, y, reversed(alphas), strict=True):
        r += (alpha - (y_i @ r) / (y_i @ s_i)) * s_i
    return r


def test_two_loop_recursion_accepts_correct_answers() -> None:
    for answer in (two_loop, dense_two_loop):
        report = exercises.check_two_loop_recursion(answer)
        assert report.passed, str(report)


def test_two_loop_recursion_rejects_typical_mistakes() -> None:
    def direction(g, s, y, gamma):
        return -two_loop(g, s, y, gamma)

    def no_gamma(g, s, y, gamma):
        return two_loop(g, s, y, 1.0)

    def same_order_twice(g, s, y, gamma):  # the second loop also runs newest first
        q, alphas = g.copy(), []
        for s_i, y_i in zip(reversed(s), reversed(y), strict=True):
            alphas.append((s_i @ q) / (y_i @ s_i))
            q -= alphas[-1] * y_i
        r = gamma * q
        for s_i, y_i, alpha in zip(reversed(s), reversed(y), alphas, strict=True):
            r += (alpha - (y_i @ r) / (y_i @ s_i)) * s_i
        return r

    def overwrites_g(g, s, y, gamma):  # the first loop works on g itself
        q = g
        for s_i, y_i in zip(reversed(s), reversed(y), strict=True):
            q -= (s_i @ q) / (y_i @ s_i) * y_i
        return gamma * q

    assert_rejected(
        exercises.check_two_loop_recursion(direction),
        "no pairs yet: r = gamma g",
        "the result is the direction -H g",
    )
    assert_rejected(
        exercises.check_two_loop_recursion(no_gamma),
        "no pairs yet: r = gamma g",
        "gamma is left out",
    )
    assert_rejected(
        exercises.check_two_loop_recursion(same_order_twice),
        "three pairs, n = 5, gamma = 1",
        "both loops run from the newest pair to the oldest",
    )
    report = exercises.check_two_loop_recursion(overwrites_g)
    assert_rejected(report, "one pair in one dimension")
    assert "changed its argument 'g' in place" in flat(report)


def solve(g, hessian):
    if scipy.sparse.issparse(hessian):
        return scipy.sparse.linalg.spsolve(scipy.sparse.csc_array(hessian), -g)
    return scipy.linalg.solve(hessian, -g, assume_a="pos")


def test_newton_step_accepts_correct_answers() -> None:
    report = exercises.check_newton_step(solve)
    assert report.passed, str(report)


def test_newton_step_rejects_typical_mistakes() -> None:
    def uphill(g, hessian):
        return -solve(g, hessian)

    def multiplied(g, hessian):
        return -(hessian @ g)

    def dense_only(g, hessian):  # np.linalg.solve cannot take a scipy.sparse matrix
        return np.linalg.solve(hessian, -g)

    def diagonal(g, hessian):
        return -g / np.asarray(hessian.diagonal())

    assert_rejected(exercises.check_newton_step(uphill), "n = 1: p = -g / f''", "the sign")
    assert_rejected(exercises.check_newton_step(multiplied), "n = 1: p = -g / f''", "p = -H g")
    sparse_case = "the chain quadratic's tridiagonal Hessian as a scipy.sparse matrix, n = 5"
    report = exercises.check_newton_step(dense_only)
    assert_rejected(report, sparse_case)
    assert "your function raised" in flat(report) and "in dense_only, line" in flat(report)
    assert "scipy.sparse csr_array, as a dense array of shape (5, 5)" in flat(report)
    assert_rejected(
        exercises.check_newton_step(diagonal),
        "a full positive definite Hessian, n = 6",
        "only the diagonal",
    )


# Chapter 3 -----------------------------------------------------------------------------------


def identity_features(channels: int) -> nn.Conv2d:
    """A 1x1 convolution that passes its input through: the layer whose maps are explained."""
    layer = nn.Conv2d(channels, channels, 1, bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(torch.eye(channels, dtype=torch.float64)[:, :, None, None])
    return layer


def cam_by_mnn(feature_maps, dense_kernel, c):
    """mnn.explain.cam on a PyTorch model whose last feature maps are ``feature_maps``."""
    channels, classes = dense_kernel.shape
    features = identity_features(channels)
    head = nn.Linear(channels, classes).double()
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(dense_kernel.T.copy()))
    model = nn.Sequential(features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), head)
    images = np.ascontiguousarray(feature_maps.transpose(2, 0, 1)[None])
    return explain.cam(model, images, layer=features, target=c).heatmaps[0]


def grad_cam_by_mnn(feature_maps, gradients):
    """mnn.explain.grad_cam on a PyTorch model whose score has the gradient ``gradients``."""
    h, w, channels = feature_maps.shape
    features = identity_features(channels)
    score = nn.Linear(channels * h * w, 1).double()
    with torch.no_grad():
        score.weight.copy_(torch.from_numpy(gradients.transpose(2, 0, 1).reshape(1, -1).copy()))
    model = nn.Sequential(features, nn.Flatten(), score)
    images = np.ascontiguousarray(feature_maps.transpose(2, 0, 1)[None])
    return explain.grad_cam(model, images, layer=features, target=0).heatmaps[0]


def test_class_activation_map_agrees_with_mnn_explain() -> None:
    report = exercises.check_class_activation_map(cam_by_mnn)
    assert report.passed, str(report)


def test_class_activation_map_rejects_typical_mistakes() -> None:
    def with_relu(feature_maps, dense_kernel, c):
        return np.maximum(feature_maps @ dense_kernel[:, c], 0.0)

    def first_class(feature_maps, dense_kernel, c):
        return feature_maps @ dense_kernel[:, 0]

    def channels_first(feature_maps, dense_kernel, c):  # the Keras maps read as (K, h, w)
        return np.einsum("khw,k->hw", feature_maps, dense_kernel[: len(feature_maps), c])

    def mean_over_channels(feature_maps, dense_kernel, c):
        return feature_maps @ dense_kernel[:, c] / feature_maps.shape[-1]

    assert_rejected(
        exercises.check_class_activation_map(with_relu),
        "two channels, weights of opposite signs",
        "a ReLU is applied",
    )
    assert_rejected(
        exercises.check_class_activation_map(first_class),
        "the class is c = 2: column 2 of the kernel",
    )
    report = exercises.check_class_activation_map(channels_first)
    assert_rejected(report, "one channel of 2x2, one class")
    assert_rejected(
        exercises.check_class_activation_map(mean_over_channels),
        "two channels, weights of opposite signs",
        "the channels are averaged",
    )


def test_grad_cam_agrees_with_mnn_explain() -> None:
    report = exercises.check_grad_cam(grad_cam_by_mnn)
    assert report.passed, str(report)


def test_grad_cam_rejects_typical_mistakes() -> None:
    def relu_forgotten(feature_maps, gradients):
        return feature_maps @ gradients.mean(axis=(0, 1))

    def summed(feature_maps, gradients):
        return np.maximum(feature_maps @ gradients.sum(axis=(0, 1)), 0.0)

    def relu_on_weights(feature_maps, gradients):
        return feature_maps @ np.maximum(gradients.mean(axis=(0, 1)), 0.0)

    def position_by_position(feature_maps, gradients):
        return np.maximum((feature_maps * gradients).sum(axis=-1), 0.0)

    assert_rejected(
        exercises.check_grad_cam(relu_forgotten),
        "two channels, one with a negative average gradient",
        "the ReLU is forgotten",
    )
    assert_rejected(
        exercises.check_grad_cam(summed),
        "one channel of 2x2, a positive gradient",
        "the gradients are summed",
    )
    assert_rejected(
        exercises.check_grad_cam(relu_on_weights),
        "two channels, one with a negative average gradient",
    )
    assert_rejected(
        exercises.check_grad_cam(position_by_position),
        "gradients that change over the map: only their average counts",
        "gradients and feature maps are multiplied position by position",
    )


# Chapter 5 -----------------------------------------------------------------------------------


def lrp_gamma_by_mnn(a, weights, relevance, gamma):
    """mnn's Gamma rule on a PyTorch dense layer, seeded with ``relevance`` through a read-out
    layer with LRP-0 whose weights are R_k / z_k."""
    layer = nn.Linear(len(a), len(relevance), bias=False).double()
    readout = nn.Linear(len(relevance), 1, bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weights.T.copy()))
        readout.weight.copy_(torch.from_numpy((relevance / (a @ weights))[None]))
    model = nn.Sequential(OrderedDict(layer=layer, readout=readout))
    composite = {"layer": explain.lrp.rules.Gamma(gamma, stabilizer=1e-9), "readout": Zero()}
    return explain.lrp(model, a[None], target=0, composite=composite).relevance[0]


def test_lrp_gamma_dense_agrees_with_mnn_explain() -> None:
    report = exercises.check_lrp_gamma_dense(lrp_gamma_by_mnn)
    assert report.passed, str(report)


def test_lrp_gamma_dense_rejects_typical_mistakes() -> None:
    def lrp_zero(a, weights, relevance, gamma):
        return a * (weights @ (relevance / (1e-9 + a @ weights)))

    def without_activations(a, weights, relevance, gamma):
        rho = weights + gamma * np.maximum(weights, 0)
        return rho @ (relevance / (1e-9 + a @ rho))

    def plain_denominator(a, weights, relevance, gamma):
        rho = weights + gamma * np.maximum(weights, 0)
        return a * (rho @ (relevance / (1e-9 + a @ weights)))

    def absolute_weights(a, weights, relevance, gamma):
        rho = weights + gamma * np.abs(weights)
        return a * (rho @ (relevance / (1e-9 + a @ rho)))

    assert_rejected(
        exercises.check_lrp_gamma_dense(lrp_zero),
        "a negative weight: its share shrinks as gamma grows",
        "gamma is ignored (LRP-0)",
    )
    assert_rejected(
        exercises.check_lrp_gamma_dense(without_activations),
        "one input, one output: all the relevance goes to the input",
        "the result is not multiplied by the activations a_j",
    )
    assert_rejected(
        exercises.check_lrp_gamma_dense(plain_denominator),
        "one input, one output: all the relevance goes to the input",
        "the denominator is the plain z_k",
    )
    assert_rejected(
        exercises.check_lrp_gamma_dense(absolute_weights),
        "a negative weight: its share shrinks as gamma grows",
    )


# Chapter 6 -----------------------------------------------------------------------------------

#: The chapter's decoder for widths (8, 16, 16) and a 2-unit code, written out by hand.
CHAPTER_DECODER = [
    ("dense", 16 * 7 * 7),
    ("relu", None),
    ("reshape", 16),
    ("conv", 16),
    ("relu", None),
    ("upsample", 2),
    ("conv", 8),
    ("relu", None),
    ("upsample", 2),
    ("conv", 1),
    ("sigmoid", None),
]


def mirror(encoder):
    """The symmetry rule, written independently of mnn: walk the encoder backwards."""
    widths = [1] + [size for kind, size in encoder if kind == "conv"]
    pools = sum(kind == "maxpool" for kind, _ in encoder)
    side = 28 // 2**pools
    decoder = [("dense", widths[-1] * side * side), ("relu", None), ("reshape", widths[-1])]
    for k in range(len(widths) - 1, 0, -1):
        last = k == 1
        decoder += [("conv", widths[k - 1]), ("sigmoid" if last else "relu", None)]
        if not last:
            decoder.append(("upsample", 2))
    return decoder


def test_decoder_table_accepts_the_symmetry_rule() -> None:
    chapter_encoder = [
        ("conv", 8), ("relu", None), ("maxpool", 2), ("conv", 16), ("relu", None),
        ("maxpool", 2), ("conv", 16), ("relu", None), ("flatten", None), ("dense", 2),
    ]  # fmt: skip
    assert mirror(chapter_encoder) == CHAPTER_DECODER
    report = exercises.check_decoder_table(mirror)
    assert report.passed, str(report)


def test_decoder_table_rejects_typical_mistakes() -> None:
    def reversed_widths(encoder):
        widths = [size for kind, size in encoder if kind == "conv"]
        decoder = mirror(encoder)[:3]
        for k, width in enumerate(reversed(widths)):
            decoder += [("conv", width), ("relu", None)]
            if k < len(widths) - 1:
                decoder.append(("upsample", 2))
        return [*decoder, ("conv", 1), ("sigmoid", None)]

    def no_sigmoid(encoder):
        return [*mirror(encoder)[:-1], ("relu", None)]

    def no_dense_relu(encoder):
        decoder = mirror(encoder)
        return decoder[:1] + decoder[2:]

    def with_names(encoder):
        return [(f"layer{i}", kind, size) for i, (kind, size) in enumerate(mirror(encoder))]

    report = exercises.check_decoder_table(reversed_widths)
    assert_rejected(
        report, "one convolution, no pooling: widths (4,)", "the decoder's convolutions take"
    )
    assert "layer 3 (counting from 0) should be ('conv', 1), got ('conv', 4)" in flat(report)
    assert_rejected(
        exercises.check_decoder_table(no_sigmoid), "one convolution, no pooling: widths (4,)"
    )
    assert_rejected(
        exercises.check_decoder_table(no_dense_relu), "one convolution, no pooling: widths (4,)"
    )
    assert_rejected(
        exercises.check_decoder_table(with_names), "one convolution, no pooling: widths (4,)"
    )


# The machinery -------------------------------------------------------------------------------


def test_an_unfilled_skeleton_is_not_attempted_and_raises_nothing() -> None:
    def conv2d_forward(a, filters, bias):
        raise NotImplementedError

    report = exercises.check_conv2d_forward(conv2d_forward)
    assert not report.attempted and not report.passed
    assert flat(report).startswith("conv2d_forward: not attempted yet")
    assert "conv2d_forward(a, filters, bias) -> z" in flat(report)
    assert repr(report) == "<CheckReport conv2d_forward: not attempted>"
    with pytest.raises(AssertionError, match="not attempted yet"):
        report.assert_passed()


def test_a_partial_answer_is_checked_case_by_case() -> None:
    def strict_only(a, area, delta, strict):
        if not strict:
            raise NotImplementedError("strict=False comes later")
        return reference.max_pool2d_backward(a, area, delta, True)

    report = exercises.check_max_pool2d_backward(strict_only)
    assert report.attempted and not report.passed
    assert "your function raised NotImplementedError" in flat(report)
    assert "two tied maxima, strict=True: delta / 2 each" in report.passed_cases


def test_errors_name_the_line_of_the_students_code() -> None:
    def conv2d_forward(a, filters, bias):
        return a @ filters  # shapes do not match

    report = exercises.check_conv2d_forward(conv2d_forward)
    assert_rejected(report, FIRST_CONV)
    assert "your function raised ValueError" in flat(report)
    assert "(in conv2d_forward, line" in flat(report) and "return a @ filters" in flat(report)


def test_outputs_that_are_not_arrays_are_described() -> None:
    report = exercises.check_max_pool2d_forward(lambda a, area: None)
    assert_rejected(report, "one 2x2 window")
    assert "expected shape (1, 1, 1, 1), got shape ()" in flat(report)
    report = exercises.check_max_pool2d_forward(lambda a, area: "max")
    assert "expected an array of shape (1, 1, 1, 1), got 'max'" in flat(report)


def test_a_report_shows_in_a_notebook_as_its_text() -> None:
    report = exercises.check_flatten(lambda a: a.reshape(len(a), -1), lambda d, s: d.reshape(s))
    assert report.assert_passed() is report

    class Printer:
        text_shown = ""

        def text(self, value: str) -> None:
            self.text_shown += value

    printer = Printer()
    report._repr_pretty_(printer, cycle=False)
    assert printer.text_shown == str(report)
    assert repr(report) == "<CheckReport flatten: 4/4 passed>"


def test_the_function_must_be_callable() -> None:
    with pytest.raises(TypeError, match=r"function must be a callable used as conv2d_forward"):
        exercises.check_conv2d_forward(np.zeros((1, 1, 2, 2)))
    with pytest.raises(TypeError, match="flatten_backprop must be a callable"):
        exercises.check_flatten(lambda a: a, "reshape")


def test_the_checkers_need_no_framework() -> None:
    """Chapters 1, 2 and 6 import mnn.exercises without loading PyTorch or TensorFlow."""
    code = (
        "import sys, mnn; mnn.exercises.check_flatten; "
        "print(sorted(m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


# Found by the API sweep (tests/test_sweep.py, issue #16) -------------------------------------


def test_a_function_with_the_wrong_number_of_arguments_is_refused_with_the_signature() -> None:
    with pytest.raises(
        TypeError,
        match=r"function must take 3 arguments, as in conv2d_forward\(a, filters, bias\) -> z; "
        r"yours takes \(a, filters\)",
    ):
        exercises.check_conv2d_forward(lambda a, filters: a)
    with pytest.raises(
        TypeError, match=r"flatten_backprop must take 2 arguments.*yours takes \(delta\)"
    ):
        exercises.check_flatten(lambda a: a.reshape(len(a), -1), lambda delta: delta)
    # Defaults and *args still fit the call.
    exercises.check_flatten(lambda a, order="C": a.reshape(len(a), -1), np.reshape).assert_passed()
    assert not exercises.check_max_pool2d_forward(lambda *args: None).passed


@pytest.mark.parametrize("check", [exercises.check_layer_output, exercises.check_gradient_ascent])
def test_framework_checkers_refuse_a_bad_function_before_building_a_model(check, monkeypatch):
    def no_model(*args, **kwargs):
        raise AssertionError("a model was built for a function that cannot be checked")

    monkeypatch.setattr(exercises.features.models, "untrained_fashion_cnn", no_model)
    with pytest.raises(TypeError, match="function must be a callable"):
        check("layer_output", "torch")
    with pytest.raises(TypeError, match="function must take"):
        check(lambda model: model, "torch")


def square(x):
    return x**2


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"task": ""}, TypeError, "task must be a non-empty string"),
        ({"signature": None}, TypeError, "signature must be a non-empty string"),
        ({"cases": []}, TypeError, "cases must be a non-empty list of Case objects"),
        ({"cases": exercises.Case("one", {"x": np.ones(1)}, {"y": np.ones(1)})}, TypeError,
         "cases must be a non-empty list"),
        ({"cases": [{"x": 1}]}, TypeError, r"cases\[0\] must be a Case, got dict"),
        ({"cases": [exercises.Case("none", {"x": np.ones(1)}, {})]}, ValueError,
         r"cases\[0\]\.expected must name at least one output"),
        ({"cases": [exercises.Case("none", [np.ones(1)], {"y": np.ones(1)})]}, TypeError,
         r"cases\[0\]\.arguments must be a mapping"),
        ({"mistakes": [abs]}, TypeError, r"mistakes\[0\] must be a Mistake"),
        ({"mistakes": [exercises.Mistake("x", "abs")]}, TypeError,
         r"mistakes\[0\]\.outputs must be a callable"),
        ({"compare": "allclose"}, TypeError, "compare must be a callable"),
    ],
)  # fmt: skip
def test_run_checks_checks_its_cases_and_mistakes(arguments, error, match) -> None:
    settings = {
        "task": "square",
        "signature": "square(x) -> y",
        "function": square,
        "cases": [exercises.Case("one", {"x": np.array([2.0])}, {"y": np.array([4.0])})],
        **arguments,
    }
    with pytest.raises(error, match=match):
        exercises.run_checks(**settings)
