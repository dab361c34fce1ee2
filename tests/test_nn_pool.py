"""MaxPool2D against PyTorch, TensorFlow, the loop oracle, and central differences at ties."""

from __future__ import annotations

import numpy as np
import pytest
from nn_oracles import assert_close, tf_max_pool, tf_vjp, torch_max_pool, torch_vjp

from mnn.nn import MaxPool2D, gradcheck, tied_windows
from mnn.nn import reference as loops
from mnn.nn.patches import to_batch_last

# (n, c, h, w, area): odd sizes are cropped at the bottom and right.
CASES = [(3, 2, 9, 7, (2, 2)), (2, 4, 8, 11, (3, 2)), (1, 3, 5, 6, (2, 3)), (2, 1, 4, 4, (1, 1))]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["nchw", "batch_last"])
@pytest.mark.parametrize("oracle", ["torch", "tensorflow"])
def test_forward_and_gradient_match_the_frameworks(case, dtype, layout, oracle):
    n, c, h, w, area = case
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, c, h, w)).astype(dtype)  # continuous: no ties
    if layout == "batch_last":
        a = to_batch_last(a)
    layer = MaxPool2D(area)
    z = layer.evaluate(a)
    delta = rng.standard_normal(z.shape).astype(dtype)
    delta_pre = layer.backprop(delta)
    function, vjp = (
        (torch_max_pool(area), torch_vjp) if oracle == "torch" else (tf_max_pool(area), tf_vjp)
    )
    z_ref, (da_ref,) = vjp(function, [a], delta)
    assert z.shape == (n, c, h // area[0], w // area[1])
    assert_close(z, z_ref, dtype)
    assert_close(delta_pre, da_ref, dtype)


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("case", CASES[:3])
def test_ties_follow_the_loop_oracle(case, strict):
    n, c, h, w, area = case
    rng = np.random.default_rng(1)
    a = rng.integers(0, 3, size=(n, c, h, w)).astype(np.float64)  # many ties
    layer = MaxPool2D(area, strict=strict)
    z = layer.evaluate(a)
    np.testing.assert_array_equal(z, loops.max_pool2d_forward(a, area))
    delta = rng.standard_normal(z.shape)
    expected = loops.max_pool2d_backward(a, area, delta, strict)
    np.testing.assert_allclose(layer.backprop(delta), expected, rtol=1e-15)


@pytest.mark.parametrize("strict", [False, True])
def test_float32_stays_float32(strict):
    a = np.random.default_rng(3).integers(0, 3, (2, 3, 6, 6)).astype(np.float32)
    layer = MaxPool2D((2, 2), strict=strict)
    z = layer.evaluate(a)
    assert z.dtype == layer.backprop(np.ones_like(z)).dtype == np.float32


def test_on_a_tie_central_differences_agree_with_strict_only():
    # Two tied maxima in the window: raising either raises the max, lowering it does not,
    # so central differences see 1/2 for each -- the strict share.
    a = np.array([[[[1.0, 3.0], [3.0, 0.5]]]])
    delta = np.array([[[[1.0]]]])
    assert gradcheck(MaxPool2D((2, 2), strict=True), a, delta)["input"] < 1e-9
    loose = MaxPool2D((2, 2), strict=False)
    np.testing.assert_array_equal(loose.evaluate(a), [[[[3.0]]]])
    np.testing.assert_array_equal(loose.backprop(delta), [[[[0.0, 1.0], [1.0, 0.0]]]])
    assert gradcheck(loose, a, delta)["input"] == pytest.approx(0.5)


def test_on_a_tie_of_three_central_differences_see_a_half_and_strict_a_third():
    # Raising any one of three tied maxima raises the max, lowering it does not: 1/2 each.
    a = np.array([[[[3.0, 3.0], [3.0, 0.5]]]])
    delta = np.array([[[[1.0]]]])
    strict = MaxPool2D((2, 2), strict=True)
    strict.evaluate(a)
    np.testing.assert_allclose(strict.backprop(delta), [[[[1 / 3, 1 / 3], [1 / 3, 0.0]]]])
    assert gradcheck(strict, a, delta)["input"] == pytest.approx(1 / 3, rel=1e-6)


@pytest.mark.parametrize("strict", [False, True])
def test_a_near_tie_is_not_a_tie(strict):
    # Random inputs almost never come this close, so only an explicit case checks that a tie
    # means equality and not "within some tolerance".
    a = np.array([[[[3.0, 3.0 - 1e-12], [0.5, 3.0 - 1e-9]]]])
    delta = np.array([[[[2.0]]]])
    layer = MaxPool2D((2, 2), strict=strict)
    layer.evaluate(a)
    _, (expected,) = torch_vjp(torch_max_pool((2, 2)), [a], delta)
    np.testing.assert_array_equal(expected, [[[[2.0, 0.0], [0.0, 0.0]]]])
    np.testing.assert_array_equal(layer.backprop(delta), expected)
    np.testing.assert_array_equal(layer.tie_counts(), [[[[1]]]])


@pytest.mark.parametrize("strict", [False, True])
def test_gradcheck_without_ties(strict):
    a = np.random.default_rng(2).standard_normal((2, 3, 7, 9))
    assert gradcheck(MaxPool2D((2, 3), strict=strict), a)["input"] <= 1e-6


def test_bad_input_is_refused():
    layer = MaxPool2D((2, 2), tensor=(3, 8, 8), name="pool")
    assert layer.output_shape == (3, 4, 4)
    with pytest.raises(
        ValueError, match=r"MaxPool2D layer 'pool' must have shape \(any, 3, 8, 8\)"
    ):
        layer.evaluate(np.zeros((2, 3, 9, 8)))
    with pytest.raises(
        ValueError, match=r"pooling area \(3, 3\) is larger than the input's \(2, 5\)"
    ):
        MaxPool2D((3, 3)).evaluate(np.zeros((1, 1, 2, 5)))
    with pytest.raises(ValueError, match="larger than the input's"):
        MaxPool2D((3, 3), tensor=(1, 2, 5))
    with pytest.raises(TypeError, match="strict must be True or False"):
        MaxPool2D((2, 2), strict=1)
    with pytest.raises(TypeError, match="area must be a tuple of 2 integers"):
        MaxPool2D(2)


def test_tie_counts_count_the_maxima_of_each_window():
    a = np.array([[[[1.0, 3.0, 2.0, 2.0], [3.0, 0.5, 2.0, 2.0]]]])
    layer = MaxPool2D((2, 2))
    with pytest.raises(RuntimeError, match="call evaluate before tie_counts"):
        layer.tie_counts()
    layer.evaluate(a)
    np.testing.assert_array_equal(layer.tie_counts(), [[[[2, 4]]]])


def test_tied_windows_match_a_loop_over_the_windows():
    rng = np.random.default_rng(4)
    a = rng.integers(-1, 3, size=(2, 3, 7, 9)).astype(np.float64)  # many ties, some at 0 or below
    area = (2, 3)
    tied = tied_windows(MaxPool2D(area), a)
    expected = np.zeros((2, 3, 3, 3), dtype=bool)
    for i, k, y, x in np.ndindex(expected.shape):
        window = a[i, k, 2 * y : 2 * y + 2, 3 * x : 3 * x + 3]
        expected[i, k, y, x] = window.max() > 0 and (window == window.max()).sum() > 1
    np.testing.assert_array_equal(tied, expected)
    assert 0 < tied.sum() < tied.size
    above_one = tied_windows(MaxPool2D(area), a, above=1.0)
    assert above_one.sum() < tied.sum() and not (above_one & ~tied).any()
