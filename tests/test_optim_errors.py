"""Bad input to mnn.optim gets an error that names the argument and what was expected."""

import numpy as np
import pytest
import scipy.sparse
import scipy.sparse.linalg

from mnn.optim import ChainQuadratic, bfgs, lbfgs, newton

PROBLEM = ChainQuadratic(4)
F, G, HESS = PROBLEM.fun, PROBLEM.grad, PROBLEM.hessian
X0 = PROBLEM.x0


@pytest.mark.parametrize(
    "x0, error, match",
    [
        (np.zeros((2, 2)), ValueError, r"x0 must have 1 dimension.*use x0.ravel\(\)"),
        ([0.0, 0.0, 0.0, 0.0], TypeError, "x0 must be a NumPy array"),
        (np.zeros(4, dtype=int), TypeError, r"x0 must have a floating dtype.*x0.astype\(float\)"),
        (np.array([0.0, np.nan, 0.0, 0.0]), ValueError, "x0 must be finite, but 1 of its 4"),
        (np.zeros(0), ValueError, "x0 must have at least one entry"),
    ],
)
@pytest.mark.parametrize("method", ["newton", "bfgs", "lbfgs"])
def test_bad_starting_point(method, x0, error, match):
    with pytest.raises(error, match=match):
        if method == "newton":
            newton(F, G, HESS, x0)
        else:
            {"bfgs": bfgs, "lbfgs": lbfgs}[method](F, G, x0)


def test_starting_point_of_the_wrong_length_reaches_the_problem():
    with pytest.raises(ValueError, match=r"x must have shape \(4,\)"):
        lbfgs(F, G, np.zeros(5))


@pytest.mark.parametrize(
    "fun, match",
    [
        (lambda x: x, r"fun\(x\) must return a real scalar, got array of shape \(4,\)"),
        (lambda x: np.array([1.0]), "use value.item"),
        (lambda x: "1.0", "got str"),
        (lambda x: True, "got bool"),
    ],
)
def test_objective_returning_a_non_scalar(fun, match):
    with pytest.raises(TypeError, match=match):
        bfgs(fun, G, X0)


def test_objective_may_return_numpy_scalars_and_0d_arrays():
    for fun in (lambda x: np.float64(F(x)), lambda x: np.array(F(x)), lambda x: np.float32(F(x))):
        assert lbfgs(fun, G, X0, gtol=1e-6).success


@pytest.mark.parametrize(
    "grad, error, match",
    [
        (
            lambda x: np.zeros(3),
            ValueError,
            r"grad\(x\) must have shape \(4,\), got array of shape",
        ),
        (lambda x: np.zeros((4, 1)), ValueError, r"grad\(x\) must have shape \(4,\)"),
        (lambda x: list(G(x)), TypeError, r"grad\(x\) must be a NumPy array"),
        (lambda x: np.zeros(4, dtype=int), TypeError, r"grad\(x\) must have a floating dtype"),
    ],
)
@pytest.mark.parametrize("method", [bfgs, lbfgs])
def test_gradient_of_the_wrong_shape_or_type(method, grad, error, match):
    with pytest.raises(error, match=match):
        method(F, grad, X0)


@pytest.mark.parametrize(
    "hess, error, match",
    [
        (lambda x: np.eye(3), ValueError, r"hess\(x\) must have shape \(4, 4\)"),
        (lambda x: HESS(x)[:3, :3], ValueError, r"hess\(x\) must have shape \(4, 4\)"),
        (lambda x: [[1.0]], TypeError, r"hess\(x\) must return a NumPy array or a scipy.sparse"),
        (
            lambda x: scipy.sparse.linalg.aslinearoperator(np.eye(4)),
            TypeError,
            r"got MatrixLinearOperator of shape \(4, 4\).*a LinearOperator cannot be solved",
        ),
        ("not callable", TypeError, "hess must be a callable used as hess"),
    ],
)
def test_bad_hessian(hess, error, match):
    with pytest.raises(error, match=match):
        newton(F, G, hess, X0)


@pytest.mark.parametrize(
    "options, error, match",
    [
        ({"m": 0}, ValueError, "m must be at least 1"),
        ({"m": 2.0}, TypeError, "m must be an integer"),
        ({"gamma": "auto"}, ValueError, "gamma must be 'scaled' or a positive number"),
        ({"gamma": -1.0}, ValueError, "gamma must be finite and greater than 0"),
        ({"H0": np.ones(3)}, ValueError, r"H0 must have shape \(4,\)"),
        ({"H0": -np.ones(4)}, ValueError, "must be positive; 4 of its 4 entries are <= 0"),
        ({"H0": np.ones((4, 4))}, ValueError, r"H0 must have shape \(4,\).*lambda v: M @ v"),
        ({"H0": scipy.sparse.eye_array(4)}, TypeError, r"H0 must be a callable.*lambda v: M @ v"),
        ({"H0": "identity"}, TypeError, "H0 must be a callable used as H0"),
        ({"H0": lambda v: v[:2]}, ValueError, r"H0\(v\) must have shape \(4,\)"),
        ({"gtol": -1e-5}, ValueError, "gtol must be finite and at least 0"),
        ({"maxiter": 1.5}, TypeError, "maxiter must be an integer"),
        ({"line_search": "exact"}, ValueError, "line_search must be 'wolfe', 'armijo'"),
        ({"callback": 3}, TypeError, "callback must be a callable"),
    ],
)
def test_bad_lbfgs_options(options, error, match):
    with pytest.raises(error, match=match):
        lbfgs(F, G, X0, **options)


def test_bad_bfgs_form_and_callables():
    with pytest.raises(ValueError, match="form must be one of 'inverse', 'direct'"):
        bfgs(F, G, X0, form="B")
    with pytest.raises(TypeError, match="fun must be a callable used as fun"):
        bfgs(None, G, X0)
    with pytest.raises(TypeError, match="grad must be a callable used as grad"):
        bfgs(F, np.zeros(4), X0)
