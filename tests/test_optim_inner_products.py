"""Inner products summed pairwise by NumPy, against the correctly rounded sum (math.fsum)."""

import math

import numpy as np
import pytest

from mnn.optim.inner_products import dot, matvec, norm

EPS = np.finfo(float).eps


def error_bound(products):
    """Pairwise summation of n rounded products: within (log2 n + 20) eps sum |a_i b_i|
    (NumPy sums blocks of up to 128 with 8 accumulators, then halves recursively)."""
    return (math.log2(len(products)) + 20) * EPS * math.fsum(np.abs(products))


@pytest.mark.parametrize("n", [1, 7, 8, 129, 1000, 100_003])
def test_dot_is_within_the_pairwise_bound_of_the_correctly_rounded_sum(n):
    rng = np.random.default_rng(n)
    # Entries over 30 orders of magnitude and of both signs: heavy cancellation.
    a = rng.standard_normal(n) * np.exp(rng.uniform(-35, 35, n))
    b = rng.standard_normal(n)
    products = a * b
    assert abs(dot(a, b) - math.fsum(products)) <= error_bound(products)
    assert abs(dot(a, b) - float(a @ b)) <= 2 * error_bound(products)


def test_dot_writes_the_products_into_work_and_leaves_its_inputs():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(50), rng.standard_normal(50)
    a_before, b_before = a.copy(), b.copy()
    work = np.full(50, np.nan)
    assert dot(a, b, work) == dot(a, b)
    np.testing.assert_array_equal(work, a * b)
    np.testing.assert_array_equal(a, a_before)
    np.testing.assert_array_equal(b, b_before)


def test_norm_matches_the_correctly_rounded_norm():
    rng = np.random.default_rng(1)
    a = rng.standard_normal(10_000) * np.exp(rng.uniform(-10, 10, 10_000))
    exact = math.sqrt(math.fsum(a * a))
    assert norm(a) == pytest.approx(exact, rel=20 * EPS)
    assert norm(np.array([3.0, 4.0])) == 5.0


@pytest.mark.parametrize("n", [1, 5, 300])
def test_matvec_rows_are_pairwise_inner_products(n):
    rng = np.random.default_rng(n)
    M = rng.standard_normal((n, n)) * np.exp(rng.uniform(-20, 20, (n, n)))
    v = rng.standard_normal(n)
    product = matvec(M, v)
    assert product.shape == (n,)
    for i in range(n):
        # The same order as dot, row by row: BFGS's H y is summed like every other inner product.
        assert product[i] == dot(M[i], v)
        assert abs(product[i] - math.fsum(M[i] * v)) <= error_bound(M[i] * v)
