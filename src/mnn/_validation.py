"""The one place where inputs to public functions are checked and errors are worded.

Every check raises with a message that names the argument, says what was expected and what
was received, and, where there is one, what to do about it. Nothing is silently coerced.

Empty batches
-------------
A batch of zero samples (an array whose first axis has length 0) is treated the same way
everywhere in ``mnn``:

- a function that maps each sample to a result (a layer's or a network's forward and backward
  pass, an activation, an explanation of each image by ``mnn.explain``) returns an empty result
  of the right shape, ``(0, ...)``, as NumPy, PyTorch and Keras do, in both frameworks;
- a function whose result is undefined or meaningless without samples refuses them with a
  ``ValueError`` saying so: a mean over the batch (a loss, an accuracy), training, a gradient
  check, and every figure (a picture of nothing is a mistake, not a result);
- counts stay counts: the number of examples per class of no labels is 0 for every class.

:func:`check_nonempty` words the refusal.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
from collections.abc import Mapping, Sequence, Sized
from pathlib import Path
from typing import Any

import numpy as np


def describe(value: Any) -> str:
    """A short description of ``value`` for error messages: type, and shape and dtype for arrays."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"{type(value).__name__} of shape {tuple(shape)}"
    text = f"{type(value).__name__} {value!r}"
    if len(text) > 200 or "\n" in text:
        # Long or multi-line (a list of arrays, say): the type and length say enough.
        size = f" of length {len(value)}" if isinstance(value, Sized) else ""
        return f"{type(value).__name__}{size}"
    return text


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
    """Check that ``value`` is one of ``choices``; return the matching choice.

    Only a value of the choice's kind matches: a string matches a string, an integer (not a
    bool) an integer. Arrays, lists and other unhashable or ambiguous values never match, and
    are described rather than compared.
    """
    for choice in choices:
        if _same_choice(value, choice):
            return choice
    listed = ", ".join(repr(c) for c in choices)
    shown = repr(value) if isinstance(value, (str, int, float, type(None))) else describe(value)
    message = f"{name} must be one of {listed}; got {shown}."
    if isinstance(value, str):
        close = difflib.get_close_matches(value, [c for c in choices if isinstance(c, str)], 1)
        if close:
            message += f" Did you mean {close[0]!r}?"
    raise ValueError(message)


def _same_choice(value: Any, choice: Any) -> bool:
    """Whether ``value`` is the choice ``choice``, compared only within the same kind."""
    if isinstance(choice, str):
        return isinstance(value, str) and value == choice
    if isinstance(choice, bool) or isinstance(value, (bool, np.bool_)):
        return value is choice
    if isinstance(choice, numbers.Integral):
        return isinstance(value, numbers.Integral) and int(value) == choice
    return type(value) is type(choice) and bool(value == choice)


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


def check_input_size(input_size: Any) -> tuple[int, int] | None:
    """Check that ``input_size`` is ``None`` or a pair (H, W) of positive ints; return it."""
    if input_size is None:
        return None
    if (
        not isinstance(input_size, tuple)
        or len(input_size) != 2
        or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0
            for n in input_size
        )
    ):
        raise ValueError(
            f"input_size must be a pair (H, W) of positive ints, got {describe(input_size)}."
        )
    height, width = int(input_size[0]), int(input_size[1])
    check_size((height, width), f"one channel of an image of input_size {input_size}")
    return height, width


def check_index(value: Any, name: str, count: int, what: str) -> int:
    """Check that ``value`` is an int in ``0 .. count - 1`` (no negative indices); ``what``
    names what is counted, e.g. ``"layer 'conv1' has 16 channels"``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer index, got {describe(value)}.")
    if not 0 <= value < count:
        raise ValueError(f"{name} {value} is out of range: {what}, numbered 0 to {count - 1}.")
    return int(value)


def check_position(value: Any, name: str, size: tuple[int, int], what: str) -> tuple[int, int]:
    """Check that ``value`` is a (row, column) pair of ints inside a map of ``size`` (h, w);
    ``what`` names the map, e.g. ``"layer 'conv4'"``."""
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in value)
    ):
        raise TypeError(f"{name} must be a (row, column) pair of ints, got {describe(value)}.")
    row, column = int(value[0]), int(value[1])
    if not (0 <= row < size[0] and 0 <= column < size[1]):
        raise ValueError(
            f"{name} ({row}, {column}) is outside the {size[0]}x{size[1]} map of {what}: rows "
            f"run from 0 to {size[0] - 1} and columns from 0 to {size[1] - 1}."
        )
    return row, column


#: The largest array a single argument may ask ``mnn`` to allocate, as a fraction of the
#: machine's physical memory: larger requests are refused before anything is allocated.
MEMORY_FRACTION = 0.5


def _interval(kind: type, low: float | None, high: float | None, include: str) -> str:
    """``"an integer of at least 1"``, ``"a real number in (0, 1]"``, ...: the words for a range."""
    noun = "an integer" if kind is int else "a real number"
    low_in, high_in = include in ("both", "low"), include in ("both", "high")
    if low is not None and high is not None:
        return f"{noun} in {'[' if low_in else '('}{low:g}, {high:g}{']' if high_in else ')'}"
    if low is not None:
        return f"{noun} {'of at least' if low_in else 'greater than'} {low:g}"
    if high is not None:
        return f"{noun} {'of at most' if high_in else 'less than'} {high:g}"
    return noun if kind is int else "a finite real number"


def check_scalar(
    value: Any,
    name: str,
    kind: type = float,
    *,
    low: float | None = None,
    high: float | None = None,
    include: str = "both",
    hint: str = "",
) -> Any:
    """Check that ``value`` is one finite number of ``kind`` within bounds; return it as a Python
    ``int`` or ``float``.

    In the spirit of scikit-learn's ``check_scalar``.

    Parameters
    ----------
    value
        The argument as the user passed it. Bools, strings, arrays (also 0-d and one-element
        ones) and complex numbers are refused; NumPy scalars are accepted.
    name
        The argument's name, used in the message.
    kind
        ``int`` (integers only) or ``float`` (any real number, integers included).
    low, high
        The bounds, ``None`` for none.
    include
        Which bounds belong to the range: ``"both"``, ``"low"``, ``"high"`` or ``"neither"``.
    hint
        Appended to the message: say there what the user should do.

    Returns
    -------
    int or float
    """
    integer = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
    real = integer or isinstance(value, (float, np.floating))
    wanted = _interval(kind, low, high, include)
    suffix = f"; {hint}" if hint else "."
    if not (integer if kind is int else real):
        raise TypeError(f"{name} must be {wanted}, got {describe(value)}{suffix}")
    number = int(value) if kind is int else float(value)
    low_ok = low is None or number > low or (number == low and include in ("both", "low"))
    high_ok = high is None or number < high or (number == high and include in ("both", "high"))
    if not (math.isfinite(number) and low_ok and high_ok):
        raise ValueError(f"{name} must be {wanted}, got {value!r}{suffix}")
    return number


def check_seed(value: Any, name: str = "seed", *, generator: bool = False) -> Any:
    """Check that ``value`` seeds NumPy's generator: an integer of at least 0, or, with
    ``generator=True``, a ``numpy.random.Generator`` (used as it is); return it."""
    if generator and isinstance(value, np.random.Generator):
        return value
    wanted = "a non-negative integer" + (" or a numpy.random.Generator" if generator else "")
    if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be {wanted}, got {describe(value)}; pass e.g. {name}=0.")
    if value < 0:
        raise ValueError(f"{name} must be {wanted}, got {value}; pass e.g. {name}=0.")
    return int(value)


def check_path(value: Any, name: str, *, exists: str | None = None) -> Path:
    """Check that ``value`` names a file system path (a non-empty ``str`` or ``os.PathLike``);
    return it as a ``Path`` with ``~`` expanded.

    ``exists="file"`` or ``"dir"`` also requires an existing file or folder there, and raises
    ``FileNotFoundError`` (or ``NotADirectoryError`` / ``IsADirectoryError``) naming it.
    """
    if isinstance(value, bytes) or not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path, a str or pathlib.Path, got {describe(value)}.")
    text = os.fspath(value)
    if not isinstance(text, str) or not text or "\0" in text:
        raise ValueError(f"{name} must be a non-empty path without NUL characters, got {text!r}.")
    path = Path(text).expanduser()
    if exists == "dir" and not path.is_dir():
        error = NotADirectoryError if path.exists() else FileNotFoundError
        raise error(f"{name} must be an existing folder, but {path} is not one.")
    if exists == "file" and not path.is_file():
        error = IsADirectoryError if path.is_dir() else FileNotFoundError
        raise error(f"{name} must be an existing file, but {path} is not one.")
    return path


def check_mapping(value: Any, name: str, example: str) -> Mapping:
    """Check that ``value`` is a mapping (a ``dict``, say); ``example`` shows one in the message."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping such as {example}, got {describe(value)}.")
    return value


def check_names(
    value: Any, name: str, *, length: int | None = None, unique: bool = False
) -> tuple[str, ...]:
    """Check that ``value`` is a list or tuple of strings (one string is not: it would be read as
    its letters); return them as a tuple.

    ``length`` is the required number of names; ``unique`` refuses a name given twice.
    """
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind == "U":
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        example = f"[{value!r}]" if isinstance(value, str) else "['cat', 'dog']"
        raise TypeError(
            f"{name} must be a list of strings such as {example}, got {describe(value)}."
        )
    wrong = [entry for entry in value if not isinstance(entry, str)]
    if wrong:
        raise TypeError(f"{name} must hold strings only, got {describe(wrong[0])} among them.")
    if length is not None and len(value) != length:
        raise ValueError(f"{name} must hold {length} names, got {len(value)}.")
    if unique:
        repeated = sorted({entry for entry in value if value.count(entry) > 1})
        if repeated:
            verb = "appears" if len(repeated) == 1 else "appear"
            raise ValueError(
                f"{name} must not repeat a name, but {', '.join(map(repr, repeated))} {verb} "
                "more than once; give every class its own name."
            )
    return tuple(value)


def check_nonempty(value: np.ndarray, name: str, *, what: str = "sample", hint: str = "") -> None:
    """Refuse an array with no entries along its first axis (an empty batch, see above)."""
    if value.ndim == 0 or len(value) == 0:
        raise ValueError(
            f"{name} must hold at least one {what}, got {describe(value)}"
            + (f"; {hint}" if hint else ".")
        )


def memory_limit() -> int | None:
    """Bytes that one argument may ask ``mnn`` to allocate: :data:`MEMORY_FRACTION` of the
    physical memory, or ``None`` where the platform does not say how much there is."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None
    return int(MEMORY_FRACTION * total) if total > 0 else None


def check_size(shape: Sequence[int], what: str, *, itemsize: int = 8, hint: str = "") -> None:
    """Refuse to allocate an array of ``shape`` (``itemsize`` bytes per entry) larger than
    :func:`memory_limit`, before anything is allocated; ``what`` names the array."""
    nbytes = math.prod(int(d) for d in shape) * itemsize
    limit = memory_limit()
    if limit is not None and nbytes > limit:
        raise ValueError(
            f"{what} would need {_bytes(nbytes)}, more than the {_bytes(limit)} (half of this "
            f"machine's memory) that mnn allows for one array" + (f"; {hint}" if hint else ".")
        )


def _bytes(count: int) -> str:
    """``count`` bytes in words: ``"3.2 GB"``."""
    value, unit = float(count), "bytes"
    for larger in ("kB", "MB", "GB", "TB", "PB"):
        if value < 1000:
            break
        value, unit = value / 1000, larger
    return f"{value:.3g} {unit}"


def check_colormap(value: Any, name: str = "cmap") -> Any:
    """Check that ``value`` is a Matplotlib colour map or the name of a registered one; return
    the colour map itself (a ``matplotlib.colors.Colormap``)."""
    import matplotlib
    from matplotlib.colors import Colormap

    if isinstance(value, Colormap):
        return value
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be the name of a Matplotlib colour map such as 'gray', or a Colormap, "
            f"got {describe(value)}."
        )
    if value not in matplotlib.colormaps:
        close = difflib.get_close_matches(value, list(matplotlib.colormaps), 3)
        suggestion = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"{name}={value!r} is not a Matplotlib colour map; list them with "
            f"matplotlib.colormaps.{suggestion}"
        )
    return matplotlib.colormaps[value]


def check_shape(value: Any, name: str, *, minimum: int = 1) -> tuple[int, ...]:
    """Check that ``value`` is a shape: a tuple or list of integers, each at least ``minimum``
    (any number of them); return it as a tuple of ``int``."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"{name} must be a tuple of integers such as (1, 28, 28), got {describe(value)}."
        )
    return check_int_tuple(value, name, len(value), minimum=minimum)


def check_bool(value: Any, name: str) -> bool:
    """Check that ``value`` is ``True`` or ``False`` (a NumPy bool too, not 0 or 1); return it."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}.")
    return bool(value)


def check_float_dtype(value: Any, name: str = "dtype") -> np.dtype:
    """Check that ``value`` names a floating dtype (``np.float32``, ``"float64"``, ...)."""
    try:
        dtype = np.dtype(value)
    except (TypeError, ValueError):
        dtype = None
    if value is None or dtype is None or dtype.kind != "f":
        shown = repr(value)[:200]
        raise TypeError(f"{name} must be a floating type such as np.float32, got {shown}.")
    return dtype


def check_text(value: Any, name: str) -> str | None:
    """Check that ``value`` is ``None`` or a string (a title, a label); return it."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a str or None, got {describe(value)}.")
    return value


def check_word(value: Any, name: str, example: str = "") -> str:
    """Check that ``value`` is a non-empty string (a name, a label); return it. ``example``, if
    given, is shown in the message."""
    if not isinstance(value, str) or not value:
        such = f" such as {example!r}" if example else ""
        raise TypeError(f"{name} must be a non-empty string{such}, got {describe(value)}.")
    return value


def check_instance(value: Any, name: str, kind: type | tuple[type, ...], what: str) -> Any:
    """Check that ``value`` is an instance of ``kind``; ``what`` says what that is in words, with
    an example, e.g. ``"a matplotlib Axes, such as plt.subplots()[1]"``."""
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {what}, got {describe(value)}.")
    return value
