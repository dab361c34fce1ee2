"""The course's experiment: its network, its data, and cached training in three frameworks."""

from __future__ import annotations

import numpy as np
import pytest

from mnn.nn import Adam, Conv2D, Dense, MaxPool2D, ReLU, SoftMax, relative_error
from mnn.nn import course as course_module
from mnn.nn.course import course_network, train_course_network


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


@pytest.fixture
def small_mnist(monkeypatch, tmp_path):
    """A 300-image stand-in for MNIST and an empty cache."""
    monkeypatch.setenv("MNN_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    x = rng.random((300, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 300)
    monkeypatch.setattr(course_module, "mnist_images", lambda: ((x, y), (x[:100], y[:100])))
    return tmp_path


def test_three_frameworks_train_alike_and_the_cache_is_used(small_mnist, monkeypatch):
    nets, histories, changes = {}, {}, {}
    initial = course_network().parameters()
    for framework in ("mnn", "torch", "keras"):
        net, histories[framework] = train_course_network(
            framework, epochs=2, batch_size=100, verbose=False
        )
        nets[framework] = net
        assert set(histories[framework]) == {
            "loss", "accuracy", "seconds", "val_loss", "val_accuracy"
        }  # fmt: skip
        assert net.layers[0].filters.dtype == np.float32
        changes[framework] = {
            name: value - initial[name] for name, value in net.parameters().items()
        }
    # Same initial weights, same batches, same Adam: the six steps move the weights alike.
    for name, change in changes["torch"].items():
        assert relative_error(change, changes["mnn"][name]) < 1e-3, name
    # Keras' Adam adds epsilon before the bias correction (an effective epsilon 30 times larger
    # at the first step), which changes the steps of weights with tiny gradients; the
    # directions still agree, and weights read back in a wrong layout would not.
    for name, change in changes["keras"].items():
        reference = changes["mnn"][name].ravel()
        cosine = change.ravel() @ reference / np.linalg.norm(change) / np.linalg.norm(reference)
        assert cosine > 0.95, (name, cosine)

    def refuse(*args, **kwargs):
        raise AssertionError("trained again instead of loading from the cache")

    monkeypatch.setattr(course_module.SequentialNet, "train", refuse)
    loaded, history = train_course_network("mnn", epochs=2, batch_size=100, verbose=False)
    assert history == histories["mnn"]
    for name, value in loaded.parameters().items():
        np.testing.assert_array_equal(value, nets["mnn"].parameters()[name])
    assert not np.array_equal(loaded.layers[0].filters, course_network().layers[0].filters)


def test_a_damaged_cached_course_network_is_an_error_that_says_what_to_do(small_mnist):
    train_course_network("mnn", epochs=1, batch_size=100, verbose=False)
    (weights,) = small_mnist.glob("artifacts/nn/course_network/*/weights.npz")
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(RuntimeError, match=rf"{weights.parent} is damaged.*delete that folder"):
        train_course_network("mnn", epochs=1, batch_size=100, verbose=False)


def test_unknown_framework_is_refused():
    with pytest.raises(ValueError, match="framework must be one of 'mnn', 'torch', 'keras'"):
        train_course_network("jax")


def test_mnist_images_are_scaled_nchw_copies_of_load_mnist():
    from mnn.data import load_mnist

    (x, y), (x_test, _) = course_module.mnist_images()
    (raw, labels), (raw_test, _) = load_mnist()
    assert x.shape == (60000, 1, 28, 28) and x_test.shape == (10000, 1, 28, 28)
    assert x.dtype == np.float32 and x.min() == 0 and x.max() == 1
    np.testing.assert_allclose(x[:100, 0], raw[:100] / 255, rtol=1e-6)
    np.testing.assert_array_equal(y, labels)
    np.testing.assert_allclose(x_test[:5, 0] * 255, raw_test[:5], rtol=1e-6)
