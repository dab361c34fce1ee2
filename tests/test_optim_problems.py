"""The test problems against finite differences, SciPy's Rosenbrock and dense linear algebra."""

import math

import numpy as np
import pytest
import scipy.optimize

from mnn.optim import ChainQuadratic, Rosenbrock


def central_difference_gradient(fun, x, h=1e-6):
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (fun(x + e) - fun(x - e)) / (2 * h)
    return g


def central_difference_jacobian(grad, x, h=1e-6):
    return np.column_stack([(grad(x + h * e) - grad(x - h * e)) / (2 * h) for e in np.eye(x.size)])


def chain_quadratic_by_the_formula(x):
    """f(x) = 1/2 ((x_1 - 1)^2 + sum_{k=2}^n k (x_k - x_{k-1})^2), written as in the course."""
    chain = sum(k * (x[k - 1] - x[k - 2]) ** 2 for k in range(2, x.size + 1))
    return 0.5 * ((x[0] - 1) ** 2 + chain)


@pytest.mark.parametrize("n", [1, 2, 9])
def test_chain_quadratic_value_gradient_and_hessian(n):
    problem = ChainQuadratic(n)
    x = np.random.default_rng(n).standard_normal(n)
    assert problem.fun(x) == pytest.approx(chain_quadratic_by_the_formula(x), rel=1e-13)
    np.testing.assert_allclose(
        problem.grad(x), central_difference_gradient(problem.fun, x), rtol=1e-7, atol=1e-7
    )
    dense = problem.hessian(x).toarray()
    np.testing.assert_allclose(dense, central_difference_jacobian(problem.grad, x), atol=1e-6)
    np.testing.assert_array_equal(dense, dense.T)


def test_chain_quadratic_terms_are_the_formula_term_by_term_and_sum_to_2f():
    problem = ChainQuadratic(300)
    x = np.random.default_rng(3).standard_normal(300) * 1e3
    by_the_formula = [(x[0] - 1) ** 2] + [k * (x[k - 1] - x[k - 2]) ** 2 for k in range(2, 301)]
    np.testing.assert_allclose(problem.terms(x), by_the_formula, rtol=1e-15, atol=0)
    assert problem.fun(x) == pytest.approx(0.5 * math.fsum(by_the_formula), rel=1e-14)


def test_chain_quadratic_minimiser_and_exact_inverse():
    problem = ChainQuadratic(50)
    assert problem.fun(problem.minimizer) == problem.minimum == 0.0
    np.testing.assert_array_equal(problem.grad(problem.minimizer), np.zeros(50))
    v = np.random.default_rng(0).standard_normal(50)
    dense = problem.hessian().toarray()
    np.testing.assert_allclose(
        problem.inverse_hessian_product(v), np.linalg.solve(dense, v), rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(problem.hessian_diagonals()[0], np.diag(dense))


@pytest.mark.parametrize("n", [2, 3, 40])
def test_chain_quadratic_spectrum(n):
    problem = ChainQuadratic(n)
    dense = np.linalg.eigvalsh(problem.hessian().toarray())
    np.testing.assert_allclose(problem.hessian_eigenvalues(), dense, rtol=1e-10)
    smallest, largest = problem.extreme_eigenvalues()
    assert smallest == pytest.approx(dense[0], rel=1e-8)
    assert largest == pytest.approx(dense[-1], rel=1e-10)
    assert problem.condition_number() == pytest.approx(dense[-1] / dense[0], rel=1e-8)


@pytest.mark.parametrize("n", [2, 5, 30])
def test_rosenbrock_matches_scipy(n):
    problem = Rosenbrock(n)
    x = np.random.default_rng(n).uniform(-2, 2, n)
    assert problem.fun(x) == pytest.approx(scipy.optimize.rosen(x), rel=1e-14)
    np.testing.assert_allclose(problem.grad(x), scipy.optimize.rosen_der(x), rtol=1e-13)
    np.testing.assert_allclose(
        problem.hessian(x).toarray(), scipy.optimize.rosen_hess(x), rtol=1e-13, atol=1e-12
    )
    assert problem.fun(problem.minimizer) == problem.minimum
    np.testing.assert_array_equal(problem.grad(problem.minimizer), np.zeros(n))


def test_problems_reject_bad_input():
    with pytest.raises(ValueError, match="n must be at least 1"):
        ChainQuadratic(0)
    with pytest.raises(ValueError, match="n must be at least 2"):
        Rosenbrock(1)
    with pytest.raises(ValueError, match=r"x must have shape \(4,\)"):
        ChainQuadratic(4).fun(np.zeros(3))
    with pytest.raises(ValueError, match=r"x must have shape \(4,\)"):
        Rosenbrock(4).grad(np.zeros((4, 1)))
