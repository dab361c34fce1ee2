"""The two-loop recursion against -H_k g with H_k built densely from the same pairs."""

import numpy as np
import pytest
from optim_oracles import product_form, random_pair

from mnn.optim import CurvaturePairs
from mnn.optim.lbfgs import LBFGSDirection, _check_initial


def dense_lbfgs_matrix(pairs, H0):
    """H_k: the kept pairs applied, oldest first, to H_k^0 by the product-form update."""
    H = H0
    for s, y in pairs:
        H = product_form(H, s, y)
    return H


@pytest.mark.parametrize("gamma", ["scaled", 1.0, 0.3])
@pytest.mark.parametrize("m, pushed", [(5, 3), (5, 5), (4, 9)])
def test_two_loop_direction_equals_dense_product(gamma, m, pushed):
    rng = np.random.default_rng(m * 10 + pushed)
    n = 7
    pairs = [random_pair(rng, n) for _ in range(pushed)]
    rule = LBFGSDirection(n, m, gamma, H0=None)
    for s, y in pairs:
        assert rule.update(s, y)
    kept = pairs[-m:]
    s_last, y_last = pairs[-1]
    scale = (s_last @ y_last) / (y_last @ y_last) if gamma == "scaled" else gamma
    H = dense_lbfgs_matrix(kept, scale * np.eye(n))
    g = rng.standard_normal(n)
    np.testing.assert_allclose(rule.direction(np.zeros(n), g), -H @ g, rtol=0, atol=1e-10)


@pytest.mark.parametrize("form", ["diagonal", "callable"])
def test_two_loop_with_initial_inverse_hessian(form):
    rng = np.random.default_rng(11)
    n, m = 6, 3
    d = rng.uniform(0.5, 2.0, n)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    M = (q * d) @ q.T
    H0_dense = np.diag(d) if form == "diagonal" else M
    H0 = d if form == "diagonal" else (lambda v: M @ v)
    pairs = [random_pair(rng, n) for _ in range(5)]
    for gamma in ["scaled", 1.0]:
        rule = LBFGSDirection(n, m, gamma, _check_initial(H0, n))
        for s, y in pairs:
            rule.update(s, y)
        s_last, y_last = pairs[-1]
        scale = (s_last @ y_last) / (y_last @ H0_dense @ y_last) if gamma == "scaled" else 1.0
        H = dense_lbfgs_matrix(pairs[-m:], scale * H0_dense)
        g = rng.standard_normal(n)
        np.testing.assert_allclose(rule.direction(np.zeros(n), g), -H @ g, rtol=0, atol=1e-10)


def test_memory_keeps_m_pairs_and_leaves_its_input_alone():
    pairs = CurvaturePairs(m=2, n=3)
    for i in range(1, 4):
        pairs.push(np.full(3, float(i)), np.full(3, 2.0 * i))
    assert len(pairs) == 2
    v = np.array([1.0, -2.0, 0.5])
    pairs.inverse_hessian_product(v, lambda q: q)
    np.testing.assert_array_equal(v, [1.0, -2.0, 0.5])


def test_no_pairs_means_the_initial_matrix():
    pairs = CurvaturePairs(m=3, n=4)
    v = np.arange(4.0)
    np.testing.assert_array_equal(pairs.inverse_hessian_product(v, lambda q: 2.0 * q), 2.0 * v)


def test_memory_and_dimension_are_checked():
    with pytest.raises(ValueError, match="m must be at least 1, got 0"):
        CurvaturePairs(0, 3)
    with pytest.raises(TypeError, match="n must be an integer"):
        CurvaturePairs(2, 3.0)
