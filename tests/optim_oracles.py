"""Dense, textbook counterparts that the mnn.optim tests compare with."""

import numpy as np


def random_spd(rng, n):
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (q * rng.uniform(0.5, 3.0, n)) @ q.T


def random_pair(rng, n):
    """A pair with s^T y > 0, as produced by a step on a convex function."""
    s = rng.standard_normal(n)
    y = random_spd(rng, n) @ s
    assert s @ y > 0
    return s, y


def product_form(H, s, y):
    """The textbook H_{k+1} = (I - rho s y^T) H (I - rho y s^T) + rho s s^T, formed densely."""
    rho = 1.0 / (y @ s)
    left = np.eye(len(s)) - rho * np.outer(s, y)
    return left @ H @ left.T + rho * np.outer(s, s)
