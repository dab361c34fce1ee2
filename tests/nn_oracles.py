"""Independent oracles for the mnn.nn tests: PyTorch autograd and TensorFlow's GradientTape.

Each oracle takes NumPy arrays in mnn's layouts, applies the framework's own operation (turning
layouts inside the differentiated function, so gradients come back in mnn's layouts too) and
returns the output and the gradients for a given upstream gradient.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TOLERANCE = {np.float64: 1e-10, np.float32: 1e-5}


def torch_vjp(
    function: Callable, inputs: Sequence[np.ndarray], cotangent: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """(function(*inputs), gradients of ⟨cotangent, function⟩ with respect to each input)."""
    import torch

    tensors = [torch.tensor(value, requires_grad=True) for value in inputs]
    output = function(*tensors)
    output.backward(torch.tensor(cotangent))
    return output.detach().numpy(), [tensor.grad.numpy() for tensor in tensors]


def tf_vjp(
    function: Callable, inputs: Sequence[np.ndarray], cotangent: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """As :func:`torch_vjp`, with ``tf.GradientTape``."""
    import tensorflow as tf

    variables = [tf.Variable(value) for value in inputs]
    with tf.GradientTape() as tape:
        output = function(*variables)
    gradients = tape.gradient(output, variables, output_gradients=tf.constant(cotangent))
    return output.numpy(), [np.asarray(gradient) for gradient in gradients]


def torch_conv(stride: tuple[int, int], padding: tuple[int, int]) -> Callable:
    """mnn's convolution in PyTorch: cross-correlation with the rotated filters."""
    import torch

    def conv(a, filters, bias):
        rotated = torch.flip(filters, (2, 3))
        return torch.nn.functional.conv2d(a, rotated, bias, stride=stride, padding=padding)

    return conv


def tf_conv(stride: tuple[int, int], padding: tuple[int, int]) -> Callable:
    """mnn's convolution in TensorFlow: NHWC images, (fh, fw, c, m) kernels, rotated."""
    import tensorflow as tf

    def conv(a, filters, bias):
        kernel = tf.transpose(tf.reverse(filters, axis=[2, 3]), (2, 3, 1, 0))
        pads = [[0, 0], [padding[0], padding[0]], [padding[1], padding[1]], [0, 0]]
        z = tf.nn.conv2d(tf.transpose(a, (0, 2, 3, 1)), kernel, (1, *stride, 1), pads) + bias
        return tf.transpose(z, (0, 3, 1, 2))

    return conv


def torch_max_pool(area: tuple[int, int]) -> Callable:
    import torch

    return lambda a: torch.nn.functional.max_pool2d(a, area)


def tf_max_pool(area: tuple[int, int]) -> Callable:
    import tensorflow as tf

    def pool(a):
        z = tf.nn.max_pool2d(tf.transpose(a, (0, 2, 3, 1)), area, area, "VALID")
        return tf.transpose(z, (0, 3, 1, 2))

    return pool


def assert_close(computed: np.ndarray, reference: np.ndarray, dtype: type) -> None:
    """Norm-wise relative error within the tolerance of ``dtype``; shapes must agree."""
    assert computed.shape == reference.shape, (computed.shape, reference.shape)
    scale = max(np.abs(reference).max(initial=0), np.abs(computed).max(initial=0), 1e-300)
    error = np.abs(computed - reference).max(initial=0) / scale
    assert error <= TOLERANCE[dtype], f"relative error {error:.3g} > {TOLERANCE[dtype]}"
