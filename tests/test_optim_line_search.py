"""The line searches against the conditions they promise, on one-dimensional slices."""

import math

import numpy as np
import pytest

from mnn.optim import Armijo, ChainQuadratic, Rosenbrock, StrongWolfe, bfgs
from mnn.optim.objective import Objective


def objective_of(problem):
    return Objective(problem.fun, problem.grad, problem.n)


def assert_strong_wolfe(problem, x, p, step, c1, c2):
    """Check the conditions from scratch with the problem's own f and gradient."""
    f0, slope0 = problem.fun(x), problem.grad(x) @ p
    x_new = x + step * p
    assert problem.fun(x_new) <= f0 + c1 * step * slope0
    assert abs(problem.grad(x_new) @ p) <= c2 * abs(slope0)


@pytest.mark.parametrize("first_step", [1e-6, 1e-2, 1.0, 1e3])
@pytest.mark.parametrize("seed", range(4))
def test_strong_wolfe_step_satisfies_both_conditions(first_step, seed):
    rng = np.random.default_rng(seed)
    problem = Rosenbrock(6)
    x = rng.uniform(-1.5, 1.5, 6)
    p = -problem.grad(x) * rng.uniform(0.1, 2.0, 6)  # a descent direction, not steepest descent
    search = StrongWolfe(c1=1e-4, c2=0.5)
    found = search(objective_of(problem), x, problem.fun(x), problem.grad(x), p, first_step)
    assert found.success, found.message
    assert_strong_wolfe(problem, x, p, found.step, 1e-4, 0.5)
    np.testing.assert_array_equal(found.x, x + found.step * p)
    assert found.fun == problem.fun(found.x)
    np.testing.assert_array_equal(found.grad, problem.grad(found.x))


def test_strong_wolfe_is_exact_on_a_quadratic_after_one_interpolation():
    problem = ChainQuadratic(20)
    x = problem.x0
    g = problem.grad(x)
    objective = objective_of(problem)
    found = StrongWolfe()(objective, x, problem.fun(x), g, -g, 1.0)
    A = problem.hessian().toarray()
    exact = (g @ g) / (g @ A @ g)  # the minimiser of f(x - t g)
    assert found.step == pytest.approx(exact, rel=1e-10)
    assert objective.nfev == objective.ngev == 2


def test_armijo_step_satisfies_sufficient_decrease_and_backtracks_geometrically():
    problem = Rosenbrock(4)
    x = np.array([-1.2, 1.0, -1.2, 1.0])
    g = problem.grad(x)
    found = Armijo(c1=1e-4, shrink=0.5)(objective_of(problem), x, problem.fun(x), g, -g, 1.0)
    assert found.success
    assert problem.fun(found.x) <= problem.fun(x) - 1e-4 * found.step * (g @ g)
    assert found.step < 1.0
    assert math.log2(found.step) == int(math.log2(found.step))  # a power of 1/2
    assert problem.fun(x - 2 * found.step * g) > problem.fun(x) - 2e-4 * found.step * (g @ g)


@pytest.mark.parametrize(
    "search, expected_step", [(StrongWolfe(c1=0.4, c2=0.9), 1.0), (Armijo(c1=0.4), 0.9)]
)
def test_a_step_that_decreases_f_too_little_is_refused(search, expected_step):
    # f(x) = ||x||^2 / 2 along p = -x: f(x + t p) = (1 - t)^2 f(x), slope -2 f(x). Sufficient
    # decrease with c1 = 0.4 needs t <= 2 (1 - c1) = 1.2; the trial t = 1.8 lowers f, and meets
    # the curvature condition |t - 1| <= c2, but not that. By hand: the Wolfe search's cubic
    # interpolation lands on the exact minimiser t = 1, Armijo halves 1.8 once.
    x = np.array([1.0, -2.0])

    def fun(v):
        return 0.5 * float(v @ v)

    def grad(v):
        return v.copy()

    found = search(Objective(fun, grad, 2), x, fun(x), grad(x), -x, 1.8)
    assert found.success
    assert found.step == pytest.approx(expected_step, rel=1e-12)
    assert fun(found.x) <= fun(x) + 0.4 * found.step * (grad(x) @ -x)


@pytest.mark.parametrize("search", [StrongWolfe(), Armijo()])
def test_non_descent_direction_is_reported(search):
    problem = ChainQuadratic(5)
    x = problem.x0
    g = problem.grad(x)
    found = search(objective_of(problem), x, problem.fun(x), g, g, 1.0)
    assert not found.success
    assert "not a descent direction" in found.message
    assert found.x is None and math.isnan(found.step)


@pytest.mark.parametrize("search", [StrongWolfe(), Armijo()])
def test_nan_beyond_a_boundary_counts_as_too_long(search):
    def fun(x):
        return math.nan if x[0] > 0.5 else 0.5 * float(x @ x) - x[0]

    def grad(x):
        return x - np.array([1.0, 0.0])

    x = np.array([-1.0, 0.0])
    found = search(Objective(fun, grad, 2), x, fun(x), grad(x), np.array([1.0, 0.0]), 10.0)
    assert found.success
    assert found.x[0] <= 0.5 and math.isfinite(found.fun)


def test_unbounded_objective_makes_the_wolfe_search_fail_with_a_message():
    def fun(x):
        return -float(x[0])

    def grad(x):
        return np.array([-1.0])

    search = StrongWolfe(max_evals=10)
    found = search(Objective(fun, grad, 1), np.zeros(1), 0.0, grad(0), np.ones(1))
    assert not found.success
    assert "unbounded below" in found.message


def test_line_search_constants_are_checked():
    with pytest.raises(ValueError, match="0 < c1 < c2 < 1"):
        StrongWolfe(c1=0.95, c2=0.9)
    with pytest.raises(ValueError, match="c2 must be finite and greater than 0"):
        StrongWolfe(c2=-1.0)
    with pytest.raises(ValueError, match="0 < shrink < 1"):
        Armijo(shrink=1.5)
    with pytest.raises(TypeError, match="max_evals must be an integer"):
        Armijo(max_evals=2.5)


@pytest.mark.parametrize("search", [StrongWolfe(), Armijo()])
def test_a_step_too_short_to_change_x_is_refused(search):
    # f = 1 + 1e-20 |x|^2 rounds to exactly 1 and x - alpha g rounds to x for alpha <= 1, so
    # "f_new <= f + c1 alpha slope" holds by rounding alone, for a step that changes nothing.
    problem = Objective(lambda x: 1.0 + 1e-20 * float(x @ x), lambda x: 2e-20 * x, 2)
    x = np.array([1.0, -2.0])
    g = problem.grad(x)
    found = search(problem, x, problem.fun(x), g, -g, 1.0)
    assert not found.success and found.x is None
    assert "rounding errors dominate" in found.message


def test_armijo_methods_stop_when_rounding_dominates_instead_of_idling():
    rng = np.random.default_rng(1)
    root = rng.standard_normal((30, 30))
    hessian, b = root @ root.T + 0.1 * np.eye(30), rng.standard_normal(30)
    result = bfgs(
        lambda x: 0.5 * float(x @ hessian @ x) - float(b @ x),
        lambda x: hessian @ x - b,
        np.zeros(30),
        gtol=1e-12,
        maxiter=300,
        line_search="armijo",
    )
    assert not result.success and result.nit < 100
    assert "too short to change x" in result.message and result.skipped_updates == 0
