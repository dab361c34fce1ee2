r"""Chapter 5's answer checker: the LRP-:math:`\gamma` rule for one dense layer.

The layer reads non-negative activations :math:`a_j` (after a ReLU) with the weights
:math:`w_{jk}` laid out as Keras stores them, (inputs, outputs), and no bias. The course's rule
shares the relevance :math:`R_k` of output :math:`k` among the inputs in proportion to their
contributions with the positive weights amplified, :math:`\rho(w) = w + \gamma w^+`:

.. math::

    R_j = \sum_k \frac{a_j \rho(w_{jk})}{\epsilon + \sum_{j'} a_{j'} \rho(w_{j'k})}\, R_k ,
    \qquad \epsilon = 10^{-9}.

Every case has positive outputs :math:`z_k = \sum_j a_j w_{jk}`, where this is also what
:class:`mnn.explain.lrp.rules.Gamma` computes (this package's tests check the two agree on
PyTorch layers).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .checking import Case, CheckReport, Mistake, run_checks

LRP_GAMMA_DENSE = "lrp_gamma_dense(a, weights, relevance, gamma) -> relevance_in"
#: The course's stabiliser, added to every denominator.
EPSILON = 1e-9


def _rho(weights: np.ndarray, gamma: float) -> np.ndarray:
    return weights + gamma * np.maximum(weights, 0.0)


def lrp_gamma_dense(
    a: np.ndarray, weights: np.ndarray, relevance: np.ndarray, gamma: float
) -> np.ndarray:
    """The reference: (n_in,), (n_in, n_out), (n_out,) and gamma -> (n_in,)."""
    rho = _rho(weights, gamma)
    return a * (rho @ (relevance / (EPSILON + a @ rho)))


def _positive_layer(
    rng: np.random.Generator, n_in: int, n_out: int
) -> tuple[np.ndarray, np.ndarray]:
    """Activations >= 0 and weights with every output positive (a dense layer after a ReLU)."""
    while True:
        a = np.maximum(rng.standard_normal(n_in), 0.0)
        weights = rng.standard_normal((n_in, n_out))
        if a.any() and np.all(a @ weights > 0.1):
            return a, weights


def check_lrp_gamma_dense(function: Callable[..., np.ndarray]) -> CheckReport:
    """Check the LRP-gamma rule of a dense layer: ``lrp_gamma_dense(a, weights, relevance,
    gamma)``.

    Parameters
    ----------
    function
        ``function(a, weights, relevance, gamma)`` with ``a`` (n_in,) non-negative,
        ``weights`` (n_in, n_out), ``relevance`` (n_out,) and ``gamma`` >= 0 a float; returns
        the inputs' relevance (n_in,), with the stabiliser :data:`EPSILON` in the denominator.

    Returns
    -------
    CheckReport
    """
    rng = np.random.default_rng(13)
    inputs = [
        (
            "one input, one output: all the relevance goes to the input",
            np.array([2.0]),
            np.array([[0.5]]),
            np.array([3.0]),
            0.25,
        ),
        (
            "gamma = 0 is LRP-0: shares a_j w_jk / z_k",
            np.array([1.0, 2.0]),
            np.array([[1.0], [0.5]]),
            np.array([1.0]),
            0.0,
        ),
        (
            "a negative weight: its share shrinks as gamma grows",
            np.array([1.0, 1.0]),
            np.array([[2.0], [-1.0]]),
            np.array([1.0]),
            1.0,
        ),
        (
            "an inactive input (a_j = 0) gets nothing",
            np.array([0.0, 1.0, 3.0]),
            np.array([[5.0, 1.0], [1.0, -1.0], [0.5, 1.0]]),
            np.array([2.0, -1.0]),
            0.5,
        ),
    ]
    for n_in, n_out, gamma in ((6, 4, 0.25), (20, 10, 1.0)):
        a, weights = _positive_layer(rng, n_in, n_out)
        inputs.append(
            (
                f"random layer of {n_in} inputs and {n_out} outputs, gamma = {gamma}",
                a,
                weights,
                rng.uniform(-1, 2, n_out),
                gamma,
            )
        )
    cases = [
        Case(
            description,
            {"a": a, "weights": weights, "relevance": relevance, "gamma": gamma},
            {"relevance_in": lrp_gamma_dense(a, weights, relevance, gamma)},
        )
        for description, a, weights, relevance, gamma in inputs
    ]
    mistakes = [
        Mistake(
            "gamma is ignored (LRP-0)",
            lambda a, weights, relevance, gamma: lrp_gamma_dense(a, weights, relevance, 0.0),
        ),
        Mistake(
            "the result is not multiplied by the activations a_j",
            lambda a, weights, relevance, gamma: (
                _rho(weights, gamma) @ (relevance / (EPSILON + a @ _rho(weights, gamma)))
            ),
        ),
        Mistake(
            "the denominator is the plain z_k = sum_j a_j w_jk instead of sum_j a_j rho(w_jk)",
            lambda a, weights, relevance, gamma: (
                a * (_rho(weights, gamma) @ (relevance / (EPSILON + a @ weights)))
            ),
        ),
        Mistake(
            "the numerator uses w where the denominator uses rho(w) = w + gamma w^+",
            lambda a, weights, relevance, gamma: (
                a * (weights @ (relevance / (EPSILON + a @ _rho(weights, gamma))))
            ),
        ),
    ]
    return run_checks("lrp_gamma_dense", LRP_GAMMA_DENSE, function, cases, mistakes=mistakes)
