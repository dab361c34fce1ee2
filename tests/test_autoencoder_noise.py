"""Noisy inputs: the noise has the stated law, and the clipped moments match integration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

import mnn


def test_unclipped_noise_is_standard_normal_times_std() -> None:
    clean = np.random.default_rng(0).random((50, 28, 28), dtype=np.float32)
    noise = (mnn.models.add_noise(clean, 0.7, 1, clip=False) - clean).ravel().astype(np.float64)
    assert abs(noise.mean()) < 5 * 0.7 / np.sqrt(noise.size)
    assert noise.std() == pytest.approx(0.7, rel=0.01)
    assert stats.kstest(noise / 0.7, "norm").pvalue > 1e-3


def test_clipping_is_the_only_difference_and_seeds_repeat() -> None:
    clean = np.random.default_rng(2).random((4, 28, 28), dtype=np.float32)
    noisy = mnn.models.add_noise(clean, 1.0, 3)
    assert noisy.shape == clean.shape and noisy.dtype == np.float32
    np.testing.assert_array_equal(
        noisy, np.clip(mnn.models.add_noise(clean, 1.0, 3, clip=False), 0, 1)
    )
    assert noisy.min() == 0.0 and noisy.max() == 1.0
    assert not np.array_equal(noisy, mnn.models.add_noise(clean, 1.0, 4))
    generator = np.random.default_rng(3)
    np.testing.assert_array_equal(mnn.models.add_noise(clean, 1.0, generator), noisy)
    assert not np.array_equal(mnn.models.add_noise(clean, 1.0, generator), noisy)
    np.testing.assert_array_equal(mnn.models.add_noise(clean, 0.0, 5), clean)


@pytest.mark.parametrize("x", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("std", [0.4, 1.0])
def test_clipped_moments_match_numerical_integration(x, std) -> None:
    mean, spread, clipped = mnn.models.clipped_noise_moments(np.array([x]), std)

    def moment(power):
        def integrand(z):
            return np.clip(x + std * z, 0, 1) ** power * stats.norm.pdf(z)

        return integrate.quad(integrand, -12, 12, points=[-x / std, (1 - x) / std])[0]

    assert mean[0] == pytest.approx(moment(1), abs=1e-9)
    assert spread[0] == pytest.approx(np.sqrt(moment(2) - moment(1) ** 2), abs=1e-8)
    outside = (
        integrate.quad(stats.norm.pdf, -12, -x / std)[0]
        + integrate.quad(stats.norm.pdf, (1 - x) / std, 12)[0]
    )
    assert clipped[0] == pytest.approx(outside, abs=1e-9)


def test_clipped_moments_match_sampled_noise() -> None:
    x = np.array([0.0, 0.5, 1.0])
    mean, spread, clipped = mnn.models.clipped_noise_moments(x)
    samples = mnn.models.add_noise(np.repeat(x[None], 200_000, axis=0), 1.0, 6)
    np.testing.assert_allclose(samples.mean(axis=0), mean, atol=0.005)
    np.testing.assert_allclose(samples.std(axis=0), spread, atol=0.005)
    np.testing.assert_allclose(((samples == 0) | (samples == 1)).mean(axis=0), clipped, atol=0.005)
    # Clipping pulls black and white towards grey: contrast 1 shrinks to about 0.37.
    assert mean[2] - mean[0] == pytest.approx(0.368, abs=0.001)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mnn.models.add_noise(np.zeros(3, np.uint8)), TypeError, "floating dtype"),
        (lambda: mnn.models.add_noise(np.full(3, 2.0)), ValueError, r"must lie in \[0, 1\]"),
        (lambda: mnn.models.add_noise(np.zeros(3), -1.0), ValueError, "at least 0, got -1"),
        (lambda: mnn.models.add_noise(np.zeros(3), "1"), TypeError, "std must be a real number"),
        (lambda: mnn.models.clipped_noise_moments(np.zeros(3), 0.0), ValueError, "greater than 0"),
        (lambda: mnn.models.clipped_noise_moments(np.ones(2) * 3), ValueError, r"x must lie in"),
    ],
)
def test_bad_noise_arguments_are_refused(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"rng": "0"}, TypeError, "rng must be a non-negative integer or a numpy.random.Generator"),
        ({"rng": np.random.RandomState(0)}, TypeError, "rng must be a non-negative integer"),
        ({"rng": -1}, ValueError, "rng must be a non-negative integer"),
        ({"clip": 1}, TypeError, "clip must be True or False"),
    ],
)
def test_add_noise_checks_rng_and_clip(arguments, error, message) -> None:
    """Found by the API sweep: NumPy took these, or failed in its own words."""
    with pytest.raises(error, match=message):
        mnn.models.add_noise(np.zeros(3), **arguments)
