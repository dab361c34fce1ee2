"""Run as a script: print, as JSON, what a few mnn.optim runs did, to compare across processes.

Each run is summarised by its counts and by SHA-256 digests of the bytes of x and of the history:
two processes agree on a run only if they took the same steps, bit for bit. The runs are chosen
so that the outcome moved between OpenBLAS kernels when inner products were left to BLAS. The
control is one of them with f summed by BLAS (``np.dot``): it should differ between kernels.
"""

import hashlib
import json

import numpy as np
from threadpoolctl import threadpool_info

from mnn.optim import ChainQuadratic, Rosenbrock, bfgs, lbfgs


def digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def fingerprint(result):
    history = np.concatenate([result.history[key] for key in sorted(result.history)])
    return [result.nit, result.nfev, result.ngev, digest(result.x), digest(history)]


CHAIN = ChainQuadratic(1000)
SMALL = ChainQuadratic(200)
ROSENBROCK = Rosenbrock(200)


def runs():
    jacobi = 1.0 / CHAIN.hessian_diagonals()[0]
    return {
        "lbfgs scaled": lbfgs(CHAIN.fun, CHAIN.grad, CHAIN.x0, maxiter=2000),
        "lbfgs jacobi": lbfgs(CHAIN.fun, CHAIN.grad, CHAIN.x0, H0=jacobi, maxiter=2000),
        "lbfgs converged": lbfgs(SMALL.fun, SMALL.grad, SMALL.x0),
        "lbfgs armijo rosenbrock": lbfgs(
            ROSENBROCK.fun, ROSENBROCK.grad, ROSENBROCK.x0, line_search="armijo"
        ),
        "bfgs": bfgs(SMALL.fun, SMALL.grad, SMALL.x0),
    }


def blas_fun(x):
    """The chain quadratic's f, with the weighted squares summed by BLAS."""
    r = np.diff(x, prepend=1.0)
    return 0.5 * float(np.dot(CHAIN.weights, r * r))


def control():
    return lbfgs(blas_fun, CHAIN.grad, CHAIN.x0, maxiter=2000)


if __name__ == "__main__":
    report = {
        "kernels": sorted({str(pool.get("architecture")) for pool in threadpool_info()}),
        "runs": {name: fingerprint(result) for name, result in runs().items()},
        "control": fingerprint(control()),
    }
    print(json.dumps(report))
