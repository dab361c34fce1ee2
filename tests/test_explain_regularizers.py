"""Regularisers: penalties' gradients against central differences, the Gaussian fit against
NumPy's covariance, jitter's pull-back as the adjoint of its shift, the blur's spread."""

from __future__ import annotations

import numpy as np
import pytest

from mnn.explain import regularizers

RNG = np.random.default_rng(5)


def central_differences(penalty, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """The gradient of the summed penalty, entry by entry."""
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        up = penalty.value_and_gradient(x + step)[0].sum()
        down = penalty.value_and_gradient(x - step)[0].sum()
        gradient[index] = (up - down) / (2 * h)
    return gradient


def gaussian(diagonal: bool) -> regularizers.GaussianPrior:
    mean = RNG.normal(size=(2, 3, 3))
    if diagonal:
        return regularizers.GaussianPrior(mean, RNG.uniform(0.5, 2.0, 18), lam=0.7)
    factor = RNG.normal(size=(18, 18))
    return regularizers.GaussianPrior(mean, factor @ factor.T + np.eye(18), lam=0.7)


PENALTIES = {
    "L2": lambda: regularizers.L2(0.3),
    "Gaussian, full": lambda: gaussian(False),
    "Gaussian, diagonal": lambda: gaussian(True),
    "TV, beta 2": lambda: regularizers.TotalVariation(0.4),
    "TV, beta 1.5": lambda: regularizers.TotalVariation(0.4, beta=1.5),
}


@pytest.mark.parametrize("name", PENALTIES)
def test_penalty_gradients_equal_central_differences(name):
    penalty = PENALTIES[name]()
    x = RNG.normal(size=(2, 2, 3, 3))
    values, gradient = penalty.value_and_gradient(x)
    assert values.shape == (2,)
    np.testing.assert_allclose(gradient, central_differences(penalty, x), rtol=1e-6, atol=1e-7)


def test_penalty_values_follow_their_formulas():
    x = RNG.normal(size=(1, 1, 3, 4))
    assert regularizers.L2(2.0).value_and_gradient(x)[0][0] == pytest.approx(2 * (x**2).sum())
    image = x[0, 0]
    total = sum(
        ((image[i, j + 1] - image[i, j]) ** 2 + (image[i + 1, j] - image[i, j]) ** 2) ** 0.75
        for i in range(2)
        for j in range(3)
    )
    tv = regularizers.TotalVariation(0.5, beta=1.5).value_and_gradient(x)[0][0]
    assert tv == pytest.approx(0.5 * total)
    mean, cov = np.zeros((2,)), np.array([[2.0, 0.5], [0.5, 1.0]])
    z = np.array([[1.0, -2.0]])
    expected = 0.5 * z[0] @ np.linalg.solve(cov, z[0])
    got = regularizers.GaussianPrior(mean, cov).value_and_gradient(z)[0][0]
    assert got == pytest.approx(expected)


def test_total_variation_with_beta_below_2_is_not_smooth_and_its_gradient_is_zero_on_flat_parts():
    tv = regularizers.TotalVariation(1.0, beta=1.0)
    assert not tv.smooth and regularizers.TotalVariation(1.0).smooth
    flat = np.ones((1, 1, 4, 4))
    values, gradient = tv.value_and_gradient(flat)
    assert values[0] == 0 and np.array_equal(gradient, np.zeros_like(flat))


def test_gaussian_fit_is_the_mean_and_the_shrunk_sample_covariance():
    samples = RNG.normal(size=(50, 1, 2, 3)) * np.arange(1, 7).reshape(1, 1, 2, 3)
    flat = samples.reshape(50, -1)
    exact = regularizers.GaussianPrior.fit(samples, shrinkage=0.0)
    np.testing.assert_allclose(exact.mean, samples.mean(axis=0))
    np.testing.assert_allclose(exact.cov, np.cov(flat.T))
    shrunk = regularizers.GaussianPrior.fit(samples, shrinkage=0.25)
    average = np.trace(np.cov(flat.T)) / 6
    np.testing.assert_allclose(shrunk.cov, 0.75 * np.cov(flat.T) + 0.25 * average * np.eye(6))


def test_a_gaussian_fitted_to_constant_pixels_needs_shrinkage():
    samples = RNG.normal(size=(20, 1, 3, 3))
    samples[:, 0, 0, 0] = 0.0  # a corner pixel that never changes, as in Fashion-MNIST
    with pytest.raises(ValueError, match=r"not positive definite.*shrinkage=0\.1"):
        regularizers.GaussianPrior.fit(samples, shrinkage=0.0)
    assert regularizers.GaussianPrior.fit(samples).value_and_gradient(samples[:2])[0].shape == (2,)


def test_jitter_pulls_gradients_back_by_the_adjoint_of_its_shift():
    jitter = regularizers.Jitter(3)
    rng = np.random.default_rng(0)
    images, gradient = RNG.normal(size=(2, 3, 7, 9)), RNG.normal(size=(2, 3, 7, 9))
    shifts = {jitter.sample(rng) for _ in range(40)}
    assert shifts <= {(r, c) for r in range(-3, 4) for c in range(-3, 4)} and len(shifts) > 20
    for change in shifts:
        shifted = jitter.apply(images, change)
        assert (shifted * gradient).sum() == pytest.approx(
            (images * jitter.pull_back(gradient, change)).sum()
        )


def test_blur_spreads_a_point_by_sigma_every_few_steps():
    blur = regularizers.Blur(1.5, every=3)
    point = np.zeros((1, 1, 41, 41))
    point[0, 0, 20, 20] = 1.0
    assert blur.project(point, step=0) is point and blur.project(point, step=1) is point
    spread = blur.project(point, step=2)[0, 0]
    rows = np.arange(41) - 20
    assert spread.sum() == pytest.approx(1.0)
    assert (spread.sum(axis=1) * rows**2).sum() == pytest.approx(1.5**2, rel=1e-3)


def test_bad_regularisers_are_refused_with_what_to_do():
    with pytest.raises(ValueError, match="lam must be finite and greater than 0"):
        regularizers.L2(-1.0)
    with pytest.raises(TypeError, match="lam must be a real number"):
        regularizers.L2("strong")
    with pytest.raises(ValueError, match="beta must be at least 1"):
        regularizers.TotalVariation(1.0, beta=0.5)
    with pytest.raises(ValueError, match="pixels must be at least 1"):
        regularizers.Jitter(0)
    with pytest.raises(ValueError, match=r"cov must be \(4, 4\) or \(4,\)"):
        regularizers.GaussianPrior(np.zeros((2, 2)), np.eye(3))
    with pytest.raises(ValueError, match="cov must be symmetric"):
        regularizers.GaussianPrior(np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="variances must be positive"):
        regularizers.GaussianPrior(np.zeros(2), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="shrinkage must lie in"):
        regularizers.GaussianPrior.fit(RNG.normal(size=(5, 2)), shrinkage=1.5)
    with pytest.raises(ValueError, match="at least 2 samples"):
        regularizers.GaussianPrior.fit(RNG.normal(size=(1, 2)))
    prior = regularizers.GaussianPrior(np.zeros((1, 2, 2)), np.ones(4))
    with pytest.raises(ValueError, match="mean of shape"):
        prior.value_and_gradient(np.zeros((1, 2, 2, 1)))


def test_the_methods_check_their_arguments_by_name():
    """Issue #16: lists, NaN, a code for an image regulariser, a seed for a generator and a shift
    that is not a pair failed inside NumPy (or were used as they were) instead of naming the
    argument."""
    images = RNG.normal(size=(2, 1, 4, 4))
    with pytest.raises(TypeError, match="x must be a NumPy array"):
        regularizers.L2(0.1).value_and_gradient(images.tolist())
    with pytest.raises(ValueError, match="x must be finite"):
        regularizers.L2(0.1).value_and_gradient(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match=r"x, the variable being optimised, has shape \(2, 16\)"):
        regularizers.TotalVariation(0.1).value_and_gradient(images.reshape(2, -1))
    prior = regularizers.GaussianPrior(np.zeros(4), np.ones(4))
    with pytest.raises(TypeError, match="x must have a floating dtype"):
        prior.value_and_gradient(np.zeros((1, 4), np.int64))
    jitter = regularizers.Jitter(2)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        jitter.sample(0)
    with pytest.raises(TypeError, match=r"change must be a \(rows, columns\) pair of ints"):
        jitter.apply(images, None)
    with pytest.raises(TypeError, match=r"change must be a \(rows, columns\) pair of ints"):
        jitter.pull_back(images, (1.5, 0))
    with pytest.raises(TypeError, match="images must be a NumPy array"):
        regularizers.Blur(1.0).project(images.tolist(), 3)
    with pytest.raises(TypeError, match="step must be an integer of at least 0"):
        regularizers.Blur(1.0).project(images, np.array(3.0))
