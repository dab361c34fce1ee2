"""Newton, BFGS and L-BFGS: convergence to the known minimiser, Wolfe steps, honest stopping."""

import itertools
import math

import numpy as np
import pytest
import scipy.sparse
from optim_oracles import product_form

from mnn.optim import ChainQuadratic, Rosenbrock, StrongWolfe, bfgs, lbfgs, newton

C1, C2 = StrongWolfe().c1, StrongWolfe().c2


def run(method, problem, **options):
    if method == "newton":
        return newton(problem.fun, problem.grad, problem.hessian, problem.x0, **options)
    solver = {"bfgs": bfgs, "lbfgs": lbfgs}[method]
    return solver(problem.fun, problem.grad, problem.x0, **options)


CHAIN = ChainQuadratic(100)
VARIANTS = {
    "newton": ("newton", {}),
    "bfgs": ("bfgs", {}),
    "bfgs-direct": ("bfgs", {"form": "direct"}),
    "bfgs-armijo": ("bfgs", {"line_search": "armijo"}),
    "lbfgs-scaled": ("lbfgs", {"gamma": "scaled"}),
    "lbfgs-gamma1": ("lbfgs", {"gamma": 1.0}),
    "lbfgs-m3": ("lbfgs", {"m": 3}),
    "lbfgs-armijo": ("lbfgs", {"line_search": "armijo"}),
    "lbfgs-jacobi": ("lbfgs", {"H0": 1.0 / CHAIN.hessian_diagonals()[0]}),
    "lbfgs-exact-inverse": ("lbfgs", {"H0": CHAIN.inverse_hessian_product}),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_method_reaches_the_minimiser_of_the_chain_quadratic(variant):
    method, options = VARIANTS[variant]
    result = run(method, CHAIN, gtol=1e-8, **options)
    assert result.success, result.message
    g = CHAIN.grad(result.x)
    assert np.abs(g).max() <= 1e-8
    assert result.grad_norm == np.abs(g).max()
    assert result.fun == CHAIN.fun(result.x)
    np.testing.assert_allclose(result.x, CHAIN.minimizer, rtol=0, atol=1e-6)
    assert result.history["fun"].shape == result.history["grad_norm"].shape == (result.nit + 1,)
    assert result.history["grad_norm"][-1] == result.grad_norm


@pytest.mark.parametrize("method", ["newton", "bfgs", "lbfgs"])
def test_every_method_solves_rosenbrock(method):
    problem = Rosenbrock(30)
    result = run(method, problem, gtol=1e-8, maxiter=2000)
    assert result.success, result.message
    np.testing.assert_allclose(result.x, problem.minimizer, rtol=0, atol=1e-7)


@pytest.mark.parametrize("n", [10, 1000])
def test_newton_solves_the_quadratic_in_one_step(n):
    problem = ChainQuadratic(n)
    result = newton(problem.fun, problem.grad, problem.hessian, problem.x0, gtol=1e-9)
    assert result.success and result.nit == 1 and result.nhev == 1
    assert result.history["step"][1] == 1.0
    np.testing.assert_allclose(result.x, problem.minimizer, rtol=0, atol=1e-10)


def test_newton_accepts_a_dense_hessian():
    problem = Rosenbrock(5)
    result = newton(
        problem.fun, problem.grad, lambda x: problem.hessian(x).toarray(), problem.x0, gtol=1e-10
    )
    assert result.success
    np.testing.assert_allclose(result.x, problem.minimizer, atol=1e-9)


def test_lbfgs_with_the_exact_inverse_hessian_is_newton():
    problem = ChainQuadratic(200)
    result = lbfgs(
        problem.fun, problem.grad, problem.x0, H0=problem.inverse_hessian_product, gtol=1e-9
    )
    assert result.success and result.nit == 1
    np.testing.assert_allclose(result.x, problem.minimizer, atol=1e-10)


def test_direct_and_inverse_bfgs_take_the_same_steps():
    problem = Rosenbrock(8)
    inverse = bfgs(problem.fun, problem.grad, problem.x0, gtol=1e-8)
    direct = bfgs(problem.fun, problem.grad, problem.x0, gtol=1e-8, form="direct")
    assert inverse.nit == direct.nit
    np.testing.assert_allclose(inverse.history["fun"], direct.history["fun"], rtol=1e-6, atol=1e-14)


@pytest.mark.parametrize("form", ["inverse", "direct"])
def test_bfgs_scales_the_identity_before_its_first_update(form):
    # The second step must follow -H_1 g_1 with H_1 the update of (y0's / y0'y0) I (Nocedal &
    # Wright eq. 6.20), built densely here; the unscaled identity gives another direction.
    problem = Rosenbrock(6)
    iterates = []
    bfgs(problem.fun, problem.grad, problem.x0, form=form, maxiter=2,
         callback=lambda it: iterates.append((it.x.copy(), it.grad.copy(), it.step)))  # fmt: skip
    (x1, g1, _), (x2, _, step2) = iterates
    s, y = x1 - problem.x0, g1 - problem.grad(problem.x0)
    scaled = product_form((y @ s) / (y @ y) * np.eye(6), s, y)
    np.testing.assert_allclose(x2 - x1, -step2 * scaled @ g1, rtol=1e-9, atol=1e-14)
    unscaled = product_form(np.eye(6), s, y)
    assert not np.allclose(x2 - x1, -step2 * unscaled @ g1, rtol=1e-3)


@pytest.mark.parametrize("method", ["newton", "bfgs", "lbfgs"])
@pytest.mark.parametrize("problem", [Rosenbrock(10), ChainQuadratic(30)], ids=repr)
def test_strong_wolfe_conditions_hold_at_every_accepted_step(method, problem):
    iterates = [(problem.x0, problem.fun(problem.x0), problem.grad(problem.x0))]

    def record(iterate):
        iterates.append((iterate.x.copy(), problem.fun(iterate.x), problem.grad(iterate.x)))

    result = run(method, problem, gtol=1e-8, maxiter=500, callback=record)
    assert result.success
    assert len(iterates) == result.nit + 1
    for (x, f, g), (x_next, f_next, g_next) in itertools.pairwise(iterates):
        s = x_next - x  # = alpha p, so both conditions can be checked in terms of s
        assert f_next <= f + C1 * (g @ s)
        assert abs(g_next @ s) <= C2 * abs(g @ s)


@pytest.mark.parametrize("line_search, skips", [("armijo", True), ("wolfe", False)])
def test_curvature_safeguard_skips_pairs_with_negative_curvature(line_search, skips):
    """f = sum(x^4/4 - x^2/2) is concave near 0, so a short Armijo step can give s^T y < 0."""

    def fun(x):
        return float(np.sum(x**4 / 4 - x**2 / 2))

    def grad(x):
        return x**3 - x

    x0 = np.array([0.1, 0.2])
    for method in (bfgs, lbfgs):
        result = method(fun, grad, x0, gtol=1e-9, line_search=line_search)
        assert result.success
        assert (result.skipped_updates > 0) == skips
        np.testing.assert_allclose(np.abs(result.x), [1.0, 1.0], atol=1e-8)


def test_non_descent_direction_stops_with_a_message():
    problem = ChainQuadratic(10)
    result = lbfgs(problem.fun, problem.grad, problem.x0, H0=lambda v: -v)
    assert not result.success and result.nit == 0
    assert "not a descent direction" in result.message and "H0" in result.message
    result = newton(problem.fun, problem.grad, lambda x: -problem.hessian(x), problem.x0)
    assert not result.success
    assert "not a descent direction" in result.message


def test_singular_hessian_stops_with_a_message():
    problem = ChainQuadratic(4)
    result = newton(problem.fun, problem.grad, lambda x: np.zeros((4, 4)), problem.x0)
    assert not result.success
    assert "singular" in result.message


def test_nan_objective_stops_with_a_message():
    problem = ChainQuadratic(5)
    nan_fun = lambda x: math.nan  # noqa: E731
    for result in (
        newton(nan_fun, problem.grad, problem.hessian, problem.x0),
        bfgs(nan_fun, problem.grad, problem.x0),
        lbfgs(nan_fun, problem.grad, problem.x0),
    ):
        assert not result.success and result.nit == 0
        assert "not finite" in result.message
        assert math.isnan(result.fun)


def test_nan_objective_along_the_way_stops_with_a_message():
    problem = ChainQuadratic(5)

    def fun(x):
        return math.nan if np.abs(x).max() > 0.3 else problem.fun(x)

    result = lbfgs(fun, problem.grad, problem.x0)
    assert not result.success
    assert "line search failed" in result.message
    assert result.nit >= 1 and np.abs(result.x).max() <= 0.3


def test_iteration_limit_stops_with_a_message():
    problem = ChainQuadratic(100)
    result = lbfgs(problem.fun, problem.grad, problem.x0, maxiter=7)
    assert not result.success and result.nit == 7
    assert "iteration limit" in result.message
    assert result.history["fun"].shape == (8,)
    assert np.all(np.diff(result.history["fun"]) < 0)


def test_callback_sees_every_iterate_read_only_and_can_stop():
    problem = ChainQuadratic(20)
    seen = []

    def callback(iterate):
        seen.append(iterate.k)
        assert iterate.fun == problem.fun(iterate.x)
        with pytest.raises(ValueError, match="read-only"):
            iterate.x[0] = 1.0
        return iterate.k == 3

    result = bfgs(problem.fun, problem.grad, problem.x0, callback=callback)
    assert seen == [1, 2, 3]
    assert not result.success and result.nit == 3
    assert "callback" in result.message


def test_counts_are_the_calls_actually_made():
    problem = Rosenbrock(4)
    calls = {"f": 0, "g": 0}

    def fun(x):
        calls["f"] += 1
        return problem.fun(x)

    def grad(x):
        calls["g"] += 1
        return problem.grad(x)

    result = lbfgs(fun, grad, problem.x0, line_search="armijo")
    assert (result.nfev, result.ngev) == (calls["f"], calls["g"])
    assert result.ngev == result.nit + 1  # Armijo evaluates the gradient once per step


@pytest.mark.parametrize("sparse", [False, True])
def test_non_finite_hessian_stops_with_a_message(sparse):
    problem = ChainQuadratic(4)

    def hess(x):
        matrix = problem.hessian(x).toarray()
        matrix[1, 1] = math.nan
        return scipy.sparse.csr_array(matrix) if sparse else matrix

    result = newton(problem.fun, problem.grad, hess, problem.x0)
    assert not result.success and result.nit == 0
    assert "hess(x) has 1 NaN or infinite entries" in result.message


def test_newton_step_solves_the_system_as_given_dense_or_sparse():
    # A non-symmetric matrix (a wrong Hessian) must still give p = -H^{-1} g, the same for the
    # dense and the sparse path, not a solve with one triangle mirrored.
    rng = np.random.default_rng(0)
    hessian = np.diag([4.0, 5.0, 6.0]) + np.triu(rng.uniform(1.0, 2.0, (3, 3)), 1)
    x0 = np.array([1.0, -1.0, 2.0])
    fun, grad = (lambda x: 0.5 * float(x @ x)), (lambda x: x.copy())
    expected = x0 - np.linalg.solve(hessian, x0)
    for hess in (lambda x: hessian, lambda x: scipy.sparse.csc_array(hessian)):
        result = newton(fun, grad, hess, x0, maxiter=1, line_search="armijo")
        np.testing.assert_allclose(result.x, expected, rtol=1e-12)


@pytest.mark.parametrize("returned", [1.0, np.zeros(3), "stop"])
def test_callback_returning_something_else_than_a_bool_or_none_is_refused(returned):
    problem = ChainQuadratic(3)
    with pytest.raises(TypeError, match=r"callback\(iterate\) must return None, True or False"):
        lbfgs(problem.fun, problem.grad, problem.x0, callback=lambda iterate: returned)


@pytest.mark.parametrize("returned, stops", [(None, False), (False, False), (np.True_, True)])
def test_callback_returning_none_or_a_bool(returned, stops):
    problem = ChainQuadratic(3)
    result = lbfgs(problem.fun, problem.grad, problem.x0, callback=lambda iterate: returned)
    assert result.success != stops and (result.nit == 1) == stops


def test_result_arrays_are_the_callers_to_change():
    problem = ChainQuadratic(3)
    for result in (
        lbfgs(problem.fun, problem.grad, problem.x0),
        newton(problem.fun, problem.grad, problem.hessian, problem.x0),
    ):
        result.x[0] += 1.0
        result.grad[0] += 1.0
        assert problem.fun(result.x) > 0.0


@pytest.mark.parametrize("method", ["bfgs", "lbfgs"])
def test_a_gradient_written_into_one_reused_buffer_gives_the_same_run(method):
    # y_k = g_{k+1} - g_k must not become 0 because grad returns the same array every time.
    problem = ChainQuadratic(30)
    buffer = np.empty(30)

    def grad_into_buffer(x):
        buffer[:] = problem.grad(x)
        return buffer

    solver = {"bfgs": bfgs, "lbfgs": lbfgs}[method]
    fresh = solver(problem.fun, problem.grad, problem.x0, gtol=1e-8)
    reused = solver(problem.fun, grad_into_buffer, problem.x0, gtol=1e-8)
    assert reused.success and reused.skipped_updates == 0
    assert reused.nit == fresh.nit
    np.testing.assert_allclose(reused.x, np.ones(30), atol=1e-6)


@pytest.mark.parametrize("maxiter", [3, 10_000])
def test_a_printed_result_states_its_counts_in_lines_that_fit_the_book(maxiter):
    problem = ChainQuadratic(300)
    result = lbfgs(problem.fun, problem.grad, problem.x0, maxiter=maxiter)
    lines = str(result).splitlines()
    assert max(len(line) for line in lines) <= 90
    assert lines[0].startswith(f"lbfgs {'converged' if result.success else 'did not converge'}")
    assert f"after {result.nit} iterations" in lines[0]
    assert f"{result.nfev} f, {result.ngev} grad, 0 Hessian" in lines[1]
    assert lines[2] == result.message
