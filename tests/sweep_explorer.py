"""Sweep specs for mnn.viz.heatmap_explorer and mnn.viz.relevance_explorer (see sweep.py).

The map is a callable, so its bad values are both things that cannot be called and callables
whose map is wrong (another size, NaN, not an array): the explorer draws its first choice at once,
so such a map is refused when the explorer is built.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from sweep import (
    JUNK,
    Args,
    Spec,
    bad_array,
    bad_callable,
    bad_names,
    bad_real,
    float_arrays,
    floats,
    function,
    names,
    optional,
)
from sweep_viz import COST, bad_alpha, pictures

from mnn import viz

PNG = b"\x89PNG\r\n\x1a\n"

#: Labels and layer names: printable Latin-1, which Matplotlib's default font draws, without
#: "$" and "\", which Matplotlib reads as mathtext in titles.
LETTERS = st.characters(codec="latin-1", exclude_categories=["Cc"], exclude_characters="$\\")
WORDS = st.text(LETTERS, max_size=8)


class Maps:
    """A heatmap callable that returns ``value`` for every choice and records its calls."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.calls: list[tuple[int, int, str]] = []

    def __call__(self, *choice: Any) -> Any:
        self.calls.append(choice)
        return self.value

    def __repr__(self) -> str:
        return f"Maps({self.value!r})"


def pair(label: str, index: int, kind: str) -> Any:
    """A (label, class index) pair as a tuple or a list, the index a Python or NumPy int."""
    number = np.int64(index) if kind.endswith("numpy") else index
    return [label, number] if kind.startswith("list") else (label, number)


CLASSES = st.builds(
    pair,
    WORDS,
    st.integers(0, 1000),
    st.sampled_from(["tuple", "list", "tuple numpy"]),
)


@st.composite
def explorer_args(draw: st.DrawFn) -> Args:
    n = draw(st.integers(1, 3))
    images = draw(pictures(n))
    size = images.shape[1:3]
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    return {
        "images": images,
        "heatmap": Maps(draw(float_arrays(size, dtype, -3, 3))),
        "classes": [draw(st.lists(CLASSES, min_size=1, max_size=3)) for _ in range(n)],
        "layers": draw(st.lists(WORDS, min_size=1, max_size=3, unique=True)),
        "names": draw(st.none() | st.just(names(n)) | st.lists(WORDS, min_size=n, max_size=n)),
        "alpha": draw(floats(0, 1)),
    }


def check_explorer(explorer: Any, args: Args) -> None:
    assert isinstance(explorer, viz.HeatmapExplorer), type(explorer)
    picture = bytes(explorer.picture.value)  # a memoryview of the PNG
    assert picture.startswith(PNG), picture[:8]
    first = (0, int(args["classes"][0][0][1]), args["layers"][0])
    assert args["heatmap"].calls == [first], args["heatmap"].calls
    shown = [label for label, _ in explorer.image.options]
    assert shown == (args["names"] or [f"image {i}" for i in range(len(args["images"]))])


def bad_images(args: Args) -> st.SearchStrategy[Any]:
    images = args["images"]
    too_bright = images.astype(np.float64) * 0 + 255.0
    return bad_array(images, kinds="uf", free_axes=(0,), nonempty=True) | st.just(too_bright)


def bad_maps(key: str) -> Any:
    """Bad values of the map callable that the explorer's argument ``key`` holds."""
    return lambda args: _bad_maps(args[key].value)


def _bad_maps(value: np.ndarray) -> st.SearchStrategy[Any]:
    wrong_maps = [
        value[:, :-1],
        value[None],
        value.sum(),
        value.tolist(),
        value > 0,
        value.astype(complex),
        None,
    ]
    poisoned = st.sampled_from([np.nan, np.inf, -np.inf]).map(lambda bad: value * 0 + bad)
    return bad_callable() | (st.sampled_from(wrong_maps) | poisoned).map(Maps)


def bad_classes(args: Args) -> st.SearchStrategy[Any]:
    classes = args["classes"]
    wrong = [
        classes[:-1],
        [*classes, classes[0]],
        [*classes[:-1], []],
        [*classes[:-1], [281]],
        [*classes[:-1], "ab"],
        [*classes[:-1], [("tabby", 281, 3)]],
        [*classes[:-1], [(281, "tabby")]],
        [*classes[:-1], [("tabby", True)]],
        [*classes[:-1], [("tabby", -1)]],
        [*classes[:-1], [("tabby", 2.0)]],
        [*classes[:-1], {("tabby", 281)}],
        dict(enumerate(classes)),
        iter(classes),
    ]
    return optional(JUNK) | st.sampled_from(wrong)


@st.composite
def relevance_args(draw: st.DrawFn) -> Args:
    n = draw(st.integers(1, 3))
    images = draw(pictures(n))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    values = draw(st.lists(floats(0, 100), min_size=1, max_size=4, unique=True))
    return {
        "images": images,
        "relevance": Maps(draw(float_arrays(images.shape[1:3], dtype, -3, 3))),
        "values": draw(st.sampled_from([values, tuple(values), np.array(values)])),
        "names": draw(st.none() | st.just(names(n)) | st.lists(WORDS, min_size=n, max_size=n)),
        "label": draw(st.sampled_from(["gamma", "\N{GREEK SMALL LETTER GAMMA}", "steps"])),
        "limit": draw(st.sampled_from(["typical", "max"]) | floats(0.1, 5)),
    }


def check_relevance_explorer(explorer: Any, args: Args) -> None:
    assert isinstance(explorer, viz.RelevanceExplorer), type(explorer)
    assert bytes(explorer.picture.value).startswith(PNG)
    assert args["relevance"].calls == [(0, float(args["values"][0]))], args["relevance"].calls
    offered = [value for _, value in explorer.value.options]
    assert offered == [float(value) for value in args["values"]], offered


def bad_values(args: Args) -> st.SearchStrategy[Any]:
    values = list(args["values"])
    wrong = [
        [],
        [*values, values[0]],
        [*values, np.nan],
        [*values, "1"],
        [*values, True],
        [*values, 1j],
        np.array(values)[None],
        np.array([values, values]).T,
    ]
    return JUNK.filter(lambda value: not isinstance(value, (list, tuple))) | st.sampled_from(wrong)


SPECS: dict[str, Spec] = {
    "mnn.viz.heatmap_explorer": Spec(
        call=function(viz.heatmap_explorer),
        valid=explorer_args(),
        check=check_explorer,
        bad={
            "images": bad_images,
            "heatmap": bad_maps("heatmap"),
            "classes": bad_classes,
            "layers": lambda args: bad_names(unique=True) | st.just([]),
            "names": lambda args: optional(bad_names(length=len(args["images"]))),
            "alpha": bad_alpha,
        },
        cost=COST,
        words={"images": "images|heatmap", "heatmap": "heatmap"},
    ),
    "mnn.viz.relevance_explorer": Spec(
        call=function(viz.relevance_explorer),
        valid=relevance_args(),
        check=check_relevance_explorer,
        bad={
            "images": bad_images,
            "relevance": bad_maps("relevance"),
            "values": bad_values,
            "names": lambda args: optional(bad_names(length=len(args["images"]))),
            "label": lambda args: JUNK | st.just(""),
            "limit": lambda args: bad_real(0.0, include="neither").filter(
                lambda value: value not in ("typical", "max")
            ),
        },
        cost=COST,
        words={"images": "images|relevance", "relevance": "relevance", "values": "values"},
    ),
}
