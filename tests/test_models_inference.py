"""models.inference.forward: one batched forward pass for both frameworks."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import torch

from mnn.models import fashion_inputs, untrained_fashion_cnn
from mnn.models.inference import forward
from mnn.models.inference.torch import to_tensor

IMAGES = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)


@pytest.fixture(scope="module")
def models():
    return {framework: untrained_fashion_cnn(framework, seed=2) for framework in ("torch", "keras")}


def reference(model, x: np.ndarray) -> np.ndarray:
    """The framework's own inference call on the whole batch."""
    if isinstance(model, torch.nn.Module):
        model.eval()
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()
    return keras.ops.convert_to_numpy(model(x, training=False))


@pytest.mark.parametrize("framework", ["torch", "keras"])
@pytest.mark.parametrize("batch_size", [None, 1, 3, 7, 100])
def test_batches_give_the_framework_s_own_output(models, framework, batch_size):
    x = fashion_inputs(IMAGES, framework)
    output = forward(models[framework], x, batch_size)
    assert output.shape == (7, 10) and output.dtype == np.float32
    np.testing.assert_allclose(output, reference(models[framework], x), rtol=1e-5, atol=1e-6)


def test_torch_runs_in_evaluation_mode_and_restores_the_mode(models):
    model, x = models["torch"], fashion_inputs(IMAGES, "torch")
    model.train()  # dropout would change every call
    first, second = forward(model, x), forward(model, x)
    assert model.training
    np.testing.assert_array_equal(first, second)  # no dropout
    np.testing.assert_allclose(first, reference(model, x), rtol=1e-5, atol=1e-6)
    model.eval()
    forward(model, x)
    assert not model.training


def test_arrays_become_tensors_without_copies_unless_torch_refuses_them():
    x = np.arange(24, dtype=np.float32).reshape(2, 1, 3, 4)
    assert np.shares_memory(to_tensor(x).numpy(), x)
    mirrored = x[..., ::-1]  # negative strides, which torch.from_numpy refuses
    np.testing.assert_array_equal(to_tensor(mirrored).numpy(), mirrored)
    # A negative stride on an axis of length 1: C-contiguous to NumPy, refused by torch.
    single = x[:1][::-1]
    assert single.flags.c_contiguous and single.strides[0] < 0
    np.testing.assert_array_equal(to_tensor(single).numpy(), single)


def test_bad_batch_sizes_and_models_are_refused(models):
    x = fashion_inputs(IMAGES, "torch")
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        forward(models["torch"], x, batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        forward(models["torch"], x, batch_size=2.5)
    with pytest.raises(TypeError, match=r"torch.nn.Module or a keras.Model, got"):
        forward(lambda batch: batch, x)
