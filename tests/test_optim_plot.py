"""mnn.viz.plot_convergence draws exactly the recorded history of an optimiser."""

from types import SimpleNamespace

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


def test_results_must_be_a_mapping_from_labels_to_results():
    problem = ChainQuadratic(3)
    result = lbfgs(problem.fun, problem.grad, problem.x0)
    for results in ([result], result):
        with pytest.raises(TypeError, match=r"results must map legend labels to results"):
            plot_convergence(results)
    with pytest.raises(TypeError, match=r"results\['a'\] has no history"):
        plot_convergence({"a": object()})
    with pytest.raises(
        KeyError, match=r"results\['a'\]\.history has no 'grad_norm'; it has \['fun'\]"
    ):
        plot_convergence({"a": SimpleNamespace(history={"fun": np.ones(2)})})
    with pytest.raises(ValueError, match=r"results is empty"):
        plot_convergence({})


def test_function_values_below_the_given_minimum_are_refused():
    # f(x) = |x|^2 / 2 - sum(x) has f* = -1.5 in 3 dimensions; with the default minimum 0 every
    # f(x_k) - f* would be negative and the curve silently empty.
    result = lbfgs(lambda x: 0.5 * float(x @ x) - float(x.sum()), lambda x: x - 1.0, np.zeros(3))
    with pytest.raises(ValueError, match=r"f\(x_k\) goes down to -1.5, below minimum = 0"):
        plot_convergence({"a": result}, "fun")
    ax = plot_convergence({"a": result}, "fun", minimum=-1.5)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata()[0], 1.5)
    plt.close(ax.figure)
