"""The Fashion-MNIST CNN: one architecture in two frameworks, and train-or-load from the cache."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

import mnn.models.fashion_cnn as fashion_cnn
from mnn._frameworks import framework_module
from mnn.models import fashion_inputs, trained_fashion_cnn, untrained_fashion_cnn
from mnn.models.fashion_cnn.spec import HISTORY_KEYS, LAYERS, METRICS, flattened_shape
from mnn.models.fashion_mnist import training_subset
from mnn.models.inference import forward
from mnn.models.torch_weights.keras import load_torch_weights

# Parameters counted by hand: 3x3 kernels and biases, then dense matrices and biases.
CONVS = [(1, 16), (16, 16), (16, 32), (32, 32)]
DENSES = [(32 * 7 * 7, 128), (128, 64), (64, 10)]
EXPECTED_PARAMETERS = sum(9 * i * o + o for i, o in CONVS) + sum(i * o + o for i, o in DENSES)


@pytest.fixture(scope="module")
def models():
    return untrained_fashion_cnn("torch", seed=1), untrained_fashion_cnn("keras", seed=1)


def test_same_layers_and_parameter_count(models):
    torch_model, keras_model = models
    names = [layer.name for layer in LAYERS]
    assert [name for name, _ in torch_model.named_children()] == names
    assert [layer.name for layer in keras_model.layers] == names
    assert sum(p.numel() for p in torch_model.parameters()) == EXPECTED_PARAMETERS
    assert keras_model.count_params() == EXPECTED_PARAMETERS
    assert flattened_shape() == (32, 7, 7)


def test_same_function_once_the_weights_are_shared(models):
    torch_model, keras_model = models
    state = {k: v.detach().numpy() for k, v in torch_model.state_dict().items()}
    load_torch_weights(keras_model, state, flattened={"dense1": flattened_shape()})
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    expected = forward(torch_model.eval(), fashion_inputs(images, "torch"))
    got = forward(keras_model, fashion_inputs(images, "keras"))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_fashion_inputs_layouts_and_errors():
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    x_torch, x_keras = fashion_inputs(images, "torch"), fashion_inputs(images, "keras")
    assert x_torch.shape == (2, 1, 28, 28) and x_keras.shape == (2, 28, 28, 1)
    assert x_torch.dtype == np.float32
    np.testing.assert_array_equal(x_torch[:, 0], images / np.float32(255))
    np.testing.assert_array_equal(x_keras[..., 0], x_torch[:, 0])
    with pytest.raises(TypeError, match=r"uint8 pixels.*add the channel axis instead"):
        fashion_inputs(images.astype(np.float32), "torch")
    with pytest.raises(ValueError, match=r"shape \(any, 28, 28\)"):
        fashion_inputs(images[:, :27], "torch")
    with pytest.raises(ValueError, match="framework must be one of 'torch', 'keras'"):
        fashion_inputs(images, "jax")


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_train_then_load_from_cache(framework, real_data_fresh_cache, monkeypatch):
    settings = {"epochs": 2, "batch_size": 64, "n_train": 1024, "n_test": 500, "progress": False}
    model, history = trained_fashion_cnn(framework, seed=3, **settings)
    saved = list((real_data_fresh_cache / "artifacts" / "fashion_cnn" / framework).iterdir())
    assert len(saved) == 1 and (saved[0] / "history.json").is_file()
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 2 for values in history.values())
    assert history["loss"][1] < history["loss"][0]
    assert history["val_accuracy"][1] > 0.4  # ten classes: chance is 0.1

    def no_training(*args, **kwargs):
        raise AssertionError("a cached model was trained again")

    monkeypatch.setattr(fashion_cnn, "fit", no_training)
    loaded, loaded_history = trained_fashion_cnn(framework, seed=3, **settings)
    assert loaded_history == history
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    x = fashion_inputs(images, framework)
    np.testing.assert_array_equal(forward(loaded, x), forward(model, x))
    if framework == "keras":  # compiled as in training, so evaluate gives the cross-entropy
        labels = np.array([0, 3, 9])
        loss, accuracy = loaded.evaluate(x, labels, verbose=0)
        logits = forward(loaded, x).astype(np.float64)
        log_probabilities = logits - scipy.special.logsumexp(logits, axis=1, keepdims=True)
        expected = -log_probabilities[np.arange(3), labels].mean()
        np.testing.assert_allclose(loss, expected, rtol=1e-5)
        assert accuracy == np.mean(logits.argmax(axis=1) == labels)
    with pytest.raises(AssertionError, match="trained again"):
        trained_fashion_cnn(framework, seed=4, **settings)
    weights = next(p for p in saved[0].iterdir() if p.suffix in (".pt", ".h5"))
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(RuntimeError, match=rf"{saved[0]} is damaged.*delete that folder"):
        trained_fashion_cnn(framework, seed=3, **settings)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"framework": "jax"}, ValueError, "framework must be one of 'torch', 'keras'; got 'jax'"),
        ({"epochs": 0}, ValueError, "epochs must be at least 1"),
        ({"n_train": 2.5}, TypeError, "n_train must be an integer"),
        ({"n_test": 10_001}, ValueError, "n_test must be at most 10,000 \\(all images\\)"),
        ({"learning_rate": -1.0}, ValueError, "learning_rate must be finite and greater than 0"),
        ({"learning_rate": np.inf}, ValueError, "learning_rate must be finite and greater than 0"),
        ({"learning_rate": "fast"}, TypeError, "learning_rate must be a real number"),
        # A NumPy float is a number: the check gets past it to the bad seed.
        ({"learning_rate": np.float32(1e-3), "seed": -1}, ValueError, "seed must be at least 0"),
        ({"seed": -1}, ValueError, "seed must be at least 0"),
        # Found by the API sweep: any progress was taken (a small run, should it train).
        (
            {"progress": "no", "n_train": 8, "n_test": 8, "epochs": 1},
            TypeError,
            "progress must be True or False",
        ),
    ],
)
def test_bad_training_arguments(kwargs, error, match, real_data_fresh_cache):
    with pytest.raises(error, match=match):
        trained_fashion_cnn(**kwargs)


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of logits, written out with SciPy."""
    logits = logits.astype(np.float64)
    log_probabilities = logits - scipy.special.logsumexp(logits, axis=1, keepdims=True)
    return float(-log_probabilities[np.arange(len(labels)), labels].mean())


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_step_reports_the_loss_and_accuracy_of_its_own_outputs(framework):
    model = untrained_fashion_cnn(framework, seed=2)
    rng = np.random.default_rng(5)
    images = fashion_inputs(rng.integers(0, 256, (32, 28, 28), dtype=np.uint8), framework)
    labels = rng.integers(0, 10, 32).astype(np.int64)
    seen = []

    def probe(outputs, targets):
        seen.append((outputs.copy(), targets.copy()))
        return 0.0

    # The step's forward pass is in training mode (dropout): catch the outputs it computed.
    step = framework_module("mnn.models.training", framework).adam_step(
        model, framework_module("mnn.models.fashion_cnn", framework).loss, 1e-3,
        {**METRICS, "probe": probe},
    )  # fmt: skip
    before = forward(model, images).copy()
    reported = step(images, labels)
    assert set(reported) == {"loss", "accuracy", "probe"}
    ((outputs, targets),) = seen
    assert outputs.shape == (32, 10)
    np.testing.assert_array_equal(targets, labels)
    assert reported["loss"] == pytest.approx(cross_entropy(outputs, labels), rel=1e-5)
    assert reported["accuracy"] == np.mean(outputs.argmax(axis=1) == labels)
    assert not np.array_equal(forward(model, images), before)  # the step changed the weights


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_history_records_the_loss_and_accuracy_the_model_has(framework, real_data_fresh_cache):
    settings = {"epochs": 2, "batch_size": 64, "n_train": 512, "n_test": 300, "seed": 1}
    model, history = trained_fashion_cnn(framework, progress=False, **settings)
    assert tuple(history) == HISTORY_KEYS
    assert all(len(values) == 2 for values in history.values())
    _, (test_images, test_labels) = training_subset(512, 300, seed=1)
    x_test, y_test = fashion_inputs(test_images, framework), test_labels.astype(np.int64)
    logits = forward(model, x_test)
    # The last test figures are those of the returned model, measured independently.
    assert history["val_loss"][-1] == pytest.approx(cross_entropy(logits, y_test), rel=1e-5)
    assert history["val_accuracy"][-1] == pytest.approx(np.mean(logits.argmax(axis=1) == y_test))
    assert 0 < history["accuracy"][-1] < 1 and history["loss"][-1] < history["loss"][0]


@pytest.mark.filterwarnings("error")
def test_keras_weights_round_trip_without_warnings(tmp_path):
    """Keras 3.15 warns under NumPy 2 when saving, and when a compiled model loads weights saved
    without an optimiser: the saved file is read back exactly, and silently."""
    model = untrained_fashion_cnn("keras", seed=4)
    framework_module("mnn.models.training", "keras").save_weights(model, tmp_path)
    loaded = framework_module("mnn.models.fashion_cnn", "keras").load(tmp_path, 1e-3)
    x = fashion_inputs(np.random.default_rng(1).integers(0, 256, (3, 28, 28), np.uint8), "keras")
    np.testing.assert_array_equal(forward(loaded, x), forward(model, x))
