"""Sweep specs for mnn.exercises (see sweep.py).

A checker's valid argument is a student's function of the right signature, right or wrong: a
correct answer gives a passing report, a wrong one (a typical mistake, a wrong shape, an error
inside it) a failing report that says what failed, and an unfilled skeleton a report "not
attempted"; none of them raises. Its bad arguments are things that cannot be called as the
exercise asks: not callable at all, or callable with another number of arguments.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
from hypothesis import strategies as st
from sweep import (
    NONE,
    TEXT,
    Args,
    Spec,
    bad_callable,
    bad_choice,
    bad_text,
    function,
    method,
)

from mnn import exercises, explain, optim
from mnn._frameworks import FRAMEWORKS
from mnn.exercises.checking import Case, CheckReport, Mistake
from mnn.explain.backends.base import channels_last
from mnn.models import autoencoder
from mnn.nn import reference

# ------------------------------------------------------------------- students' answers


def skeleton(*args: Any) -> Any:
    raise NotImplementedError


def raises_value_error(*args: Any) -> Any:
    raise ValueError("a student's bug")


def returns_none(*args: Any) -> Any:
    return None


def first_argument(*args: Any) -> Any:
    return args[0]


def bfgs_inverse_update(H: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The BFGS update written densely from Nocedal & Wright (6.17)."""
    rho = 1.0 / (y @ s)
    V = np.eye(len(s)) - rho * np.outer(y, s)
    return V.T @ H @ V + rho * np.outer(s, s)


def two_loop_recursion(g: np.ndarray, s: list, y: list, gamma: float) -> np.ndarray:
    """Nocedal & Wright's Algorithm 7.4, written out."""
    q, alphas = g.copy(), []
    for s_i, y_i in zip(reversed(s), reversed(y), strict=True):
        alphas.append((s_i @ q) / (y_i @ s_i))
        q = q - alphas[-1] * y_i
    r = gamma * q
    for alpha, s_i, y_i in zip(reversed(alphas), s, y, strict=True):
        r = r + (alpha - (y_i @ r) / (y_i @ s_i)) * s_i
    return r


def newton_step(g: np.ndarray, hessian: Any) -> np.ndarray:
    if scipy.sparse.issparse(hessian):
        return -scipy.sparse.linalg.spsolve(hessian.tocsc(), g)
    return -np.linalg.solve(hessian, g)


def decoder_table(encoder: list) -> list:
    widths = [size for kind, size in encoder if kind == "conv"]
    _, decoder = autoencoder.layer_table(widths, encoder[-1][1])
    return [(layer.kind, layer.size) for layer in decoder]


def lrp_gamma_dense(a: np.ndarray, weights: np.ndarray, relevance: np.ndarray, gamma: float):
    """The rule written out with loops over inputs and outputs."""
    rho = weights + gamma * np.maximum(weights, 0.0)
    out = np.zeros_like(a)
    for k in range(weights.shape[1]):
        z = 1e-9 + sum(a[j] * rho[j, k] for j in range(len(a)))
        for j in range(len(a)):
            out[j] += a[j] * rho[j, k] / z * relevance[k]
    return out


def layer_output(framework: str) -> Callable[..., np.ndarray]:
    layout = {"torch": "NCHW", "keras": "NHWC"}[framework]

    def read(model: Any, images: np.ndarray, layer_name: str) -> np.ndarray:
        return channels_last(explain.feature_maps(model, images, layer_name), layout)

    return read


def gradient_ascent(model, layer_name, channel, image, steps, step_size) -> np.ndarray:
    options = {"steps": steps, "step_size": step_size, "progress": False}
    return explain.maximize(model, (layer_name, channel), image, **options).images


#: For each checker: its correct answers, and wrong answers of the right signature.
ANSWERS: dict[str, tuple[list[Callable], list[Callable]]] = {
    "conv2d_forward": (
        [reference.conv2d_forward],
        [lambda a, filters, bias: reference.conv2d_forward(a, filters[:, :, ::-1, ::-1], bias)],
    ),
    "conv2d_backward": ([reference.conv2d_backward], [lambda a, filters, delta: (a, filters)]),
    "max_pool2d_forward": (
        [reference.max_pool2d_forward],
        [lambda a, area: reference.max_pool2d_forward(np.abs(a), area)],
    ),
    "max_pool2d_backward": (
        [reference.max_pool2d_backward],
        [lambda a, area, delta, strict: reference.max_pool2d_backward(a, area, delta, False)],
    ),
    "bfgs_inverse_update": (
        [bfgs_inverse_update, optim.bfgs_inverse_update],
        [optim.bfgs_direct_update, lambda H, s, y: H],
    ),
    "two_loop_recursion": (
        [two_loop_recursion],
        [lambda g, s, y, gamma: -two_loop_recursion(g, s, y, gamma)],
    ),
    "newton_step": ([newton_step], [lambda g, hessian: -(hessian @ g)]),
    "class_activation_map": (
        [lambda feature_maps, dense_kernel, c: feature_maps @ dense_kernel[:, c]],
        [lambda feature_maps, dense_kernel, c: feature_maps @ dense_kernel[:, 0]],
    ),
    "grad_cam": (
        [lambda maps, gradients: np.maximum(maps @ gradients.mean(axis=(0, 1)), 0.0)],
        [lambda maps, gradients: maps @ gradients.mean(axis=(0, 1))],
    ),
    "lrp_gamma_dense": (
        [lrp_gamma_dense],
        [lambda a, weights, relevance, gamma: lrp_gamma_dense(a, weights, relevance, 0.0)],
    ),
    "decoder_table": ([decoder_table], [lambda encoder: list(reversed(encoder))]),
}
#: Wrong answers of any signature: a bug that raises, nothing returned, the input returned.
ANY_WRONG = [raises_value_error, returns_none, first_argument]


@st.composite
def answers(draw: st.DrawFn, task: str) -> Args:
    """A student's function for ``task`` and what its report must say."""
    right, wrong = ANSWERS[task]
    verdict = draw(st.sampled_from(["passed", "failed", "not attempted"]))
    if verdict == "passed":
        student = draw(st.sampled_from(right))
    elif verdict == "failed":
        student = draw(st.sampled_from(wrong + ANY_WRONG))
    else:
        student = skeleton
    return {"function": student, "_verdict": verdict}


def check_report(report: Any, args: Args) -> None:
    assert isinstance(report, CheckReport), type(report)
    verdict = args["_verdict"]
    text = str(report)
    assert report.outcomes and text.startswith(report.task)
    if verdict == "passed":
        assert report.passed and report.failure is None, text
        assert report.assert_passed() is report
    elif verdict == "failed":
        assert report.attempted and not report.passed, text
        assert report.failure and "First failure" in text and report.case is not None
    else:
        assert not report.attempted and "not attempted" in text, text


def bad_function(arity: int) -> Callable[[Args], st.SearchStrategy[Any]]:
    """Not callable, or callable with another number of positional arguments than ``arity``."""
    others = [n for n in range(5) if n != arity]

    def wrong_arity(n: int) -> Callable:
        def answer(*args: Any) -> Any:
            return args[0] if args else None

        answer.__signature__ = _signature(n)  # type: ignore[attr-defined]
        return answer

    return lambda args: st.one_of(
        bad_callable(),
        st.sampled_from(others).map(wrong_arity),
    )


def _signature(n: int) -> inspect.Signature:
    names = ["x", "y", "z", "w", "v"][:n]
    return inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names]
    )


def checker(task: str, check: Callable[[Any], CheckReport], arity: int) -> Spec:
    return Spec(
        call=function(check),
        valid=answers(task),
        check=check_report,
        bad={"function": bad_function(arity)},
    )


# ---------------------------------------------------------------- framework checkers


@st.composite
def framework_answers(draw: st.DrawFn, task: str) -> Args:
    framework = draw(st.sampled_from(["torch", "keras"]))
    verdict = draw(st.sampled_from(["passed", "failed", "not attempted"]))
    right = layer_output(framework) if task == "layer_output" else gradient_ascent
    student = {
        "passed": right,
        "failed": draw(st.sampled_from(ANY_WRONG)),
        "not attempted": skeleton,
    }
    return {"function": student[verdict], "framework": framework, "_verdict": verdict}


def framework_checker(
    task: str, check: Callable[..., CheckReport], arity: int, cost: float
) -> Spec:
    return Spec(
        call=function(check),
        valid=framework_answers(task),
        check=check_report,
        bad={"function": bad_function(arity), "framework": lambda args: bad_choice(FRAMEWORKS)},
        # Each call builds the chapter's CNN and runs its cases in the framework: a few
        # valid calls; every bad argument must be refused before the model is built.
        cost=cost,
        bad_cost=0.5,
    )


# ------------------------------------------------------------------------ run_checks


def square(x: np.ndarray) -> np.ndarray:
    return x**2


CASES = [
    Case("one number", {"x": np.array([2.0])}, {"y": np.array([4.0])}),
    Case("three numbers", {"x": np.array([1.0, -1.0, 3.0])}, {"y": np.array([1.0, 1.0, 9.0])}),
]
MISTAKES = [Mistake("the sign is lost", lambda x: np.abs(x) ** 2 * np.sign(x))]


@st.composite
def run_checks_args(draw: st.DrawFn) -> Args:
    verdict = draw(st.sampled_from(["passed", "failed", "not attempted"]))
    student = {
        "passed": square,
        "failed": draw(st.sampled_from(ANY_WRONG)),
        "not attempted": skeleton,
    }
    return {
        "task": draw(st.sampled_from(["square", "x²"])),
        "signature": "square(x) -> y",
        "function": student[verdict],
        "cases": draw(st.sampled_from([CASES, tuple(CASES)])),
        "mistakes": draw(st.sampled_from([(), MISTAKES])),
        "compare": draw(st.sampled_from([None, exercises.checking.compare_arrays])),
        "_verdict": verdict,
    }


def bad_cases(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(
        NONE,
        TEXT.filter(bool),
        st.integers(),
        st.just([]),
        st.just(CASES[0]),
        st.just([CASES[0], "case"]),
        st.just([{"description": "x", "arguments": {}, "expected": {}}]),
        st.just([Case("nothing expected", {"x": np.array([1.0])}, {})]),
    )


def bad_mistakes(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(
        NONE, st.integers(), TEXT.filter(bool), st.just(MISTAKES[0]), st.just(["abs"]),
        st.just([Mistake("not callable", "abs")]),
    )  # fmt: skip


def passing_report() -> Args:
    return {"self": exercises.check_flatten(lambda a: a.reshape(len(a), -1), np.reshape)}


def returns_itself(value: Any, args: Args) -> None:
    assert value is args["self"]


SPECS: dict[str, Spec] = {
    "mnn.exercises.check_conv2d_forward": checker(
        "conv2d_forward", exercises.check_conv2d_forward, 3
    ),
    "mnn.exercises.check_conv2d_backward": checker(
        "conv2d_backward", exercises.check_conv2d_backward, 3
    ),
    "mnn.exercises.check_max_pool2d_forward": checker(
        "max_pool2d_forward", exercises.check_max_pool2d_forward, 2
    ),
    "mnn.exercises.check_max_pool2d_backward": checker(
        "max_pool2d_backward", exercises.check_max_pool2d_backward, 4
    ),
    "mnn.exercises.check_bfgs_inverse_update": checker(
        "bfgs_inverse_update", exercises.check_bfgs_inverse_update, 3
    ),
    "mnn.exercises.check_two_loop_recursion": checker(
        "two_loop_recursion", exercises.check_two_loop_recursion, 4
    ),
    "mnn.exercises.check_newton_step": checker("newton_step", exercises.check_newton_step, 2),
    "mnn.exercises.check_class_activation_map": checker(
        "class_activation_map", exercises.check_class_activation_map, 3
    ),
    "mnn.exercises.check_grad_cam": checker("grad_cam", exercises.check_grad_cam, 2),
    "mnn.exercises.check_lrp_gamma_dense": checker(
        "lrp_gamma_dense", exercises.check_lrp_gamma_dense, 4
    ),
    "mnn.exercises.check_decoder_table": checker("decoder_table", exercises.check_decoder_table, 1),
    "mnn.exercises.check_flatten": Spec(
        call=function(exercises.check_flatten),
        valid=st.sampled_from(
            [
                (lambda a: a.reshape(len(a), -1), np.reshape, "passed"),
                (lambda a: a.transpose(0, 2, 3, 1).reshape(len(a), -1), np.reshape, "failed"),
                (lambda a: a.reshape(len(a), -1), returns_none, "failed"),
                (skeleton, skeleton, "not attempted"),
            ]
        ).map(lambda v: {"flatten": v[0], "flatten_backprop": v[1], "_verdict": v[2]}),
        check=check_report,
        bad={"flatten": bad_function(1), "flatten_backprop": bad_function(2)},
    ),
    "mnn.exercises.check_layer_output": framework_checker(
        "layer_output", exercises.check_layer_output, 3, cost=0.12
    ),
    "mnn.exercises.check_gradient_ascent": framework_checker(
        # Its cases (and, for a wrong answer, its mistakes) run gradient ascent: one call.
        "gradient_ascent",
        exercises.check_gradient_ascent,
        6,
        cost=0.02,
    ),
    "mnn.exercises.run_checks": Spec(
        call=function(exercises.run_checks),
        valid=run_checks_args(),
        check=check_report,
        bad={
            "task": lambda args: bad_text().filter(lambda value: value is not None) | st.just(""),
            "signature": lambda args: (
                bad_text().filter(lambda value: value is not None) | st.just("")
            ),
            "function": bad_function(1),
            "cases": bad_cases,
            "mistakes": bad_mistakes,
            "compare": lambda args: bad_callable().filter(lambda value: value is not None),
        },
    ),
    "mnn.exercises.CheckReport.assert_passed": Spec(
        call=method("assert_passed"),
        valid=st.builds(passing_report),
        check=returns_itself,
    ),
}
