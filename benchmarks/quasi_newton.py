"""mnn.optim against scipy.optimize.minimize on the chain quadratic, side by side in one run.

Usage: python benchmarks/quasi_newton.py [--quick]

Both sides get the same objective and gradient callables and the same test
||g||_inf <= 1e-5. SciPy's L-BFGS-B also stops when the relative decrease of f falls below
``ftol`` (default 2.2e-9), long before the gradient test on this badly conditioned problem, so
it runs with ``ftol=0``. Both sides run with one BLAS thread: on a shared 2-core machine,
threaded BLAS made SciPy's L-BFGS-B up to six times slower on these vectors.

Targets (issue 3): iterations <= 1.2x SciPy's where both converge, and time per iteration
<= 1.5x SciPy's at n = 1e6. ``--quick`` skips SciPy's BFGS at n = 1000, which forms H_k with
two dense matrix products per iteration (O(n^3); minutes on its own).

At n = 1000 both iteration counts depend on rounding: mnn's are the same on every machine (its
inner products are summed by NumPy), SciPy's change with the BLAS kernel (printed in the
header; with ``OPENBLAS_CORETYPE`` set to other kernels of one CPU they ranged from about
10,000 to 19,000). The rounding table therefore runs both on three roundings of the same f and
compares the medians.
"""

from __future__ import annotations

import math
import statistics
import sys
import time

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_info, threadpool_limits

from mnn import optim
from mnn.optim import ChainQuadratic, bfgs, lbfgs, newton

GTOL = 1e-5


def timed(run, repeats=1):
    """The result of ``run()`` and its best wall time over ``repeats`` calls."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return result, best


def scipy_lbfgsb(problem, maxiter):
    return optim.scipy_lbfgsb(
        problem.fun, problem.grad, problem.x0, m=10, gtol=GTOL, maxiter=maxiter, maxfun=10**8
    )


def scipy_bfgs(problem):
    options = {"gtol": GTOL, "maxiter": 100_000}
    return minimize(problem.fun, problem.x0, jac=problem.grad, method="BFGS", options=options)


def gnorm(problem, x):
    return float(np.abs(problem.grad(x)).max())


def converged_table(title, sizes, ours, theirs, repeats):
    print(f"\n{title}: converged to ||g||_inf <= {GTOL:g}, x0 = 0")
    header = (
        f"{'n':>6} | {'nit':>7} {'nit sp':>7} {'ratio':>6} | {'nfev':>7} {'nfev sp':>7} | "
        f"{'time s':>8} {'time sp':>8} {'ratio':>6} | {'||g|| ours':>10} {'||g|| sp':>10} | ok"
    )
    print(header)
    print("-" * len(header))
    for n in sizes:
        problem = ChainQuadratic(n)
        reps = repeats if n <= 100 else 1
        mine, t_mine = timed(lambda p=problem: ours(p), reps)
        ref, t_ref = timed(lambda p=problem: theirs(p), reps)
        both = mine.success and ref.success
        ratio = mine.nit / ref.nit
        verdict = ("yes" if ratio <= 1.2 else "NO") if both else "n/a"
        print(
            f"{n:>6} | {mine.nit:>7} {ref.nit:>7} {ratio:>6.2f} | {mine.nfev:>7} {ref.nfev:>7} | "
            f"{t_mine:>8.3f} {t_ref:>8.3f} {t_mine / t_ref:>6.2f} | "
            f"{gnorm(problem, mine.x):>10.2e} {gnorm(problem, ref.x):>10.2e} | {verdict}"
        )


def budget_table(sizes, iterations):
    print(f"\nL-BFGS (m = 10) vs SciPy L-BFGS-B: a budget of {iterations} iterations, x0 = 0")
    header = (
        f"{'n':>8} | {'ms/it':>8} {'ms/it sp':>8} {'ratio':>6} | {'||g|| ours':>10} "
        f"{'||g|| sp':>10} | {'nfev':>5} {'nfev sp':>7}"
    )
    print(header)
    print("-" * len(header))
    for n in sizes:
        problem = ChainQuadratic(n)
        mine, t_mine = timed(lambda p=problem: lbfgs(p.fun, p.grad, p.x0, maxiter=iterations))
        ref, t_ref = timed(lambda p=problem: scipy_lbfgsb(p, iterations))
        per_mine, per_ref = 1e3 * t_mine / mine.nit, 1e3 * t_ref / ref.nit
        print(
            f"{n:>8} | {per_mine:>8.2f} {per_ref:>8.2f} {per_mine / per_ref:>6.2f} | "
            f"{gnorm(problem, mine.x):>10.2e} {gnorm(problem, ref.x):>10.2e} | "
            f"{mine.nfev:>5} {ref.nfev:>7}"
        )


def rounding_table(n):
    problem = ChainQuadratic(n)
    summations = {
        "pairwise (fun)": problem.fun,
        "left to right": lambda x: 0.5 * float(np.cumsum(problem.terms(x))[-1]),
        "exactly (fsum)": lambda x: 0.5 * math.fsum(problem.terms(x)),
    }
    print(f"\nRounding: n = {n}, f summed three ways, iterations to ||g||_inf <= {GTOL:g}")
    header = f"{'f summed':<16} | {'nit':>7} {'nit sp':>7} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    ours, theirs = [], []
    for name, fun in summations.items():
        mine = lbfgs(fun, problem.grad, problem.x0, m=10, maxiter=100_000)
        ref = optim.scipy_lbfgsb(fun, problem.grad, problem.x0, m=10, gtol=GTOL, maxiter=100_000)
        assert mine.success and ref.success
        ours.append(mine.nit)
        theirs.append(ref.nit)
        print(f"{name:<16} | {mine.nit:>7} {ref.nit:>7} {mine.nit / ref.nit:>6.2f}")
    median, median_sp = statistics.median(ours), statistics.median(theirs)
    print(f"{'median':<16} | {median:>7} {median_sp:>7} {median / median_sp:>6.2f}")


def newton_row(n):
    problem = ChainQuadratic(n)
    result, seconds = timed(lambda: newton(problem.fun, problem.grad, problem.hessian, problem.x0))
    print(
        f"\nNewton, sparse tridiagonal Hessian, n = {n:.0e}: {result.nit} iteration(s), "
        f"{seconds:.2f} s, ||g||_inf = {result.grad_norm:.2e}, "
        f"max |x - x*| = {np.abs(result.x - problem.minimizer).max():.2e}"
    )


def main(quick: bool) -> None:
    kernels = sorted({str(pool.get("architecture")) for pool in threadpool_info()})
    print(f"BLAS kernels: {', '.join(kernels)} (NumPy {np.__version__})")
    converged_table(
        "L-BFGS (m = 10, gamma scaled) vs SciPy L-BFGS-B (maxcor = 10, ftol = 0)",
        [10, 100, 1000],
        lambda p: lbfgs(p.fun, p.grad, p.x0, m=10, maxiter=100_000),
        lambda p: scipy_lbfgsb(p, 100_000),
        repeats=5,
    )
    rounding_table(1000)
    budget_table([10**4, 10**5, 10**6], 200)
    converged_table(
        "BFGS (inverse form) vs SciPy BFGS",
        [10, 100] if quick else [10, 100, 1000],
        lambda p: bfgs(p.fun, p.grad, p.x0, maxiter=100_000),
        scipy_bfgs,
        repeats=5,
    )
    newton_row(10**6)


if __name__ == "__main__":
    with threadpool_limits(limits=1):
        main(quick="--quick" in sys.argv[1:])
