"""gradcheck itself: it must catch a wrong gradient, and refuse what it cannot check."""

from __future__ import annotations

import numpy as np
import pytest

from mnn.nn import Dense, Identity, SequentialNet, gradcheck, relative_error


class SlightlyWrongDense(Dense):
    """A dense layer whose weight gradient is 1% too large."""

    def _backprop_linear(self, delta, input_gradient):
        result = super()._backprop_linear(delta, input_gradient)
        self.d_weights = 1.01 * self.d_weights
        return result


def test_a_wrong_gradient_is_caught():
    a = np.random.default_rng(0).standard_normal((3, 4))
    errors = gradcheck(SlightlyWrongDense(4, 2, Identity()), a)
    assert errors["weights"] == pytest.approx(0.01 / 1.01, rel=1e-4)
    assert errors["input"] < 1e-8 and errors["bias"] < 1e-8


def test_relative_error_is_normwise():
    assert relative_error(np.array([1.0, 1e-9]), np.array([1.0, 0.0])) == pytest.approx(1e-9)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.zeros(3), np.zeros(2))


def test_refusals():
    with pytest.raises(TypeError, match="gradcheck needs float64 inputs"):
        gradcheck(Dense(4, 2), np.zeros((3, 4), dtype=np.float32))
    with pytest.raises(TypeError, match="gradcheck needs float64 parameters, but weights"):
        gradcheck(Dense(4, 2, dtype=np.float32), np.zeros((3, 4)))
    net = SequentialNet((4,))
    net.add_dense(2)
    with pytest.raises(ValueError, match="needs its labels or targets y"):
        gradcheck(net, np.zeros((3, 4)))
    with pytest.raises(TypeError, match=r"model must be an mnn\.nn layer, activation or"):
        gradcheck(np.tanh, np.zeros((3, 4)))
