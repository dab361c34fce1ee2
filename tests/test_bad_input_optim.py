"""Bad input to mnn.optim: the defects the sweep of issue #16 found, each refused with mnn's own
words (every test here failed before the fix)."""

from __future__ import annotations

import numpy as np
import pytest

from mnn.optim import (
    Armijo,
    ChainQuadratic,
    CurvaturePairs,
    Rosenbrock,
    StrongWolfe,
    bfgs,
    bfgs_direct_update,
    bfgs_inverse_update,
    has_positive_curvature,
    lbfgs,
    newton,
    scipy_lbfgsb,
)
from mnn.optim.objective import Objective

PROBLEM = ChainQuadratic(4)
F, G = PROBLEM.fun, PROBLEM.grad
X0 = PROBLEM.x0
S, Y = np.array([1.0, 0.0]), np.array([0.0, 1.0])  # s^T y = 0


@pytest.mark.parametrize("update", [bfgs_direct_update, bfgs_inverse_update])
def test_bfgs_updates_refuse_pairs_without_positive_curvature(update) -> None:
    # s^T y = 0 returned a matrix of inf and NaN.
    with pytest.raises(ValueError, match=r"the pair \(s, y\) has s\^T y = 0, not safely positive"):
        update(np.eye(2), S, Y)
    with pytest.raises(ValueError, match=r"s\^T y = -2, not safely positive"):
        update(np.eye(2), S, -2 * S)


@pytest.mark.parametrize("update", [bfgs_direct_update, bfgs_inverse_update])
def test_bfgs_updates_check_shapes(update) -> None:
    # Mismatched shapes failed in NumPy's matmul.
    name = "B" if update is bfgs_direct_update else "H"
    with pytest.raises(ValueError, match=rf"{name} must have shape \(3, 3\), got array of shape"):
        update(np.eye(2), np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"y must have shape \(2,\)"):
        update(np.eye(2), S, np.ones(3))
    with pytest.raises(TypeError, match="s must be a NumPy array, got list"):
        update(np.eye(2), [1.0, 0.0], [1.0, 0.0])
    with pytest.raises(ValueError, match=f"{name} must be finite"):
        update(np.full((2, 2), np.nan), S, S)


def test_the_direct_update_needs_b_positive_along_s() -> None:
    with pytest.raises(ValueError, match=r"B is not positive definite along s \(s\^T B s = -1\)"):
        bfgs_direct_update(-np.eye(2), S, S)


def test_has_positive_curvature_checks_shapes() -> None:
    with pytest.raises(ValueError, match=r"y must have shape \(2,\), got array of shape \(3,\)"):
        has_positive_curvature(np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match="s must be a NumPy array, got list"):
        has_positive_curvature([1.0], [1.0])
    assert not has_positive_curvature(np.array([np.nan, 1.0]), np.ones(2))


def test_curvature_pairs_check_what_they_store_and_apply() -> None:
    pairs = CurvaturePairs(2, 3)
    with pytest.raises(ValueError, match=r"s must have shape \(3,\), got array of shape \(2,\)"):
        pairs.push(np.ones(2), np.ones(2))
    # A pair with s^T y < 0 was stored: rho < 0 and H_k indefinite, without a word.
    with pytest.raises(ValueError, match="it would make H_k indefinite"):
        pairs.push(np.ones(3), -np.ones(3))
    assert len(pairs) == 0
    # A vector of the wrong length was multiplied by H_k^0 and returned.
    with pytest.raises(ValueError, match=r"v must have shape \(3,\), got array of shape \(2,\)"):
        pairs.inverse_hessian_product(np.ones(2), lambda q: q)
    with pytest.raises(TypeError, match="initial must be a callable"):
        pairs.inverse_hessian_product(np.ones(3), None)
    with pytest.raises(ValueError, match=r"initial\(q\) must have shape \(3,\)"):
        pairs.inverse_hessian_product(np.ones(3), lambda q: q[:2])


@pytest.mark.parametrize(
    "build",
    [lambda: CurvaturePairs(10, 2**40), lambda: ChainQuadratic(2**40), lambda: Rosenbrock(2**40)],
)
def test_sizes_beyond_memory_are_refused_before_allocating(build) -> None:
    # ChainQuadratic and CurvaturePairs raised NumPy's MemoryError; Rosenbrock accepted it.
    with pytest.raises(ValueError, match=r"would need [\d.]+ TB, more than the .* that mnn allows"):
        build()


def test_bfgs_refuses_a_dense_matrix_beyond_memory() -> None:
    with pytest.raises(ValueError, match=r"the dense 1000000 x 1000000 .*; use lbfgs for large n"):
        bfgs(lambda x: 0.0, lambda x: np.zeros_like(x), np.ones(10**6))


SEARCHES = [StrongWolfe(), Armijo()]


def search_arguments(**changes):
    objective = Objective(F, G, 4)
    arguments = {
        "objective": objective,
        "x": X0,
        "fun": F(X0),
        "grad": G(X0),
        "p": -G(X0),
        "step": 1.0,
    }
    return arguments | changes


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"step": 0.0}, ValueError, "step must be a real number greater than 0, got 0.0"),
        ({"step": np.nan}, ValueError, "step must be a real number greater than 0, got nan"),
        ({"step": -1.0}, ValueError, "step must be .* greater than 0, got -1.0"),
        ({"p": np.ones(3)}, ValueError, r"p must have shape \(4,\)"),
        ({"grad": [0.0] * 4}, TypeError, "grad must be a NumPy array"),
        ({"x": np.zeros(4, dtype=int)}, TypeError, "x must have a floating dtype"),
        ({"fun": np.nan}, ValueError, "fun must be a finite real number"),
        ({"objective": F}, TypeError, r"objective must be an mnn\.optim\.objective\.Objective"),
    ],
)
def test_line_searches_check_their_arguments(search, changes, error, message) -> None:
    # Step 0, NaN or negative returned a failed search blaming f and its gradient.
    with pytest.raises(error, match=message):
        search(**search_arguments(**changes))


@pytest.mark.parametrize("search", SEARCHES)
def test_a_direction_with_nan_is_named_as_such(search) -> None:
    p = np.array([-1.0, np.nan, 0.0, 0.0])
    result = search(**search_arguments(p=p))
    assert not result.success
    assert "g^T p = nan is not finite" in result.message


def test_line_search_given_as_an_array_is_refused() -> None:
    # np.array(["wolfe"]) == "wolfe" is array([True]): the run went on with StrongWolfe.
    with pytest.raises(TypeError, match=r"line_search must be 'wolfe', 'armijo'.*got array"):
        lbfgs(F, G, X0, line_search=np.array(["wolfe"]))


def test_form_given_as_an_array_is_refused() -> None:
    # The shared check_choice raised "truth value of an array ... is ambiguous".
    with pytest.raises(ValueError, match=r"form must be one of 'inverse', 'direct'; got array"):
        bfgs(F, G, X0, form=np.array(["inverse", "direct"]))


def test_a_complex_sparse_hessian_is_blamed_on_hess() -> None:
    # The complex Newton step reached x, and the error blamed fun's (or grad's) input.
    with pytest.raises(TypeError, match=r"hess\(x\) must have a floating dtype, got a sparse"):
        newton(F, G, lambda x: PROBLEM.hessian().astype(complex), X0)


def test_scipy_lbfgsb_does_not_call_a_nan_objective_a_success() -> None:
    result = scipy_lbfgsb(lambda x: float("nan"), lambda x: np.zeros_like(x), np.zeros(3))
    assert not result.success
    assert "f = nan is not finite at the returned x" in result.message


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ((F, G, np.array([np.nan, 0, 0, 0])), ValueError, "x0 must be finite"),
        ((F, G, [0.0] * 4), TypeError, "x0 must be a NumPy array"),
        (("f", G, X0), TypeError, r"fun must be a callable used as fun\(x\)"),
        ((F, None, X0), TypeError, "grad must be a callable"),
    ],
)
def test_scipy_lbfgsb_checks_its_arguments(arguments, error, message) -> None:
    with pytest.raises(error, match=message):
        scipy_lbfgsb(*arguments)
