"""The dense BFGS updates against their defining properties and their textbook product form."""

import numpy as np
import pytest
from optim_oracles import product_form, random_pair, random_spd

from mnn.optim import bfgs_direct_update, bfgs_inverse_update, has_positive_curvature


@pytest.mark.parametrize("seed", range(5))
def test_direct_update_is_symmetric_and_satisfies_the_secant_condition(seed):
    rng = np.random.default_rng(seed)
    B = random_spd(rng, 8)
    s, y = random_pair(rng, 8)
    B_next = bfgs_direct_update(B, s, y)
    np.testing.assert_allclose(B_next, B_next.T, rtol=0, atol=1e-10)
    np.testing.assert_allclose(B_next @ s, y, rtol=0, atol=1e-10)


@pytest.mark.parametrize("seed", range(5))
def test_inverse_update_is_the_inverse_of_the_direct_update(seed):
    rng = np.random.default_rng(seed)
    B = random_spd(rng, 8)
    s, y = random_pair(rng, 8)
    H_next = bfgs_inverse_update(np.linalg.inv(B), s, y)
    np.testing.assert_allclose(H_next, np.linalg.inv(bfgs_direct_update(B, s, y)), atol=1e-10)
    np.testing.assert_allclose(H_next @ y, s, rtol=0, atol=1e-10)


def test_inverse_update_equals_the_product_form():
    rng = np.random.default_rng(7)
    H = random_spd(rng, 12)
    s, y = random_pair(rng, 12)
    np.testing.assert_allclose(bfgs_inverse_update(H, s, y), product_form(H, s, y), atol=1e-12)


def test_inverse_update_stays_symmetric_positive_definite_over_50_pairs():
    rng = np.random.default_rng(3)
    n = 10
    H = np.eye(n)
    for _ in range(50):
        s, y = random_pair(rng, n)  # y = A s with a fresh SPD A each time: s^T y > 0
        H = bfgs_inverse_update(H, s, y)
        np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-12 * np.abs(H).max())
        assert np.linalg.eigvalsh(H).min() > 0
        np.linalg.cholesky(H)  # raises if H is not positive definite


def test_curvature_safeguard_rejects_nonpositive_and_nearly_orthogonal_pairs():
    s = np.array([1.0, 0.0])
    assert has_positive_curvature(s, np.array([1.0, 1.0]))
    assert not has_positive_curvature(s, np.array([-1.0, 1.0]))
    assert not has_positive_curvature(s, np.array([0.0, 1.0]))
    assert not has_positive_curvature(s, np.array([1e-12, 1.0]))
