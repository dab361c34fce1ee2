"""Conv2D and MaxPool2D against the course's loops, on random shapes, strides, paddings, layouts.

The loops of :mod:`mnn.nn.reference` compute only the valid convolution with stride 1. Stride and
padding are added around them by their definitions: padding is zeros around the input, and a
stride-s convolution is every s-th output of the stride-1 one, so its Δ is the stride-1 Δ with
zeros between the entries.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from invariants import examples
from nn_oracles import assert_close

from mnn.nn import Conv2D, Identity, MaxPool2D
from mnn.nn import reference as loops
from mnn.nn.patches import to_batch_last

LAYOUTS = ("nchw", "batch_last", "channels_last")


def stored(a: np.ndarray, layout: str) -> np.ndarray:
    """``a`` (n, c, h, w) with the same values, stored in ``layout``."""
    if layout == "batch_last":
        return to_batch_last(a)
    if layout == "channels_last":
        return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(a)


def strided_conv2d_forward(a, filters, bias, stride, padding):
    """The loop oracle's stride-1 valid convolution of the zero-padded input, subsampled."""
    (sh, sw), (ph, pw) = stride, padding
    padded = np.pad(a, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    return loops.conv2d_forward(padded, filters, bias)[:, :, ::sh, ::sw]


def strided_conv2d_backward(a, filters, delta, stride, padding):
    """The loop oracle's gradients, with Δ spread onto the stride-1 output grid (zeros between)
    and the input gradient cropped back from the padded input."""
    (sh, sw), (ph, pw) = stride, padding
    padded = np.pad(a, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    m, (fh, fw) = filters.shape[0], filters.shape[2:]
    spread = np.zeros((len(a), m, padded.shape[2] - fh + 1, padded.shape[3] - fw + 1))
    spread[:, :, ::sh, ::sw] = delta
    d_padded, d_filters, d_bias = loops.conv2d_backward(padded, filters, spread)
    h, w = a.shape[2:]
    return d_padded[:, :, ph : ph + h, pw : pw + w], d_filters, d_bias


@st.composite
def conv_cases(draw):
    """A layer's geometry, an input shape it accepts, a dtype, layouts for A and Δ, a seed."""
    n, c, m = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    fh, fw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    # Any size the (padded) filters fit into, up to a few windows more.
    h = draw(st.integers(max(1, fh - 2 * padding[0]), fh + 6))
    w = draw(st.integers(max(1, fw - 2 * padding[1]), fw + 6))
    return {
        "shape": (n, c, h, w),
        "fshape": (m, fh, fw),
        "stride": stride,
        "padding": padding,
        "dtype": draw(st.sampled_from([np.float64, np.float32])),
        "layout": draw(st.sampled_from(LAYOUTS)),
        "delta_layout": draw(st.sampled_from(LAYOUTS)),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(max_examples=examples(2.0))
@given(conv_cases())
def test_conv2d_forward_and_gradients_equal_the_loops(case):
    (n, c, h, w), dtype = case["shape"], case["dtype"]
    rng = np.random.default_rng(case["seed"])
    layer = Conv2D(
        (c, h, w),
        case["fshape"],
        Identity(),
        stride=case["stride"],
        padding=case["padding"],
        dtype=dtype,
    )
    layer.filters[...] = rng.standard_normal(layer.filters.shape)
    layer.bias[...] = rng.standard_normal(layer.bias.shape)
    a = rng.standard_normal(case["shape"]).astype(dtype)
    z = layer.evaluate(stored(a, case["layout"]))
    assert z.shape == (n, *layer.output_shape)
    # The loops run in float64 on the same (float32) numbers.
    filters, bias = layer.filters.astype(np.float64), layer.bias.astype(np.float64)
    geometry = (case["stride"], case["padding"])
    assert_close(z, strided_conv2d_forward(a.astype(np.float64), filters, bias, *geometry), dtype)
    delta = rng.standard_normal(z.shape).astype(dtype)
    delta_pre = layer.backprop(stored(delta, case["delta_layout"]))
    expected = strided_conv2d_backward(a.astype(np.float64), filters, delta, *geometry)
    for computed, reference in zip(
        (delta_pre, layer.d_filters, layer.d_bias), expected, strict=True
    ):
        assert computed.dtype == dtype
        assert_close(computed, reference, dtype)


@st.composite
def pool_cases(draw):
    """A pooling area, an input with many ties (few distinct values), its layout and Δ."""
    ph, pw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shape = (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
        draw(st.integers(ph, 3 * ph + 2)),
        draw(st.integers(pw, 3 * pw + 2)),
    )
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    levels = st.sampled_from([-1.5, 0.0, 0.5, 2.0]) | st.floats(-4, 4, width=32)
    a = draw(hnp.arrays(dtype, shape, elements=levels))
    delta_shape = (*shape[:2], shape[2] // ph, shape[3] // pw)
    delta = draw(hnp.arrays(dtype, delta_shape, elements=st.floats(-4, 4, width=32)))
    return {
        "area": (ph, pw),
        "a": a,
        "delta": delta,
        "strict": draw(st.booleans()),
        "layout": draw(st.sampled_from(LAYOUTS)),
        "delta_layout": draw(st.sampled_from(LAYOUTS)),
    }


@settings(max_examples=examples(2.0))
@given(pool_cases())
def test_max_pool2d_forward_and_gradient_equal_the_loops_ties_included(case):
    a, delta, area = case["a"], case["delta"], case["area"]
    layer = MaxPool2D(area, strict=case["strict"])
    z = layer.evaluate(stored(a, case["layout"]))
    np.testing.assert_array_equal(z, loops.max_pool2d_forward(a, area))
    assert z.dtype == a.dtype
    delta_pre = layer.backprop(stored(delta, case["delta_layout"]))
    expected = loops.max_pool2d_backward(a, area, delta, case["strict"])
    assert delta_pre.dtype == a.dtype
    # Each entry is δ or δ/k for one window: equal up to the rounding of one division.
    np.testing.assert_allclose(delta_pre, expected, rtol=4 * np.finfo(a.dtype).eps, atol=0)
