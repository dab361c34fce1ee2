"""Newton, BFGS and L-BFGS with line searches, and test problems (Chapter 2).

Every method is called as ``method(fun, grad, [hess,] x0, **options)`` and returns an
:class:`~mnn.optim.result.OptimizeResult`; see :mod:`mnn.optim.descent` for when and how they stop.

Every inner product is summed by NumPy in an order that does not depend on the CPU or on the BLAS
library (:mod:`mnn.optim.inner_products`), so BFGS and L-BFGS take the same steps, bit for bit,
on every machine with the same NumPy. Only the linear solves round as the machine's BLAS does:
Newton's (SuperLU or LAPACK) and the Cholesky solve of ``bfgs(..., form="direct")``.
"""

from .bfgs import bfgs
from .curvature_pairs import CurvaturePairs
from .lbfgs import lbfgs
from .line_search import Armijo, LineSearchResult, StrongWolfe
from .newton import newton
from .problems import ChainQuadratic, Rosenbrock
from .result import Iterate, OptimizeResult
from .scipy_reference import scipy_lbfgsb
from .updates import bfgs_direct_update, bfgs_inverse_update, has_positive_curvature

__all__ = [
    "Armijo",
    "ChainQuadratic",
    "CurvaturePairs",
    "Iterate",
    "LineSearchResult",
    "OptimizeResult",
    "Rosenbrock",
    "StrongWolfe",
    "bfgs",
    "bfgs_direct_update",
    "bfgs_inverse_update",
    "has_positive_curvature",
    "lbfgs",
    "newton",
    "scipy_lbfgsb",
]
