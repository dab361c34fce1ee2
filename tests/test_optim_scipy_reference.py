"""mnn.optim.scipy_lbfgsb: SciPy's L-BFGS-B stopped by the gradient test, checked by gradients."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

from mnn.optim import ChainQuadratic, scipy_lbfgsb


def test_stops_by_the_gradient_test_where_scipys_defaults_stop_early() -> None:
    problem = ChainQuadratic(200)
    result = scipy_lbfgsb(problem.fun, problem.grad, problem.x0)
    assert result.success and np.abs(problem.grad(result.x)).max() <= 1e-5
    # With SciPy's default ftol the relative decrease of f stops it far above the gradient test.
    default = scipy.optimize.minimize(
        problem.fun, problem.x0, jac=problem.grad, method="L-BFGS-B", options={"gtol": 1e-5}
    )
    assert np.abs(problem.grad(default.x)).max() > 10 * 1e-5


def test_memory_and_limits_reach_scipy() -> None:
    problem = ChainQuadratic(50)
    long_memory = scipy_lbfgsb(problem.fun, problem.grad, problem.x0, m=50)
    short_memory = scipy_lbfgsb(problem.fun, problem.grad, problem.x0, m=2)
    assert long_memory.nit < short_memory.nit
    capped = scipy_lbfgsb(problem.fun, problem.grad, problem.x0, maxiter=5)
    assert not capped.success and capped.nit == 5


def test_bad_options_are_refused() -> None:
    problem = ChainQuadratic(5)
    with pytest.raises(ValueError, match="m must be at least 1"):
        scipy_lbfgsb(problem.fun, problem.grad, problem.x0, m=0)
    with pytest.raises(ValueError, match="gtol must be finite and at least 0"):
        scipy_lbfgsb(problem.fun, problem.grad, problem.x0, gtol=-1.0)
