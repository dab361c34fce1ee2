"""Bad input to mnn.nn: the defects the sweep of issue #16 found, each refused with mnn's own
words (every test here failed before the fix)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mnn.nn import (
    SGD,
    Adam,
    Conv2D,
    CrossEntropy,
    Dense,
    Flatten,
    Glorot,
    He,
    MaxPool2D,
    MeanSquaredError,
    RandnAverage,
    ReLU,
    SequentialNet,
    SoftMax,
    gradcheck,
    relative_error,
    tied_windows,
)

RNG = np.random.default_rng(0)


def small_net() -> SequentialNet:
    net = SequentialNet((3,))
    net.add_dense(2, SoftMax())
    return net


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (((2, 2), 0, 2, RNG), ValueError, "fan_in must be an integer of at least 1, got 0"),
        (((2, 2), 2, 2.5, RNG), TypeError, "fan_out must be an integer of at least 1, got float"),
        (("ab", 1, 2, RNG), TypeError, r"shape must be a tuple of integers such as \(1, 28, 28\)"),
        (((2, 0), 1, 2, RNG), ValueError, "every entry of shape must be at least 1"),
        (((2, 2), 1, 2, 0), TypeError, "rng must be a numpy.random.Generator such as np.random"),
        (((10**8, 10**8), 1, 1, RNG), ValueError, r"initial weights of shape .* would need"),
    ],
)
@pytest.mark.parametrize("initializer", [He(), Glorot(), RandnAverage()])
def test_initializers_check_their_arguments(initializer, arguments, error, message) -> None:
    # He()((2, 2), 0, 2, rng) raised ZeroDivisionError; the others failed inside NumPy.
    with pytest.raises(error, match=message):
        initializer(*arguments)


@pytest.mark.parametrize(("ni", "no"), [(10**8, 10**8), (3, 10**12), (10**12, 3)])
def test_a_layer_too_large_for_memory_is_refused_before_allocating(ni, no) -> None:
    # The message spoke of "initial weights of shape (3, 1000000000000)", naming neither ni nor no.
    with pytest.raises(
        ValueError,
        match=rf"the weights of Dense\(ni={ni}, no={no}\) would need .* more than .*; use a "
        r"smaller ni or no\.",
    ):
        Dense(ni, no)


@pytest.mark.parametrize("fshape", [(1, 6, 1), (2, 1, 6)])
def test_filters_that_do_not_fit_name_fshape(fshape) -> None:
    # The message said "the 6x1 filters do not fit ..." without naming the argument.
    with pytest.raises(ValueError, match=rf"fshape={re.escape(str(fshape))}: the .* do not fit "):
        Conv2D((1, 3, 3), fshape)


@pytest.mark.parametrize("optimizer", [SGD(), SGD(momentum=0.9), Adam()])
def test_optimizer_update_checks_params_and_grads(optimizer) -> None:
    with pytest.raises(TypeError, match=r"params must be a list of NumPy arrays, got int 3"):
        optimizer.update(3, 3)
    with pytest.raises(TypeError, match=r"params\[0\] must be a NumPy array, got list \[1\.0\]"):
        optimizer.update([[1.0]], [[1.0]])
    with pytest.raises(TypeError, match=r"params\[0\] must have a floating dtype.*int64"):
        optimizer.update([np.zeros(2, dtype=np.int64)], [np.ones(2)])
    with pytest.raises(TypeError, match=r"grads\[0\] must have a floating dtype.*complex"):
        optimizer.update([np.zeros(2)], [np.ones(2, dtype=complex)])
    frozen = np.zeros(2)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match=r"params\[0\] is read-only"):
        optimizer.update([frozen], [np.ones(2)])


def test_an_optimizer_keeps_to_the_parameters_of_its_state() -> None:
    adam = Adam()
    adam.update([np.zeros(2)], [np.ones(2)])
    with pytest.raises(ValueError, match=r"this Adam keeps a state for parameters of shapes"):
        adam.update([np.zeros(3)], [np.ones(3)])
    with pytest.raises(ValueError, match="use a new optimizer for other parameters"):
        adam.update([np.zeros(2), np.zeros(2)], [np.ones(2), np.ones(2)])


def test_tied_windows_needs_a_pooling_layer() -> None:
    with pytest.raises(TypeError, match=r"pool must be an mnn\.nn\.MaxPool2D layer, got Flatten"):
        tied_windows(Flatten(), np.zeros((1, 1, 2, 2)))
    with pytest.raises(TypeError, match="above must be a finite real number, got str"):
        tied_windows(MaxPool2D(), np.zeros((1, 1, 2, 2)), above="0")


def test_softmax_needs_floats_and_at_least_one_class() -> None:
    with pytest.raises(ValueError, match="SoftMax needs at least one class along its last axis"):
        SoftMax().evaluate(np.zeros((2, 0)))
    with pytest.raises(TypeError, match=r"the input z of SoftMax must have a floating dtype"):
        SoftMax().evaluate(np.zeros((2, 3), dtype=np.int64))
    assert SoftMax().evaluate(np.zeros((0, 3))).shape == (0, 3)


def test_activations_refuse_lists_and_wrong_outputs() -> None:
    # ReLU().evaluate([1.0, -1.0]) returned an array, converting the list silently.
    with pytest.raises(TypeError, match="the input z of ReLU must be a NumPy array, got list"):
        ReLU().evaluate([1.0, -1.0])
    with pytest.raises(ValueError, match=r"out must have shape \(2,\)"):
        ReLU().evaluate(np.zeros(2), out=np.zeros(3))
    relu = ReLU()
    relu.evaluate(np.zeros(2))
    with pytest.raises(TypeError, match="delta must have a floating dtype"):
        relu.backprop(np.zeros(2, dtype=complex))


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: SequentialNet((3,), seed="a"), TypeError, "seed must be a non-negative integer"),
        (lambda: SequentialNet((3,), seed=-1), ValueError, "seed must be a non-negative integer"),
        (lambda: Dense(2, 3, rng="x"), TypeError, "rng must be a non-negative integer or a numpy"),
        (lambda: Conv2D((1, 4, 4), (2, 2, 2), rng=-1), ValueError, "rng must be a non-negative"),
        (lambda: Dense(2, 3, name=3), TypeError, "name must be a str or None, got int 3"),
        (lambda: Dense(2, 3, dtype="foo"), TypeError, "dtype must be a floating type"),
        (lambda: SequentialNet((3,), dtype=None), TypeError, "dtype must be a floating type"),
        (
            lambda: small_net().train(np.zeros((4, 3)), np.zeros(4, int), seed="x", verbose=False),
            TypeError,
            "seed must be a non-negative integer",
        ),
        (
            lambda: small_net().train(np.zeros((4, 3)), np.zeros(4, int), verbose="no"),
            TypeError,
            "verbose must be True or False",
        ),
        (lambda: small_net().summary(print_fn=3), TypeError, "print_fn must be a callable"),
    ],
)
def test_seeds_names_and_options_are_checked(build, error, message) -> None:
    with pytest.raises(error, match=message):
        build()


def test_evaluating_nan_input_is_an_error_not_a_nan_output() -> None:
    x = np.zeros((3, 3))
    x[1, 2] = np.nan
    with pytest.raises(
        FloatingPointError, match=r"the output for samples 0 \.\. 2 is not finite: the input batch"
    ):
        small_net().evaluate(x)
    with pytest.raises(FloatingPointError, match=r"samples 2 \.\. 2 .*contains NaN"):
        small_net().evaluate(x[[0, 0, 1]], batch_size=2)


def test_empty_batches_follow_the_policy() -> None:
    net = small_net()
    assert net.evaluate(np.zeros((0, 3))).shape == (0, 2)
    with pytest.raises(ValueError, match=r"x must hold at least one sample, got array of shape"):
        net.backprop(np.zeros((0, 3)), np.zeros(0, dtype=np.int64))
    for loss in (CrossEntropy(), MeanSquaredError()):
        # Both returned NaN, with a RuntimeWarning.
        for method in (loss.evaluate, loss.gradient):
            with pytest.raises(ValueError, match="the output a must hold at least one sample"):
                method(np.zeros((0, 3)), np.zeros((0, 3)))
    with pytest.raises(ValueError, match="a gradient check of no samples would check nothing"):
        gradcheck(ReLU(), np.ones((0, 2)))


@pytest.mark.parametrize("y", [np.zeros(4, dtype=np.int64), np.zeros((4, 2))])
def test_training_on_empty_x_blames_x_not_y(y) -> None:
    # With y for 4 samples, an empty x was refused as "integer labels y must have shape (0,)".
    x = np.ones((4, 3))
    with pytest.raises(ValueError, match=r"^x must hold at least one sample, got array of shape"):
        small_net().train(x[:0], y, verbose=False)
    with pytest.raises(ValueError, match=r"^x_val must hold at least one sample, got array of"):
        small_net().train(x, y, validation_data=(x[:0], y), verbose=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"step": 0.0}, ValueError, "step must be a real number greater than 0, got 0.0"),
        ({"step": "a"}, TypeError, "step must be a real number greater than 0, got str"),
        ({"seed": "a"}, TypeError, "seed must be a non-negative integer"),
    ],
)
def test_gradcheck_checks_its_options(kwargs, error, message) -> None:
    # step=0.0 raised ZeroDivisionError; the others failed inside NumPy.
    with pytest.raises(error, match=message):
        gradcheck(ReLU(), np.ones((2, 2)), **kwargs)


def test_gradcheck_refuses_nan_input() -> None:
    with pytest.raises(ValueError, match="x must be finite, but 1 of its 4 entries"):
        gradcheck(ReLU(), np.array([[1.0, np.nan], [1.0, 1.0]]))


def test_relative_error_needs_finite_real_arrays() -> None:
    with pytest.raises(TypeError, match="computed must be a NumPy array, got str"):
        relative_error("a", "b")
    with pytest.raises(TypeError, match=r"computed must have a .*dtype, got .*object"):
        relative_error(np.array([None]), np.array([None]))
    with pytest.raises(ValueError, match="reference must be finite"):
        relative_error(np.zeros(2), np.array([0.0, np.nan]))


def test_layer_backprop_checks_delta_and_flags() -> None:
    conv = Conv2D((1, 4, 4), (2, 2, 2))
    conv.evaluate(np.zeros((1, 1, 4, 4)))
    # A complex delta gave complex gradients without a word.
    with pytest.raises(TypeError, match=r"the delta of Conv2D layer 'conv2d' must have a floating"):
        conv.backprop(np.zeros((1, 2, 3, 3), dtype=complex))
    with pytest.raises(TypeError, match="pre_activation must be True or False, got str"):
        conv.backprop(np.zeros((1, 2, 3, 3)), pre_activation="yes")


def test_flatten_keeps_an_empty_batch_of_empty_samples() -> None:
    # reshape(0, -1) is ambiguous: NumPy refused "cannot reshape array of size 0".
    flatten = Flatten()
    assert flatten.evaluate(np.zeros((0, 0, 3))).shape == (0, 0)
    assert flatten.backprop(np.zeros((0, 0))).shape == (0, 0, 3)


@pytest.mark.parametrize("loss", [CrossEntropy(), MeanSquaredError()])
def test_output_delta_needs_the_activation(loss) -> None:
    # AttributeError: 'NoneType' object has no attribute 'backprop'.
    with pytest.raises(TypeError, match=r"afun must be the mnn\.nn activation that produced a"):
        loss.output_delta(None, np.ones((1, 2)) / 2, np.ones((1, 2)) / 2)


def test_an_infinite_input_is_an_error_even_where_the_output_is_finite() -> None:
    # A ReLU maps -inf to 0: the output alone would not show it (found by the sweep).
    x = np.zeros((2, 3))
    x[1, 0] = -np.inf
    with pytest.raises(
        FloatingPointError, match=r"for samples 0 \.\. 1 is not finite: the input batch contains"
    ):
        small_net().evaluate(x)
