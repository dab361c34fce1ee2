"""The course network trained in mnn, PyTorch and Keras, and kept in the cache."""

from __future__ import annotations

import numpy as np
import pytest

import mnn.models.course_network as cached
from mnn.models import train_course_network
from mnn.nn import SequentialNet, relative_error
from mnn.nn.course import course_network


@pytest.fixture
def small_mnist(monkeypatch, tmp_path):
    """A 300-image stand-in for MNIST and an empty cache."""
    monkeypatch.setenv("MNN_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    x = rng.random((300, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 300)
    monkeypatch.setattr(cached, "mnist_images", lambda: ((x, y), (x[:100], y[:100])))
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

    monkeypatch.setattr(SequentialNet, "train", refuse)
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


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"seed": "0"}, TypeError, "seed must be a non-negative integer, got str '0'"),
        ({"seed": -1}, ValueError, "seed must be a non-negative integer, got -1"),
        ({"verbose": "yes"}, TypeError, "verbose must be True or False"),
    ],
)
def test_seed_and_verbose_are_checked_before_training(small_mnist, arguments, error, match):
    """Checked before MNIST is loaded, not by the network once training starts."""
    settings = {"epochs": 1, "batch_size": 100, "verbose": False, **arguments}
    with pytest.raises(error, match=match):
        train_course_network("mnn", **settings)
    assert not list(small_mnist.glob("artifacts/nn/course_network/*"))


def test_a_numpy_integer_seed_is_a_seed(small_mnist):
    """Found by the API sweep: np.int64(1) was refused as an unserialisable cache configuration."""
    net, _ = train_course_network("mnn", epochs=1, batch_size=100, seed=np.int64(1), verbose=False)
    again, _ = train_course_network("mnn", epochs=1, batch_size=100, seed=1, verbose=False)
    assert len(list(small_mnist.glob("artifacts/nn/course_network/*"))) == 1
    for name, value in net.parameters().items():
        np.testing.assert_array_equal(value, again.parameters()[name])
