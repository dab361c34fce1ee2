"""The Keras 3 twin of a :class:`~mnn.nn.SequentialNet`: the same network, weights copied.

Keras convolves images stored NHWC with kernels (fh, fw, c, m) by cross-correlation, so each
filter is rotated by 180° and transposed. The model takes mnn's NCHW inputs: it starts with a
``Permute`` to NHWC and permutes back to channel-first order before ``Flatten``, so the dense
weights are mnn's unchanged.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ..._validation import describe
from ...nn.activations import Activation, Identity, ReLU, Sigmoid, SoftMax, Tanh
from ...nn.layers import Conv2D, Dense, Flatten, MaxPool2D
from ...nn.losses import CrossEntropy, Loss, MeanSquaredError
from ...nn.network import SequentialNet
from ...nn.optimizers import SGD, Adam, Optimizer
from ...nn.training import VALIDATION_BATCH, History, prepare_targets, train_loop
from ..inference import forward

ACTIVATIONS = {
    Identity: "linear",
    ReLU: "relu",
    Sigmoid: "sigmoid",
    Tanh: "tanh",
    SoftMax: "softmax",
}


def to_keras(net: SequentialNet) -> keras.Sequential:
    """A ``keras.Sequential`` computing what ``net`` computes on the same NCHW inputs.

    Layers carry the mnn names (``"conv2d"``, ``"dense_1"``, ...); the dtype is the network's.
    """
    if not isinstance(net, SequentialNet):
        raise TypeError(f"net must be an mnn.nn.SequentialNet, got {describe(net)}.")
    dtype = net.dtype.name
    layers: list[Any] = [keras.Input(net.input_shape, dtype=dtype)]
    if len(net.input_shape) == 3:
        layers.append(keras.layers.Permute((2, 3, 1), dtype=dtype, name="to_nhwc"))
    weights: dict[str, list[np.ndarray]] = {}
    for layer in net.layers:
        if isinstance(layer, Conv2D):
            if any(layer.padding):
                layers.append(
                    keras.layers.ZeroPadding2D(layer.padding, dtype=dtype, name=f"{layer.name}_pad")
                )
            m, fh, fw = layer.fshape
            layers.append(
                keras.layers.Conv2D(
                    m, (fh, fw), strides=layer.stride, activation=_activation(layer.afun),
                    dtype=dtype, name=layer.name,
                )
            )  # fmt: skip
            kernel = layer.filters[:, :, ::-1, ::-1].transpose(2, 3, 1, 0)
            weights[layer.name] = [np.ascontiguousarray(kernel), layer.bias]
        elif isinstance(layer, MaxPool2D):
            layers.append(keras.layers.MaxPooling2D(layer.area, dtype=dtype, name=layer.name))
        elif isinstance(layer, Flatten):
            if len(layer.input_shape) == 3:
                layers.append(keras.layers.Permute((3, 1, 2), dtype=dtype, name="to_nchw"))
            layers.append(keras.layers.Flatten(dtype=dtype, name=layer.name))
        elif isinstance(layer, Dense):
            layers.append(
                keras.layers.Dense(
                    layer.no, activation=_activation(layer.afun), dtype=dtype, name=layer.name
                )
            )
            weights[layer.name] = [layer.weights, layer.bias]
        else:
            raise TypeError(f"{layer.label} has no Keras counterpart here.")
    model = keras.Sequential(layers)
    for name, values in weights.items():
        model.get_layer(name).set_weights(values)
    return model


def _activation(afun: Activation) -> str:
    if type(afun) not in ACTIVATIONS:
        raise TypeError(f"{afun!r} has no Keras counterpart here.")
    return ACTIVATIONS[type(afun)]


def keras_loss(loss: Loss, targets: Any, output: Any) -> Any:
    """mnn's ``loss`` in Keras operations (a scalar tensor)."""
    if isinstance(loss, CrossEntropy):
        return keras.ops.mean(keras.losses.categorical_crossentropy(targets, output))
    if isinstance(loss, MeanSquaredError):
        count = keras.ops.cast(keras.ops.shape(output)[0], output.dtype)
        return 0.5 * keras.ops.sum((output - targets) ** 2) / count
    raise TypeError(f"{loss!r} has no Keras counterpart here.")


def keras_gradients(
    model: keras.Sequential, net: SequentialNet, x: np.ndarray, y: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    """The loss of ``model`` on (x, y) and its gradients (TensorFlow ``GradientTape``), in
    mnn's names and layouts: kernels transposed to (m, c, fh, fw) and rotated back.

    Parameters are as for :func:`mnn.models.course_network.torch.torch_gradients`.
    """
    targets, _ = prepare_targets(y, len(x), net.output_shape, net.dtype, net.layers[-1].label)
    variables = _variables(model, net)
    with tf.GradientTape() as tape:
        loss = keras_loss(net.loss, tf.constant(targets), model(tf.constant(x), training=True))
    gradients = tape.gradient(loss, variables)
    return float(loss), _in_mnn_layout(net, [np.asarray(gradient) for gradient in gradients])


def from_keras(model: keras.Sequential, net: SequentialNet) -> None:
    """Copy the weights of ``model`` (made by :func:`to_keras` from ``net``) back into ``net``."""
    values = [np.asarray(variable) for variable in _variables(model, net)]
    parameters = net.parameters()
    for name, value in _in_mnn_layout(net, values).items():
        parameters[name][...] = value


def _variables(model: keras.Sequential, net: SequentialNet) -> list[Any]:
    """Kernel and bias of every Conv2D and Dense layer of ``net``, found in ``model`` by name."""
    return [
        variable
        for layer in net.layers
        if isinstance(layer, (Conv2D, Dense))
        for variable in (model.get_layer(layer.name).kernel, model.get_layer(layer.name).bias)
    ]


def _in_mnn_layout(net: SequentialNet, values: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Kernels and biases in the order of ``net``'s parametric layers, named and laid out as
    in ``net``: kernels (fh, fw, c, m) become rotated filters (m, c, fh, fw)."""
    arrays = {}
    layers = [layer for layer in net.layers if isinstance(layer, (Conv2D, Dense))]
    for layer, kernel, bias in zip(layers, values[::2], values[1::2], strict=True):
        if isinstance(layer, Conv2D):
            arrays[f"{layer.name}.filters"] = kernel.transpose(3, 2, 0, 1)[:, :, ::-1, ::-1]
        else:
            arrays[f"{layer.name}.weights"] = kernel
        arrays[f"{layer.name}.bias"] = bias
    return arrays


def keras_optimizer(optim: Optimizer) -> keras.optimizers.Optimizer:
    """Keras' version of an mnn optimizer. Keras' Adam adds ε to √V before the bias
    correction of V (PyTorch and mnn after it), a difference of order ε."""
    if isinstance(optim, Adam):
        return keras.optimizers.Adam(
            optim.learning_rate, beta_1=optim.beta1, beta_2=optim.beta2, epsilon=optim.epsilon
        )
    if isinstance(optim, SGD):
        return keras.optimizers.SGD(optim.learning_rate, momentum=optim.momentum)
    raise TypeError(f"{optim!r} has no Keras counterpart here.")


def fit_keras(
    model: keras.Sequential,
    x: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss,
    optim: Optimizer,
    batch_size: int,
    epochs: int,
    seed: int = 0,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    verbose: bool = True,
) -> History:
    """Train ``model`` as ``SequentialNet.train`` trains: same batches, same records.

    The training step is a compiled ``tf.function``. Parameters are as for
    :func:`mnn.models.course_network.torch.fit_torch`.
    """
    output_shape = tuple(model.output_shape[1:])
    dtype = x.dtype
    targets, labels = prepare_targets(y, len(x), output_shape, dtype, "the model")
    optimizer = keras_optimizer(optim)
    variables = model.trainable_variables

    @tf.function(reduce_retracing=True)
    def train_step(x_batch: tf.Tensor, targets_batch: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            output = model(x_batch, training=True)
            value = keras_loss(loss, targets_batch, output)
        optimizer.apply_gradients(zip(tape.gradient(value, variables), variables, strict=True))
        return value, output

    def step(x_batch: np.ndarray, targets_batch: np.ndarray) -> tuple[float, np.ndarray]:
        value, output = train_step(tf.constant(x_batch), tf.constant(targets_batch))
        value = float(value)
        if not np.isfinite(value):
            raise FloatingPointError(f"the loss is {value}.")
        return value, output.numpy()

    def predict(inputs: np.ndarray) -> np.ndarray:
        return forward(model, inputs, VALIDATION_BATCH)

    validation = None
    if validation_data is not None:
        x_val, y_val = validation_data
        validation = (
            x_val,
            *prepare_targets(y_val, len(x_val), output_shape, dtype, "the model", name="y_val"),
        )
    return train_loop(
        step, predict, loss, x, targets, labels, batch_size=batch_size, epochs=epochs,
        seed=seed, validation_data=validation, verbose=verbose,
    )  # fmt: skip


def train(
    net: SequentialNet, x: np.ndarray, y: np.ndarray, *, optim: Optimizer, **schedule: Any
) -> History:
    """Train ``net``'s Keras twin as ``net.train(x, y, **schedule)`` would train ``net``, then
    copy the trained weights back into ``net``; return the twin's history.

    ``optim`` is the optimiser to mirror, ``schedule`` the keyword arguments of
    :meth:`mnn.nn.SequentialNet.train`; the loss is ``net``'s.
    """
    model = to_keras(net)
    history = fit_keras(model, x, y, loss=net.loss, optim=optim, **schedule)
    from_keras(model, net)
    return history
