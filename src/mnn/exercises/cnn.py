"""Chapter 1's answer checkers: the course's convolution, pooling and flatten layers in NumPy.

Every function works on a batch in the course's NCHW layout, ``a`` of shape (n, c, h, w), and
is compared with :mod:`mnn.nn`'s layers: :class:`~mnn.nn.Conv2D` (with the identity as
activation), :class:`~mnn.nn.MaxPool2D` and :class:`~mnn.nn.Flatten`. The loops of
:mod:`mnn.nn.reference` have the signatures asked for here and pass these checks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import nn
from .checking import Case, CheckReport, Mistake, check_arguments, run_checks

CONV2D_FORWARD = "conv2d_forward(a, filters, bias) -> z"
CONV2D_BACKWARD = "conv2d_backward(a, filters, delta) -> (grad_a, grad_filters, grad_bias)"
MAX_POOL2D_FORWARD = "max_pool2d_forward(a, area) -> z"
MAX_POOL2D_BACKWARD = "max_pool2d_backward(a, area, delta, strict) -> grad_a"
FLATTEN = "flatten(a) -> z and flatten_backprop(delta, input_shape) -> grad_a"


def _conv_layer(a: np.ndarray, filters: np.ndarray, bias: np.ndarray) -> nn.Conv2D:
    """mnn's Conv2D holding ``filters`` and ``bias``, with the identity as activation."""
    _, c, h, w = a.shape
    m, _, fh, fw = filters.shape
    layer = nn.Conv2D((c, h, w), (m, fh, fw), nn.Identity())
    layer.filters[...] = filters
    layer.bias[...] = bias
    return layer


def _conv_forward(a: np.ndarray, filters: np.ndarray, bias: np.ndarray) -> np.ndarray:
    return _conv_layer(a, filters, bias).evaluate(a)


def _conv_backward(
    a: np.ndarray, filters: np.ndarray, delta: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    layer = _conv_layer(a, filters, np.zeros(len(filters)))
    layer.evaluate(a)
    grad_a = layer.backprop(delta)
    return grad_a, layer.d_filters, layer.d_bias


def _conv_shapes() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(description, a, filters) of the convolution cases, simplest first."""
    rng = np.random.default_rng(1)

    def small(*shape: int) -> np.ndarray:
        return rng.integers(-3, 4, shape).astype(np.float64)

    return [
        (
            "one 3x3 image, one channel, one 2x2 filter",
            np.arange(9.0).reshape(1, 1, 3, 3),
            np.array([[[[1.0, 2.0], [0.0, -1.0]]]]),
        ),
        ("a filter as large as the image: one output pixel", small(1, 1, 3, 3), small(1, 1, 3, 3)),
        (
            "1x1 filters: each pixel scaled and the channels summed",
            small(1, 2, 3, 3),
            small(2, 2, 1, 1),
        ),
        ("a 5x4 image and two 3x2 filters (not square)", small(1, 1, 5, 4), small(2, 1, 3, 2)),
        ("two images with three channels, four 3x3 filters", small(2, 3, 5, 5), small(4, 3, 3, 3)),
        (
            "a random batch: 3 images, 2 channels of 7x6, three 3x3 filters",
            rng.standard_normal((3, 2, 7, 6)),
            rng.standard_normal((3, 2, 3, 3)),
        ),
    ]


def check_conv2d_forward(function: Callable[..., np.ndarray]) -> CheckReport:
    """Check the course's convolutional layer, forward: ``z = conv2d_forward(a, filters, bias)``.

    :math:`Z_{ij} = b_j + \\sum_k A_{ik} * F_{jk}`, a valid *convolution* (the filter flipped,
    as ``scipy.signal.convolve2d(..., mode="valid")`` computes it).

    Parameters
    ----------
    function
        ``function(a, filters, bias)`` with ``a`` (n, c, h, w), ``filters`` (m, c, fh, fw) and
        ``bias`` (m,), returning ``z`` (n, m, h - fh + 1, w - fw + 1).

    Returns
    -------
    CheckReport
        Which cases passed, and the first failure in plain words.
    """
    rng = np.random.default_rng(2)
    cases = []
    for description, a, filters in _conv_shapes():
        bias = rng.integers(-2, 3, len(filters)).astype(np.float64)
        if description.startswith("one 3x3"):
            bias[:] = 0.0
        arguments = {"a": a, "filters": filters, "bias": bias}
        cases.append(Case(description, arguments, {"z": _conv_forward(a, filters, bias)}))
    mistakes = [
        Mistake(
            "the filters are not flipped (a cross-correlation, which is what PyTorch's "
            "conv2d and Keras' Conv2D compute)",
            lambda a, filters, bias: _conv_forward(a, filters[:, :, ::-1, ::-1], bias),
        ),
        Mistake(
            "the bias is left out",
            lambda a, filters, bias: _conv_forward(a, filters, np.zeros_like(bias)),
        ),
    ]
    return run_checks("conv2d_forward", CONV2D_FORWARD, function, cases, mistakes=mistakes)


def check_conv2d_backward(
    function: Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> CheckReport:
    """Check the course's convolutional layer, backward.

    ``grad_a, grad_filters, grad_bias = conv2d_backward(a, filters, delta)`` with
    :math:`\\Delta = \\partial L / \\partial Z`: :math:`\\partial L/\\partial A_{ik} =
    \\sum_j \\Delta_{ij} *_{\\mathrm{full}} \\operatorname{rot}_{180}(F_{jk})`,
    :math:`\\partial L/\\partial F_{jk} = \\sum_i \\operatorname{rot}_{180}(A_{ik}) * \\Delta_{ij}`,
    :math:`\\partial L/\\partial b_j = \\sum_{i,y,x} \\Delta_{i,j,y,x}`.

    Parameters
    ----------
    function
        ``function(a, filters, delta)`` with ``a`` (n, c, h, w), ``filters`` (m, c, fh, fw),
        ``delta`` (n, m, h - fh + 1, w - fw + 1); returns ``(grad_a, grad_filters, grad_bias)``
        of shapes (n, c, h, w), (m, c, fh, fw) and (m,).

    Returns
    -------
    CheckReport
    """
    rng = np.random.default_rng(3)
    cases = []
    for description, a, filters in _conv_shapes():
        n, _, h, w = a.shape
        m, _, fh, fw = filters.shape
        delta = rng.integers(-2, 3, (n, m, h - fh + 1, w - fw + 1)).astype(np.float64)
        if description.startswith("a random"):
            delta = rng.standard_normal(delta.shape)
        grad_a, grad_filters, grad_bias = _conv_backward(a, filters, delta)
        expected = {"grad_a": grad_a, "grad_filters": grad_filters, "grad_bias": grad_bias}
        cases.append(Case(description, {"a": a, "filters": filters, "delta": delta}, expected))

    def unrotated_filter_gradient(a: np.ndarray, filters: np.ndarray, delta: np.ndarray) -> tuple:
        grad_a, grad_filters, grad_bias = _conv_backward(a, filters, delta)
        return grad_a, grad_filters[:, :, ::-1, ::-1], grad_bias

    def unrotated_filters(a: np.ndarray, filters: np.ndarray, delta: np.ndarray) -> tuple:
        grad_a = _conv_backward(a, filters[:, :, ::-1, ::-1], delta)[0]
        return (grad_a, *_conv_backward(a, filters, delta)[1:])

    mistakes = [
        Mistake(
            "grad_filters is the correlation of A with delta, not rotated back by 180 degrees",
            unrotated_filter_gradient,
        ),
        Mistake(
            "grad_a is a full correlation with the filters (they must be rotated by 180 "
            "degrees for the full convolution)",
            unrotated_filters,
        ),
    ]
    return run_checks("conv2d_backward", CONV2D_BACKWARD, function, cases, mistakes=mistakes)


def _pool(area: tuple[int, int], strict: bool = False) -> nn.MaxPool2D:
    return nn.MaxPool2D(area, strict=strict)


def _shuffled(rng: np.random.Generator, count: int) -> np.ndarray:
    """0, 1, ..., count - 1 in random order, as floats: every window has one maximum."""
    return rng.permutation(count).astype(np.float64)


def _pool_inputs() -> list[tuple[str, np.ndarray, tuple[int, int]]]:
    """(description, a, area) of the pooling cases, simplest first."""
    rng = np.random.default_rng(4)
    return [
        ("one 2x2 window", np.array([[[[1.0, 3.0], [2.0, 0.0]]]]), (2, 2)),
        ("a 4x4 image in four 2x2 windows", _shuffled(rng, 16).reshape(1, 1, 4, 4), (2, 2)),
        (
            "negative values: the maximum, not the largest magnitude",
            -_shuffled(rng, 16).reshape(1, 1, 4, 4) - 1.0,
            (2, 2),
        ),
        (
            "a 5x5 image in 2x2 windows: the last row and column are cropped",
            _shuffled(rng, 25).reshape(1, 1, 5, 5),
            (2, 2),
        ),
        ("2x3 windows on a 6x7 image (not square)", rng.standard_normal((1, 1, 6, 7)), (2, 3)),
        ("two images with three channels", rng.standard_normal((2, 3, 4, 6)), (2, 2)),
    ]


def check_max_pool2d_forward(function: Callable[..., np.ndarray]) -> CheckReport:
    """Check max pooling, forward: ``z = max_pool2d_forward(a, area)``.

    The maximum over each non-overlapping ``area = (ph, pw)`` window; rows and columns that do
    not fill a window (at the bottom and the right) are cropped.

    Parameters
    ----------
    function
        ``function(a, area)`` with ``a`` (n, c, h, w) and ``area`` a tuple (ph, pw); returns
        ``z`` (n, c, h // ph, w // pw).

    Returns
    -------
    CheckReport
    """
    cases = [
        Case(description, {"a": a, "area": area}, {"z": _pool(area).evaluate(a)})
        for description, a, area in _pool_inputs()
    ]
    mistakes = [
        Mistake(
            "the largest absolute value is taken instead of the maximum",
            lambda a, area: _pool(area).evaluate(np.abs(a)),
        ),
    ]
    return run_checks("max_pool2d_forward", MAX_POOL2D_FORWARD, function, cases, mistakes=mistakes)


def _pool_backward(
    a: np.ndarray, area: tuple[int, int], delta: np.ndarray, strict: bool
) -> np.ndarray:
    pool = _pool(area, strict)
    pool.evaluate(a)
    return pool.backprop(delta)


def _first_maximum_only(
    a: np.ndarray, area: tuple[int, int], delta: np.ndarray, strict: bool
) -> np.ndarray:
    """All of each window's delta to the first of its maxima, in reading order."""
    ph, pw = area
    n, c, h, w = a.shape
    zh, zw = h // ph, w // pw
    windows = (
        a[:, :, : zh * ph, : zw * pw].reshape(n, c, zh, ph, zw, pw).transpose(0, 1, 2, 4, 3, 5)
    )
    first = windows.reshape(n, c, zh, zw, ph * pw).argmax(axis=-1)
    routed = np.zeros((n, c, zh, zw, ph * pw))
    np.put_along_axis(routed, first[..., None], delta[..., None], axis=-1)
    grad_a = np.zeros_like(a)
    grad_a[:, :, : zh * ph, : zw * pw] = (
        routed.reshape(n, c, zh, zw, ph, pw)
        .transpose(0, 1, 2, 4, 3, 5)
        .reshape(n, c, zh * ph, zw * pw)
    )
    return grad_a


def check_max_pool2d_backward(function: Callable[..., np.ndarray]) -> CheckReport:
    """Check max pooling, backward: ``grad_a = max_pool2d_backward(a, area, delta, strict)``.

    Each window's :math:`\\delta` goes to its maximum. When several entries tie for the maximum,
    ``strict=False`` gives each of them the full :math:`\\delta` (the course's default) and
    ``strict=True`` divides :math:`\\delta` equally among them. Cropped rows and columns get 0.

    Parameters
    ----------
    function
        ``function(a, area, delta, strict)`` with ``a`` (n, c, h, w), ``area`` (ph, pw),
        ``delta`` (n, c, h // ph, w // pw) and ``strict`` a bool; returns ``grad_a``
        (n, c, h, w).

    Returns
    -------
    CheckReport
    """
    rng = np.random.default_rng(5)
    tie = np.array([[[[1.0, 3.0], [3.0, 0.5]]]])
    triple = np.array([[[[2.0, 2.0], [2.0, -1.0]]]])
    ties = rng.integers(0, 3, (2, 3, 4, 6)).astype(np.float64)  # many tied windows
    inputs = [
        ("one 2x2 window, one maximum, strict=False", tie * [[[[1, 1], [0.5, 1]]]], (2, 2), False),
        ("two tied maxima, strict=False: each gets the full delta", tie, (2, 2), False),
        ("two tied maxima, strict=True: delta / 2 each", tie, (2, 2), True),
        ("three tied maxima, strict=True: delta / 3 each", triple, (2, 2), True),
        ("a constant window, strict=True: delta / 4 each", np.ones((1, 1, 2, 2)), (2, 2), True),
        *(
            (f"{description}, strict={strict}", a, area, strict)
            for description, a, area in _pool_inputs()[3:]
            for strict in (False, True)
        ),
        (
            "small integers with many ties in 2 images of 3 channels, strict=False",
            ties,
            (2, 2),
            False,
        ),
        (
            "small integers with many ties in 2 images of 3 channels, strict=True",
            ties,
            (2, 2),
            True,
        ),
    ]
    cases = []
    for description, a, area, strict in inputs:
        shape = (*a.shape[:2], a.shape[2] // area[0], a.shape[3] // area[1])
        delta = np.full(shape, 1.0) if a.size == 4 else rng.integers(1, 5, shape).astype(np.float64)
        arguments = {"a": a, "area": area, "delta": delta, "strict": strict}
        expected = {"grad_a": _pool_backward(a, area, delta, strict)}
        cases.append(Case(description, arguments, expected))
    mistakes = [
        Mistake(
            "strict is ignored and every tied maximum gets the full delta",
            lambda a, area, delta, strict: _pool_backward(a, area, delta, False),
        ),
        Mistake(
            "delta is divided among tied maxima even when strict=False",
            lambda a, area, delta, strict: _pool_backward(a, area, delta, True),
        ),
        Mistake(
            "the whole delta goes to the first of the tied maxima (what PyTorch and Keras do, "
            "but neither of the course's two rules)",
            _first_maximum_only,
        ),
    ]
    return run_checks(
        "max_pool2d_backward", MAX_POOL2D_BACKWARD, function, cases, mistakes=mistakes
    )


def check_flatten(
    flatten: Callable[[np.ndarray], np.ndarray],
    flatten_backprop: Callable[[np.ndarray, tuple[int, ...]], np.ndarray],
) -> CheckReport:
    """Check the flatten layer: ``z = flatten(a)`` and ``grad_a = flatten_backprop(delta, shape)``.

    ``flatten`` turns (n, c, h, w) into (n, c·h·w), channel first, then row, then column (C
    order), as :class:`mnn.nn.Flatten` and PyTorch do; ``flatten_backprop`` gives a delta of
    shape (n, c·h·w) back the input's shape.

    Parameters
    ----------
    flatten
        ``flatten(a)`` with ``a`` (n, c, h, w); returns (n, c·h·w).
    flatten_backprop
        ``flatten_backprop(delta, input_shape)`` with ``delta`` (n, c·h·w) and ``input_shape``
        the tuple (n, c, h, w); returns an array of that shape.

    Returns
    -------
    CheckReport
        The two functions are checked together on each case: outputs ``z`` and ``grad_a``.
    """
    check_arguments(flatten, "flatten", "flatten(a) -> z", 1)
    check_arguments(
        flatten_backprop, "flatten_backprop", "flatten_backprop(delta, input_shape) -> grad_a", 2
    )
    rng = np.random.default_rng(6)
    shapes = [
        ("one image, one channel of 2x3", (1, 1, 2, 3)),
        ("two images with three channels of 2x2: channel, then row, then column", (2, 3, 2, 2)),
        ("1x1 maps: one number per channel", (3, 4, 1, 1)),
        ("a batch of 4 images, 2 channels of 3x5", (4, 2, 3, 5)),
    ]
    cases = []
    for description, shape in shapes:
        a = np.arange(float(np.prod(shape))).reshape(shape)
        layer = nn.Flatten()
        z = layer.evaluate(a)
        delta = rng.integers(-5, 6, z.shape).astype(np.float64)
        expected = {"z": z, "grad_a": layer.backprop(delta)}
        cases.append(Case(description, {"a": a, "delta": delta}, expected))

    def both(a: np.ndarray, delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return flatten(a), flatten_backprop(delta, a.shape)

    def channels_last(a: np.ndarray, delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, c, h, w = a.shape
        grad_a = delta.reshape(n, h, w, c).transpose(0, 3, 1, 2)
        return a.transpose(0, 2, 3, 1).reshape(n, -1), grad_a

    mistakes = [
        Mistake(
            "the maps are flattened in Keras' order (rows, columns, then channels)", channels_last
        )
    ]
    return run_checks("flatten", FLATTEN, both, cases, mistakes=mistakes)
