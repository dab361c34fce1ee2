"""Sweep specs for mnn.optim (see sweep.py).

A callback, an ``H0`` callable or a ``hess`` callable that returns something wrong is only
caught when it is called, which a run that stops at once never does: those bad values are
tested in tests/test_optim_errors.py, not drawn here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse
from hypothesis import strategies as st
from sweep import (
    JUNK,
    Args,
    Spec,
    bad_array,
    bad_callable,
    bad_choice,
    bad_int,
    bad_real,
    check_finite_array,
    float_arrays,
    floats,
    function,
    method,
    optional,
)

from mnn import optim
from mnn.optim.objective import Objective

LINE_SEARCHES = st.sampled_from(
    ["wolfe", "armijo", optim.StrongWolfe(), optim.Armijo(), optim.StrongWolfe(1e-3, 0.5, 5)]
)


def problems() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(1, 6).map(optim.ChainQuadratic), st.integers(2, 6).map(optim.Rosenbrock)
    )


@st.composite
def start(draw: st.DrawFn, problem: Any) -> np.ndarray:
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return draw(float_arrays((problem.n,), dtype, -2, 2))


def callbacks() -> st.SearchStrategy[Any]:
    return st.sampled_from([None, lambda iterate: None, lambda iterate: iterate.k >= 3])


@st.composite
def method_args(draw: st.DrawFn, name: str) -> Args:
    problem = draw(problems())
    args = {
        "fun": problem.fun,
        "grad": problem.grad,
        "x0": draw(start(problem)),
        "gtol": draw(st.sampled_from([0.0, 1e-8, 1e-5, 1e-2])),
        "maxiter": draw(st.integers(0, 30)),
    }
    if name == "scipy_lbfgsb":
        args["maxiter"] = max(args["maxiter"], 1)
        return args | {
            "m": draw(st.integers(1, 10)),
            "maxfun": draw(st.none() | st.integers(1, 50)),
        }
    args |= {"line_search": draw(LINE_SEARCHES), "callback": draw(callbacks())}
    if name == "bfgs":
        args["form"] = draw(st.sampled_from(["inverse", "direct"]))
    if name == "lbfgs":
        args |= {
            "m": draw(st.integers(1, 10)),
            "gamma": draw(st.sampled_from(["scaled", 1.0, 0.5, np.float32(2.0)])),
            "H0": draw(st.sampled_from([None, np.ones(problem.n), lambda v: 0.5 * v])),
        }
    if name == "newton":
        args["hess"] = problem.hessian
    return args


def check_result(result: Any, args: Args) -> None:
    n = args["x0"].shape
    assert isinstance(result, optim.OptimizeResult)
    check_finite_array(result.x, n, np.float64)
    check_finite_array(result.grad, n, np.float64)
    assert np.isfinite(result.fun) and result.nit <= args["maxiter"]
    assert all(len(values) == result.nit + 1 for values in result.history.values())
    assert not result.success or result.grad_norm <= args["gtol"]


def check_scipy_result(result: Any, args: Args) -> None:
    check_finite_array(result.x, args["x0"].shape)
    assert not result.success or np.isfinite(result.fun)


def bad_fun(args: Args) -> st.SearchStrategy[Any]:
    wrong = [lambda x: x, lambda x: "1.0", lambda x: None, lambda x: True, lambda x: [1.0]]
    return bad_callable() | st.sampled_from(wrong)


def bad_grad(args: Args) -> st.SearchStrategy[Any]:
    n = len(args["x0"])
    wrong = [
        lambda x: np.zeros(n + 1),
        lambda x: [0.0] * n,
        lambda x: np.zeros(n, dtype=np.int64),
        lambda x: np.zeros(n, dtype=complex),
        lambda x: np.zeros((n, 1)),
    ]
    return bad_callable() | st.sampled_from(wrong)


def bad_x0(args: Args) -> st.SearchStrategy[Any]:
    return bad_array(args["x0"], nonempty=True)


COMMON_BAD = {
    "fun": bad_fun,
    "grad": bad_grad,
    "x0": bad_x0,
    "gtol": lambda args: bad_real(0.0),
    "maxiter": lambda args: bad_int(0),
    "line_search": lambda args: bad_choice(("wolfe", "armijo")) | JUNK,
    "callback": lambda args: optional(bad_callable()),
}
METHOD_WORDS = {"fun": r"fun\(x\)|fun must", "grad": r"grad\(x\)|grad must", "x0": "x0|x must"}


def bad_gamma(args: Args) -> st.SearchStrategy[Any]:
    return bad_real(0.0, include="neither").filter(lambda v: v != "scaled") | st.sampled_from(
        ["auto", "Scaled", np.array(["scaled"])]
    )


def bad_h0(args: Args) -> st.SearchStrategy[Any]:
    n = len(args["x0"])
    return st.one_of(
        optional(JUNK).filter(lambda value: not callable(value)),
        st.sampled_from(
            [
                np.ones(n + 1),
                -np.ones(n),
                np.zeros(n),
                np.eye(n),
                np.full(n, np.nan),
                np.ones(n, dtype=np.int64),
                scipy.sparse.eye_array(n),
                "identity",
            ]
        ),
    )


METHOD_SPECS = {
    "mnn.optim.bfgs": Spec(
        call=function(optim.bfgs),
        valid=method_args("bfgs"),
        check=check_result,
        bad=COMMON_BAD | {"form": lambda args: bad_choice(("inverse", "direct"))},
        cost=0.5,
        words=METHOD_WORDS,
    ),
    "mnn.optim.lbfgs": Spec(
        call=function(optim.lbfgs),
        valid=method_args("lbfgs"),
        check=check_result,
        bad=COMMON_BAD
        | {"m": lambda args: bad_int(1, huge=True), "gamma": bad_gamma, "H0": bad_h0},
        cost=0.5,
        words=METHOD_WORDS,
    ),
    "mnn.optim.newton": Spec(
        call=function(optim.newton),
        valid=method_args("newton"),
        check=check_result,
        bad=COMMON_BAD | {"hess": lambda args: bad_callable()},
        cost=0.5,
        words=METHOD_WORDS,
    ),
    "mnn.optim.scipy_lbfgsb": Spec(
        call=function(optim.scipy_lbfgsb),
        valid=method_args("scipy_lbfgsb"),
        check=check_scipy_result,
        bad={
            "fun": lambda args: bad_callable(),
            "grad": lambda args: bad_callable(),
            "x0": bad_x0,
            "m": lambda args: bad_int(1),
            "gtol": lambda args: bad_real(0.0),
            "maxiter": lambda args: bad_int(1),
            "maxfun": lambda args: optional(bad_int(1)),
        },
        cost=0.5,
    ),
}


# ---------------------------------------------------------------------------- updates


@st.composite
def spd(draw: st.DrawFn, n: int) -> np.ndarray:
    """A well-conditioned symmetric positive definite (n, n) matrix."""
    m = draw(float_arrays((n, n), np.float64, -1, 1))
    return m @ m.T + n * np.eye(n)


@st.composite
def curvature_pair(draw: st.DrawFn, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(s, y = A s) for an SPD A: s^T y = s^T A s > 0."""
    s = draw(float_arrays((n,), np.float64, -1, 1).filter(lambda v: np.abs(v).max() > 0.1))
    return s, draw(spd(n)) @ s


@st.composite
def update_args(draw: st.DrawFn, matrix: str) -> Args:
    n = draw(st.integers(1, 5))
    s, y = draw(curvature_pair(n))
    return {matrix: draw(spd(n)), "s": s, "y": y}


def check_update(matrix: str) -> Any:
    def check(updated: Any, args: Args) -> None:
        n = len(args["s"])
        check_finite_array(updated, (n, n))
        np.testing.assert_allclose(updated, updated.T, rtol=1e-10, atol=1e-10)

    return check


def bad_matrix(matrix: str) -> Any:
    def bad(args: Args) -> st.SearchStrategy[Any]:
        not_positive = [-args[matrix]] if matrix == "B" else []
        return bad_array(args[matrix]) | st.sampled_from([args[matrix][:, 1:], *not_positive])

    return bad


def bad_pair_vector(name: str) -> Any:
    def bad(args: Args) -> st.SearchStrategy[Any]:
        vector = args[name]
        return bad_array(vector) | st.sampled_from([-vector, np.zeros_like(vector)])

    return bad


def update_spec(function_: Any, matrix: str) -> Spec:
    return Spec(
        call=function(function_),
        valid=update_args(matrix),
        check=check_update(matrix),
        bad={matrix: bad_matrix(matrix), "s": bad_pair_vector("s"), "y": bad_pair_vector("y")},
        words={matrix: f"{matrix}|the pair", "s": "s|the pair", "y": "y|the pair"},
    )


@st.composite
def any_pair(draw: st.DrawFn) -> Args:
    n = draw(st.integers(1, 5))
    return {"s": draw(float_arrays((n,))), "y": draw(float_arrays((n,)))}


@st.composite
def pairs_with_memory(draw: st.DrawFn) -> Any:
    n = draw(st.integers(1, 5))
    pairs = optim.CurvaturePairs(draw(st.integers(1, 4)), n)
    for _ in range(draw(st.integers(0, 6))):
        pairs.push(*draw(curvature_pair(n)))
    return pairs


@st.composite
def push_args(draw: st.DrawFn) -> Args:
    pairs = draw(pairs_with_memory())
    s, y = draw(curvature_pair(pairs.s.shape[1]))
    return {"self": pairs, "s": s, "y": y}


def check_push(result: Any, args: Args) -> None:
    assert result is None and 1 <= len(args["self"]) <= args["self"].m


@st.composite
def product_args(draw: st.DrawFn) -> Args:
    pairs = draw(pairs_with_memory())
    v = draw(float_arrays((pairs.s.shape[1],)))
    initial = draw(st.sampled_from([lambda q: q, lambda q: 2.0 * q]))
    return {"self": pairs, "v": v, "initial": initial}


def check_product(result: Any, args: Args) -> None:
    check_finite_array(result, args["v"].shape, np.float64)


def bad_initial(args: Args) -> st.SearchStrategy[Any]:
    return bad_callable() | st.sampled_from([lambda q: q[:-1], lambda q: q.tolist()])


UPDATE_SPECS = {
    "mnn.optim.bfgs_direct_update": update_spec(optim.bfgs_direct_update, "B"),
    "mnn.optim.bfgs_inverse_update": update_spec(optim.bfgs_inverse_update, "H"),
    "mnn.optim.has_positive_curvature": Spec(
        call=function(optim.has_positive_curvature),
        valid=any_pair(),
        check=lambda answer, args: isinstance(answer, bool) or fail("not a bool"),
        bad={
            "s": lambda args: bad_array(args["s"], finite=False),
            "y": lambda args: bad_array(args["y"], finite=False),
        },
    ),
    "mnn.optim.CurvaturePairs": Spec(
        call=function(optim.CurvaturePairs),
        valid=st.fixed_dictionaries({"m": st.integers(1, 20), "n": st.integers(1, 1000)}),
        check=lambda pairs, args: len(pairs) == 0 or fail("not empty"),
        bad={"m": lambda args: bad_int(1, huge=True), "n": lambda args: bad_int(1, huge=True)},
    ),
    "mnn.optim.CurvaturePairs.push": Spec(
        call=method("push"),
        valid=push_args(),
        check=check_push,
        bad={"s": bad_pair_vector("s"), "y": bad_pair_vector("y")},
        words={"s": "s|the pair", "y": "y|the pair"},
    ),
    "mnn.optim.CurvaturePairs.inverse_hessian_product": Spec(
        call=method("inverse_hessian_product"),
        valid=product_args(),
        check=check_product,
        bad={"v": lambda args: bad_array(args["v"], finite=False), "initial": bad_initial},
    ),
}


def fail(message: str) -> None:
    raise AssertionError(message)


# ------------------------------------------------------------------------ line search


def wolfe_args() -> st.SearchStrategy[Args]:
    c1 = floats(1e-6, 0.4)
    return st.fixed_dictionaries(
        {"c1": c1, "c2": floats(0.5, 0.99), "max_evals": st.integers(1, 40)}
    )


def armijo_args() -> st.SearchStrategy[Args]:
    return st.fixed_dictionaries(
        {"c1": floats(1e-6, 0.9), "shrink": floats(0.05, 0.95), "max_evals": st.integers(1, 40)}
    )


@st.composite
def search_args(draw: st.DrawFn, search: Any) -> Args:
    problem = draw(problems())
    x = draw(float_arrays((problem.n,), np.float64, -2, 2))
    grad = problem.grad(x)
    p = draw(st.sampled_from([-grad, draw(float_arrays((problem.n,)))]))
    return {
        "self": draw(search),
        "objective": Objective(problem.fun, problem.grad, problem.n),
        "x": x,
        "fun": problem.fun(x),
        "grad": grad,
        "p": p,
        "step": draw(floats(1e-3, 10.0)),
    }


def check_search(result: Any, args: Args) -> None:
    assert isinstance(result, optim.LineSearchResult)
    if result.success:
        assert result.step > 0 and np.isfinite(result.fun)
        check_finite_array(result.x, args["x"].shape)
        check_finite_array(result.grad, args["x"].shape)
    else:
        assert isinstance(result.message, str) and result.message


SEARCH_BAD = {
    "objective": lambda args: JUNK | st.just(args["objective"].fun),
    "x": lambda args: bad_array(args["x"], finite=False),
    "fun": lambda args: bad_real(),
    "grad": lambda args: bad_array(args["grad"], finite=False),
    "p": lambda args: bad_array(args["p"], finite=False),
    "step": lambda args: bad_real(0.0, include="neither"),
}


def search_specs(cls: type, keywords: st.SearchStrategy[Args], bad: dict) -> dict[str, Spec]:
    name = f"mnn.optim.{cls.__name__}"
    return {
        name: Spec(
            call=function(cls),
            valid=keywords,
            check=lambda search, args: isinstance(search, cls) or fail("not built"),
            bad=bad,
            words={
                "c1": "c1|Wolfe constants|Armijo needs",
                "c2": "c2|Wolfe constants",
                "shrink": "shrink|Armijo needs",
            },
        ),
        f"{name}.__call__": Spec(
            call=method("__call__"),
            valid=search_args(keywords.map(lambda kwargs: cls(**kwargs))),
            check=check_search,
            bad=SEARCH_BAD,
        ),
    }


SEARCH_SPECS = search_specs(
    optim.StrongWolfe,
    wolfe_args(),
    {
        "c1": lambda args: bad_real(0.0, 1.0, include="neither") | st.just(args["c2"]),
        "c2": lambda args: bad_real(0.0, 1.0, include="neither") | st.just(args["c1"] / 2),
        "max_evals": lambda args: bad_int(1),
    },
) | search_specs(
    optim.Armijo,
    armijo_args(),
    {
        "c1": lambda args: bad_real(0.0, 1.0, include="neither"),
        "shrink": lambda args: bad_real(0.0, 1.0, include="neither"),
        "max_evals": lambda args: bad_int(1),
    },
)


# --------------------------------------------------------------------------- problems


def problem_call(name: str) -> Any:
    return method(name)


@st.composite
def point_args(draw: st.DrawFn, cls: type) -> Args:
    problem = cls(draw(st.integers(2, 8)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return {"self": problem, "x": draw(float_arrays((problem.n,), dtype, -3, 3))}


def check_value(value: Any, args: Args) -> None:
    assert isinstance(value, float) and np.isfinite(value) and value >= 0


def check_vector(value: Any, args: Args) -> None:
    check_finite_array(value, (args["self"].n,), np.float64)


def check_terms(value: Any, args: Args) -> None:
    """The n non-negative terms of 2 f(x), whose exact sum is 2 f(x)."""
    check_vector(value, args)
    assert np.all(value >= 0)
    total = math.fsum(value)
    assert abs(total - 2 * args["self"].fun(args["x"])) <= 1e-12 * max(total, 1.0)


def check_hessian(value: Any, args: Args) -> None:
    n = args["self"].n
    assert scipy.sparse.issparse(value) and value.shape == (n, n)
    dense = value.toarray()
    assert np.all(np.isfinite(dense)) and np.allclose(dense, dense.T)


def bad_point(args: Args) -> st.SearchStrategy[Any]:
    # NaN and infinity are not bad: a line search probes them and reads a non-finite f.
    return bad_array(args["x"], finite=False)


def problem_specs(cls: type, smallest: int) -> dict[str, Spec]:
    name = f"mnn.optim.{cls.__name__}"
    at_points = point_args(cls)
    specs = {
        name: Spec(
            call=function(cls),
            valid=st.integers(smallest, 100).map(lambda n: {"n": n}),
            check=lambda problem, args: problem.n == args["n"] or fail("wrong n"),
            bad={"n": lambda args: bad_int(smallest, huge=True)},
        ),
        f"{name}.fun": Spec(
            call=method("fun"), valid=at_points, check=check_value, bad={"x": bad_point}
        ),
        f"{name}.grad": Spec(
            call=method("grad"), valid=at_points, check=check_vector, bad={"x": bad_point}
        ),
    }
    if cls is optim.Rosenbrock:
        specs[f"{name}.hessian"] = Spec(
            call=method("hessian"), valid=at_points, check=check_hessian, bad={"x": bad_point}
        )
    return specs


@st.composite
def chain(draw: st.DrawFn) -> Args:
    return {"self": optim.ChainQuadratic(draw(st.integers(1, 60)))}


def check_diagonals(value: Any, args: Args) -> None:
    n = args["self"].n
    diagonal, off = value
    check_finite_array(diagonal, (n,))
    check_finite_array(off, (n - 1,))


def check_spectrum(value: Any, args: Args) -> None:
    check_finite_array(value, (args["self"].n,))
    assert np.all(value > 0) and np.all(np.diff(value) >= 0)


def check_extremes(value: Any, args: Args) -> None:
    smallest, largest = value
    assert 0 < smallest <= largest and np.isfinite(largest)


def check_condition(value: Any, args: Args) -> None:
    assert isinstance(value, float) and 1 <= value < np.inf


CHAIN_SPECS = problem_specs(optim.ChainQuadratic, 1) | {
    "mnn.optim.ChainQuadratic.hessian": Spec(
        call=method("hessian"),
        valid=point_args(optim.ChainQuadratic).flatmap(
            lambda args: st.sampled_from([args, {"self": args["self"], "x": None}])
        ),
        check=check_hessian,
        free={"x": "ignored: the Hessian of a quadratic is constant (documented)"},
    ),
    "mnn.optim.ChainQuadratic.terms": Spec(
        call=method("terms"),
        valid=point_args(optim.ChainQuadratic),
        check=check_terms,
        bad={"x": bad_point},
    ),
    "mnn.optim.ChainQuadratic.inverse_hessian_product": Spec(
        call=method("inverse_hessian_product"),
        valid=point_args(optim.ChainQuadratic).map(
            lambda args: {"self": args["self"], "v": args["x"]}
        ),
        check=check_vector,
        bad={"v": lambda args: bad_array(args["v"], finite=False)},
    ),
    "mnn.optim.ChainQuadratic.hessian_diagonals": Spec(
        call=method("hessian_diagonals"), valid=chain(), check=check_diagonals
    ),
    "mnn.optim.ChainQuadratic.hessian_eigenvalues": Spec(
        call=method("hessian_eigenvalues"), valid=chain(), check=check_spectrum
    ),
    "mnn.optim.ChainQuadratic.extreme_eigenvalues": Spec(
        call=method("extreme_eigenvalues"), valid=chain(), check=check_extremes
    ),
    "mnn.optim.ChainQuadratic.condition_number": Spec(
        call=method("condition_number"), valid=chain(), check=check_condition
    ),
}

SPECS: dict[str, Spec] = (
    METHOD_SPECS | UPDATE_SPECS | SEARCH_SPECS | CHAIN_SPECS | problem_specs(optim.Rosenbrock, 2)
)
