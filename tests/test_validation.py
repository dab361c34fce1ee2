"""Input checks: each error names the argument, what was expected and what was received."""

from __future__ import annotations

import numpy as np
import pytest

from mnn._validation import check_array, check_choice, check_count, check_positive_int


def test_accepts_and_returns_the_same_array() -> None:
    x = np.zeros((2, 3))
    assert check_array(x, "x", ndim=2, shape=(None, 3), dtype_kind="f", finite=True) is x


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "message"),
    [
        ([1, 2], {}, TypeError, r"x must be a NumPy array, got list .*np.asarray"),
        (
            np.zeros((2, 3)),
            {"ndim": (3, 4)},
            ValueError,
            r"x must have 3 or 4 dimensions, got array of shape \(2, 3\)",
        ),
        (
            np.zeros((2, 3)),
            {"shape": (None, 4)},
            ValueError,
            r"x must have shape \(any, 4\), got array of shape \(2, 3\)",
        ),
        (
            np.zeros(3, np.int64),
            {"dtype_kind": "f"},
            TypeError,
            r"x must have a floating dtype, got .*int64",
        ),
        (
            np.zeros(3),
            {"dtype_kind": "u"},
            TypeError,
            r"x must have an unsigned integer dtype, got .*float64",
        ),
        (
            np.array([1.0, np.nan, np.inf]),
            {"finite": True},
            ValueError,
            r"x must be finite, but 2 of its 3 entries",
        ),
    ],
)
def test_check_array_errors(value, kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        check_array(value, "x", **kwargs)


def test_a_one_dimensional_shape_is_written_as_a_tuple() -> None:
    with pytest.raises(ValueError, match=r"must have shape \(3,\), got array of shape \(4,\)"):
        check_array(np.zeros(4), "x", shape=(3,))


def test_check_choice_lists_the_choices() -> None:
    assert check_choice("a", "mode", ["a", "b"]) == "a"
    with pytest.raises(ValueError, match=r"mode must be one of 'a', 'b'; got 'c'"):
        check_choice("c", "mode", ["a", "b"])


@pytest.mark.parametrize(("value", "error"), [(True, TypeError), (2.0, TypeError), (0, ValueError)])
def test_check_positive_int(value, error) -> None:
    assert check_positive_int(np.int64(3), "n") == 3
    with pytest.raises(error, match="n must be"):
        check_positive_int(value, "n")


def test_check_count_accepts_none_and_counts_up_to_the_available() -> None:
    assert check_count(None, "n", 10) is None
    assert check_count(np.int64(10), "n", 10) == 10
    assert type(check_count(np.int64(3), "n", 10)) is int


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (11, ValueError, r"n must be at most 10 \(all images\), got 11\."),
        (0, ValueError, "n must be at least 1, got 0"),
        (2.0, TypeError, "n must be an integer, got float 2.0"),
        (True, TypeError, "n must be an integer, got bool"),
    ],
)
def test_check_count_errors(value, error, message) -> None:
    with pytest.raises(error, match=message):
        check_count(value, "n", 10, what="images")
