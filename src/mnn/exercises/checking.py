"""The machinery every answer checker shares: cases, the run, and a report in plain words.

A checker builds a list of :class:`Case` objects (inputs, and the outputs ``mnn``'s reference
computes from them) and hands them to :func:`run_checks` with the student's function. The
function is called on every case with positional arguments; the result is compared output by
output; the :class:`CheckReport` says which cases passed and describes the first one that did
not: its inputs, what was expected, what came back, where they differ first, and, when the
answer matches a known mistake, which one.

A function that raises ``NotImplementedError`` on every case (an unfilled skeleton) is *not
attempted*: the report says so and nothing is raised, so that a notebook with an unfilled
skeleton still runs from top to bottom.
"""

from __future__ import annotations

import copy
import inspect
import sysconfig
import textwrap
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_callable, check_mapping, check_word, describe

#: How a case's outputs are compared: ``compare(expected, got)`` returns ``None`` when they
#: agree and a plain-words description of the first difference otherwise.
Comparison = Callable[[Any, Any], "str | None"]


@dataclass(frozen=True)
class Case:
    """One call of the student's function and the outputs ``mnn``'s reference gives for it.

    Attributes
    ----------
    description
        What is special about the case, in words ("a window with two tied maxima").
    arguments
        The arguments by name, in the order of the function's signature; they are passed
        positionally, data (arrays, lists, numbers) as deep copies, models as they are.
    expected
        The reference's outputs by name, in the order the function returns them. One entry:
        the function returns that value; several: it returns a tuple of them.
    """

    description: str
    arguments: dict[str, Any]
    expected: dict[str, Any]


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: what it is, and the output it gives on a case.

    Attributes
    ----------
    description
        Completes "Your result is what you get when ..." ("the filters are not flipped").
    outputs
        ``outputs(*case.arguments.values())`` -> the wrong answer's outputs, in the order of
        ``case.expected``: one value, or a tuple for several outputs.
    """

    description: str
    outputs: Callable[..., Any]


@dataclass(frozen=True)
class CheckReport:
    """What a checker found: which cases passed, and the first failure in plain words.

    ``print(report)`` or displaying it in a notebook shows the text. In a solution cell,
    ``check_...(function).assert_passed()`` raises ``AssertionError`` unless every case passed.

    Attributes
    ----------
    task
        The name of the function that was checked.
    signature
        How the function is called, e.g. ``conv2d_forward(a, filters, bias) -> z``.
    outcomes
        ``(description, passed)`` for every case, in the order they were run.
    failure
        The first failing case described in full; ``None`` if none failed.
    case
        The first failing :class:`Case` (its ``arguments`` and ``expected``), to try again by
        hand; ``None`` if none failed.
    attempted
        ``False`` when the function raised ``NotImplementedError`` on every case.
    """

    task: str
    signature: str
    outcomes: tuple[tuple[str, bool], ...]
    failure: str | None
    case: Case | None = field(default=None, repr=False)
    attempted: bool = True

    @property
    def passed_cases(self) -> tuple[str, ...]:
        """Descriptions of the cases that passed."""
        return tuple(description for description, passed in self.outcomes if passed)

    @property
    def failed_cases(self) -> tuple[str, ...]:
        """Descriptions of the cases that failed."""
        return tuple(description for description, passed in self.outcomes if not passed)

    @property
    def passed(self) -> bool:
        """Whether the function was attempted and every case passed."""
        return self.attempted and all(passed for _, passed in self.outcomes)

    def assert_passed(self) -> CheckReport:
        """Raise ``AssertionError`` with the report's text unless every case passed.

        Returns
        -------
        CheckReport
            ``self``, so that a notebook cell ending in this call displays the report.
        """
        if not self.passed:
            raise AssertionError(str(self))
        return self

    def __str__(self) -> str:
        if not self.attempted:
            return _wrap(
                f"{self.task}: not attempted yet (it raises NotImplementedError). Write the "
                f"body of {self.signature} in the cell above, in place of the `raise "
                "NotImplementedError` line, then run that cell and this one again."
            )
        total, passed = len(self.outcomes), len(self.passed_cases)
        verdict = (
            f"all {total} cases passed" if passed == total else f"{passed} of {total} cases passed"
        )
        lines = [f"{self.task}: {verdict}."]
        lines += [
            f"  {'passed' if ok else 'FAILED'}  {description}" for description, ok in self.outcomes
        ]
        if self.failure is not None:
            lines += ["", self.failure]
        return "\n".join(lines)

    def __repr__(self) -> str:
        state = "not attempted"
        if self.attempted:
            state = f"{len(self.passed_cases)}/{len(self.outcomes)} passed"
        return f"<CheckReport {self.task}: {state}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's display: the full text, as ``print`` shows it."""
        printer.text(str(self))


def run_checks(
    task: str,
    signature: str,
    function: Any,
    cases: Sequence[Case],
    *,
    mistakes: Sequence[Mistake] = (),
    compare: Comparison | None = None,
) -> CheckReport:
    """Call ``function`` on every case and compare its outputs with the expected ones.

    Parameters
    ----------
    task
        The name the exercise gives the function.
    signature
        The call as the exercise states it, e.g. ``max_pool2d_forward(a, area) -> z``.
    function
        The student's function.
    cases
        The cases, simplest first: the first failure is the one described in full.
    mistakes
        Known wrong answers; a failing output that equals one of them is named.
    compare
        How one output is compared with the expected one; default :func:`compare_arrays`.

    Returns
    -------
    CheckReport
    """
    check_word(task, "task")
    check_word(signature, "signature")
    cases = _check_records(cases, "cases", Case, "a non-empty list of Case objects")
    for i, case in enumerate(cases):
        check_mapping(case.arguments, f"cases[{i}].arguments", "{'a': a}")
        check_mapping(case.expected, f"cases[{i}].expected", "{'z': z}")
        if not case.expected:
            raise ValueError(f"cases[{i}].expected must name at least one output, got none.")
    mistakes = _check_records(
        mistakes, "mistakes", Mistake, "a list of Mistake objects", empty=True
    )
    for i, mistake in enumerate(mistakes):
        check_callable(mistake.outputs, f"mistakes[{i}].outputs", "outputs(*arguments)")
    if compare is not None:
        check_callable(compare, "compare", "compare(expected, got) -> str or None")
    check_arguments(function, "function", signature, len(cases[0].arguments))
    compare = compare_arrays if compare is None else compare
    outcomes, not_implemented = [], 0
    failure, failing_case = None, None
    for case in cases:
        problem, outputs = _run_case(function, case, compare)
        outcomes.append((case.description, problem is None))
        if problem is None:
            continue
        if problem is NotImplemented:
            not_implemented += 1
            problem = "your function raised NotImplementedError."
        if failure is None:
            failure = _describe_failure(case, problem, outputs, mistakes, compare)
            failing_case = case
    if not_implemented == len(cases):
        return CheckReport(task, signature, tuple(outcomes), None, None, attempted=False)
    return CheckReport(task, signature, tuple(outcomes), failure, failing_case)


def check_arguments(function: Any, name: str, signature: str, count: int) -> Any:
    """Check that ``function`` is callable with ``count`` positional arguments, as the exercise's
    ``signature`` says; return it.

    A function whose signature Python cannot tell (some built-ins) passes: calling it tells.
    """
    check_callable(function, name, signature)
    try:
        parameters = inspect.signature(function)
    except (TypeError, ValueError):
        return function
    try:
        parameters.bind(*range(count))
    except TypeError:
        raise TypeError(
            f"{name} must take {count} argument{'s' if count != 1 else ''}, as in {signature}; "
            f"yours takes {parameters}."
        ) from None
    return function


def _check_records(
    value: Any, name: str, kind: type, what: str, *, empty: bool = False
) -> tuple[Any, ...]:
    """``value`` as a tuple of ``kind`` objects (a list or tuple of them, non-empty unless
    ``empty``)."""
    if not isinstance(value, (list, tuple)) or not (value or empty):
        raise TypeError(f"{name} must be {what}, got {describe(value)}.")
    for i, entry in enumerate(value):
        if not isinstance(entry, kind):
            raise TypeError(f"{name}[{i}] must be a {kind.__name__}, got {describe(entry)}.")
    return tuple(value)


#: Arguments of these types are deep-copied for every call; others (models) are passed as they
#: are: copying a model costs time, and a copied Keras model has lost its ``model.input``.
_DATA = (np.ndarray, np.generic, list, tuple, dict, int, float, complex, str, bool, type(None))


def _copied(arguments: dict[str, Any]) -> dict[str, Any]:
    """The case's arguments, the data among them deep-copied, so that no call can change them
    for the next."""
    return {
        name: copy.deepcopy(value) if isinstance(value, _DATA) else value
        for name, value in arguments.items()
    }


def _run_case(function: Any, case: Case, compare: Comparison) -> tuple[Any, Any]:
    """(problem, outputs): problem is ``None`` when the case passed, ``NotImplemented`` for
    ``NotImplementedError``, else a plain-words description."""
    arguments = _copied(case.arguments)
    try:
        result = function(*arguments.values())
    except NotImplementedError:
        return NotImplemented, None
    except Exception as error:  # the student's code may raise anything: report it
        return _describe_exception(error), None
    for name, value in arguments.items():
        if not _unchanged(value, case.arguments[name]):
            return (
                f"your function changed its argument {name!r} in place. Work on a copy "
                f"(for an array, {name}.copy()), because the caller still needs it.",
                None,
            )
    names = list(case.expected)
    if len(names) == 1:
        outputs = (result,)
    elif isinstance(result, (tuple, list)) and len(result) == len(names):
        outputs = tuple(result)
    else:
        return (
            f"your function must return {len(names)} values ({', '.join(names)}), as a tuple; "
            f"it returned {_short(result)}.",
            None,
        )
    for name, expected, got in zip(names, case.expected.values(), outputs, strict=True):
        difference = compare(expected, got)
        if difference is not None:
            return f"output {name}: {difference}", outputs
    return None, outputs


#: Frames in these folders are library code; the line reported is the student's.
_LIBRARY_FOLDERS = (
    *{str(Path(sysconfig.get_path(scheme))) for scheme in ("purelib", "platlib")},
    str(Path(__file__).resolve().parents[1]),
)


def _describe_exception(error: Exception) -> str:
    """The error and the last line of the student's own code on its way."""
    frames = traceback.extract_tb(error.__traceback__)[1:]  # drop the frame of _run_case
    own = [frame for frame in frames if not frame.filename.startswith(_LIBRARY_FOLDERS)]
    where = ""
    if own:
        frame = own[-1]
        where = f" (in {frame.name}, line {frame.lineno}: {(frame.line or '').strip()})"
    return f"your function raised {type(error).__name__}: {error}{where}"


def _unchanged(value: Any, original: Any) -> bool:
    if isinstance(original, np.ndarray):
        return (
            isinstance(value, np.ndarray)
            and value.shape == original.shape
            and np.array_equal(value, original, equal_nan=True)
        )
    if isinstance(original, (list, tuple)):
        return (
            isinstance(value, (list, tuple))
            and len(value) == len(original)
            and all(_unchanged(v, o) for v, o in zip(value, original, strict=True))
        )
    return True


def _describe_failure(
    case: Case, problem: str, outputs: Any, mistakes: Sequence[Mistake], compare: Comparison
) -> str:
    lines = [
        _wrap(f'First failure, in the case "{case.description}":'),
        _wrap(problem, indent=2),
        "Inputs:",
    ]
    lines += [_indent(f"{name} = {format_value(value)}") for name, value in case.arguments.items()]
    if outputs is not None:
        for (name, expected), got in zip(case.expected.items(), outputs, strict=True):
            lines.append(_indent(f"expected {name} = {format_value(expected)}"))
            lines.append(_indent(f"got      {name} = {format_value(got)}"))
        for mistake in mistakes:
            if _matches(mistake, case, outputs, compare):
                lines.append(_wrap(f"Your result is what you get when {mistake.description}."))
                break
    lines.append(
        _wrap(
            "The inputs are in report.case.arguments and the expected outputs in "
            "report.case.expected, if you want to try this case by hand."
        )
    )
    return "\n".join(lines)


def _matches(mistake: Mistake, case: Case, outputs: Any, compare: Comparison) -> bool:
    wrong = mistake.outputs(*_copied(case.arguments).values())
    wrong = (wrong,) if len(case.expected) == 1 else tuple(wrong)
    try:
        return all(compare(w, o) is None for w, o in zip(wrong, outputs, strict=True))
    except ValueError:
        return False


def compare_arrays(expected: np.ndarray, got: Any, *, rtol: float = 1e-7) -> str | None:
    """Compare an output with the expected array: shape first, then values.

    Values agree when ``|got - expected| <= rtol * max(1, max |expected|)`` everywhere, a
    tolerance for the rounding of a different but correct order of operations.

    Returns
    -------
    str or None
        ``None`` when they agree; otherwise the shapes, or the entry that differs most.
    """
    try:
        values = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"expected an array of shape {expected.shape}, got {_short(got)}."
    if values.shape != expected.shape:
        return f"expected shape {expected.shape}, got shape {values.shape}."
    if values.size == 0:
        return None
    scale = max(1.0, float(np.abs(expected).max()))
    error = np.abs(values - expected)
    error = np.where(np.isnan(error), np.inf, error)
    worst = np.unravel_index(np.argmax(error), error.shape)
    if error[worst] <= rtol * scale:
        return None
    index = tuple(int(i) for i in worst)
    return (
        f"the values differ; the largest difference is at index {index}: expected "
        f"{expected[worst]:.6g}, got {values[worst]:.6g}."
    )


def format_value(value: Any) -> str:
    """A value as a student reads it: small arrays in full, large ones by shape and range."""
    if isinstance(value, np.ndarray):
        if value.size <= 48:
            text = np.array2string(value, precision=4, suppress_small=True, separator=", ")
            return f"array of shape {value.shape}:\n" + _indent(text, 4)
        return (
            f"array of shape {value.shape}, values from {np.nanmin(value):.4g} to "
            f"{np.nanmax(value):.4g}"
        )
    if hasattr(value, "toarray") and hasattr(value, "shape"):  # a scipy.sparse matrix
        return f"scipy.sparse {type(value).__name__}, as a dense " + format_value(value.toarray())
    if isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value):
        entries = [f"[{i}] {format_value(v)}" for i, v in enumerate(value)]
        return f"list of {len(value)} arrays:\n" + _indent("\n".join(entries), 4)
    return _short(value)


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + " ..."


def _wrap(text: str, indent: int = 0) -> str:
    """Prose wrapped to the 88 columns of a notebook's output, continued with ``indent`` more
    spaces."""
    return textwrap.fill(
        text, width=88, initial_indent=" " * indent, subsequent_indent=" " * (indent + 2)
    )


def _indent(text: str, spaces: int = 2) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())
