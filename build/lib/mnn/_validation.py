"""The one place where inputs to public functions are checked and errors are worded.

Every check raises with a message that names the argument, says what was expected and what
was received, and, where there is one, what to do about it. Nothing is silently coerced.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def describe(value: Any) -> str:
    """A short description of ``value`` for error messages: type, and shape and dtype for arrays."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"{type(value).__name__} of shape {tuple(shape)}"
    return f"{type(value).__name__} {value!r}"[:200]


def check_array(
    value: Any,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: Sequence[int | None] | None = None,
    dtype_kind: str | None = None,
    finite: bool = False,
) -> np.ndarray:
    """Check that ``value`` is a NumPy array of the expected rank, shape and kind; return it.

    Parameters
    ----------
    value
        The argument as the user passed it. Lists and tuples are not converted: pass an array.
    name
        The argument's name, used in the message.
    ndim
        The allowed number(s) of dimensions.
    shape
        The expected shape; ``None`` entries match any length.
    dtype_kind
        Allowed ``dtype.kind`` characters, e.g. ``"f"`` (floating), ``"fiu"`` (any real number),
        ``"u"`` (unsigned integer).
    finite
        Also require every entry to be finite (no NaN or infinity).

    Returns
    -------
    numpy.ndarray
        ``value`` itself, unchanged.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(
            f"{name} must be a NumPy array, got {describe(value)}; use np.asarray first."
        )
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if value.ndim not in allowed:
            wanted = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must have {wanted} dimensions, got {describe(value)}.")
    if shape is not None:
        expected = tuple(shape)
        if value.ndim != len(expected) or any(
            e is not None and e != s for e, s in zip(expected, value.shape, strict=True)
        ):
            entries = ["any" if e is None else str(e) for e in expected]
            wanted = f"({entries[0]},)" if len(entries) == 1 else f"({', '.join(entries)})"
            raise ValueError(f"{name} must have shape {wanted}, got {describe(value)}.")
    if dtype_kind is not None and value.dtype.kind not in dtype_kind:
        kinds = {"f": "floating", "i": "signed integer", "u": "unsigned integer", "b": "boolean"}
        wanted = " or ".join(kinds.get(k, k) for k in dtype_kind)
        article = "an" if wanted[0] in "aeiou" else "a"
        raise TypeError(f"{name} must have {article} {wanted} dtype, got {describe(value)}.")
    if finite and not np.all(np.isfinite(value)):
        bad = int(np.size(value) - np.count_nonzero(np.isfinite(value)))
        raise ValueError(
            f"{name} must be finite, but {bad} of its {value.size} entries are NaN or infinite."
        )
    return value


def check_choice(value: Any, name: str, choices: Sequence[Any]) -> Any:
    """Check that ``value`` is one of ``choices``; return it."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}.")
    return value


def check_positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """Check that ``value`` is an integer (not a bool, not a float) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {describe(value)}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return int(value)


def check_positive_real(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Check that ``value`` is a finite real number (not a bool) above zero, or at least zero."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {describe(value)}.")
    bound = "at least 0" if allow_zero else "greater than 0"
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be finite and {bound}, got {value}.")
    return float(value)


def check_callable(value: Any, name: str, signature: str) -> Any:
    """Check that ``value`` is callable; ``signature`` shows the expected call, e.g. ``fun(x)``."""
    if not callable(value):
        raise TypeError(f"{name} must be a callable used as {signature}, got {describe(value)}.")
    return value


def check_in_range(value: np.ndarray, name: str, low: float, high: float, hint: str = "") -> None:
    """Check that every entry of the array ``value`` lies in the closed interval [low, high].

    ``hint`` is appended to the message: say there what the user should do.
    """
    if value.size and (value.min() < low or value.max() > high):
        raise ValueError(
            f"{name} must lie in [{low:g}, {high:g}], got values from {value.min():g} to "
            f"{value.max():g}" + (f"; {hint}" if hint else ".")
        )


def check_count(value: Any, name: str, available: int, *, what: str = "items") -> int | None:
    """Check that ``value`` is ``None`` (meaning all) or a count from 1 to ``available``.

    ``what`` names the counted things in the message, e.g. ``"images"``.
    """
    if value is None:
        return None
    value = check_positive_int(value, name)
    if value > available:
        raise ValueError(f"{name} must be at most {available:,} (all {what}), got {value:,}.")
    return value


def check_int_tuple(value: Any, name: str, length: int, *, minimum: int = 1) -> tuple[int, ...]:
    """Check that ``value`` is a tuple or list of ``length`` integers, each at least ``minimum``.

    A single integer is not accepted in place of a tuple: the caller says which it allows.
    """
    if not isinstance(value, (tuple, list)) or len(value) != length:
        raise TypeError(f"{name} must be a tuple of {length} integers, got {describe(value)}.")
    for entry in value:
        if isinstance(entry, bool) or not isinstance(entry, (int, np.integer)):
            raise TypeError(f"{name} must be a tuple of {length} integers, got {value!r}.")
        if entry < minimum:
            raise ValueError(f"every entry of {name} must be at least {minimum}, got {value!r}.")
    return tuple(int(entry) for entry in value)
