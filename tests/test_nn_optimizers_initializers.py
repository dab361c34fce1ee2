"""SGD with momentum and Adam against torch.optim; initializers against their formulas."""

from __future__ import annotations

import numpy as np
import pytest

from mnn.nn import SGD, Adam, Conv2D, Dense, Glorot, He, Identity, RandnAverage, ReLU


def run_both(optimizer, torch_optimizer, dtype, steps=6):
    import torch

    rng = np.random.default_rng(0)
    params = [rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal(3).astype(dtype)]
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    reference = torch_optimizer(tensors)
    for _ in range(steps):
        grads = [rng.standard_normal(p.shape).astype(dtype) for p in params]
        optimizer.update(params, grads)
        for tensor, grad in zip(tensors, grads, strict=True):
            tensor.grad = torch.tensor(grad)
        reference.step()
    return params, [tensor.detach().numpy() for tensor in tensors]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_matches_torch(dtype, momentum):
    import torch

    ours, theirs = run_both(
        SGD(0.1, momentum), lambda p: torch.optim.SGD(p, lr=0.1, momentum=momentum), dtype
    )
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine.dtype == dtype
        np.testing.assert_allclose(mine, reference, rtol=1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_matches_torch(dtype):
    import torch

    ours, theirs = run_both(
        Adam(0.01, 0.8, 0.95, 1e-6),
        lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.95), eps=1e-6),
        dtype,
    )
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine.dtype == dtype
        np.testing.assert_allclose(mine, reference, rtol=1e-12 if dtype == np.float64 else 1e-5)


def test_optimizer_errors():
    with pytest.raises(ValueError, match="learning_rate must be finite and greater than 0"):
        SGD(0)
    with pytest.raises(ValueError, match="learning_rate must be finite and greater than 0"):
        Adam(float("inf"))
    with pytest.raises(TypeError, match=r"learning_rate must be a real number, got str '0\.1'"):
        SGD("0.1")
    with pytest.raises(TypeError, match="momentum must be a real number, got bool True"):
        SGD(0.1, momentum=True)
    with pytest.raises(ValueError, match="momentum must lie in"):
        SGD(0.1, momentum=1.0)
    with pytest.raises(ValueError, match="beta2 must lie in"):
        Adam(beta2=1.5)
    with pytest.raises(
        ValueError, match=r"params\[0\] has shape \(2,\) but grads\[0\] has shape \(3,\)"
    ):
        SGD().update([np.zeros(2)], [np.zeros(3)])
    with pytest.raises(ValueError, match="got 1 parameters but 2 gradients"):
        Adam().update([np.zeros(2)], [np.zeros(2), np.zeros(2)])


def test_each_layer_keeps_its_own_optimizer_state():
    shared = Adam()
    first, second = Dense(3, 2, optim=shared), Dense(3, 2, optim=shared)
    assert first.optim is not second.optim is not shared


def sample(initializer, fan_in, fan_out):
    return initializer((fan_in, fan_out, 50), fan_in, fan_out, np.random.default_rng(0))


def test_initializer_statistics():
    # Standard deviations within 2% on 100,000 draws (3.6 standard errors for a normal sample).
    draws = sample(RandnAverage(), 100, 20)
    assert draws.std() == pytest.approx(1 / np.sqrt(60), rel=0.02)
    assert sample(He(), 100, 20).std() == pytest.approx(np.sqrt(2 / 100), rel=0.02)
    glorot = sample(Glorot(), 100, 20)
    limit = np.sqrt(6 / 120)
    assert glorot.min() >= -limit and glorot.max() <= limit
    assert glorot.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)
    assert abs(draws.mean()) < 0.01 * draws.std() * 4


def test_layers_use_fans_and_factor():
    conv = Conv2D((8, 6, 6), (40, 3, 3), ReLU(), initializer=RandnAverage(), rng=0)
    expected = np.sqrt(2) / np.sqrt((8 * 9 + 40 * 9) / 2)
    assert conv.filters.std() == pytest.approx(expected, rel=0.05)
    he = Dense(400, 300, ReLU(), initializer=He(), rng=0)
    assert he.weights.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)  # no extra factor
    single = Dense(400, 300, Identity(), dtype=np.float32, rng=0)
    assert single.weights.dtype == np.float32 and not single.bias.any()


def test_the_course_initializer_is_not_he_for_a_first_convolution():
    # 4/(9 + 288) against He's 2/9: about 16 times less variance, as the docstring says.
    course = Conv2D((1, 28, 28), (32, 3, 3), ReLU(), initializer=RandnAverage(), rng=0)
    he = Conv2D((1, 28, 28), (32, 3, 3), ReLU(), initializer=He(), rng=0)
    assert 4 / 297 == pytest.approx(course.filters.var(), rel=0.25)
    assert 12 < he.filters.var() / course.filters.var() < 22
