"""The line-search descent loop that Newton, BFGS and L-BFGS share.

Each method is a *direction rule*: it proposes :math:`p_k` at :math:`x_k`, suggests a first
trial step, and learns from the accepted step :math:`s_k = x_{k+1} - x_k` and the gradient change
:math:`y_k`. The loop below does the rest: line search, bookkeeping, stopping, callbacks.

It stops when

- :math:`\\|\\nabla f(x_k)\\|_\\infty \\le` ``gtol`` (``success=True``, the only success);
- ``maxiter`` iterations were taken;
- the line search finds no acceptable step (including: :math:`p_k` is not a descent direction);
- the direction rule cannot produce a direction (e.g. a singular Newton system);
- :math:`f` or :math:`\\nabla f` is not finite at ``x0``;
- the callback returns ``True``.

Every stop other than the first has ``success=False`` and a message that says why.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

import numpy as np

from .._validation import (
    check_array,
    check_callable,
    check_positive_int,
    check_positive_real,
    describe,
)
from .line_search import Armijo, StrongWolfe, make_line_search
from .objective import Objective
from .result import Iterate, OptimizeResult

Callback = Callable[[Iterate], "bool | None"]


class DirectionFailure(Exception):
    """Raised by a direction rule that cannot produce a search direction; the text says why."""


class DirectionRule(Protocol):
    """What a method supplies to :func:`descend`."""

    def direction(self, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The search direction :math:`p_k`, shape ``(n,)``."""

    def initial_step(self, k: int, p: np.ndarray) -> float:
        """The first step length the line search tries at iteration ``k`` (0-based)."""

    def update(self, s: np.ndarray, y: np.ndarray) -> bool:
        """Learn from the step; return False if the pair was skipped by the curvature safeguard."""


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


def _callback_stops(answer: object) -> bool:
    """Whether the callback's answer asks to stop; anything but None or a bool is refused."""
    if answer is None or isinstance(answer, (bool, np.bool_)):
        return bool(answer)
    raise TypeError(
        f"callback(iterate) must return None, True or False (True stops), got {describe(answer)}; "
        "return None to keep going."
    )


def check_start(x0: object) -> np.ndarray:
    """Check ``x0`` (a finite floating array of shape ``(n,)``) and return a float64 copy."""
    if isinstance(x0, np.ndarray) and x0.ndim != 1:
        raise ValueError(
            f"x0 must have 1 dimension, shape (n,), got {describe(x0)}; the methods work on "
            "vectors: use x0.ravel() and reshape inside fun and grad."
        )
    if isinstance(x0, np.ndarray) and x0.dtype.kind in "biu":
        raise TypeError(f"x0 must have a floating dtype, got {describe(x0)}; use x0.astype(float).")
    x0 = check_array(x0, "x0", ndim=1, dtype_kind="f", finite=True)
    if x0.size == 0:
        raise ValueError("x0 must have at least one entry, got an empty array.")
    return x0.astype(np.float64, copy=True)


def descend(
    objective: Objective,
    x0: np.ndarray,
    rule: DirectionRule,
    *,
    method: str,
    gtol: float,
    maxiter: int,
    line_search: str | StrongWolfe | Armijo,
    callback: Callback | None,
) -> OptimizeResult:
    """Run the descent loop from ``x0`` (already checked by :func:`check_start`).

    Parameters
    ----------
    objective
        The counted, checked objective.
    x0
        Starting point, shape ``(n,)``.
    rule
        The method's direction rule.
    method
        The method's name, stored in the result.
    gtol
        Stop with success when :math:`\\|\\nabla f(x_k)\\|_\\infty \\le` ``gtol``.
    maxiter
        Most iterations.
    line_search
        ``"wolfe"``, ``"armijo"``, or a configured ``StrongWolfe`` / ``Armijo``.
    callback
        Called as ``callback(iterate)`` after every accepted step; returning ``True`` stops,
        ``None`` or ``False`` goes on, anything else is refused.

    Returns
    -------
    OptimizeResult
    """
    gtol = check_positive_real(gtol, "gtol", allow_zero=True)
    maxiter = check_positive_int(maxiter, "maxiter", minimum=0)
    search = make_line_search(line_search)
    if callback is not None:
        check_callable(callback, "callback", "callback(iterate) -> bool | None")

    x = x0
    x.flags.writeable = False
    f = objective.fun(x)
    g = objective.grad(x) if math.isfinite(f) else None
    funs, grad_norms, steps = [f], [math.nan], [math.nan]
    skipped = 0
    k = 0

    def result(success: bool, message: str) -> OptimizeResult:
        history = {
            "fun": np.array(funs),
            "grad_norm": np.array(grad_norms),
            "step": np.array(steps),
        }
        grad = g.copy() if g is not None else np.full_like(x, math.nan)
        return OptimizeResult(
            x=x.copy(),
            fun=f,
            grad=grad,
            grad_norm=grad_norms[-1],
            nit=k,
            nfev=objective.nfev,
            ngev=objective.ngev,
            nhev=objective.nhev,
            success=success,
            message=message,
            method=method,
            history=history,
            skipped_updates=skipped,
        )

    if g is None:
        return result(False, f"f(x0) = {f} is not finite: start from a point where f is defined.")
    if not np.all(np.isfinite(g)):
        return result(False, "grad(x0) is not finite: start from a point where f is smooth.")
    grad_norms[0] = float(np.max(np.abs(g)))

    while True:
        if grad_norms[-1] <= gtol:
            return result(True, f"||g||_inf = {grad_norms[-1]:.3g} <= gtol = {gtol:g}.")
        if k >= maxiter:
            return result(
                False,
                f"iteration limit reached (maxiter = {maxiter}) with "
                f"||g||_inf = {grad_norms[-1]:.3g} > gtol = {gtol:g}.",
            )
        try:
            p = rule.direction(x, g)
        except DirectionFailure as failure:
            return result(False, f"no search direction at iteration {k + 1}: {failure}")
        step = search(objective, x, f, g, p, rule.initial_step(k, p))
        if not step.success:
            return result(False, f"line search failed at iteration {k + 1}: {step.message}")
        if not rule.update(step.x - x, step.grad - g):
            skipped += 1
        x, f, g = step.x, step.fun, step.grad
        x.flags.writeable = False
        k += 1
        funs.append(f)
        grad_norms.append(float(np.max(np.abs(g))))
        steps.append(step.step)
        if callback is not None and _callback_stops(
            callback(Iterate(k, x, f, _read_only(g), step.step))
        ):
            return result(False, f"stopped by the callback at iteration {k}.")
