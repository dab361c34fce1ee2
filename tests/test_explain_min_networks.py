"""The theory sheet's two ReLU networks for min(a1, a2): their values, and their LRP-gamma scores
at a1 = a2 against the analytic answers (R = (a, 0) for the difference, (a/2, a/2) for the
average), in both frameworks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mnn import explain
from mnn.explain.lrp import rules
from mnn.models import MIN_NETWORKS, min_network

RNG = np.random.default_rng(12)
POINTS = RNG.uniform(0, 5, (50, 2))


def values(model, x: np.ndarray) -> np.ndarray:
    if isinstance(model, torch.nn.Module):
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()[:, 0]
    return np.asarray(model(x))[:, 0]


@pytest.mark.parametrize("framework", ["torch", "keras"])
@pytest.mark.parametrize("name", list(MIN_NETWORKS))
def test_both_networks_compute_the_minimum(name, framework):
    model = min_network(name, framework)
    ties = np.repeat(POINTS[:5, :1], 2, axis=1)
    x = np.concatenate([POINTS, ties, [[0.0, 0.0], [0.0, 3.0]]])
    np.testing.assert_allclose(values(model, x), x.min(axis=1), rtol=0, atol=1e-8)


@pytest.mark.parametrize("framework", ["torch", "keras"])
@pytest.mark.parametrize("gamma", [0.0, 0.25, 1.0, 10.0])
def test_lrp_gamma_at_a1_equal_a2_is_all_to_a1_or_half_and_half(framework, gamma):
    a = RNG.uniform(0.5, 3, 4)
    x = np.stack([a, a], axis=1)
    composite = {"dense": rules.Gamma(gamma, stabilizer=1e-12)}
    expected = {
        "difference": np.stack([a, 0 * a], axis=1),
        "average": np.stack([a / 2, a / 2], axis=1),
    }
    for name, relevance in expected.items():
        result = explain.lrp(min_network(name, framework), x, target=0, composite=composite)
        np.testing.assert_allclose(result.relevance, relevance, rtol=0, atol=1e-8)
        np.testing.assert_allclose(result.scores, a, rtol=1e-12)


def test_an_unknown_network_is_refused():
    with pytest.raises(ValueError, match=r"name must be one of 'difference', 'average'"):
        min_network("minimum")
