"""Input checks: each error names the argument, what was expected and what was received."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from mnn import _validation as validation
from mnn._validation import (
    check_array,
    check_bool,
    check_choice,
    check_colormap,
    check_count,
    check_float_dtype,
    check_instance,
    check_mapping,
    check_names,
    check_nonempty,
    check_path,
    check_positive_int,
    check_scalar,
    check_seed,
    check_shape,
    check_size,
    check_text,
    describe,
)


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


# ----------------------------------------------------------------- the checks of the sweep


@pytest.mark.parametrize("value", [np.array(["a", "b"]), ["a"], {"a": 1}, np.array("a"), None, 1])
def test_check_choice_describes_what_cannot_be_a_choice(value) -> None:
    with pytest.raises(ValueError, match=r"mode must be one of 'a', 'b'; got "):
        check_choice(value, "mode", ["a", "b"])


def test_check_choice_matches_within_a_kind_and_suggests_a_spelling() -> None:
    assert check_choice(np.str_("a"), "mode", ["a", "b"]) == "a"
    assert check_choice(np.int64(1), "axis", (0, 1)) == 1
    with pytest.raises(ValueError, match="got True"):
        check_choice(True, "axis", (0, 1))
    with pytest.raises(ValueError, match=r"got 1\.0"):
        check_choice(1.0, "axis", (0, 1))
    with pytest.raises(ValueError, match=r"Did you mean 'wolfe'\?"):
        check_choice("wolf", "line_search", ("wolfe", "armijo"))


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "message"),
    [
        (True, {}, TypeError, r"x must be a finite real number, got bool True\."),
        ("1", {}, TypeError, "x must be a finite real number, got str '1'"),
        (np.array(1.0), {}, TypeError, r"got array of shape \(\) and dtype float64"),
        (1 + 0j, {}, TypeError, "got complex"),
        (np.nan, {}, ValueError, "x must be a finite real number, got nan"),
        (np.inf, {"low": 0.0}, ValueError, "x must be a real number of at least 0, got inf"),
        (1.5, {"kind": int}, TypeError, "x must be an integer, got float 1.5"),
        (0, {"low": 0.0, "include": "high"}, ValueError, "greater than 0, got 0"),
        (1, {"high": 1.0, "include": "low"}, ValueError, "less than 1, got 1"),
        (2.0, {"low": 0.0, "high": 1.0}, ValueError, r"in \[0, 1\], got 2.0"),
        (0.0, {"low": 0.0, "high": 1.0, "include": "high"}, ValueError, r"in \(0, 1\]"),
        (5, {"kind": int, "high": 3, "hint": "fewer"}, ValueError, "at most 3, got 5; fewer"),
    ],
)
def test_check_scalar_errors(value, kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        check_scalar(value, "x", **kwargs)


def test_check_scalar_returns_python_numbers_on_the_bounds() -> None:
    assert check_scalar(np.float32(0.5), "x", low=0.5, high=1.0) == 0.5
    assert type(check_scalar(np.int64(3), "n", int, low=3)) is int
    assert type(check_scalar(3, "x")) is float


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (-1, ValueError, "seed must be a non-negative integer, got -1; pass e.g. seed=0"),
        ("0", TypeError, "seed must be a non-negative integer, got str '0'"),
        (1.0, TypeError, "got float 1.0"),
        (True, TypeError, "got bool"),
        (np.random.default_rng(0), TypeError, "got Generator"),
    ],
)
def test_check_seed_errors(value, error, message) -> None:
    with pytest.raises(error, match=message):
        check_seed(value)


def test_check_seed_accepts_a_generator_where_asked() -> None:
    rng = np.random.default_rng(0)
    assert check_seed(rng, "rng", generator=True) is rng
    assert check_seed(np.uint8(3)) == 3
    with pytest.raises(TypeError, match=r"rng must be a non-negative integer or a numpy"):
        check_seed("x", "rng", generator=True)


def test_check_path(tmp_path) -> None:
    assert check_path(str(tmp_path), "p", exists="dir") == tmp_path
    assert check_path("~/x", "p") == Path.home() / "x"
    for value, error, message in [
        (3, TypeError, "p must be a path, a str or pathlib.Path, got int 3"),
        (b"/tmp", TypeError, "got bytes"),
        ("", ValueError, "p must be a non-empty path"),
        ("a\0b", ValueError, "without NUL characters"),
    ]:
        with pytest.raises(error, match=message):
            check_path(value, "p")
    with pytest.raises(FileNotFoundError, match=r"p must be an existing file, but .*nothing"):
        check_path(tmp_path / "nothing", "p", exists="file")
    with pytest.raises(IsADirectoryError, match="must be an existing file"):
        check_path(tmp_path, "p", exists="file")
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="must be an existing folder"):
        check_path(tmp_path / "file", "p", exists="dir")


def test_check_names() -> None:
    assert check_names(["a", "b"], "names", length=2, unique=True) == ("a", "b")
    assert check_names(np.array(["a", "b"]), "names") == ("a", "b")
    for value, kwargs, error, message in [
        ("ab", {}, TypeError, r"names must be a list of strings such as \['ab'\], got str"),
        (iter(["a"]), {}, TypeError, "got list_iterator"),
        ([1, 2], {}, TypeError, "names must hold strings only, got int 1 among them"),
        (["a"], {"length": 2}, ValueError, "names must hold 2 names, got 1"),
        (["a", "b", "a"], {"unique": True}, ValueError, "'a' appears more than once"),
    ]:
        with pytest.raises(error, match=message):
            check_names(value, "names", **kwargs)


def test_check_mapping_text_instance_bool_shape_and_dtype() -> None:
    with pytest.raises(TypeError, match=r"rows must be a mapping such as \{'a': x\}, got list"):
        check_mapping([1], "rows", "{'a': x}")
    with pytest.raises(TypeError, match="title must be a str or None, got int 3"):
        check_text(3, "title")
    with pytest.raises(TypeError, match="ax must be an Axes, got str 'x'"):
        check_instance("x", "ax", int, "an Axes")
    with pytest.raises(TypeError, match="flag must be True or False, got int 1"):
        check_bool(1, "flag")
    assert check_bool(np.True_, "flag") is True
    assert check_shape([2, 3], "shape") == (2, 3)
    with pytest.raises(TypeError, match=r"shape must be a tuple of integers such as \(1, 28, 28\)"):
        check_shape(3, "shape")
    assert check_float_dtype("float32") == np.float32
    for value in (None, "foo", np.int64, "complex64"):
        with pytest.raises(TypeError, match=r"dtype must be a floating type such as np\.float32"):
            check_float_dtype(value)


def test_check_nonempty() -> None:
    check_nonempty(np.zeros((1, 0)), "x")
    with pytest.raises(ValueError, match=r"x must hold at least one sample, got array of shape"):
        check_nonempty(np.zeros((0, 3)), "x")
    with pytest.raises(ValueError, match=r"at least one image, got .*shape \(\) .*; pass one"):
        check_nonempty(np.zeros(()), "x", what="image", hint="pass one")


def test_check_size_refuses_before_allocating(monkeypatch) -> None:
    check_size((1000, 1000), "a matrix")
    with pytest.raises(
        ValueError,
        match=r"a matrix would need 8e\+09 PB, more than the .* \(half of this machine.s memory",
    ):
        check_size((10**12, 10**12), "a matrix", hint="use less")
    monkeypatch.setattr(validation, "memory_limit", lambda: 1000)
    with pytest.raises(ValueError, match=r"v would need 8 kB, more than the 1 kB .*; smaller n"):
        check_size((1000,), "v", hint="smaller n")
    monkeypatch.setattr(validation, "memory_limit", lambda: None)
    check_size((10**12, 10**12), "a matrix")


def test_memory_limit_is_half_the_physical_memory() -> None:
    limit = validation.memory_limit()
    assert limit is None or limit == int(
        0.5 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    )


def test_check_colormap() -> None:
    import matplotlib

    gray = matplotlib.colormaps["gray"]
    assert check_colormap("gray") == gray
    assert check_colormap(gray) is gray
    with pytest.raises(ValueError, match=r"cmap='gary' is not a Matplotlib colour map.*'gray'"):
        check_colormap("gary")
    with pytest.raises(TypeError, match=r"cmap must be the name of a Matplotlib colour map"):
        check_colormap(np.array(["jet"]))


def test_describe_shortens_long_and_multiline_values() -> None:
    assert describe([np.zeros((3, 3))]) == "list of length 1"
    assert describe(list(range(100))) == "list of length 100"
    assert describe([1, 2]) == "list [1, 2]"
