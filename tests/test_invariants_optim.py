"""The BFGS updates on random pairs: symmetry, the secant condition, positive definiteness, and
the direct and inverse forms staying inverse to each other over several updates.

Starts have eigenvalues in [0.5, 3] and pairs are y = A s with A of the same kind, so s^T y > 0;
s and y are scaled by up to a factor 10 either way, so the angle between them, and with it the
conditioning of every update, stays bounded. Each tolerance is a rounding-error bound for the
terms involved (see the test), not a fixed number.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from invariants import examples
from optim_oracles import product_form, random_pair, random_spd

from mnn.optim import bfgs_direct_update, bfgs_inverse_update

EPS = np.finfo(np.float64).eps


def symmetric(matrix: np.ndarray) -> np.ndarray:
    return (matrix + matrix.T) / 2


def norm(a: np.ndarray) -> float:
    """The 2-norm of a vector, the spectral norm of a matrix."""
    return float(np.linalg.norm(a, 2))


def assert_symmetric_positive_definite(matrix: np.ndarray) -> None:
    # Both updates add a symmetric rank-two term made of outer products (u_i v_j + v_i u_j):
    # the result is symmetric to the last bit when the start is.
    np.testing.assert_array_equal(matrix, matrix.T)
    np.linalg.cholesky(matrix)  # raises if not positive definite
    assert np.linalg.eigvalsh(matrix)[0] > 0


@st.composite
def update_sequences(draw):
    """(B, H ≈ B⁻¹, pairs): an SPD start of size n and one to four pairs with s^T y > 0."""
    n = draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    B = symmetric(random_spd(rng, n))
    pairs = []
    for _ in range(draw(st.integers(1, 4))):
        s, y = random_pair(rng, n)
        s_scale, y_scale = (10.0 ** draw(st.floats(-1, 1)) for _ in range(2))
        pairs.append((s_scale * s, y_scale * y))
    return B, symmetric(np.linalg.inv(B)), pairs


@settings(max_examples=examples(4.0))
@given(update_sequences())
def test_updates_keep_symmetry_secant_condition_definiteness_and_each_other_inverse(case):
    # Tolerances are rounding-error bounds, c·n·ε times the size of the terms each update adds
    # and cancels: B - B s sᵀB/(sᵀB s) cancels B's size even when B_{k+1} is small.
    B, H, pairs = case
    n = len(B)
    tolerance = 16 * n * EPS
    for s, y in pairs:
        rho = 1.0 / (y @ s)
        scale_B = norm(B) + rho * (y @ y)
        scale_H = norm(H) + (rho**2 * (y @ H @ y) + rho) * (s @ s) + 2 * rho * norm(s) * norm(H @ y)
        # H_{k+1} - B_{k+1}⁻¹ = V (H_k - B_k⁻¹) Vᵀ with V = I - rho s yᵀ, ‖V‖ = rho ‖s‖ ‖y‖:
        # the gap between H and B⁻¹ so far, carried forward.
        carried = (rho * norm(s) * norm(y)) ** 2 * norm(H @ B - np.eye(n)) * norm(H)
        H_product = product_form(H, s, y)
        B, H = bfgs_direct_update(B, s, y), bfgs_inverse_update(H, s, y)
        for matrix in (B, H):
            assert_symmetric_positive_definite(matrix)
        assert norm(B @ s - y) <= tolerance * scale_B * norm(s)
        assert norm(H @ y - s) <= tolerance * scale_H * norm(y)
        inverse_gap = norm(H @ B - np.eye(n))
        bound = tolerance * (norm(H) * scale_B + norm(B) * scale_H) + carried * norm(B)
        assert inverse_gap <= bound, (inverse_gap, bound)
        assert norm(H - H_product) <= tolerance * scale_H
