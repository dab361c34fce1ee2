"""Conv2D against PyTorch, TensorFlow, the course's loops and central differences."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from nn_oracles import assert_close, tf_conv, tf_vjp, torch_conv, torch_vjp

from mnn.nn import Adam, Conv2D, Identity, ReLU, Sigmoid, Tanh, gradcheck
from mnn.nn import reference as loops
from mnn.nn.patches import batch_last, col2im, im2col, to_batch_last

# (n, c, h, w, m, fh, fw, stride, padding): odd sizes, several channels, non-square filters.
# In the last two the patch matrix has no more rows c·fh·fw than there are filters m, so NCHW
# inputs take the per-image path (one patch matrix per image) instead of going batch last.
SHAPES = [
    (3, 2, 9, 7, 4, 3, 2, (1, 1), (0, 0)),
    (2, 3, 11, 8, 5, 3, 3, (2, 1), (1, 2)),
    (1, 1, 5, 5, 3, 5, 5, (1, 1), (0, 0)),
    (4, 5, 7, 9, 2, 1, 3, (1, 3), (2, 0)),
    (3, 1, 8, 7, 6, 2, 3, (1, 1), (0, 0)),
    (2, 2, 9, 8, 20, 3, 3, (2, 1), (1, 1)),
]


def layer_with_random_parameters(shape, dtype, afun=None, seed=0):
    n, c, h, w, m, fh, fw, stride, padding = shape
    rng = np.random.default_rng(seed)
    layer = Conv2D(
        (c, h, w), (m, fh, fw), afun or Identity(), stride=stride, padding=padding, dtype=dtype
    )
    layer.filters[...] = rng.standard_normal(layer.filters.shape)
    layer.bias[...] = rng.standard_normal(m)
    a = rng.standard_normal((n, c, h, w)).astype(dtype)
    return layer, a, rng


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["nchw", "batch_last"])
@pytest.mark.parametrize("oracle", ["torch", "tensorflow"])
def test_forward_and_every_gradient_match_the_frameworks(shape, dtype, layout, oracle):
    layer, a, rng = layer_with_random_parameters(shape, dtype)
    if layout == "batch_last":
        a = to_batch_last(a)
    z = layer.evaluate(a)
    delta = rng.standard_normal(z.shape).astype(dtype)
    delta_pre = layer.backprop(delta)
    stride, padding = shape[7], shape[8]
    function, vjp = (
        (torch_conv(stride, padding), torch_vjp)
        if oracle == "torch"
        else (tf_conv(stride, padding), tf_vjp)
    )
    z_ref, (da_ref, df_ref, db_ref) = vjp(function, [a, layer.filters, layer.bias], delta)
    for computed, reference in [
        (z, z_ref),
        (delta_pre, da_ref),
        (layer.d_filters, df_ref),
        (layer.d_bias, db_ref),
    ]:
        assert computed.dtype == dtype
        assert_close(computed, reference, dtype)


@pytest.mark.parametrize("shape", [s for s in SHAPES if s[7] == (1, 1) and s[8] == (0, 0)])
@pytest.mark.parametrize("layout", ["nchw", "batch_last"])
def test_vectorised_equals_the_loop_oracle(shape, layout):
    layer, a, rng = layer_with_random_parameters(shape, np.float64)
    if layout == "batch_last":
        a = to_batch_last(a)
    z = layer.evaluate(a)
    np.testing.assert_allclose(z, loops.conv2d_forward(a, layer.filters, layer.bias), atol=1e-12)
    delta = rng.standard_normal(z.shape)
    delta_pre = layer.backprop(delta)
    expected = loops.conv2d_backward(a, layer.filters, delta)
    for computed, reference in zip(
        (delta_pre, layer.d_filters, layer.d_bias), expected, strict=True
    ):
        np.testing.assert_allclose(computed, reference, atol=1e-12)


@pytest.mark.parametrize("shape", [*SHAPES[:2], SHAPES[-1]])
@pytest.mark.parametrize("afun", [Identity, Tanh, Sigmoid])
def test_gradcheck(shape, afun):
    layer, a, _ = layer_with_random_parameters(shape, np.float64, afun())
    errors = gradcheck(layer, a)
    assert set(errors) == {"input", "filters", "bias"}
    assert max(errors.values()) <= 1e-6, errors


@pytest.mark.parametrize(
    ("shape", "layout", "stays_nchw"),
    [(SHAPES[0], "nchw", False), (SHAPES[-2], "nchw", True), (SHAPES[-2], "batch_last", False)],
)
def test_the_layout_of_the_output_and_of_the_input_gradient(shape, layout, stays_nchw):
    # Batch-last inputs stay batch last; NCHW inputs stay NCHW unless the patch matrix has more
    # rows than there are filters, in which case the layer works (and answers) batch last.
    layer, a, rng = layer_with_random_parameters(shape, np.float64)
    if layout == "batch_last":
        a = to_batch_last(a)
    z = layer.evaluate(a)
    delta_pre = layer.backprop(rng.standard_normal(z.shape))
    for result in (z, delta_pre):
        assert result.flags.c_contiguous == stays_nchw
        assert batch_last(result) != stays_nchw


@pytest.mark.parametrize("shape", [SHAPES[0], SHAPES[-2]])
def test_delta_in_either_layout_gives_the_same_gradients(shape):
    layer, a, rng = layer_with_random_parameters(shape, np.float64)
    delta = rng.standard_normal(layer.evaluate(a).shape)
    results = []
    for stored in (delta, to_batch_last(delta)):
        layer.evaluate(a)
        results.append((layer.backprop(stored), layer.d_filters, layer.d_bias))
    for first, second in zip(*results, strict=True):
        np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("stride", [(1, 1), (2, 3)])
@pytest.mark.parametrize("layout", ["nchw", "batch_last"])
def test_im2col_copies_each_patch_into_a_column(stride, layout):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 2, 9, 10))
    a = to_batch_last(a) if layout == "batch_last" else a
    cols = im2col(a, (3, 2), stride, ones=True)
    (sh, sw), zh, zw = stride, (9 - 3) // stride[0] + 1, (10 - 2) // stride[1] + 1
    # One matrix with columns (y, x, i) for batch-last input, else one matrix per image i.
    per_image = (
        cols.reshape(13, zh, zw, 3).transpose(3, 0, 1, 2) if layout == "batch_last" else cols
    )
    assert per_image.shape[:2] == (3, 2 * 3 * 2 + 1)
    per_image = per_image.reshape(3, 13, zh, zw)
    for i, k, p, q, y, x in itertools.product(
        range(3), range(2), range(3), range(2), range(zh), range(zw)
    ):
        assert per_image[i, k * 6 + p * 2 + q, y, x] == a[i, k, sh * y + p, sw * x + q]
    np.testing.assert_array_equal(per_image[:, -1], 1)


@pytest.mark.parametrize("stride", [(1, 1), (2, 3)])
@pytest.mark.parametrize("layout", ["nchw", "batch_last"])
def test_col2im_is_the_adjoint_of_im2col(stride, layout):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 2, 9, 10))
    a = to_batch_last(a) if layout == "batch_last" else a
    cols = im2col(a, (3, 2), stride)
    other = rng.standard_normal(cols.shape)
    back = col2im(other, a.shape, (3, 2), stride)
    assert np.isclose(np.sum(cols * other), np.sum(a * back), rtol=1e-12)


def test_float32_layer_stays_float32_through_an_update():
    layer, a, rng = layer_with_random_parameters(SHAPES[0], np.float32, ReLU())
    layer.optim = Adam()
    layer.backprop(rng.standard_normal(layer.evaluate(a).shape).astype(np.float32))
    layer.update()
    assert layer.filters.dtype == layer.bias.dtype == np.float32


def test_factor_scales_the_course_initializer():
    plain = Conv2D((3, 8, 8), (64, 3, 3), Identity(), rng=5)
    relu = Conv2D((3, 8, 8), (64, 3, 3), ReLU(), rng=5)
    np.testing.assert_allclose(relu.filters, np.sqrt(2) * plain.filters)


def test_bad_input_is_refused_with_the_layer_and_the_shapes():
    layer = Conv2D((2, 9, 7), (4, 3, 2), name="first")
    with pytest.raises(ValueError, match=r"Conv2D layer 'first' must have 4 dimensions"):
        layer.evaluate(np.zeros((2, 9, 7)))
    with pytest.raises(
        ValueError, match=r"shape \(any, 2, 9, 7\), got array of shape \(1, 3, 9, 7\)"
    ):
        layer.evaluate(np.zeros((1, 3, 9, 7)))
    with pytest.raises(TypeError, match=r"float64 parameters but got array .* float32"):
        layer.evaluate(np.zeros((1, 2, 9, 7), dtype=np.float32))
    with pytest.raises(TypeError, match="floating dtype"):
        layer.evaluate(np.zeros((1, 2, 9, 7), dtype=np.int64))
    with pytest.raises(RuntimeError, match="call evaluate before backprop"):
        layer.backprop(np.zeros((1, 4, 7, 6)))
    layer.evaluate(np.zeros((1, 2, 9, 7)))
    with pytest.raises(ValueError, match=r"shape of the last output, \(1, 4, 7, 6\); got array"):
        layer.backprop(np.zeros((1, 4, 6, 7)))


def test_bad_construction_is_refused():
    with pytest.raises(ValueError, match="3x3 filters do not fit into the 2x5"):
        Conv2D((1, 2, 5), (4, 3, 3))
    with pytest.raises(TypeError, match="fshape must be a tuple of 3 integers"):
        Conv2D((1, 5, 5), (4, 3))
    with pytest.raises(ValueError, match="stride must be at least 1"):
        Conv2D((1, 5, 5), (4, 3, 3), stride=0)
    with pytest.raises(TypeError, match=r"afun must be an instance of mnn\.nn\.Activation"):
        Conv2D((1, 5, 5), (4, 3, 3), afun="relu")
