"""Line searches: the strong Wolfe conditions, and Armijo backtracking.

Along a descent direction :math:`p` at :math:`x` write :math:`\\phi(\\alpha) = f(x + \\alpha p)`.
A step :math:`\\alpha > 0` satisfies the *strong Wolfe conditions* when

.. math::

    \\phi(\\alpha) \\le \\phi(0) + c_1 \\alpha \\phi'(0) \\quad\\text{(sufficient decrease)},
    \\qquad |\\phi'(\\alpha)| \\le c_2 |\\phi'(0)| \\quad\\text{(curvature)},

with :math:`0 < c_1 < c_2 < 1`. Armijo backtracking asks only for sufficient decrease.
A trial point where :math:`f` or :math:`\\nabla f` is not finite counts as a step that is too long.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validation import (
    check_array,
    check_positive_int,
    check_positive_real,
    check_scalar,
    describe,
)
from .inner_products import dot, norm
from .objective import Objective


@dataclass(frozen=True)
class LineSearchResult:
    """An accepted step, or why none was found.

    Attributes
    ----------
    success
        Whether an acceptable step was found.
    step
        The accepted step length :math:`\\alpha` (NaN on failure).
    x
        :math:`x + \\alpha p`, shape ``(n,)`` (``None`` on failure).
    fun
        :math:`f` there (NaN on failure).
    grad
        :math:`\\nabla f` there, shape ``(n,)`` (``None`` on failure).
    message
        Why the search failed (empty on success).
    """

    success: bool
    step: float
    x: np.ndarray | None
    fun: float
    grad: np.ndarray | None
    message: str = ""


def _failure(message: str) -> LineSearchResult:
    return LineSearchResult(False, math.nan, None, math.nan, None, message)


def _check_search(
    objective: Objective, x: np.ndarray, fun: float, grad: np.ndarray, p: np.ndarray, step: float
) -> float:
    """Check a line search's arguments; return the slope :math:`\\phi'(0) = g^\\top p`."""
    if not isinstance(objective, Objective):
        raise TypeError(
            f"objective must be an mnn.optim.objective.Objective, got {describe(objective)}; "
            "wrap fun and grad as Objective(fun, grad, n)."
        )
    check_array(x, "x", shape=(objective.n,), dtype_kind="f")
    check_scalar(fun, "fun", hint="pass f(x), the objective's finite value at x.")
    check_array(grad, "grad", shape=x.shape, dtype_kind="f")
    check_array(p, "p", shape=x.shape, dtype_kind="f")
    check_scalar(step, "step", low=0.0, include="neither", hint="the first trial step length.")
    return dot(grad, p)


def _not_descent(slope: float) -> LineSearchResult:
    if not math.isfinite(slope):
        return _failure(
            f"g^T p = {slope} is not finite: the gradient or the search direction holds NaN or "
            "infinite values."
        )
    return _failure(
        f"the search direction p is not a descent direction (g^T p = {slope:.3g} >= 0); "
        "for a quasi-Newton method this means the inverse-Hessian approximation lost positive "
        "definiteness (check H0), for Newton that the Hessian is not positive definite here."
    )


def _cubic_minimizer(a: float, fa: float, da: float, b: float, fb: float, db: float) -> float:
    """Minimiser of the cubic through (a, fa, da) and (b, fb, db); NaN if it has none."""
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    radicand = d1 * d1 - da * db
    if not radicand >= 0.0:
        return math.nan
    d2 = math.copysign(math.sqrt(radicand), b - a)
    denominator = db - da + 2.0 * d2
    if denominator == 0.0:
        return math.nan
    return b - (b - a) * (db + d2 - d1) / denominator


class StrongWolfe:
    """Bracketing and zoom line search for the strong Wolfe conditions.

    Nocedal & Wright, *Numerical Optimization*, Algorithms 3.5 and 3.6: first expand the trial
    step until it brackets an acceptable one, then shrink the bracket with safeguarded cubic
    interpolation (bisection when the cubic has no minimiser inside the bracket).

    Parameters
    ----------
    c1, c2
        Sufficient-decrease and curvature constants, ``0 < c1 < c2 < 1``.
    max_evals
        Most trial points per search; each costs one evaluation of :math:`f` and of
        :math:`\\nabla f`.
    """

    def __init__(self, c1: float = 1e-4, c2: float = 0.9, max_evals: int = 20) -> None:
        self.c1 = check_positive_real(c1, "c1")
        self.c2 = check_positive_real(c2, "c2")
        if not self.c1 < self.c2 < 1.0:
            raise ValueError(f"the Wolfe constants need 0 < c1 < c2 < 1, got c1={c1}, c2={c2}.")
        self.max_evals = check_positive_int(max_evals, "max_evals")

    def __repr__(self) -> str:
        return f"StrongWolfe(c1={self.c1}, c2={self.c2}, max_evals={self.max_evals})"

    def __call__(
        self,
        objective: Objective,
        x: np.ndarray,
        fun: float,
        grad: np.ndarray,
        p: np.ndarray,
        step: float = 1.0,
    ) -> LineSearchResult:
        """Search along ``p`` from ``x`` (with ``f = fun``, ``g = grad`` there) from ``step``.

        Parameters
        ----------
        objective
            The counted objective, :class:`~mnn.optim.objective.Objective`, of dimension n.
        x, grad, p
            Floating arrays of shape ``(n,)``: the point, the gradient there, the direction.
        fun
            The finite value of :math:`f` at ``x``.
        step
            The first trial step length, a positive number.

        Returns
        -------
        LineSearchResult
        """
        slope0 = _check_search(objective, x, fun, grad, p, step)
        if not slope0 < 0.0:
            return _not_descent(slope0)
        sufficient = self.c1 * slope0
        flat_enough = -self.c2 * slope0
        evals = 0

        def trial(alpha: float) -> tuple[np.ndarray, float, np.ndarray | None, float]:
            nonlocal evals
            evals += 1
            x_new = x + alpha * p
            f_new = objective.fun(x_new)
            if not math.isfinite(f_new):
                return x_new, math.inf, None, math.nan
            g_new = objective.grad(x_new)
            slope = dot(g_new, p)
            if not math.isfinite(slope):
                return x_new, math.inf, None, math.nan
            return x_new, f_new, g_new, slope

        def accept(alpha: float, x_new, f_new, g_new) -> LineSearchResult:
            return LineSearchResult(True, alpha, x_new, f_new, g_new)

        # Bracketing phase: lo is the best step so far that satisfies sufficient decrease.
        lo, f_lo, d_lo = 0.0, fun, slope0
        alpha = step
        while True:
            x_new, f_new, g_new, d_new = trial(alpha)
            if f_new > fun + alpha * sufficient or f_new >= f_lo:
                hi, f_hi, d_hi = alpha, f_new, d_new
                break
            if abs(d_new) <= flat_enough:
                return accept(alpha, x_new, f_new, g_new)
            if d_new >= 0.0:
                hi, f_hi, d_hi = lo, f_lo, d_lo
                lo, f_lo, d_lo = alpha, f_new, d_new
                break
            if evals >= self.max_evals:
                return _failure(
                    f"the strong Wolfe line search still decreased f at step {alpha:.3g} after "
                    f"{evals} trials; the objective may be unbounded below along p."
                )
            # Extrapolate: the cubic's minimiser, kept between 1.1 and 4 times the last jump.
            jump = alpha - lo
            guess = _cubic_minimizer(lo, f_lo, d_lo, alpha, f_new, d_new)
            lower, upper = alpha + 1.1 * jump, alpha + 4.0 * jump
            lo, f_lo, d_lo = alpha, f_new, d_new
            alpha = min(max(guess, lower), upper) if math.isfinite(guess) else upper

        # Zoom phase: the interval between lo and hi contains an acceptable step.
        while evals < self.max_evals:
            width = hi - lo
            if abs(width) <= 1e-14 * max(abs(lo), abs(hi)):
                break
            alpha = math.nan
            if math.isfinite(f_hi):
                alpha = _cubic_minimizer(lo, f_lo, d_lo, hi, f_hi, d_hi)
            margin = 0.001 * abs(width)
            if not (min(lo, hi) + margin <= alpha <= max(lo, hi) - margin):
                alpha = lo + 0.5 * width
            x_new, f_new, g_new, d_new = trial(alpha)
            if f_new > fun + alpha * sufficient or f_new >= f_lo:
                hi, f_hi, d_hi = alpha, f_new, d_new
                continue
            if abs(d_new) <= flat_enough:
                return accept(alpha, x_new, f_new, g_new)
            if d_new * (hi - lo) >= 0.0:
                hi, f_hi, d_hi = lo, f_lo, d_lo
            lo, f_lo, d_lo = alpha, f_new, d_new
        return _failure(
            f"the strong Wolfe line search found no acceptable step in {evals} trials (last "
            f"bracket [{min(lo, hi):.3g}, {max(lo, hi):.3g}]); f and its gradient may be "
            "inconsistent, or rounding errors dominate: ask for a looser gtol."
        )


class Armijo:
    """Backtracking line search for sufficient decrease only.

    Try ``step``, then ``shrink * step``, ``shrink**2 * step``, ... until
    :math:`\\phi(\\alpha) \\le \\phi(0) + c_1 \\alpha \\phi'(0)`; then evaluate the gradient once.
    The curvature condition is not enforced, so :math:`s^\\top y > 0` is not guaranteed.
    When the step has become too short to change :math:`x` in floating point, the search fails
    (sufficient decrease would otherwise hold by rounding alone, for a step that does nothing).

    Parameters
    ----------
    c1
        Sufficient-decrease constant, ``0 < c1 < 1``.
    shrink
        Backtracking factor, ``0 < shrink < 1``.
    max_evals
        Most evaluations of :math:`f` per search.
    """

    def __init__(self, c1: float = 1e-4, shrink: float = 0.5, max_evals: int = 40) -> None:
        self.c1 = check_positive_real(c1, "c1")
        self.shrink = check_positive_real(shrink, "shrink")
        if self.c1 >= 1.0 or self.shrink >= 1.0:
            raise ValueError(f"Armijo needs 0 < c1 < 1 and 0 < shrink < 1, got {c1}, {shrink}.")
        self.max_evals = check_positive_int(max_evals, "max_evals")

    def __repr__(self) -> str:
        return f"Armijo(c1={self.c1}, shrink={self.shrink}, max_evals={self.max_evals})"

    def __call__(
        self,
        objective: Objective,
        x: np.ndarray,
        fun: float,
        grad: np.ndarray,
        p: np.ndarray,
        step: float = 1.0,
    ) -> LineSearchResult:
        """Backtrack along ``p`` from ``x`` (where ``f = fun`` and ``g = grad``) from ``step``;
        the arguments are those of :meth:`StrongWolfe.__call__`."""
        slope0 = _check_search(objective, x, fun, grad, p, step)
        if not slope0 < 0.0:
            return _not_descent(slope0)
        alpha = step
        for _ in range(self.max_evals):
            x_new = x + alpha * p
            if np.array_equal(x_new, x):
                # Sufficient decrease can then hold by rounding alone: an accepted null step
                # would leave x, the direction and the next search unchanged, to maxiter.
                return _failure(
                    f"Armijo backtracking reached step {alpha:.3g}, too short to change x, "
                    "without a sufficient decrease; rounding errors dominate: ask for a looser "
                    "gtol."
                )
            f_new = objective.fun(x_new)
            if f_new <= fun + self.c1 * alpha * slope0:
                g_new = objective.grad(x_new)
                if np.all(np.isfinite(g_new)):
                    return LineSearchResult(True, alpha, x_new, f_new, g_new)
            alpha *= self.shrink
        return _failure(
            f"Armijo backtracking found no sufficient decrease in {self.max_evals} trials "
            f"(down to step {alpha / self.shrink:.3g}); the gradient may be wrong, or rounding "
            "errors dominate: ask for a looser gtol."
        )


def first_trial_step(p: np.ndarray) -> float:
    """The first trial step when :math:`H_0 = I` carries no scale: :math:`\\min(1, 1/\\|p\\|_2)`.

    It keeps the first trial point within unit distance of :math:`x_0` (SciPy's L-BFGS-B does
    the same); from the second iteration on, the quasi-Newton direction has the right scale and
    the trial step is 1.
    """
    return min(1.0, 1.0 / norm(p))


def make_line_search(line_search: str | StrongWolfe | Armijo) -> StrongWolfe | Armijo:
    """``"wolfe"`` -> ``StrongWolfe()``, ``"armijo"`` -> ``Armijo()``; instances pass through."""
    if isinstance(line_search, (StrongWolfe, Armijo)):
        return line_search
    if isinstance(line_search, str) and line_search in ("wolfe", "armijo"):
        return StrongWolfe() if line_search == "wolfe" else Armijo()
    # An array or list compared with "wolfe" would answer elementwise: only strings are compared.
    error = ValueError if isinstance(line_search, str) else TypeError
    shown = repr(line_search) if isinstance(line_search, str) else describe(line_search)
    raise error(
        f"line_search must be 'wolfe', 'armijo', a StrongWolfe or an Armijo instance; got {shown}."
    )
