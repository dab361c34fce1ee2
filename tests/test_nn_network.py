"""SequentialNet: gradients against central differences, PyTorch and Keras; training; errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
from nn_oracles import TOLERANCE

import mnn.models.course_network.torch as torch_twin
from mnn.models.course_network.keras import fit_keras, keras_gradients, to_keras
from mnn.models.course_network.torch import fit_torch, to_torch, torch_gradients
from mnn.nn import (
    SGD,
    Adam,
    Dense,
    Identity,
    MeanSquaredError,
    ReLU,
    SequentialNet,
    Sigmoid,
    SoftMax,
    Tanh,
    gradcheck,
    relative_error,
)


def small_cnn(dtype=np.float64, seed=0, optim=None, loss=None):
    net = SequentialNet((2, 11, 9), loss, dtype=dtype, seed=seed)
    net.add_conv2D((3, 3, 2), ReLU(), optim, padding=(1, 0), stride=(1, 2))
    net.add_pool2D((2, 2), strict=True)
    net.add_conv2D((4, 2, 2), Tanh(), optim)
    net.add_flatten()
    net.add_dense(5, Sigmoid(), optim)
    net.add_dense(4, SoftMax(), optim)
    return net


def batch(n=6, dtype=np.float64, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 2, 11, 9)).astype(dtype), rng.integers(0, 4, n)


def test_gradcheck_of_a_whole_conv_net():
    x, y = batch()
    errors = gradcheck(small_cnn(), x, y)
    assert len(errors) == 8
    assert max(errors.values()) <= 1e-6, errors


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_outputs_and_gradients_equal_the_frameworks(dtype, framework):
    net = small_cnn(dtype)
    x, y = batch(dtype=dtype)
    output = net.evaluate(x)
    loss = net.backprop(x, y)
    if framework == "torch":
        import torch

        model = to_torch(net)
        reference_output = model(torch.from_numpy(x)).detach().numpy()
        reference_loss, reference = torch_gradients(model, net, x, y)
    else:
        model = to_keras(net)
        reference_output = np.asarray(model(x))
        reference_loss, reference = keras_gradients(model, net, x, y)
    tolerance = TOLERANCE[dtype]
    assert relative_error(output, reference_output) <= tolerance
    assert loss == pytest.approx(reference_loss, rel=tolerance)
    gradients = net.gradients()
    assert set(gradients) == set(reference)
    for name, gradient in gradients.items():
        assert gradient.dtype == dtype, name
        assert relative_error(gradient, reference[name]) <= tolerance, name


@pytest.mark.parametrize("chunk", [250, 5])
def test_training_matches_pytorch_step_by_step(chunk, monkeypatch):
    # With chunks of 5 each batch of 16 is four forward and backward passes (5, 5, 5, 1) whose
    # gradients add up to the batch's.
    monkeypatch.setattr(torch_twin, "CHUNK", chunk)
    x, y = batch(40)
    net = small_cnn(optim=Adam(0.01))
    model = to_torch(net)
    ours = net.train(x, y, batch_size=16, epochs=3, seed=4, verbose=False)
    theirs = fit_torch(
        model, x, y, loss=net.loss, optim=Adam(0.01), batch_size=16, epochs=3, seed=4,
        validation_data=(x[:8], y[:8]), verbose=False,
    )  # fmt: skip
    np.testing.assert_allclose(ours["loss"], theirs["loss"], rtol=1e-10)
    np.testing.assert_allclose(ours["accuracy"], theirs["accuracy"])
    assert set(theirs) == {"loss", "accuracy", "seconds", "val_loss", "val_accuracy"}
    final = to_torch(net)
    for name, parameter in model.state_dict().items():
        np.testing.assert_allclose(parameter.numpy(), final.state_dict()[name].numpy(), rtol=1e-8)


def test_training_matches_keras_step_by_step():
    x, y = batch(30)
    net = small_cnn(optim=SGD(0.05, momentum=0.9), loss=MeanSquaredError())
    model = to_keras(net)
    targets = np.eye(4)[y]
    ours = net.train(x, targets, batch_size=8, epochs=2, seed=5, verbose=False)
    theirs = fit_keras(
        model, x, targets, loss=net.loss, optim=SGD(0.05, momentum=0.9), batch_size=8,
        epochs=2, seed=5, verbose=False,
    )  # fmt: skip
    # Rounding differences grow a little along the trajectory; a wrong formula would show at 1e-3.
    np.testing.assert_allclose(ours["loss"], theirs["loss"], rtol=1e-8)
    assert "accuracy" not in ours


def test_training_learns_a_separable_problem_and_is_deterministic(capsys):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 4))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)

    def trained(seed):
        net = SequentialNet((4,), seed=0)
        net.add_dense(8, ReLU(), Adam(0.05))
        net.add_dense(2, SoftMax(), Adam(0.05))
        history = net.train(x, y, batch_size=32, epochs=8, seed=seed, validation_data=(x, y))
        return net, history

    net, history = trained(seed=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 8 and lines[-1].startswith("epoch 8/8: loss ")
    assert history["val_accuracy"][-1] >= 0.95
    assert history["loss"][-1] < history["loss"][0] / 3
    again, repeated = trained(seed=1)
    assert repeated["loss"] == history["loss"]
    np.testing.assert_array_equal(again.layers[0].weights, net.layers[0].weights)
    assert trained(seed=2)[1]["loss"] != history["loss"]


def test_summary_lists_layers_shapes_and_parameters():
    lines = []
    small_cnn().summary(print_fn=lines.append)
    text = lines[0]
    assert re.search(r"\nconv2d \(Conv2D\) +\(None, 3, 11, 4\) +39\n", text)
    assert re.search(r"\nconv2d_1 \(Conv2D\) +\(None, 4, 4, 1\) +52\n", text)
    assert re.search(r"\ndense_1 \(Dense\) +\(None, 4\) +24\n", text)
    assert text.endswith(f"Total params: {3 * 2 * 3 * 2 + 3 + 4 * 3 * 2 * 2 + 4 + 85 + 24}")


def test_building_errors_name_the_shapes():
    net = SequentialNet((1, 8, 8))
    with pytest.raises(ValueError, match=r"add_dense needs rows \(d,\); call add_flatten first"):
        net.add_dense(3)
    net.add_flatten()
    with pytest.raises(ValueError, match=r"add_conv2D needs images \(c, h, w\), .* \(64,\)"):
        net.add_conv2D((2, 3, 3))
    with pytest.raises(ValueError, match=r"expects samples of shape \(10,\), but the network"):
        net.add(Dense(10, 2))
    with pytest.raises(TypeError, match="input_shape must be a tuple"):
        SequentialNet(784)
    with pytest.raises(ValueError, match=r"build the network with input_shape=\(1, 28, 28\)"):
        SequentialNet((28, 28)).add_conv2D((2, 3, 3))


def test_data_errors_name_the_layer_and_the_shapes():
    net = small_cnn()
    x, y = batch()
    with pytest.raises(ValueError, match=r"inputs of shape \(N, 2, 11, 9\), got array of shape"):
        net.train(x[:, 0], y)
    with pytest.raises(TypeError, match="float64 parameters but x is float32"):
        net.evaluate(x.astype(np.float32))
    with pytest.raises(ValueError, match=r"labels y must lie in 0 .. 3, as Dense layer 'dense_1'"):
        net.train(x, y + 2)
    with pytest.raises(ValueError, match=r"targets y must have shape \(6, 4\) to match Dense"):
        net.train(x, np.zeros((6, 5)))
    with pytest.raises(ValueError, match=r"integer labels y must have shape \(6,\)"):
        net.train(x, y[:5])
    with pytest.raises(ValueError, match="no layers yet"):
        SequentialNet((3,)).train(np.zeros((2, 3)), np.zeros(2, dtype=int))


def test_a_loss_that_turns_nan_stops_training_naming_the_layer():
    net = small_cnn()
    x, y = batch()
    net.layers[4].weights[0, 0] = np.nan
    with (
        np.errstate(invalid="ignore"),
        pytest.raises(
            FloatingPointError,
            match=r"training stopped at epoch 1/2, batch 1/2: the loss is nan: the weights of "
            r"Dense layer 'dense' are no longer finite; lower the learning rate",
        ),
    ):
        net.train(x, y, batch_size=3, epochs=2, verbose=False)


def test_the_first_layer_to_overflow_is_named():
    net = SequentialNet((3,))
    for _ in range(3):
        net.add_dense(3, Identity())
    net.layers[1].weights[...] = 1e200  # 1e200 * 1e200 overflows in the second layer
    net.layers[0].weights[...] = 1e200
    net.add_dense(2, SoftMax())
    x = np.ones((4, 3))
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.raises(
            FloatingPointError,
            match=r"Dense layer 'dense_1' is the first to output NaN or infinite values "
            r"\(input \(4, 3\), output \(4, 3\)\)",
        ),
    ):
        net.backprop(x, np.zeros(4, dtype=int))
    with pytest.raises(FloatingPointError, match="the input batch contains NaN"):
        small_cnn().backprop(np.full((1, 2, 11, 9), np.nan), np.zeros(1, dtype=int))


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_weights_go_to_the_framework_and_come_back(framework):
    net = small_cnn()
    if framework == "torch":
        from mnn.models.course_network.torch import from_torch as back
    else:
        from mnn.models.course_network.keras import from_keras as back
    model = to_torch(net) if framework == "torch" else to_keras(net)
    original = {name: value.copy() for name, value in net.parameters().items()}
    for value in net.parameters().values():
        value[...] = 0
    back(model, net)
    for name, value in net.parameters().items():
        np.testing.assert_array_equal(value, original[name])


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_one_by_one_filters_port_to_the_frameworks(framework):
    net = SequentialNet((3, 5, 4))
    net.add_conv2D((1, 1, 1), Tanh())
    net.add_flatten()
    net.add_dense(2, SoftMax())
    x = np.random.default_rng(0).standard_normal((3, 3, 5, 4))
    if framework == "torch":
        import torch

        reference = to_torch(net)(torch.from_numpy(x)).detach().numpy()
    else:
        reference = np.asarray(to_keras(net)(x))
    assert relative_error(net.evaluate(x), reference) <= TOLERANCE[np.float64]


def test_a_loss_that_overflows_on_finite_outputs_is_not_blamed_on_the_targets():
    net = SequentialNet((3,), MeanSquaredError())
    net.add_dense(2, Identity())
    net.layers[0].weights[...] = 1e160  # outputs 3e160 are finite, their squares are not
    with (
        np.errstate(over="ignore"),
        pytest.raises(
            FloatingPointError,
            match=r"the loss is inf: every layer's output is finite, but the loss overflowed on "
            r"outputs as large as 3e\+160; lower the learning rate",
        ),
    ):
        net.backprop(np.ones((4, 3)), np.zeros((4, 2)))


def test_labels_in_a_wrong_form_are_refused_saying_what_to_do():
    net = small_cnn()
    x, y = batch()
    with pytest.raises(ValueError, match=r"class labels must be integers: .*y.astype\(np.int64\)"):
        net.train(x, y.astype(np.float32))
    with pytest.raises(
        TypeError, match=r"targets y of shape \(6, 4\) must be floating, .* int64; "
    ):
        net.train(x, np.eye(4, dtype=np.int64)[y])
    with pytest.raises(
        ValueError, match=r"must have shape \(6,\), .* \(6, 1\) .*; use y.ravel\(\)"
    ):
        net.train(x, y[:, None])
    regression = SequentialNet((3,), MeanSquaredError())
    regression.add_dense(1, Identity())
    with pytest.raises(
        ValueError, match=r"shape \(4, 1\) .* add the output axis with y\[:, None\]"
    ):
        regression.train(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"for two classes, give it 2 outputs and SoftMax"):
        regression.train(np.zeros((4, 3)), np.array([0, 1, 1, 0]))


def test_inputs_in_a_wrong_form_are_refused_saying_what_to_do():
    net = small_cnn()
    x, _ = batch()
    with pytest.raises(TypeError, match=r"dtype uint8; convert it with x.astype\(np.float64\)"):
        net.evaluate(x.astype(np.uint8))
    with pytest.raises(ValueError, match=r"for one sample, add the batch axis with x\[None\]"):
        net.evaluate(x[0])
    with pytest.raises(ValueError, match=r"\(N, h, w, c\), move the channels with x.transpose"):
        net.evaluate(x.transpose(0, 2, 3, 1))
    with pytest.raises(ValueError, match=r"reshape x with x.reshape\(len\(x\), 2, 11, 9\)"):
        net.evaluate(x.reshape(6, -1))
    grey = SequentialNet((1, 11, 9))
    grey.add_flatten()
    with pytest.raises(
        ValueError, match=r"for grey images, add the channel axis with x\[:, None\]"
    ):
        grey.evaluate(x[:, 0])
    rows = SequentialNet((198,))
    rows.add_dense(2)
    with pytest.raises(ValueError, match=r"reshape x with x.reshape\(len\(x\), 198\)"):
        rows.evaluate(x)


def test_training_on_no_samples_is_refused():
    net = small_cnn()
    x, y = batch()
    with pytest.raises(
        ValueError, match=r"x must hold at least one sample, got array of shape \(0"
    ):
        net.train(x[:0], y[:0], verbose=False)
    with pytest.raises(ValueError, match=r"x_val must hold at least one sample"):
        net.train(x, y, validation_data=(x[:0], y[:0]), verbose=False)


def test_a_layer_without_input_shape_is_refused_saying_what_to_do():
    from mnn.nn import Flatten, MaxPool2D

    net = SequentialNet((2, 8, 8))
    with pytest.raises(ValueError, match=r"shape; build it with tensor=\(2, 8, 8\), or append"):
        net.add(MaxPool2D((2, 2)))
    net.add(MaxPool2D((2, 2), tensor=(2, 8, 8)))
    with pytest.raises(ValueError, match=r"Flatten layer 'flatten' was built without an input"):
        net.add(Flatten())


def test_update_before_any_backprop_is_refused():
    net = small_cnn(optim=Adam())
    with pytest.raises(RuntimeError, match=r"Conv2D layer 'conv2d': call backprop before update"):
        net.update()
    x, y = batch()
    net.backprop(x, y)
    net.update()
    assert net.layers[0].optim.steps == 1


@pytest.mark.parametrize("batch_size", [1000, None])
def test_evaluate_of_no_samples_is_an_empty_output(batch_size):
    net = small_cnn()
    x, _ = batch()
    assert net.evaluate(x[:0], batch_size=batch_size).shape == (0, 4)


def test_the_torch_port_takes_mirrored_images_as_mnn_does():
    x, y = batch()
    mirrored = x[..., ::-1]
    net = small_cnn()
    net.backprop(mirrored, y)
    _, reference = torch_gradients(to_torch(net), net, mirrored, y)
    for name, gradient in net.gradients().items():
        assert relative_error(gradient, reference[name]) <= TOLERANCE[np.float64], name
    history = fit_torch(
        to_torch(net), mirrored, y, loss=net.loss, optim=SGD(), batch_size=3, epochs=1,
        validation_data=(mirrored, y), verbose=False,
    )  # fmt: skip
    assert history["val_loss"][0] > 0


def test_errors_in_the_validation_data_name_x_val_and_y_val():
    net = small_cnn()
    x, y = batch()
    with pytest.raises(TypeError, match=r"x_val must have a floating dtype, .* x_val.astype"):
        net.train(x, y, validation_data=(x.astype(np.uint8), y))
    with pytest.raises(
        ValueError, match=r"as x_val; for one sample, add the batch axis with x_val"
    ):
        net.train(x, y, validation_data=(x[0], y[:1]))
    with pytest.raises(ValueError, match=r"labels y_val must lie in 0 .. 3"):
        net.train(x, y, validation_data=(x, y + 4))
    with pytest.raises(ValueError, match=r"labels y_val must lie in 0 .. 3, as the model"):
        fit_torch(
            to_torch(net), x, y, loss=net.loss, optim=SGD(), batch_size=3, epochs=1,
            validation_data=(x, y + 4), verbose=False,
        )  # fmt: skip


def test_an_update_that_overflows_in_the_last_step_stops_training():
    # The loss (softmax/cross-entropy) stays finite; only the update 1e10 * 5e299 overflows.
    net = SequentialNet((3,))
    net.add_dense(2, SoftMax(), SGD(1e10))
    with (
        np.errstate(over="ignore"),
        pytest.raises(
            FloatingPointError,
            match=r"epoch 1/1, batch 1/1: the update made the weights of Dense layer 'dense' no "
            r"longer finite; lower the learning rate",
        ),
    ):
        net.train(np.full((4, 3), 1e300), np.array([0, 1, 0, 1]), batch_size=4, verbose=False)
