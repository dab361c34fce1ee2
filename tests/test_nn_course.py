"""The course's experiment: its network and its data."""

from __future__ import annotations

import numpy as np

from mnn.nn import Adam, Conv2D, Dense, MaxPool2D, ReLU, SoftMax
from mnn.nn import course as course_module
from mnn.nn.course import course_network


def test_course_network_is_the_course_s():
    net = course_network(seed=3)
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Conv2D", "MaxPool2D", "Flatten", "Dense", "Dense"]
    conv, pool, _, hidden, output = net.layers
    assert isinstance(conv, Conv2D) and conv.fshape == (32, 3, 3)
    assert isinstance(conv.afun, ReLU) and isinstance(hidden.afun, ReLU)
    assert isinstance(output.afun, SoftMax) and output.no == 10
    assert isinstance(pool, MaxPool2D) and pool.area == (2, 2) and pool.strict
    assert isinstance(hidden, Dense) and hidden.weights.shape == (5408, 100)
    assert isinstance(conv.optim, Adam) and conv.optim.learning_rate == 1e-3
    assert sum(value.size for value in net.parameters().values()) == 542_230
    again = course_network(seed=3)
    np.testing.assert_array_equal(again.layers[0].filters, conv.filters)


def test_mnist_images_are_scaled_nchw_copies_of_load_mnist():
    from mnn.data import load_mnist

    (x, y), (x_test, _) = course_module.mnist_images()
    (raw, labels), (raw_test, _) = load_mnist()
    assert x.shape == (60000, 1, 28, 28) and x_test.shape == (10000, 1, 28, 28)
    assert x.dtype == np.float32 and x.min() == 0 and x.max() == 1
    np.testing.assert_allclose(x[:100, 0], raw[:100] / 255, rtol=1e-6)
    np.testing.assert_array_equal(y, labels)
    np.testing.assert_allclose(x_test[:5, 0] * 255, raw_test[:5], rtol=1e-6)
