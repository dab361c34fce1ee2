"""Sweep specs for mnn.viz (see sweep.py). Every figure is closed after its call."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from sweep import (
    BOOLS,
    BYTES,
    COMPLEX,
    JUNK,
    NONE,
    OBJECTS,
    TEXT,
    Args,
    Spec,
    bad_array,
    bad_bool,
    bad_choice,
    bad_int,
    bad_mapping,
    bad_names,
    bad_real,
    bad_seed,
    bad_text,
    check_finite_array,
    float_arrays,
    floats,
    function,
    names,
    optional,
    seeds,
)

from mnn import optim, viz

COST = 0.3
SIZES = st.none() | floats(0.2, 1.5)
TITLES = st.none() | st.text(max_size=8)
COLORMAPS = st.sampled_from(["gray", "viridis", "gray_r", plt.get_cmap("magma")])


def bad_size(args: Args) -> st.SearchStrategy[Any]:
    return optional(bad_real(0.0, 10.0, include="high"))


def bad_colormap(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(NONE, st.integers(), BOOLS, st.sampled_from(["nope", "jett", "", "Gray"]),
                     st.just(np.array(["gray"])))  # fmt: skip


def bad_title(args: Args) -> st.SearchStrategy[Any]:
    return optional(bad_text())


def bad_axes(args: Args) -> st.SearchStrategy[Any]:
    return optional(JUNK) | st.just(plt.figure())


def is_figure(value: Any, args: Args) -> None:
    assert isinstance(value, Figure)


def is_axes(value: Any, args: Args) -> None:
    assert isinstance(value, Axes)


def maybe_axes() -> st.SearchStrategy[Any]:
    return st.sampled_from([None, "new"]).map(lambda ax: plt.subplots()[1] if ax else None)


def grey_images(n: st.SearchStrategy[int], low: float = 0.0, high: float = 1.0) -> Any:
    shapes = st.tuples(n, st.integers(2, 6), st.integers(2, 6))
    return shapes.flatmap(lambda shape: float_arrays(shape, np.float64, low, high))


@st.composite
def pictures(draw: st.DrawFn, n: int | None = None) -> np.ndarray:
    """Images in the forms the overlays accept: (H, W, 3) uint8 or [0, 1] floats, or grey."""
    shape = (draw(st.integers(2, 6)), draw(st.integers(2, 6)))
    if n is not None:
        shape = (n, *shape)
    kind = draw(st.sampled_from(["uint8", "float", "grey"]))
    if kind == "uint8":
        return draw(hnp.arrays(np.uint8, (*shape, 3)))
    return draw(float_arrays((*shape, 3) if kind == "float" else shape, np.float64, 0, 1))


def bad_pixels(name: str, batch: bool = False) -> Any:
    def bad(args: Args) -> st.SearchStrategy[Any]:
        image = args[name]
        too_bright = image.astype(np.float64) * 0 + 255.0
        options = [
            bad_array(
                image, kinds="uf", free_axes=tuple(range(image.ndim - (image.shape[-1] == 3)))
            ),
            st.just(too_bright),
            st.just(image[..., :0]),
        ]
        if image.shape[-1] == 3:
            options.append(st.just(np.concatenate([image, image[..., :1]], axis=-1)))
        return st.one_of(*options)

    return bad


# ---------------------------------------------------------------------------- grids


@st.composite
def image_grid_args(draw: st.DrawFn) -> Args:
    n = draw(st.integers(1, 12))
    if draw(st.booleans()):
        images = draw(grey_images(st.just(n), -5, 5))
    else:
        images = draw(pictures(n).filter(lambda images: images.ndim == 4))
    ncols = draw(st.integers(1, 12))
    rows = -(-n // min(ncols, n))
    return {
        "images": images,
        "titles": draw(st.none() | st.just(names(n))),
        "row_labels": draw(st.none() | st.just(names(rows))),
        "ncols": ncols,
        "cmap": draw(COLORMAPS),
        "size": draw(SIZES),
        "suptitle": draw(TITLES),
    }


def bad_grid_images(args: Args) -> st.SearchStrategy[Any]:
    images = args["images"]
    options = [bad_array(images, kinds="fiub", free_axes=(0, 1, 2), nonempty=True)]
    if images.ndim == 4:
        options.append(st.just(images.astype(np.float64)))  # 0-255 floats
    return st.one_of(*options)


@st.composite
def class_grid_args(draw: st.DrawFn) -> Args:
    k, per_class = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    labels = np.concatenate(
        [
            np.repeat(np.arange(k), per_class),
            draw(hnp.arrays(np.int64, st.integers(0, 4), elements=st.integers(0, k - 1))),
        ]
    )
    images = draw(float_arrays((len(labels), 3, 3), np.float64, 0, 255))
    return {
        "images": images,
        "labels": labels,
        "class_names": names(k),
        "per_class": per_class,
        "seed": draw(seeds()),
        "size": draw(SIZES),
    }


def bad_grid_labels(args: Args) -> st.SearchStrategy[Any]:
    labels = args["labels"]
    return bad_array(labels, kinds="iu") | st.sampled_from([labels + 10, labels - 1])


def bad_per_class(args: Args) -> st.SearchStrategy[Any]:
    return bad_int(1) | st.just(len(args["labels"]) + 1)


GRID_SPECS = {
    "mnn.viz.image_grid": Spec(
        call=function(viz.image_grid),
        valid=image_grid_args(),
        check=is_figure,
        bad={
            "images": bad_grid_images,
            "titles": lambda args: optional(bad_names(length=len(args["images"]))),
            "row_labels": lambda args: optional(
                bad_names(length=len(args["row_labels"] or []) + 7)
            ),
            "ncols": lambda args: bad_int(1),
            "cmap": bad_colormap,
            "size": bad_size,
            "suptitle": bad_title,
        },
        cost=COST,
        words={"images": r"images|RGB images", "row_labels": "row_labels|row labels"},
    ),
    "mnn.viz.class_grid": Spec(
        call=function(viz.class_grid),
        valid=class_grid_args(),
        check=is_figure,
        bad={
            "images": lambda args: bad_array(args["images"], kinds="fiub", free_axes=(1, 2)),
            "labels": bad_grid_labels,
            "class_names": lambda args: bad_names() | st.just([]),
            "per_class": bad_per_class,
            "seed": lambda args: bad_seed(),
            "size": bad_size,
        },
        cost=COST,
        words={
            "images": "images|labels",
            "class_names": "class_names|labels",
            "per_class": "per_class",
        },
    ),
}


# --------------------------------------------------------------------------- latent


@st.composite
def scatter_args(draw: st.DrawFn) -> Args:
    k = draw(st.integers(1, 12))
    n = draw(st.integers(1, 20))
    return {
        "codes": draw(float_arrays((n, 2))),
        "labels": draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1))),
        "class_names": names(k),
        "ax": draw(maybe_axes()),
        "title": draw(TITLES),
        "marker_size": draw(floats(0.5, 20)),
        "axis_labels": draw(st.sampled_from([("$z_1$", "$z_2$"), ["a", "b"]])),
        "legend": draw(st.booleans()),
    }


@st.composite
def lattice(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """(n*n, H, W) images and the (n*n, 2) grid of mnn.models.latent_grid's order."""
    n = draw(st.integers(2, 4))
    z1 = np.cumsum(draw(float_arrays((n,), np.float64, 0.1, 1)))
    z2 = -np.cumsum(draw(float_arrays((n,), np.float64, 0.1, 1)))
    grid = np.array([(a, b) for b in z2 for a in z1])
    return draw(float_arrays((n * n, 3, 3), np.float64, 0, 1)), grid


@st.composite
def plane_args(draw: st.DrawFn) -> Args:
    images, grid = draw(lattice())
    return {
        "images": images,
        "grid": grid,
        "ax": draw(maybe_axes()),
        "title": draw(TITLES),
        "cmap": draw(COLORMAPS),
        "axis_labels": ("z1", "z2"),
    }


def bad_axis_labels(args: Args) -> st.SearchStrategy[Any]:
    return bad_names(length=2) | st.just("z")


def bad_grid(args: Args) -> st.SearchStrategy[Any]:
    grid = args["grid"]
    return bad_array(grid) | st.sampled_from([grid[::-1], grid * 0, grid[:, ::-1]])


LATENT_SPECS = {
    "mnn.viz.latent_scatter": Spec(
        call=function(viz.latent_scatter),
        valid=scatter_args(),
        check=is_axes,
        bad={
            "codes": lambda args: bad_array(
                args["codes"], kinds="fiu", free_axes=(0,), nonempty=True
            ),
            "labels": bad_grid_labels,
            "class_names": lambda args: bad_names() | st.just([]) | st.just(names(21)),
            "ax": bad_axes,
            "title": bad_title,
            "marker_size": lambda args: bad_real(0.0, include="neither"),
            "axis_labels": bad_axis_labels,
            "legend": lambda args: bad_bool(),
        },
        cost=COST,
        words={"codes": "codes|labels", "class_names": "class_names|labels|classes"},
    ),
    "mnn.viz.latent_plane": Spec(
        call=function(viz.latent_plane),
        valid=plane_args(),
        check=is_axes,
        bad={
            "images": lambda args: (
                bad_array(args["images"], free_axes=(1, 2), nonempty=True)
                | st.just(args["images"] * 255)
            ),
            "grid": bad_grid,
            "ax": bad_axes,
            "title": bad_title,
            "cmap": bad_colormap,
            "axis_labels": bad_axis_labels,
        },
        cost=COST,
        words={"images": "images|grid"},
    ),
}


# ------------------------------------------------------------------------- overlays


@st.composite
def overlay_args(draw: st.DrawFn, diverging: bool) -> Args:
    image = draw(pictures())
    heatmap = draw(float_arrays(image.shape[:2], np.float64, -5, 5))
    args = {"image": image, "heatmap": heatmap, "alpha": draw(floats(0, 1))}
    if diverging:
        return args | {"limit": draw(st.none() | floats(0.1, 10))}
    return args | {"cmap": draw(COLORMAPS)}


def check_overlay(rgb: Any, args: Args) -> None:
    check_finite_array(rgb, (*args["image"].shape[:2], 3))
    assert rgb.min() >= 0 and rgb.max() <= 1


def bad_heatmap(args: Args) -> st.SearchStrategy[Any]:
    heatmap = args["heatmap"]
    return bad_array(heatmap, kinds="fiu") | st.just(heatmap[None])


@st.composite
def heatmap_grid_args(draw: st.DrawFn) -> Args:
    k = draw(st.integers(1, 4))
    image = draw(pictures())  # one (H, W) or (H, W, 3) picture: heatmap_grid takes one image
    size = image.shape[:2]
    return {
        "image": image,
        "heatmaps": draw(float_arrays((k, *size), np.float64, -3, 3)),
        "titles": draw(st.none() | st.just(names(k))),
        "diverging": draw(st.booleans()),
        "alpha": draw(floats(0, 1)),
        "size": draw(floats(0.3, 2.5)),
    }


@st.composite
def overlay_grid_args(draw: st.DrawFn) -> Args:
    rows, columns = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    images = draw(pictures(rows))
    size = images.shape[1:3]
    return {
        "images": images,
        "heatmaps": draw(float_arrays((rows, columns, *size), np.float64, -3, 3)),
        "titles": draw(st.none() | st.just([names(columns) for _ in range(rows)])),
        "row_titles": draw(st.none() | st.just(names(rows))),
        "alpha": draw(floats(0, 1)),
        "size": draw(SIZES),
        "colorbar": draw(st.booleans()),
    }


def bad_alpha(args: Args) -> st.SearchStrategy[Any]:
    return bad_real(0.0, 1.0)


OVERLAY_SPECS = {
    "mnn.viz.superimpose": Spec(
        call=function(viz.superimpose),
        valid=overlay_args(diverging=False),
        check=check_overlay,
        bad={
            "image": bad_pixels("image"),
            "heatmap": bad_heatmap,
            "alpha": bad_alpha,
            "cmap": bad_colormap,
        },
        words={"heatmap": "heatmap|image"},
    ),
    "mnn.viz.diverging_overlay": Spec(
        call=function(viz.diverging_overlay),
        valid=overlay_args(diverging=True),
        check=check_overlay,
        bad={
            "image": bad_pixels("image"),
            "heatmap": bad_heatmap,
            "alpha": bad_alpha,
            "limit": lambda args: optional(bad_real(0.0, include="neither")),
        },
        words={"heatmap": "heatmap|image"},
    ),
    "mnn.viz.heatmap_grid": Spec(
        call=function(viz.heatmap_grid),
        valid=heatmap_grid_args(),
        check=is_figure,
        bad={
            "image": lambda args: (
                bad_array(args["image"], kinds="uf", any_shape=True)
                | st.just(args["image"].astype(np.float64) * 0 + 255)
            ),
            "heatmaps": lambda args: bad_array(args["heatmaps"], kinds="fiu", nonempty=True),
            "titles": lambda args: optional(bad_names(length=len(args["heatmaps"]))),
            "diverging": lambda args: bad_bool(),
            "alpha": bad_alpha,
            "size": lambda args: bad_real(0.0, 10.0, include="high"),
        },
        cost=COST,
        words={"image": "image|heatmap", "heatmaps": "heatmap|image|titles"},
    ),
    "mnn.viz.overlay_grid": Spec(
        call=function(viz.overlay_grid),
        valid=overlay_grid_args(),
        check=is_figure,
        bad={
            "images": lambda args: bad_array(args["images"], kinds="uf", free_axes=(0,)),
            "heatmaps": lambda args: bad_array(args["heatmaps"], kinds="fiu", nonempty=True),
            "titles": lambda args: optional(JUNK) | st.just([["a"]] * 9) | st.just([[1]]),
            "row_titles": lambda args: optional(bad_names(length=len(args["images"]))),
            "alpha": bad_alpha,
            "size": bad_size,
            "colorbar": lambda args: bad_bool(),
        },
        cost=COST,
        words={"images": "images|heatmap", "heatmaps": "heatmap|images|titles"},
    ),
}


# -------------------------------------------------------------------------- figures

RESULTS = {}


def results() -> dict[str, Any]:
    """A few optimisation runs to draw (computed once)."""
    if not RESULTS:
        problem = optim.ChainQuadratic(6)
        RESULTS["L-BFGS"] = optim.lbfgs(problem.fun, problem.grad, problem.x0)
        RESULTS["BFGS"] = optim.bfgs(problem.fun, problem.grad, problem.x0)
        RESULTS["short"] = optim.lbfgs(problem.fun, problem.grad, problem.x0, maxiter=0)
    return RESULTS


@st.composite
def convergence_args(draw: st.DrawFn) -> Args:
    chosen = draw(st.lists(st.sampled_from(sorted(results())), min_size=1, unique=True))
    runs = {label: results()[label] for label in chosen}
    return {
        "results": runs,
        "quantity": draw(st.sampled_from(["grad_norm", "fun"])),
        "minimum": draw(floats(-10, 0)),
        "ax": draw(maybe_axes()),
        "title": draw(TITLES),
        "styles": draw(st.none() | st.just({label: {"color": "k"} for label in chosen})),
        "logx": draw(st.booleans()),
    }


def bad_results(args: Args) -> st.SearchStrategy[Any]:
    some = next(iter(args["results"].values()))
    return bad_mapping() | st.sampled_from(
        [
            {},
            {"a": 3},
            {"a": SimpleNamespace(history={})},
            {1: some},
            {"a": SimpleNamespace(history={"grad_norm": "x", "fun": [[1.0]]})},
        ]
    )


@st.composite
def history_args(draw: st.DrawFn) -> Args:
    epochs = draw(st.integers(1, 6))
    keys = draw(
        st.lists(st.sampled_from(["loss", "val_loss", "accuracy"]), min_size=1, unique=True)
    )
    history = {
        key: draw(st.lists(floats(0.01, 5), min_size=epochs, max_size=epochs)) for key in keys
    }
    return {
        "history": history,
        "keys": draw(st.none() | st.just(keys[::-1])),
        "ax": draw(maybe_axes()),
        "logy": draw(st.booleans()),
        "title": draw(TITLES),
    }


def bad_history(args: Args) -> st.SearchStrategy[Any]:
    return bad_mapping() | st.sampled_from(
        [{}, {"loss": []}, {"loss": "abc"}, {"loss": [[1.0]]}, {"loss": 3.0}, {"loss": [1.0, None]}]
    )


def bad_keys(args: Args) -> st.SearchStrategy[Any]:
    return optional(bad_names()) | st.just(["nothing"]) | st.just([])


@st.composite
def confusion_args(draw: st.DrawFn) -> Args:
    k = draw(st.integers(1, 6))
    matrix = draw(
        hnp.arrays(
            draw(st.sampled_from(["int64", "uint16"])), (k, k), elements=st.integers(0, 5000)
        )
    )
    return {
        "matrix": matrix,
        "class_names": draw(st.none() | st.just(names(k))),
        "ax": draw(maybe_axes()),
        "title": draw(TITLES),
    }


def bad_matrix(args: Args) -> st.SearchStrategy[Any]:
    matrix = args["matrix"].astype(np.int64)
    return bad_array(matrix, kinds="iu", finite=False) | st.sampled_from(
        [matrix - 10**6, matrix[:, :0], matrix[:0, :0], matrix / 2]
    )


@st.composite
def predictions_args(draw: st.DrawFn) -> Args:
    n = draw(st.integers(1, 3))
    images = draw(pictures(n).filter(lambda images: images.ndim == 4))
    labels = draw(st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=2, unique=True))
    top = st.lists(
        st.builds(SimpleNamespace, name=st.text(max_size=8), probability=floats(0, 1)),
        min_size=1,
        max_size=3,
    )
    return {
        "images": images,
        "predictions": {label: draw(st.lists(top, min_size=n, max_size=n)) for label in labels},
        "titles": draw(st.none() | st.just(names(n))),
        "size": draw(floats(0.5, 2.5)),
    }


def bad_predictions(args: Args) -> st.SearchStrategy[Any]:
    n = len(args["images"])
    good = SimpleNamespace(name="cat", probability=0.5)
    return bad_mapping() | st.sampled_from(
        [
            {"a": [[good]] * (n + 1)},
            {"a": "x" * n},
            {"a": [["cat"]] * n},
            {"a": [[good], 3] * n},
            {"a": [[SimpleNamespace(name=3, probability=0.5)]] * n},
            {"a": [[SimpleNamespace(name="cat", probability=np.nan)]] * n},
            {3: [[good]] * n},
        ]
    )


@st.composite
def reconstruction_args(draw: st.DrawFn) -> Args:
    shape = (draw(st.integers(1, 6)), draw(st.integers(2, 5)), draw(st.integers(2, 5)))
    row_names = draw(st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=3, unique=True))
    rows = {name: draw(float_arrays(shape, np.float64, 0, 1)) for name in row_names}
    ranges = draw(st.none() | st.just({row_names[0]: (-1.0, 2.0)}))
    return {
        "rows": rows,
        "ranges": ranges,
        "cmap": draw(COLORMAPS),
        "size": draw(SIZES),
        "title": draw(TITLES),
    }


def bad_rows(args: Args) -> st.SearchStrategy[Any]:
    images = next(iter(args["rows"].values()))
    return bad_mapping() | st.sampled_from(
        [
            {},
            {"a": images.tolist()},
            {"a": images, "b": images[:, :1]},
            {"a": images * 255},
            {"a": images[:0]},
            {1: images},
            {"a": images.astype(complex)},
        ]
    )


def bad_ranges(args: Args) -> st.SearchStrategy[Any]:
    name = next(iter(args["rows"]))
    return optional(bad_mapping()) | st.sampled_from(
        [
            {"missing": (0.0, 1.0)},
            {name: (1.0, 0.0)},
            {name: (0.0, np.inf)},
            {name: "ab"},
            {name: (0.0, 1.0, 2.0)},
        ]
    )


@st.composite
def legend_args(draw: st.DrawFn) -> Args:
    fig, axes = plt.subplots(1, draw(st.integers(1, 2)), layout="constrained", squeeze=False)
    for ax in axes.flat:
        for label in draw(st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=4)):
            ax.plot([0, 1], label=label)
    return {"fig": fig, "ncol": draw(st.integers(1, 8)), "markerscale": draw(floats(0.1, 5))}


def bad_figure(args: Args) -> st.SearchStrategy[Any]:
    return JUNK | st.sampled_from([args["fig"].axes[0], plt.figure()])


FIGURE_SPECS = {
    "mnn.viz.plot_convergence": Spec(
        call=function(viz.plot_convergence),
        valid=convergence_args(),
        check=is_axes,
        bad={
            "results": bad_results,
            "quantity": lambda args: bad_choice(("grad_norm", "fun")),
            "minimum": lambda args: bad_real() | st.just(1e6),
            "ax": bad_axes,
            "title": bad_title,
            "styles": lambda args: optional(bad_mapping()) | st.just({"L-BFGS": 3}),
            "logx": lambda args: bad_bool(),
        },
        cost=COST,
        words={"results": "results|labels", "minimum": "minimum"},
    ),
    "mnn.viz.plot_history": Spec(
        call=function(viz.plot_history),
        valid=history_args(),
        check=is_axes,
        bad={
            "history": bad_history,
            "keys": bad_keys,
            "ax": bad_axes,
            "logy": lambda args: bad_bool(),
            "title": bad_title,
        },
        cost=COST,
        words={"history": r"history|nothing to draw", "keys": "keys|history"},
    ),
    "mnn.viz.plot_confusion_matrix": Spec(
        call=function(viz.plot_confusion_matrix),
        valid=confusion_args(),
        check=is_axes,
        bad={
            "matrix": bad_matrix,
            "ax": bad_axes,
            "title": bad_title,
            "class_names": lambda args: optional(bad_names(length=len(args["matrix"]))),
        },
        cost=COST,
        words={"class_names": "class_names|class names"},
    ),
    "mnn.viz.plot_predictions": Spec(
        call=function(viz.plot_predictions),
        valid=predictions_args(),
        check=is_figure,
        bad={
            "images": lambda args: bad_array(
                args["images"], kinds="uf", free_axes=(0, 1, 2), nonempty=True
            ),
            "predictions": bad_predictions,
            "titles": lambda args: optional(bad_names(length=len(args["images"]))),
            "size": lambda args: bad_real(0.0, 10.0, include="high"),
        },
        cost=COST,
    ),
    "mnn.viz.reconstruction_grid": Spec(
        call=function(viz.reconstruction_grid),
        valid=reconstruction_args(),
        check=is_figure,
        bad={
            "rows": bad_rows,
            "ranges": bad_ranges,
            "cmap": bad_colormap,
            "size": bad_size,
            "title": bad_title,
        },
        cost=COST,
    ),
    "mnn.viz.figure_legend": Spec(
        call=function(viz.figure_legend),
        valid=legend_args(),
        check=lambda legend, args: isinstance(legend, Legend) or fail("not a Legend"),
        bad={
            "fig": bad_figure,
            "ncol": lambda args: bad_int(1),
            "markerscale": lambda args: bad_real(0.0, include="neither"),
        },
        cost=COST,
        words={"fig": "fig|constrained layout|labelled"},
    ),
}


# ------------------------------------------------------------------ features, relevance


def real_arrays(shape: tuple[int, ...], low: float = -5.0, high: float = 5.0) -> Any:
    """Floats in [low, high], or integers in the same range (the viz accept any real dtype)."""
    integers = hnp.arrays(np.int64, shape, elements=st.integers(int(low), int(high)))
    return float_arrays(shape, np.float64, low, high) | integers


@st.composite
def maps_args(draw: st.DrawFn) -> Args:
    shape = (draw(st.integers(1, 6)), draw(st.integers(2, 4)), draw(st.integers(2, 4)))
    low = draw(st.sampled_from([-5.0, 0.0]))
    maps = draw(real_arrays(shape, low))
    channels = draw(st.sampled_from([None, "list", "array"]))
    if channels is not None:
        numbers = draw(st.lists(st.integers(0, 500), min_size=shape[0], max_size=shape[0]))
        channels = numbers if channels == "list" else np.array(numbers)
    return {
        "maps": maps,
        "contrast": draw(BOOLS),
        "channels": channels,
        "ncols": draw(st.integers(1, 8)),
        "size": draw(SIZES),
        "suptitle": draw(TITLES),
    }


def check_factors(factors: Any, args: Args) -> None:
    maps = args["maps"].astype(np.float64)
    check_finite_array(factors, (len(maps),), np.float64)
    peaks = np.array([np.abs(m).max() for m in maps])
    zero = peaks == 0
    assert np.all(factors[zero] == 0), "a map of zeros must have the factor 0"
    assert np.all(factors[~zero] >= 1 - 1e-12), factors
    # Stretched by its factor, every map that is not zero reaches the strongest map's peak.
    np.testing.assert_allclose(factors[~zero] * peaks[~zero], peaks.max(), rtol=1e-12)


def check_feature_maps(fig: Any, args: Args) -> None:
    assert isinstance(fig, Figure)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == len(args["maps"]), (len(shown), len(args["maps"]))
    channels = args["channels"] if args["channels"] is not None else range(len(args["maps"]))
    titles = [ax.get_title().split(" ")[0] for ax in shown]
    assert titles == [str(c) for c in channels], titles


def bad_maps(args: Args) -> st.SearchStrategy[Any]:
    maps = args["maps"]
    return bad_array(maps, kinds="fiu", free_axes=(0, 1, 2), nonempty=True) | st.sampled_from(
        [maps[:, :0], maps[:, :, :0]]
    )


def bad_channels(args: Args) -> st.SearchStrategy[Any]:
    count = len(args["maps"])
    return st.one_of(
        TEXT,
        BYTES,
        COMPLEX,
        OBJECTS,
        st.integers(),
        st.sets(st.integers(0, 99), min_size=count, max_size=count),
        st.sampled_from(
            [
                list(range(count + 1)),
                np.arange(count + 1),
                np.arange(count)[None],
                np.arange(count) * 1.0,
                list(np.arange(count) * 1.0),
                [True] * count,
                ["a"] * count,
                np.array(["a"] * count),
                dict.fromkeys(range(count), 0),
            ]
        ),
    )


@st.composite
def filter_args(draw: st.DrawFn) -> Args:
    inputs = draw(st.sampled_from([1, 3]) | st.integers(2, 5))
    shape = (draw(st.integers(1, 4)), inputs, draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return {
        "filters": draw(real_arrays(shape)),
        "count": draw(st.none() | st.integers(1, shape[0])),
        "depth": draw(st.integers(1, 6)),
        "ncols": draw(st.integers(1, 8)),
        "size": draw(SIZES),
        "suptitle": draw(TITLES),
    }


def check_filters(fig: Any, args: Args) -> None:
    assert isinstance(fig, Figure)
    filters = args["filters"][: args["count"]]
    count, inputs = filters.shape[:2]
    slices = {1: count, 3: 4 * count}.get(inputs, count * min(args["depth"], inputs))
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == slices, (len(shown), slices)
    drawn = [ax.images[0].get_array() for ax in shown if ax.images[0].get_array().ndim == 2]
    # Every slice is drawn on its filter's own symmetric scale, within [-1, 1].
    assert all(np.abs(image).max() <= 1 + 1e-12 for image in drawn)


@st.composite
def trace_args(draw: st.DrawFn) -> Args:
    shape = (draw(st.integers(1, 6)), draw(st.integers(1, 4)))
    return {
        "trace": draw(real_arrays(shape)),
        "labels": draw(st.none() | st.just(names(shape[1]))),
        "penalty": draw(st.none() | real_arrays(shape, 0.0)),
        "ax": draw(maybe_axes()),
        "title": draw(TITLES),
    }


def check_trace(ax: Any, args: Args) -> None:
    assert isinstance(ax, Axes)
    trace, penalty = args["trace"], args["penalty"]
    expected = [trace[:, j] for j in range(trace.shape[1])]
    if penalty is not None:
        expected = [curve for j in range(trace.shape[1]) for curve in
                    (trace[:, j], trace[:, j] - penalty[:, j])]  # fmt: skip
    lines = ax.get_lines()
    assert len(lines) == len(expected), (len(lines), len(expected))
    for line, curve in zip(lines, expected, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(len(trace)))
        np.testing.assert_allclose(line.get_ydata(), curve)


def bad_penalty(args: Args) -> st.SearchStrategy[Any]:
    template = args["trace"].astype(np.float64) * 0
    return optional(bad_array(template, kinds="fiu"))


@st.composite
def limit_args(draw: st.DrawFn) -> Args:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6))
    heatmap = draw(real_arrays(shape) | st.just(np.zeros(shape)))
    return {"heatmap": heatmap}


def check_limit(bound: Any, args: Args) -> None:
    assert type(bound) is float, type(bound)
    heatmap = args["heatmap"].astype(np.float64).ravel()
    peak = np.abs(heatmap).max()
    # 10 (mean |R|^3)^(1/3) is 10 n^(-1/3) times the 3-norm of R.
    typical = 10 * np.linalg.norm(heatmap, 3) / len(heatmap) ** (1 / 3)
    expected = 1.0 if peak == 0 else min(peak, typical)
    assert np.isclose(bound, expected, rtol=1e-12), (bound, expected)


@st.composite
def relevance_args(draw: st.DrawFn) -> Args:
    rows, columns = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shape = (rows, columns, draw(st.integers(2, 5)), draw(st.integers(2, 5)))
    return {
        "heatmaps": draw(real_arrays(shape)),
        "titles": draw(st.none() | st.just([names(columns)] * rows)),
        "images": draw(st.none() | pictures(rows)),
        "row_titles": draw(st.none() | st.just(names(rows))),
        "limit": draw(st.sampled_from(["typical", "max"]) | floats(0.1, 10)),
        "size": draw(SIZES),
    }


def check_relevance(fig: Any, args: Args) -> None:
    assert isinstance(fig, Figure)
    rows, columns = args["heatmaps"].shape[:2]
    first = int(args["images"] is not None)
    assert len(fig.axes) == rows * (columns + first)
    for index, ax in enumerate(fig.axes):
        row, column = divmod(index, columns + first)
        if column < first:
            continue
        low, high = ax.images[0].get_clim()
        assert low == -high > -np.inf and high > 0, (low, high)
        if not isinstance(args["limit"], str):
            assert high == args["limit"]
        elif args["limit"] == "max":
            peak = float(np.abs(args["heatmaps"][row, column - first]).max())
            assert high == (peak or 1.0)


def bad_titles(args: Args) -> st.SearchStrategy[Any]:
    rows, columns = args["heatmaps"].shape[:2]
    good = [names(columns)] * rows
    return optional(JUNK) | st.sampled_from(
        [
            [names(columns)] * (rows + 1),
            [names(columns + 1)] * rows,
            [*good[:-1], [*good[-1][:-1], 1]],
            ["a" * columns] * rows,
            "a" * rows,
            tuple(iter(row) for row in good),
        ]
    )


def bad_relevance_images(args: Args) -> st.SearchStrategy[Any]:
    rows = len(args["heatmaps"])
    template = args["images"] if args["images"] is not None else np.zeros((rows, 3, 3))
    wrong = [
        np.concatenate([template, template[:1]]),
        template.astype(np.float64) * 0 + 255,
        template[..., None],
    ]
    if template.ndim == 3:
        wrong.append(template[0])  # (H, W): one grey image, not one per row
    return optional(bad_array(template, kinds="uf", any_shape=True)) | st.sampled_from(wrong)


def bad_limit(args: Args) -> st.SearchStrategy[Any]:
    words = st.sampled_from(["Typical", "maxx", "", "largest", "MAX"])
    return words | bad_real(0.0, include="neither").filter(
        lambda value: not (isinstance(value, str) and value in ("typical", "max"))
    )


FEATURE_SPECS = {
    "mnn.viz.contrast_factors": Spec(
        call=function(viz.contrast_factors),
        valid=st.builds(lambda args: {"maps": args["maps"]}, maps_args()),
        check=check_factors,
        bad={"maps": bad_maps},
    ),
    "mnn.viz.feature_map_grid": Spec(
        call=function(viz.feature_map_grid),
        valid=maps_args(),
        check=check_feature_maps,
        bad={
            "maps": bad_maps,
            "contrast": lambda args: bad_bool(),
            "channels": bad_channels,
            "ncols": lambda args: bad_int(1),
            "size": bad_size,
            "suptitle": bad_title,
        },
        cost=COST,
    ),
    "mnn.viz.filter_grid": Spec(
        call=function(viz.filter_grid),
        valid=filter_args(),
        check=check_filters,
        bad={
            "filters": lambda args: (
                bad_array(args["filters"], kinds="fiu", free_axes=(0, 1, 2, 3), nonempty=True)
                | st.sampled_from([args["filters"][:, :0], args["filters"][..., :0]])
            ),
            "count": lambda args: optional(bad_int(1, len(args["filters"]))),
            "depth": lambda args: bad_int(1),
            "ncols": lambda args: bad_int(1),
            "size": bad_size,
            "suptitle": bad_title,
        },
        cost=COST,
    ),
    "mnn.viz.plot_trace": Spec(
        call=function(viz.plot_trace),
        valid=trace_args(),
        check=check_trace,
        bad={
            "trace": lambda args: (
                bad_array(args["trace"], kinds="fiu", free_axes=(0, 1), nonempty=True)
                | st.just(args["trace"][:, :0])
            ),
            "labels": lambda args: optional(bad_names(length=args["trace"].shape[1])),
            "penalty": bad_penalty,
            "ax": bad_axes,
            "title": bad_title,
        },
        cost=COST,
    ),
    "mnn.viz.relevance_limit": Spec(
        call=function(viz.relevance_limit),
        valid=limit_args(),
        check=check_limit,
        bad={"heatmap": lambda args: bad_array(args["heatmap"], kinds="fiu", any_shape=True)},
    ),
    "mnn.viz.relevance_grid": Spec(
        call=function(viz.relevance_grid),
        valid=relevance_args(),
        check=check_relevance,
        bad={
            "heatmaps": lambda args: (
                bad_array(args["heatmaps"], kinds="fiu", free_axes=(0, 1, 2, 3), nonempty=True)
                | st.sampled_from([args["heatmaps"][:, :0], args["heatmaps"][..., :0]])
            ),
            "titles": bad_titles,
            "images": bad_relevance_images,
            "row_titles": lambda args: optional(bad_names(length=len(args["heatmaps"]))),
            "limit": bad_limit,
            "size": bad_size,
        },
        cost=COST,
    ),
}


def fail(message: str) -> None:
    raise AssertionError(message)


SPECS: dict[str, Spec] = GRID_SPECS | LATENT_SPECS | OVERLAY_SPECS | FIGURE_SPECS | FEATURE_SPECS
