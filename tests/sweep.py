"""The machinery of the property-based sweep of mnn's public API (issue #16).

Every public callable of the packages in :data:`PACKAGES` (functions, classes, and the public
methods of classes) gets a :class:`Spec`: a strategy for valid arguments with a check of what the
call returns, and, for every parameter, a strategy for bad values of it (or the reason why no value
of it is bad). ``tests/test_sweep.py`` enumerates the callables from the packages' ``__all__``,
so that a new one without a spec fails a test instead of being silently skipped.

A bad call passes when it ends in an exception of :data:`ALLOWED` raised by a ``raise``
statement of a module of ``mnn`` (not by NumPy, SciPy, matplotlib or pathlib, nor by a C
function that mnn called), whose message names the parameter.
"""

from __future__ import annotations

import atexit
import dis
import inspect
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

#: The packages (and modules) whose ``__all__`` the sweep covers.
PACKAGES = (
    "mnn.data",
    "mnn.cache",
    "mnn.nn",
    "mnn.optim",
    "mnn.viz",
    "mnn.explain",
    "mnn.explain.lrp.rules",
    "mnn.explain.lrp.composites",
    "mnn.explain.regularizers",
    "mnn.models",
    "mnn.models.imagenet",
    "mnn.exercises",
)

#: The exceptions a bad argument may end in (OSError for paths that do not exist,
#: FloatingPointError for NaN that reaches a network, RuntimeError for calls out of order).
ALLOWED = (TypeError, ValueError, KeyError, OSError, FloatingPointError, RuntimeError)

#: How many calls the sweep made, by kind: shown at the end of the test run.
CALLS: Counter[str] = Counter()

_RAISE = dis.opmap["RAISE_VARARGS"]

_SCRATCH = Path(tempfile.mkdtemp(prefix="mnn-sweep-"))
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)

Args = dict[str, Any]


@dataclass(frozen=True)
class Spec:
    """How to call one public callable with valid and with bad arguments.

    Attributes
    ----------
    call
        Makes the call from a dict of arguments (for a method, the key ``"self"`` holds the
        object, prepared in a state where the method may be called).
    valid
        Draws valid arguments.
    check
        Asserts what the call returned for valid arguments: the documented type, shape and
        dtype, and no NaN.
    bad
        For each parameter, a function of the valid arguments that gives a strategy of bad
        values for it; ``"self"`` gives objects in a state where the method may not be called.
    free
        Parameters that no value makes wrong, each with the reason.
    cost
        Relative cost of a call: the number of examples is scaled by it.
    bad_cost
        Relative cost of a call with a bad argument, where it differs from ``cost``: a valid
        call that trains or builds a model is expensive, a bad one is refused before that.
    words
        How the error message names a parameter, where it does not use the parameter's name.
    """

    call: Callable[[Args], Any]
    valid: st.SearchStrategy[Args]
    check: Callable[[Any, Args], None]
    bad: Mapping[str, Callable[[Args], st.SearchStrategy[Any]]] = field(default_factory=dict)
    free: Mapping[str, str] = field(default_factory=dict)
    cost: float = 1.0
    bad_cost: float | None = None
    words: Mapping[str, str] = field(default_factory=dict)


def raised_by_mnn(error: BaseException) -> bool:
    """Whether ``error`` was raised by a ``raise`` statement in a module of mnn."""
    tb = error.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = tb.tb_frame.f_globals.get("__name__", "")
    in_mnn = module == "mnn" or module.startswith("mnn.")
    return in_mnn and tb.tb_frame.f_code.co_code[tb.tb_lasti] == _RAISE


def where_raised(error: BaseException) -> str:
    """``module:line`` of the innermost frame of ``error``'s traceback, for failure messages."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "?"
    return f"{tb.tb_frame.f_globals.get('__name__', '?')}:{tb.tb_lineno}"


def parameters(function: Callable) -> list[str]:
    """The names of ``function``'s parameters, without ``self`` and ``*args``/``**kwargs``."""
    kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if name != "self" and parameter.kind not in kinds
    ]


def method(name: str) -> Callable[[Args], Any]:
    """A ``call`` that calls the method ``name`` of ``args["self"]`` with the other arguments
    (keys that start with ``_`` are context for the check, not arguments)."""

    def call(args: Args) -> Any:
        arguments = keywords(args)
        return getattr(arguments.pop("self"), name)(**arguments)

    return call


def function(target: Callable) -> Callable[[Args], Any]:
    """A ``call`` that calls ``target`` with the arguments as keywords (but ``_`` keys)."""
    return lambda args: target(**keywords(args))


def keywords(args: Args) -> Args:
    """``args`` without the keys that start with ``_`` (context for the check)."""
    return {key: value for key, value in args.items() if not key.startswith("_")}


def scratch(name: str) -> Path:
    """A folder of the sweep's own, removed when the test run ends."""
    folder = _SCRATCH / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ------------------------------------------------------------------------ valid values


def floats(low: float = -10.0, high: float = 10.0) -> st.SearchStrategy[float]:
    """Finite floats in [low, high]."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def float_arrays(
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]],
    dtype: Any = np.float64,
    low: float = -10.0,
    high: float = 10.0,
) -> st.SearchStrategy[np.ndarray]:
    """Finite float arrays of ``shape`` with entries in [low, high] (rounded to float32)."""
    low, high = float(np.float32(low)), float(np.float32(high))
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=32)
    return hnp.arrays(dtype, shape, elements=elements)


def seeds() -> st.SearchStrategy[int]:
    return st.integers(0, 2**32)


def names(count: int) -> list[str]:
    """``count`` distinct class names."""
    return [f"class {i}" for i in range(count)]


# -------------------------------------------------------------------------- bad values

NONE = st.none()
TEXT = st.text(max_size=5)
BYTES = st.binary(min_size=1, max_size=5)
BOOLS = st.sampled_from([True, False, np.True_])
HUGE_INTS = st.sampled_from([2**31, 2**63, -(2**63), 2**100])
NOT_FINITE = st.sampled_from([np.nan, np.inf, -np.inf, np.float32(np.nan)])
COMPLEX = st.complex_numbers(max_magnitude=10, allow_nan=False)
CONTAINERS = st.one_of(
    st.lists(st.integers(0, 3), max_size=3),
    st.tuples(st.integers(0, 3)),
    st.dictionaries(st.text(max_size=2), st.integers(0, 3), max_size=2),
    st.sets(st.integers(0, 3), max_size=2),
)
OBJECTS = st.builds(object)
ODD_ARRAYS = st.one_of(
    st.just(np.array(1.0)),
    st.just(np.array([1.0])),
    st.just(np.array(["a"])),
    st.just(np.array([None], dtype=object)),
    st.just(np.zeros((0,))),
)
#: Values of no use anywhere in mnn but where the parameter's own kind allows them.
JUNK = st.one_of(NONE, TEXT, BYTES, COMPLEX, CONTAINERS, OBJECTS, ODD_ARRAYS)


def bad_int(
    low: int | None = None, high: int | None = None, *, huge: bool = False
) -> st.SearchStrategy[Any]:
    """Anything but an integer in [low, high]: floats (2.0 too), bools, junk, integers outside;
    with ``huge``, integers too large for the memory or for int64."""
    options = [JUNK, BOOLS, st.floats(), st.just(np.float64(2.0))]
    if low is not None:
        options.append(st.integers(low - 5, low - 1))
    if high is not None:
        options.append(st.integers(high + 1, high + 5))
    if huge:
        options.append(HUGE_INTS.filter(lambda value: value > 0))
    return st.one_of(*options)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``strategy`` without ``None``, for parameters where ``None`` is valid (a default)."""
    return strategy.filter(lambda value: value is not None)


def bad_real(
    low: float | None = None, high: float | None = None, include: str = "both"
) -> st.SearchStrategy[Any]:
    """Anything but a finite real number in the range (bounds included as ``include`` says)."""
    outside = [NOT_FINITE]
    if low is not None:
        outside.append(st.floats(max_value=low, exclude_max=include in ("both", "low")))
    if high is not None:
        outside.append(st.floats(min_value=high, exclude_min=include in ("both", "high")))
    return st.one_of(JUNK, BOOLS, *outside)


def bad_bool() -> st.SearchStrategy[Any]:
    return st.one_of(JUNK, st.sampled_from([0, 1, 1.0, "True", np.array(True)]))


def bad_seed(generator: bool = False) -> st.SearchStrategy[Any]:
    """Anything but a non-negative integer (or a Generator where one is accepted)."""
    others = [st.just(np.random.RandomState(0))]
    if not generator:
        others.append(st.just(np.random.default_rng(0)))
    return st.one_of(JUNK, BOOLS, st.integers(-5, -1), st.floats(), *others)


def bad_path() -> st.SearchStrategy[Any]:
    """Anything but a path: ``None``, bytes, numbers, containers, "", a NUL character."""
    return st.one_of(
        NONE,
        BYTES,
        COMPLEX,
        CONTAINERS,
        OBJECTS,
        ODD_ARRAYS,
        st.integers(),
        st.floats(),
        st.sampled_from(["", "a\0b"]),
    )


def bad_callable() -> st.SearchStrategy[Any]:
    return st.one_of(NONE, TEXT, BYTES, CONTAINERS, ODD_ARRAYS, st.integers())


def bad_mapping() -> st.SearchStrategy[Any]:
    return st.one_of(
        NONE,
        TEXT,
        BYTES,
        COMPLEX,
        OBJECTS,
        ODD_ARRAYS,
        st.integers(),
        st.lists(st.integers(), max_size=2),
        st.tuples(st.integers()),
    )


def bad_text() -> st.SearchStrategy[Any]:
    """Anything but ``None`` or a string."""
    return st.one_of(BYTES, COMPLEX, CONTAINERS, OBJECTS, ODD_ARRAYS, st.integers(), st.floats())


def bad_names(length: int | None = None, unique: bool = False) -> st.SearchStrategy[Any]:
    """Anything but a list of strings (of ``length``, distinct if ``unique``)."""
    options = [
        NONE,
        st.integers(),
        st.floats(),
        BYTES,
        OBJECTS,
        st.just(np.array([1, 2])),
        st.text(min_size=1, max_size=4),
        st.lists(st.integers(), min_size=1, max_size=3),
        st.lists(st.text(max_size=3), min_size=1, max_size=3).map(lambda v: [*v, 1]),
        st.lists(st.text(max_size=3), max_size=3).map(iter),
        st.lists(st.text(max_size=3), max_size=3).map(lambda v: {name: 0 for name in v}),
    ]
    if length is not None:
        options.append(st.integers(0, length + 2).filter(lambda n: n != length).map(names))
    if unique:
        options.append(st.just(["a", "a"]))
    return st.one_of(*options)


def bad_choice(choices: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    """Anything but one of ``choices``: near misses, the choices in an array or a list, junk."""
    near = [c + "x" for c in choices if isinstance(c, str)] + [
        c.upper() for c in choices if isinstance(c, str) and c.upper() != c
    ]
    return st.one_of(
        NONE,
        BYTES,
        COMPLEX,
        OBJECTS,
        st.integers(),
        st.floats(),
        st.sampled_from(near) if near else st.nothing(),
        st.sampled_from(choices).map(lambda c: np.array([c])),
        st.sampled_from(choices).map(lambda c: [c]),
        st.just(np.array(list(choices))),
    )


def bad_array(
    template: np.ndarray,
    *,
    kinds: str = "f",
    finite: bool = True,
    nonempty: bool = False,
    free_axes: tuple[int, ...] = (),
    any_shape: bool = False,
) -> st.SearchStrategy[Any]:
    """Bad versions of the valid array ``template``.

    Not an array (a list, a tuple, a scalar, a string, ``None``); a dtype whose kind is not in
    ``kinds``; another rank; another length along an axis not in ``free_axes`` (unless
    ``any_shape``); NaN or infinity (if ``finite``); no entries along the first axis (if
    ``nonempty``).
    """
    options: list[st.SearchStrategy[Any]] = [
        st.just(template.tolist()),
        st.just(tuple(template.tolist())) if template.ndim else st.just(template.item()),
        NONE,
        TEXT,
    ]
    candidates = ("int64", "bool", "complex128", "object", "U3")
    wrong_dtypes = [d for d in candidates if np.dtype(d).kind not in kinds]
    if "f" not in kinds:
        wrong_dtypes.append("float64")
    options.append(st.sampled_from(wrong_dtypes).map(lambda d: template.astype(d)))
    if not any_shape:
        options.append(st.just(template[None]))
        if template.ndim:  # the sum of a 0-d array is that array: of its rank, not another
            options.append(st.just(np.asarray(template.sum())))
        fixed = [axis for axis in range(template.ndim) if axis not in free_axes]
        if fixed:
            options.append(st.sampled_from(fixed).map(lambda axis: _grow(template, axis)))
    if finite and template.dtype.kind == "f" and template.size:
        options.append(
            st.tuples(st.integers(0, template.size - 1), NOT_FINITE).map(
                lambda spot: _poison(template, *spot)
            )
        )
    if nonempty and template.ndim:
        options.append(st.just(template[:0]))
    return st.one_of(*options)


def _grow(template: np.ndarray, axis: int) -> np.ndarray:
    """``template`` with one more entry along ``axis`` (a copy of its last slice, or zeros)."""
    if template.shape[axis] == 0:
        shape = list(template.shape)
        shape[axis] = 1
        return np.zeros(shape, template.dtype)
    last = np.take(template, [-1], axis=axis)
    return np.concatenate([template, last], axis=axis)


def _poison(template: np.ndarray, index: int, value: float) -> np.ndarray:
    """A copy of ``template`` with ``value`` (NaN or infinite) at the flat ``index``."""
    poisoned = template.copy()
    poisoned.flat[index] = value
    return poisoned


def check_finite_array(value: Any, shape: tuple[int, ...], dtype: Any = None) -> None:
    """Assert ``value`` is a finite array of ``shape`` (and ``dtype``, if given)."""
    assert isinstance(value, np.ndarray), type(value)
    assert value.shape == shape, (value.shape, shape)
    if dtype is not None:
        assert value.dtype == np.dtype(dtype), (value.dtype, dtype)
    if value.dtype.kind in "fc":
        assert np.all(np.isfinite(value)), "NaN or infinity in a valid call's result"
