"""mnn.viz.plot_convergence draws exactly the recorded history of an optimiser."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mnn.optim import ChainQuadratic, lbfgs, newton
from mnn.viz import plot_convergence


def test_curves_are_the_history():
    problem = ChainQuadratic(12)
    results = {
        "L-BFGS": lbfgs(problem.fun, problem.grad, problem.x0),
        "Newton": newton(problem.fun, problem.grad, problem.hessian, problem.x0),
    }
    ax = plot_convergence(results, "grad_norm", title="n = 12")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["L-BFGS", "Newton"]
    np.testing.assert_array_equal(lines[0].get_ydata(), results["L-BFGS"].history["grad_norm"])
    np.testing.assert_array_equal(lines[0].get_xdata(), np.arange(results["L-BFGS"].nit + 1))
    assert ax.get_yscale() == "log" and ax.get_title() == "n = 12"
    plt.close(ax.figure)


def test_function_values_are_shifted_and_exact_zeros_are_left_out():
    problem = ChainQuadratic(5)
    result = newton(problem.fun, problem.grad, problem.hessian, problem.x0, gtol=1e-12)
    ax = plot_convergence({"Newton": result}, "fun", minimum=-1.0, logx=True)
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), result.history["fun"] + 1.0)
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2])
    plt.close(ax.figure)
    ax = plot_convergence({"Newton": result}, "fun")
    assert np.isnan(ax.get_lines()[0].get_ydata()[-1]) == (result.fun == 0.0)
    plt.close(ax.figure)


def test_unknown_quantity_is_refused():
    with pytest.raises(ValueError, match="quantity must be one of"):
        plot_convergence({}, "step")
