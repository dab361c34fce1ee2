"""Sweep specs for mnn.explain (see sweep.py).

Every explainer runs on one tiny seeded classifier per framework, built once: conv, ReLU, max
pooling, conv, ReLU, global average pooling, dense (3 classes), on 8x8 images with 3 channels;
PyTorch in float64 (NCHW), Keras in float32 (NHWC). Nothing is trained or downloaded. The
framework of each call is drawn, so every function that takes a model is swept in both.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sweep import (
    BOOLS,
    HUGE_INTS,
    JUNK,
    NONE,
    NOT_FINITE,
    OBJECTS,
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
    method,
    optional,
    seeds,
)

from mnn import explain
from mnn.explain import regularizers
from mnn.explain.lrp import composites, rules

SIZE, CHANNELS, CLASSES = 8, 3, 3
#: The (h, w) of each layer's maps for an 8x8 input.
MAPS = {"conv1": (8, 8), "relu1": (8, 8), "pool": (4, 4), "conv2": (4, 4), "relu2": (4, 4)}
#: Output channels of the convolutions.
FILTERS = {"conv1": (4, CHANNELS), "conv2": (5, 4)}
FRAMEWORKS = st.sampled_from(["torch", "keras"])
#: Costs: explainers run a model (Keras calls are the slow ones); the iterative ones run it
#: many times.
COST = 0.2
ITERATIVE = 0.08


@functools.cache
def model(framework: str) -> Any:
    """The tiny classifier of ``framework`` ("torch" or "keras"), seeded, built once."""
    if framework == "torch":
        import torch
        from torch import nn

        torch.manual_seed(0)
        layers = OrderedDict(
            conv1=nn.Conv2d(CHANNELS, 4, 3, padding=1),
            relu1=nn.ReLU(),
            pool=nn.MaxPool2d(2),
            conv2=nn.Conv2d(4, 5, 3, padding=1),
            relu2=nn.ReLU(),
            gap=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(),
            logits=nn.Linear(5, CLASSES),
        )
        return nn.Sequential(layers).double().eval()
    import keras

    layers = keras.layers
    # Seeded initialisers, not keras.utils.set_random_seed: a strategy must not seed `random`.
    seeded = {"kernel_initializer": keras.initializers.GlorotUniform(seed=0),
              "bias_initializer": keras.initializers.RandomNormal(stddev=0.1, seed=1)}  # fmt: skip
    return keras.Sequential(
        [
            keras.Input((SIZE, SIZE, CHANNELS)),
            layers.Conv2D(4, 3, padding="same", name="conv1", **seeded),
            layers.ReLU(name="relu1"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Conv2D(5, 3, padding="same", name="conv2", **seeded),
            layers.ReLU(name="relu2"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(CLASSES, name="logits", **seeded),
        ]
    )


def other(framework: str) -> str:
    return "keras" if framework == "torch" else "torch"


def input_shape(framework: str) -> tuple[int, int, int]:
    return (CHANNELS, SIZE, SIZE) if framework == "torch" else (SIZE, SIZE, CHANNELS)


def dtype(framework: str) -> type:
    return np.float64 if framework == "torch" else np.float32


def images(framework: str, n: int, low: float = -1.0, high: float = 1.0) -> Any:
    """A batch of n images in ``framework``'s layout and dtype, values in [low, high]."""
    return float_arrays((n, *input_shape(framework)), dtype(framework), low, high)


def targets(n: int) -> st.SearchStrategy[Any]:
    """Every form of ``target``: a class, "top", ("top", k), one class per image."""
    return st.one_of(
        st.integers(0, CLASSES - 1),
        st.just("top"),
        st.tuples(st.just("top"), st.integers(1, CLASSES)),
        st.lists(st.integers(0, CLASSES - 1), min_size=n, max_size=n),
        hnp.arrays(np.int64, n, elements=st.integers(0, CLASSES - 1)),
    )


@st.composite
def batch(draw: st.DrawFn, target: bool = True, low: float = -1.0, high: float = 1.0) -> Args:
    framework = draw(FRAMEWORKS)
    n = draw(st.integers(0, 3))  # an empty batch gives empty results (the policy of _validation)
    args = {"model": model(framework), "images": draw(images(framework, n, low, high))}
    if target:
        args["target"] = draw(targets(n))
    return args | {"_framework": framework}


def ranked(args: Args) -> tuple[int, ...]:
    """(k,) for ``target=("top", k)``, else ()."""
    target = args.get("target")
    return (target[1],) if isinstance(target, tuple) else ()


# -------------------------------------------------------------------------- bad values


def bad_model(args: Args) -> st.SearchStrategy[Any]:
    """Not a model, or a model of the other framework (its layout refuses the images)."""
    return JUNK | st.just(model(other(args["_framework"])))


def bad_images(args: Args) -> st.SearchStrategy[Any]:
    """Bad batches: see :func:`sweep.bad_array`; also the other layout, the other dtype and one
    image without its batch axis."""
    batch_ = args["images"]
    framework = args["_framework"]
    wrong_dtype = np.float32 if framework == "torch" else np.float64
    layout = (0, 2, 3, 1) if framework == "torch" else (0, 3, 1, 2)
    # The PyTorch model pools globally, so it takes images of any height and width; the Keras
    # model declares 8 x 8.
    free_axes = (0, 2, 3) if framework == "torch" else (0,)
    return st.one_of(
        bad_array(batch_, free_axes=free_axes),
        st.just(batch_.astype(wrong_dtype)),
        st.just(batch_.transpose(layout)),
        st.just(np.zeros(batch_.shape[1:], batch_.dtype)),
        st.just(batch_.astype(np.float16)),
    )


def bad_target(args: Args) -> st.SearchStrategy[Any]:
    n = len(args["images"]) if isinstance(args.get("images"), np.ndarray) else 1
    return st.one_of(
        NONE,
        OBJECTS,
        BOOLS,
        st.floats(),
        st.integers(CLASSES, CLASSES + 5),
        st.integers(-5, -1),
        HUGE_INTS,
        st.sampled_from(["bottom", "Top", "", ("top",), ("top", 0), ("top", CLASSES + 1)]),
        st.sampled_from([("top", 1.5), ("top", True), ("bottom", 1), ("top", 1, 2)]),
        st.just([0] * (n + 1)),
        st.just([CLASSES] * n),
        st.just([0.5] * n),
        st.just(np.zeros((n, 1), np.int64)),
        st.just(np.zeros(n)),
    )


def bad_layer(args: Args) -> st.SearchStrategy[Any]:
    """Unknown names, layers without feature maps, objects that are not layers of the model."""
    return st.one_of(
        st.sampled_from(["conv3", "Conv1", "", "logits", "flatten", "gap"]),
        st.integers(),
        st.floats(),
        BOOLS,
        OBJECTS,
        st.lists(st.just("conv1"), min_size=1, max_size=2),
        st.just(np.array(["conv1"])),
        st.just(model(other(args["_framework"]))),
    )


def bad_input_size(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from([(0, 8), (8, -1), (8,), (8, 8, 8), (8.0, 8.0), (True, 8), "8x8"]),
        st.sampled_from([[8, 8], np.array([8, 8]), (2**40, 2**40), (10**6, 10**6)]),
        st.integers(),
        st.floats(),
        OBJECTS,
    )


def bad_bounds(args: Args) -> st.SearchStrategy[Any]:
    """Not a (low, high) pair of finite numbers with low < high."""
    return st.one_of(
        st.sampled_from([(1.0, -1.0), (0.0, 0.0), (-1.0,), (-1.0, 0.0, 1.0), "ab", 1.0]),
        st.sampled_from([(np.nan, 1.0), (-1.0, np.inf), (None, 1.0), ("a", "b")]),
        st.sampled_from([(1j, 2j), (False, True), [-1.0, 1.0], np.array([-1.0, 1.0])]),
        OBJECTS,
    )


def bad_positive_int(args: Args) -> st.SearchStrategy[Any]:
    return bad_int(1)


def bad_positive_real(args: Args) -> st.SearchStrategy[Any]:
    return bad_real(0.0, include="neither")


# ------------------------------------------------------------------------------ CAM


@st.composite
def cam_args(draw: st.DrawFn, layers: tuple[Any, ...]) -> Args:
    return draw(batch()) | {"layer": draw(st.sampled_from(layers))}


def check_cam(result: Any, args: Args) -> None:
    assert isinstance(result, explain.CamResult), type(result)
    n = len(args["images"])
    maps = MAPS[args["layer"] or "relu2"]
    check_finite_array(result.heatmaps, (n, *ranked(args), *maps), np.float64)
    assert result.classes.shape == (n, *ranked(args)), result.classes.shape
    check_finite_array(result.scores, result.classes.shape)
    if isinstance(args["target"], int):
        assert np.all(result.classes == args["target"])


def cam_spec(target: Any, layers: tuple[Any, ...]) -> Spec:
    return Spec(
        call=function(target),
        valid=cam_args(layers),
        check=check_cam,
        bad={
            "model": bad_model,
            "images": bad_images,
            "layer": lambda args: optional(bad_layer(args)),
            "target": bad_target,
        },
        cost=COST,
        words={"model": "model|images", "layer": "layer"},
    )


CAM_SPECS = {
    "mnn.explain.cam": cam_spec(explain.cam, (None, "relu2")),
    "mnn.explain.grad_cam": cam_spec(explain.grad_cam, (None, *MAPS)),
    "mnn.explain.grad_cam_plus_plus": cam_spec(explain.grad_cam_plus_plus, (None, *MAPS)),
}


# ------------------------------------------------------------------------ gradients


def check_attribution(result: Any, args: Args) -> None:
    images_ = args["images"]
    check_finite_array(result, (len(images_), *ranked(args), *images_.shape[1:]), np.float64)


@st.composite
def integrated_args(draw: st.DrawFn) -> Args:
    args = draw(batch())
    one = np.zeros(args["images"].shape[1:], args["images"].dtype)
    baselines = st.one_of(
        st.none(),
        floats(-1, 1),
        st.just(np.zeros_like(one)),
        st.just(np.zeros_like(args["images"])),
    )
    return args | {
        "baseline": draw(baselines),
        "steps": draw(st.integers(1, 3)),
        "batch_size": draw(st.integers(1, 8)),
    }


def bad_baseline(args: Args) -> st.SearchStrategy[Any]:
    one = np.zeros(args["images"].shape[1:], args["images"].dtype)
    return st.one_of(
        NOT_FINITE,
        BOOLS,
        st.just(one[:, :-1]),
        st.just(one.astype(np.int64)),
        st.just(one.astype(complex)),
        st.just(one.tolist()),
        st.just(np.full_like(one, np.nan)),
        st.sampled_from(["grey", 1j]),
        OBJECTS,
    )


@st.composite
def smoothgrad_args(draw: st.DrawFn) -> Args:
    return draw(batch()) | {
        "samples": draw(st.integers(1, 3)),
        "noise": draw(floats(0, 0.5)),
        "seed": draw(seeds()),
        "batch_size": draw(st.integers(1, 8)),
    }


@st.composite
def heatmaps_args(draw: st.DrawFn) -> Args:
    framework = draw(FRAMEWORKS)
    n, k = draw(st.integers(1, 3)), draw(st.sampled_from([(), (2,)]))
    attribution = draw(float_arrays((n, *k, *input_shape(framework)), np.float64, -3, 3))
    return {"attribution": attribution, "model": model(framework), "_framework": framework}


def check_heatmaps(result: Any, args: Args) -> None:
    attribution = args["attribution"]
    axis = -3 if args["_framework"] == "torch" else -1
    check_finite_array(result, attribution.sum(axis=axis).shape)


GRADIENT_BAD = {"model": bad_model, "images": bad_images, "target": bad_target}
GRADIENT_SPECS = {
    "mnn.explain.gradient": Spec(
        call=function(explain.gradient),
        valid=batch(),
        check=check_attribution,
        bad=GRADIENT_BAD,
        cost=COST,
        words={"model": "model|images"},
    ),
    "mnn.explain.gradient_x_input": Spec(
        call=function(explain.gradient_x_input),
        valid=batch(),
        check=check_attribution,
        bad=GRADIENT_BAD,
        cost=COST,
        words={"model": "model|images"},
    ),
    "mnn.explain.integrated_gradients": Spec(
        call=function(explain.integrated_gradients),
        valid=integrated_args(),
        check=check_attribution,
        bad=GRADIENT_BAD
        | {
            "baseline": bad_baseline,
            "steps": bad_positive_int,
            "batch_size": bad_positive_int,
        },
        cost=ITERATIVE,
        words={"model": "model|images"},
    ),
    "mnn.explain.smoothgrad": Spec(
        call=function(explain.smoothgrad),
        valid=smoothgrad_args(),
        check=check_attribution,
        bad=GRADIENT_BAD
        | {
            "samples": bad_positive_int,
            "noise": lambda args: bad_real(0.0),
            "seed": lambda args: bad_seed(),
            "batch_size": bad_positive_int,
        },
        cost=ITERATIVE,
        words={"model": "model|images"},
    ),
    "mnn.explain.heatmaps": Spec(
        call=function(explain.heatmaps),
        valid=heatmaps_args(),
        check=check_heatmaps,
        bad={
            "attribution": lambda args: (
                bad_array(args["attribution"], any_shape=True)
                | st.just(args["attribution"][(0,) * (args["attribution"].ndim - 3)])
                | st.just(args["attribution"][None, None])
            ),
            "model": lambda args: JUNK,
        },
    ),
}


# ------------------------------------------------------------------------------ LRP

#: Composites in every form lrp takes: presets (those with z^B read ``bounds``), a mapping
#: from layer kinds and names to rules, a Composite.
COMPOSITES = st.one_of(
    st.sampled_from(sorted(composites.PRESETS)),
    st.just({"conv": rules.Gamma(0.25), "dense": rules.Epsilon()}),
    st.just({"conv1": rules.Flat(), "conv2": rules.AlphaBeta(1.0, 0.0), "dense": rules.Zero()}),
    st.just(
        composites.Composite(
            "mine", kinds={"conv": rules.Epsilon(0.1), "dense": rules.Zero()}, first=rules.ZBox()
        )
    ),
)


@st.composite
def lrp_args(draw: st.DrawFn) -> Args:
    args = draw(batch())
    framework = args["_framework"]
    low = draw(st.sampled_from([-1.0, np.full(input_shape(framework), -1.0)]))
    return args | {
        "composite": draw(COMPOSITES),
        "bounds": (low, 1.0),
        "layers": draw(st.sampled_from([(), ["conv1"], ("relu2", "logits")])),
    }


def check_lrp(result: Any, args: Args) -> None:
    assert isinstance(result, explain.LrpResult), type(result)
    images_ = args["images"]
    shape = (len(images_), *ranked(args), *images_.shape[1:])
    check_finite_array(result.relevance, shape, np.float64)
    axis = -3 if args["_framework"] == "torch" else -1
    check_finite_array(result.heatmaps, result.relevance.sum(axis=axis).shape)
    assert sorted(result.layers) == sorted(args["layers"]), list(result.layers)


def bad_composite(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(
        bad_choice(tuple(composites.PRESETS)),
        st.just({"conv3": rules.Gamma()}),
        st.just({"conv": "gamma"}),
        st.just({"conv": rules.Pass()}),
        st.just({"relu1": rules.Gamma()}),
        st.just([("conv", rules.Gamma())]),
    )


def bad_lrp_layers(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(["conv1", ["conv3"], [""], [3], [None], ("conv1", 1.5), 3, 2.5]),
        st.just({"conv1": 1}),
        OBJECTS,
    )


LRP_SPECS = {
    "mnn.explain.lrp": Spec(
        call=function(explain.lrp),
        valid=lrp_args(),
        check=check_lrp,
        bad=GRADIENT_BAD
        | {"composite": bad_composite, "bounds": bad_bounds, "layers": bad_lrp_layers},
        cost=COST,
        words={
            "model": "model|images",
            "composite": "composite|rule",
            "bounds": "bounds|low|high",
            "layers": "layer",
        },
    ),
}


# -------------------------------------------------------------- features, receptive


@st.composite
def feature_maps_args(draw: st.DrawFn) -> Args:
    return draw(batch(target=False)) | {"layer": draw(st.sampled_from(sorted(MAPS)))}


def check_feature_maps(result: Any, args: Args) -> None:
    channels = {"conv1": 4, "relu1": 4, "pool": 4, "conv2": 5, "relu2": 5}[args["layer"]]
    shape = (len(args["images"]), channels, *MAPS[args["layer"]])
    check_finite_array(result, shape, dtype(args["_framework"]))


@st.composite
def filters_args(draw: st.DrawFn) -> Args:
    framework = draw(FRAMEWORKS)
    needs_size = framework == "torch" or draw(st.booleans())
    return {
        "model": model(framework),
        "layer": draw(st.sampled_from(sorted(FILTERS))),
        "input_size": (SIZE, SIZE) if needs_size else None,
        "_framework": framework,
    }


def check_filters(result: Any, args: Args) -> None:
    check_finite_array(result, (*FILTERS[args["layer"]], 3, 3))


def sizes(framework: str) -> st.SearchStrategy[Any]:
    """Input sizes the model takes: any for PyTorch (4 to 16), 8x8 (or none) for Keras."""
    if framework == "torch":
        return st.tuples(st.integers(4, 16), st.integers(4, 16))
    return st.sampled_from([None, (SIZE, SIZE)])


@st.composite
def receptive_args(draw: st.DrawFn) -> Args:
    framework = draw(FRAMEWORKS)
    return {
        "model": model(framework),
        "layer": draw(st.sampled_from([None, *MAPS])),
        "input_size": draw(sizes(framework)),
        "_framework": framework,
    }


def check_receptive(result: Any, args: Args) -> None:
    assert isinstance(result, explain.ReceptiveField), type(result)
    assert result.layer == (args["layer"] or "relu2"), result.layer
    assert all(size >= 1 for size in result.size) and all(j >= 1 for j in result.jump)


@st.composite
def to_input_args(draw: st.DrawFn) -> Args:
    framework = draw(FRAMEWORKS)
    layer = draw(st.sampled_from(sorted(MAPS)))
    lead = draw(st.sampled_from([(), (2,), (1, 3)]))
    mode = draw(st.sampled_from(["bilinear", "roi"]))
    maps = draw(float_arrays((*lead, *MAPS[layer]), np.float64, -5, 5))
    if mode == "bilinear":
        size = draw(st.tuples(st.integers(1, 20), st.integers(1, 20)))
        return {"heatmaps": maps, "mode": mode, "input_size": size, "_framework": framework}
    return {
        "heatmaps": maps,
        "model": model(framework),
        "layer": layer,
        "mode": mode,
        "input_size": (SIZE, SIZE),
        "_framework": framework,
    }


def check_to_input(result: Any, args: Args) -> None:
    check_finite_array(result, (*args["heatmaps"].shape[:-2], *args["input_size"]), np.float64)


@st.composite
def crop_args(draw: st.DrawFn) -> Args:
    framework = draw(FRAMEWORKS)
    layer = draw(st.sampled_from(sorted(MAPS)))
    h, w = MAPS[layer]
    picture = draw(images(framework, draw(st.integers(1, 2))))
    if draw(st.booleans()):
        picture = picture[0]
    return {
        "images": picture,
        "model": model(framework),
        "layer": layer,
        "position": (draw(st.integers(0, h - 1)), draw(st.integers(0, w - 1))),
        "_framework": framework,
    }


def check_crop(result: Any, args: Args) -> None:
    picture = args["images"]
    assert isinstance(result, np.ndarray) and result.ndim == picture.ndim, type(result)
    spatial = (-2, -1) if args["_framework"] == "torch" else (-3, -2)
    for axis in spatial:
        assert 1 <= result.shape[axis] <= picture.shape[axis], (result.shape, picture.shape)


def bad_position(args: Args) -> st.SearchStrategy[Any]:
    h, w = MAPS[args["layer"]]
    return st.one_of(
        st.sampled_from([(h, 0), (0, w), (-1, 0), (0.0, 0.0), (True, 0), (0,), (0, 0, 0), "00"]),
        st.just(np.array([0, 0])),
        st.integers(),
        NONE,
    )


FEATURE_SPECS = {
    "mnn.explain.feature_maps": Spec(
        call=function(explain.feature_maps),
        valid=feature_maps_args(),
        check=check_feature_maps,
        bad={"model": bad_model, "images": bad_images, "layer": bad_layer},
        cost=COST,
        words={"model": "model|images", "layer": "layer"},
    ),
    "mnn.explain.filters": Spec(
        call=function(explain.filters),
        valid=filters_args(),
        check=check_filters,
        bad={
            "model": lambda args: JUNK,
            "layer": lambda args: bad_layer(args) | st.sampled_from(["relu1", "pool"]),
            "input_size": lambda args: optional(bad_input_size(args)),
        },
        cost=COST,
        words={"layer": "layer", "input_size": "input_size|takes images of shape"},
    ),
    "mnn.explain.receptive_field": Spec(
        call=function(explain.receptive_field),
        valid=receptive_args(),
        check=check_receptive,
        bad={
            "model": lambda args: JUNK,
            "layer": lambda args: optional(bad_layer(args)),
            "input_size": lambda args: optional(bad_input_size(args)),
        },
        cost=COST,
        words={"layer": "layer", "input_size": "input_size|takes images of shape"},
    ),
    "mnn.explain.to_input": Spec(
        call=function(explain.to_input),
        valid=to_input_args(),
        check=check_to_input,
        bad={
            "heatmaps": lambda args: (
                bad_array(args["heatmaps"], any_shape=True, kinds="fiu") | st.just(np.zeros(3))
            ),
            "model": lambda args: optional(JUNK) if args["mode"] == "roi" else st.nothing(),
            "layer": lambda args: (
                optional(bad_layer(args)) if args["mode"] == "roi" else st.nothing()
            ),
            "mode": lambda args: bad_choice(("bilinear", "roi")),
            "input_size": lambda args: bad_input_size(args) | NONE,
        },
        cost=COST,
        words={"heatmaps": "heatmaps", "layer": "layer", "input_size": "input_size|input"},
    ),
    "mnn.explain.crop_to_receptive_field": Spec(
        call=function(explain.crop_to_receptive_field),
        valid=crop_args(),
        check=check_crop,
        bad={
            "images": lambda args: bad_array(args["images"], any_shape=True) | NONE,
            "model": lambda args: JUNK,
            "layer": bad_layer,
            "position": bad_position,
        },
        cost=COST,
        words={"layer": "layer", "images": "images"},
    ),
}


# ------------------------------------------------------------------- maximize, fool


def units(n: int) -> st.SearchStrategy[Any]:
    """A class, a feature map, one neuron; or a list of n of one kind."""
    classes = st.integers(0, CLASSES - 1)
    maps = st.tuples(st.sampled_from(["conv2", "relu1"]), st.integers(0, 3))
    neurons = st.tuples(st.just("conv1"), st.integers(0, 3), st.tuples(*[st.integers(0, 7)] * 2))
    one = st.one_of(classes, maps, neurons)
    layer_maps = st.sampled_from(["conv2", "relu1"]).flatmap(
        lambda layer: st.lists(st.tuples(st.just(layer), st.integers(0, 3)), min_size=n, max_size=n)
    )
    return one | st.lists(classes, min_size=n, max_size=n) | layer_maps


@st.composite
def maximize_args(draw: st.DrawFn) -> Args:
    framework = draw(FRAMEWORKS)
    method_ = draw(st.sampled_from(["ascent", "lbfgs"]))
    n = draw(st.integers(1, 2))
    unit = draw(units(n))
    count = len(unit) if isinstance(unit, list) else 1
    ascent = method_ == "ascent"
    penalties = [regularizers.L2(0.01), regularizers.TotalVariation(0.01)]
    others = [regularizers.Jitter(1), regularizers.Blur(0.5, every=2)] if ascent else []
    start = draw(
        st.sampled_from([None, "grey", "noise"])
        | images(framework, count if isinstance(unit, list) else n)
    )
    return {
        "model": model(framework),
        "unit": unit,
        "start": start,
        "steps": draw(st.integers(1, 3)),
        "step_size": draw(floats(0.001, 0.1)),
        "regularizers": draw(st.lists(st.sampled_from(penalties + others), max_size=2)),
        "generator": None,
        "bounds": draw(st.sampled_from([None, (-1.0, 1.0)])) if ascent else None,
        "method": method_,
        "normalize": draw(st.booleans()),
        "input_size": (SIZE, SIZE) if framework == "torch" else draw(sizes(framework)),
        "seed": draw(seeds()),
        "progress": False,
        "_framework": framework,
    }


def check_maximize(result: Any, args: Args) -> None:
    assert isinstance(result, explain.MaximizeResult), type(result)
    framework = args["_framework"]
    n = len(result.images)
    assert n >= 1 and result.images.shape[1:] == input_shape(framework), result.images.shape
    check_finite_array(result.images, result.images.shape, dtype(framework))
    assert result.trace.shape[1] == n and np.all(np.isfinite(result.trace)), result.trace.shape
    if args["bounds"] is not None:
        assert result.images.min() >= -1 and result.images.max() <= 1


def bad_unit(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(CLASSES, CLASSES + 3),
        st.integers(-3, -1),
        HUGE_INTS,
        st.sampled_from([("conv2", 5), ("conv2", -1), ("conv3", 0), ("logits", 0), ("conv2",)]),
        st.sampled_from([("conv1", 0, (8, 0)), ("conv1", 0, (0,)), ("conv1", 0.5), [], [0, "a"]]),
        st.sampled_from([[0, ("conv2", 0)], 1.5, True, "conv1", None]),
        OBJECTS,
    )


def bad_start(args: Args) -> st.SearchStrategy[Any]:
    framework = args["_framework"]
    one = np.zeros(input_shape(framework), dtype(framework))
    return st.one_of(
        st.sampled_from(["gray", "Noise", "", "random"]),
        bad_array(one[None], free_axes=(0,)),
        st.just(one[None, :, :-1]),
        st.just(np.zeros((0, *one.shape), one.dtype)),
        st.just(one[0]),
        st.integers(),
        OBJECTS,
    )


def bad_regularizers(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from([regularizers.L2(0.1), "L2", [None], [regularizers.L2], [0.1], 1.0]),
        st.just({regularizers.L2(0.1)}),
        st.just(iter([regularizers.L2(0.1)])),
        NONE,
    )


def bad_generator(args: Args) -> st.SearchStrategy[Any]:
    return JUNK.filter(lambda value: value is not None) | st.just(model(other(args["_framework"])))


MAXIMIZE_SPECS = {
    "mnn.explain.maximize": Spec(
        call=function(explain.maximize),
        valid=maximize_args(),
        check=check_maximize,
        bad={
            "model": lambda args: JUNK | st.just(model(other(args["_framework"]))),
            "unit": bad_unit,
            "start": bad_start,
            "steps": bad_positive_int,
            "step_size": bad_positive_real,
            "regularizers": bad_regularizers,
            "generator": bad_generator,
            "bounds": lambda args: optional(bad_bounds(args)),
            "method": lambda args: bad_choice(("ascent", "lbfgs")),
            "normalize": lambda args: bad_bool(),
            "input_size": lambda args: (
                bad_input_size(args) if args["start"] is None else st.nothing()
            ),
            "seed": lambda args: bad_seed(),
            "progress": lambda args: bad_bool(),
        },
        cost=ITERATIVE,
        words={
            "model": "model|images|input",
            "unit": "unit|layer|channel|class|position",
            "start": "start|images",
            "regularizers": "regulari[sz]er",
            "generator": "generator|model",
            "input_size": "input_size|takes images of shape",
        },
    ),
}


@st.composite
def fool_args(draw: st.DrawFn) -> Args:
    args = draw(batch(target=False))
    n = len(args["images"])
    target = draw(st.integers(0, CLASSES - 1) | st.lists(st.integers(0, 2), min_size=n, max_size=n))
    return args | {
        "target": target,
        "bounds": (-1.0, 1.0),
        "step_size": draw(floats(0.25, 4)),
        "max_steps": draw(st.integers(1, 3)),
        "margin": draw(floats(0, 1)),
    }


def check_fool(result: Any, args: Args) -> None:
    assert isinstance(result, explain.FoolResult), type(result)
    images_ = args["images"]
    check_finite_array(result.images, images_.shape, images_.dtype)
    assert np.all((result.images >= -1) & (result.images <= 1))
    check_finite_array(result.perturbations, images_.shape)
    assert result.success.shape == (len(images_),), result.success.shape


def bad_fool_target(args: Args) -> st.SearchStrategy[Any]:
    return bad_target(args).filter(lambda value: not isinstance(value, str))


FOOL_SPECS = {
    "mnn.explain.fool": Spec(
        call=function(explain.fool),
        valid=fool_args(),
        check=check_fool,
        bad={
            "model": bad_model,
            "images": lambda args: bad_images(args) | st.just(args["images"] * 0 + 2),
            "target": bad_fool_target,
            "bounds": bad_bounds,
            "step_size": bad_positive_real,
            "max_steps": bad_positive_int,
            "margin": lambda args: bad_real(0.0),
        },
        cost=ITERATIVE,
        words={"model": "model|images", "images": "images|bounds"},
    ),
}


# ---------------------------------------------------------- one-class SVM, records

FEATURES = 3


@functools.cache
def one_class_svm(kernel: str = "rbf", fitted: bool = True) -> Any:
    from sklearn.svm import OneClassSVM

    svm = OneClassSVM(kernel=kernel, gamma=0.5, nu=0.3)
    if fitted:
        svm.fit(np.random.default_rng(0).standard_normal((20, FEATURES)))
    return svm


@functools.cache
def neuralized() -> explain.NeuralizedSVM:
    return explain.neuralize_one_class_svm(one_class_svm())


def check_neuralized(result: Any, args: Args) -> None:
    assert isinstance(result, explain.NeuralizedSVM), type(result)
    assert result.centres.shape[1] == FEATURES
    assert np.isclose(result.weights.sum(), 1.0) and np.all(result.weights > 0)


@st.composite
def points(draw: st.DrawFn, stiffness: bool = True) -> Args:
    x = draw(float_arrays((draw(st.integers(1, 5)), FEATURES), np.float64, -4, 4))
    args = {"self": neuralized(), "x": x}
    if stiffness:
        args["stiffness"] = draw(st.none() | floats(0.01, 5))
    return args


def per_point(columns: int | None) -> Any:
    def check(result: Any, args: Args) -> None:
        n = len(args["x"])
        width = neuralized().centres.shape[0] if columns is None else columns
        check_finite_array(result, (n,) if width == 0 else (n, width), np.float64)

    return check


def bad_points(args: Args) -> st.SearchStrategy[Any]:
    return bad_array(args["x"], kinds="fiu", free_axes=(0,))


def svm_method(name: str, columns: int | None, stiffness: bool = True) -> Spec:
    bad = {"x": bad_points}
    if stiffness:
        bad["stiffness"] = lambda args: optional(bad_positive_real(args))
    return Spec(call=method(name), valid=points(stiffness), check=per_point(columns), bad=bad)


@st.composite
def span_args(draw: st.DrawFn) -> Args:
    field = explain.receptive_field(model("torch"), draw(st.sampled_from(sorted(MAPS))), (8, 8))
    return {"self": field, "axis": draw(st.sampled_from([0, 1, np.int64(1)]))}


def check_span(result: Any, args: Args) -> None:
    field = args["self"]
    check_finite_array(result, (field.output_size[int(args["axis"])], 2))
    assert np.all(result[:, 1] - result[:, 0] + 1 == field.size[int(args["axis"])])


OTHER_SPECS = {
    "mnn.explain.neuralize_one_class_svm": Spec(
        call=function(explain.neuralize_one_class_svm),
        valid=st.just({"svm": one_class_svm()}),
        check=check_neuralized,
        bad={
            "svm": lambda args: (
                JUNK
                | st.sampled_from(
                    [one_class_svm(fitted=False), one_class_svm("linear"), one_class_svm("sigmoid")]
                )
            )
        },
    ),
    "mnn.explain.NeuralizedSVM.distances": svm_method("distances", None, stiffness=False),
    "mnn.explain.NeuralizedSVM.pooling_shares": svm_method("pooling_shares", None),
    "mnn.explain.NeuralizedSVM.outlier_score": svm_method("outlier_score", 0),
    "mnn.explain.NeuralizedSVM.relevance": svm_method("relevance", FEATURES),
    "mnn.explain.ReceptiveField.span": Spec(
        call=method("span"),
        valid=span_args(),
        check=check_span,
        bad={"axis": lambda args: bad_choice((0, 1)) | st.just(2) | st.just(-1)},
    ),
}


# ---------------------------------------------------------------------- LRP rules

STABILIZERS = floats(0, 1)


def rule_spec(cls: type, **parameters: st.SearchStrategy[Any]) -> Spec:
    """A rule's constructor: valid parameters as drawn, bad ones for its real parameters."""

    def check(rule: Any, args: Args) -> None:
        assert isinstance(rule, cls), type(rule)

    bad = {name: lambda args: bad_real(0.0) for name in parameters}
    return Spec(call=function(cls), valid=st.fixed_dictionaries(parameters), check=check, bad=bad)


def check_zbox(rule: Any, args: Args) -> None:
    assert isinstance(rule, rules.ZBox), type(rule)
    if args["low"] is not None:
        assert np.all(rule.low.array < rule.high.array)


@st.composite
def zbox_args(draw: st.DrawFn) -> Args:
    low = draw(st.none() | floats(-2, 0) | float_arrays((CHANNELS, 1, 1), np.float64, -2, 0))
    high = None if low is None else draw(floats(0.5, 2) | st.just(np.ones((1, 1, CHANNELS))))
    return {"low": low, "high": high, "stabilizer": draw(STABILIZERS)}


def bad_zbox_bound(name: str) -> Any:
    def bad(args: Args) -> st.SearchStrategy[Any]:
        other_value = args["high" if name == "low" else "low"]
        # The other bound given or not, this one the opposite or wrong.
        options = [NOT_FINITE, BOOLS, st.sampled_from(["0", [0.0], 1j, np.array([np.nan])])]
        if other_value is None:
            options = [floats(-1, 1)]
        elif name == "low":
            options.append(st.just(np.full((CHANNELS, 1, 1), 3.0)))
        else:
            options.append(st.just(-3.0))
        return st.one_of(*options)

    return bad


RULE_SPECS = {
    "mnn.explain.lrp.rules.Zero": rule_spec(rules.Zero),
    "mnn.explain.lrp.rules.Pass": rule_spec(rules.Pass),
    "mnn.explain.lrp.rules.Epsilon": rule_spec(rules.Epsilon, epsilon=STABILIZERS),
    "mnn.explain.lrp.rules.Gamma": rule_spec(
        rules.Gamma, gamma=floats(0, 10), stabilizer=STABILIZERS
    ),
    "mnn.explain.lrp.rules.Flat": rule_spec(rules.Flat, stabilizer=STABILIZERS),
    "mnn.explain.lrp.rules.WSquare": rule_spec(rules.WSquare, stabilizer=STABILIZERS),
    "mnn.explain.lrp.rules.AlphaBeta": Spec(
        call=function(rules.AlphaBeta),
        valid=st.builds(
            lambda beta, stabilizer: {"alpha": beta + 1, "beta": beta, "stabilizer": stabilizer},
            st.sampled_from([0.0, 1.0, 2.5]),
            STABILIZERS,
        ),
        check=lambda rule, args: isinstance(rule, rules.AlphaBeta),
        bad={
            "alpha": lambda args: bad_real(0.0) | st.just(args["alpha"] + 1),
            "beta": lambda args: bad_real(0.0) | st.just(args["beta"] + 1),
            "stabilizer": lambda args: bad_real(0.0),
        },
        words={"alpha": "alpha", "beta": "beta"},
    ),
    "mnn.explain.lrp.rules.ZBox": Spec(
        call=function(rules.ZBox),
        valid=zbox_args(),
        check=check_zbox,
        bad={
            "low": bad_zbox_bound("low"),
            "high": bad_zbox_bound("high"),
            "stabilizer": lambda args: bad_real(0.0),
        },
        words={"low": "low", "high": "high"},
    ),
}

RULES = st.sampled_from([rules.Zero(), rules.Epsilon(0.1), rules.Gamma(0.5), rules.Flat()])
KINDS = st.sampled_from(["conv", "dense", "depthwise_conv"])


@st.composite
def composite_args(draw: st.DrawFn) -> Args:
    return {
        "name": draw(st.text(max_size=5)),
        "kinds": draw(st.dictionaries(KINDS, RULES, max_size=3)),
        "first": draw(st.none() | RULES),
        "first_kinds": draw(st.sampled_from([("conv",), ("conv", "dense"), ()])),
        "blocks": tuple(draw(st.lists(RULES, max_size=3))),
        "names": draw(st.dictionaries(st.text(min_size=1, max_size=4), RULES, max_size=2)),
        "canonizers": (),
    }


def bad_rule_mapping(args: Args) -> st.SearchStrategy[Any]:
    return bad_mapping() | st.sampled_from(
        [{"convolution": rules.Zero()}, {"conv": "gamma"}, {"conv": rules.Gamma}]
    )


@st.composite
def with_rules_args(draw: st.DrawFn) -> Args:
    base = composites.PRESETS[draw(st.sampled_from(sorted(composites.PRESETS)))]
    mapping = draw(st.dictionaries(KINDS | st.text(min_size=1, max_size=4), RULES, max_size=3))
    return {"self": base, "mapping": mapping, "name": draw(st.none() | st.text(max_size=5))}


def check_with_rules(result: Any, args: Args) -> None:
    assert isinstance(result, composites.Composite), type(result)
    for key, rule in args["mapping"].items():
        assert (result.kinds if key in composites.KINDS else result.names)[key] is rule


COMPOSITE_SPECS = {
    "mnn.explain.lrp.composites.Composite": Spec(
        call=function(composites.Composite),
        valid=composite_args(),
        check=lambda value, args: isinstance(value, composites.Composite),
        bad={
            "name": lambda args: bad_text() | NONE,
            "kinds": bad_rule_mapping,
            "first": lambda args: optional(JUNK) | st.just(rules.Gamma),
            "first_kinds": lambda args: bad_names() | st.just(("convolution",)),
            "blocks": lambda args: (
                optional(JUNK).filter(lambda value: value != [] and value != ())
                | st.just(("gamma",))
            ),
            "names": lambda args: bad_mapping() | st.just({"conv1": 0.25}),
            "canonizers": lambda args: optional(JUNK).filter(
                lambda value: not isinstance(value, (tuple, list))
            ),
        },
        words={
            "kinds": "kinds|rule|layer kind",
            "first": "first|rule",
            "first_kinds": "first_kinds|layer kind",
            "blocks": "blocks|rule",
            "names": "names|rule",
        },
    ),
    "mnn.explain.lrp.composites.Composite.with_rules": Spec(
        call=method("with_rules"),
        valid=with_rules_args(),
        check=check_with_rules,
        bad={
            # Keys that are no layer kind are layer names, checked when the composite meets a
            # model: only values and the mapping itself can be wrong here.
            "mapping": lambda args: bad_mapping() | st.just({"conv": "gamma"}),
            "name": lambda args: optional(bad_text()),
        },
        words={"mapping": "mapping|rule|layer kind"},
    ),
    "mnn.explain.lrp.composites.preset": Spec(
        call=function(composites.preset),
        valid=st.fixed_dictionaries({"name": st.sampled_from(sorted(composites.PRESETS))}),
        check=lambda value, args: value.name == args["name"],
        bad={"name": lambda args: bad_choice(tuple(composites.PRESETS))},
        words={"name": "name|composite"},
    ),
}

#: The rules' protocol: methods lrp calls with the framework's tensors during its run.
RULE_PROTOCOL = {
    f"mnn.explain.lrp.rules.{rule}.{name}": "called by lrp with the framework's tensors"
    for rule in ("AlphaBeta", "Epsilon", "Flat", "Gamma", "Pass", "WSquare", "ZBox", "Zero")
    for name in ("propagate", "elementwise")
}


# -------------------------------------------------------------------- regularizers


def channels_first(n: int) -> st.SearchStrategy[np.ndarray]:
    shape = st.tuples(st.integers(1, 3), st.integers(2, 6), st.integers(2, 6))
    return shape.flatmap(lambda s: float_arrays((n, *s), np.float64, -3, 3))


@st.composite
def penalty_args(draw: st.DrawFn, cls: type, images_only: bool) -> Args:
    n = draw(st.integers(1, 3))
    x = draw(channels_first(n) if images_only or draw(st.booleans()) else
             float_arrays((n, 4), np.float64, -3, 3))  # fmt: skip
    penalty = cls(0.1) if cls is regularizers.L2 else cls(0.1, beta=draw(floats(1, 3)))
    return {"self": penalty, "x": x}


@st.composite
def prior_args(draw: st.DrawFn) -> Args:
    n = draw(st.integers(1, 3))
    x = draw(channels_first(n) | float_arrays((n, 4), np.float64, -3, 3))
    d = int(np.prod(x.shape[1:]))
    variances = draw(float_arrays((d,), np.float64, 0.1, 2))
    cov = np.diag(variances) if draw(st.booleans()) else variances
    prior = regularizers.GaussianPrior(np.zeros(x.shape[1:]), cov, lam=draw(floats(0.1, 2)))
    return {"self": prior, "x": x}


def check_penalty(result: Any, args: Args) -> None:
    values, gradient = result
    x = args["x"]
    check_finite_array(values, (len(x),), np.float64)
    check_finite_array(gradient, x.shape, np.float64)


def bad_variable(images_only: bool) -> Any:
    def bad(args: Args) -> st.SearchStrategy[Any]:
        x = args["x"]
        options = [bad_array(x, any_shape=not images_only, free_axes=(0, 1, 2, 3))]
        options.append(st.just(x.ravel()))
        if images_only:
            options.append(st.just(x.reshape(len(x), -1)))
        return st.one_of(*options)

    return bad


def penalty_spec(cls: type, images_only: bool) -> Spec:
    return Spec(
        call=method("value_and_gradient"),
        valid=penalty_args(cls, images_only),
        check=check_penalty,
        bad={"x": bad_variable(images_only)},
    )


@st.composite
def jitter_args(draw: st.DrawFn, name: str) -> Args:
    pixels = draw(st.integers(1, 3))
    jitter = regularizers.Jitter(pixels)
    change = jitter.sample(np.random.default_rng(draw(seeds())))
    return {"self": jitter, name: draw(channels_first(draw(st.integers(1, 3)))), "change": change}


def check_shifted(name: str) -> Any:
    def check(result: Any, args: Args) -> None:
        check_finite_array(result, args[name].shape)
        rolled = np.roll(result, (-args["change"][0], -args["change"][1]), axis=(-2, -1))
        if name == "images":
            assert np.array_equal(rolled, args[name])

    return check


def bad_change(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from([(0,), (0, 0, 0), (0.5, 0), "ab", (np.float64(1.0), 0)]),
        st.sampled_from([(True, 0), np.array([0, 0]), [0, 0, 0]]),
        NONE,
        st.integers(),
    )


@st.composite
def blur_args(draw: st.DrawFn) -> Args:
    blur = regularizers.Blur(draw(floats(0.1, 2)), every=draw(st.integers(1, 3)))
    images_ = draw(channels_first(draw(st.integers(1, 3))))
    return {"self": blur, "images": images_, "step": draw(st.integers(0, 10))}


def check_blurred(result: Any, args: Args) -> None:
    check_finite_array(result, args["images"].shape)


def images_variable(name: str) -> Any:
    def bad(args: Args) -> st.SearchStrategy[Any]:
        x = args[name]
        return bad_array(x, free_axes=(0, 1, 2, 3)) | st.just(x.reshape(len(x), -1))

    return bad


REGULARIZER_SPECS = {
    "mnn.explain.regularizers.L2": Spec(
        call=function(regularizers.L2),
        valid=st.fixed_dictionaries({"lam": floats(1e-3, 10)}),
        check=lambda value, args: isinstance(value, regularizers.L2),
        bad={"lam": lambda args: bad_real(0.0, include="neither")},
    ),
    "mnn.explain.regularizers.L2.value_and_gradient": penalty_spec(regularizers.L2, False),
    "mnn.explain.regularizers.TotalVariation": Spec(
        call=function(regularizers.TotalVariation),
        valid=st.fixed_dictionaries({"lam": floats(1e-3, 10), "beta": floats(1, 4)}),
        check=lambda value, args: isinstance(value, regularizers.TotalVariation),
        bad={
            "lam": lambda args: bad_real(0.0, include="neither"),
            "beta": lambda args: bad_real(1.0),
        },
    ),
    "mnn.explain.regularizers.TotalVariation.value_and_gradient": penalty_spec(
        regularizers.TotalVariation, True
    ),
    "mnn.explain.regularizers.GaussianPrior": Spec(
        call=function(regularizers.GaussianPrior),
        valid=st.builds(
            lambda mean, lam: {"mean": mean, "cov": np.eye(mean.size), "lam": lam},
            channels_first(1).map(lambda x: x[0]) | float_arrays((4,), np.float64, -3, 3),
            floats(0.1, 2),
        ),
        check=lambda value, args: isinstance(value, regularizers.GaussianPrior),
        bad={
            "mean": lambda args: (
                bad_array(args["mean"], any_shape=True) | st.just(args["mean"][:0])
            ),
            "cov": lambda args: (
                bad_array(args["cov"])
                | st.just(-args["cov"])
                | st.just(args["cov"] + np.triu(np.ones_like(args["cov"]), 1))
                | st.just(np.zeros(len(args["cov"])))
            ),
            "lam": lambda args: bad_real(0.0, include="neither"),
        },
        words={"mean": "mean|cov"},
    ),
    "mnn.explain.regularizers.GaussianPrior.value_and_gradient": Spec(
        call=method("value_and_gradient"),
        valid=prior_args(),
        check=check_penalty,
        bad={"x": lambda args: bad_array(args["x"], free_axes=(0,))},
    ),
    "mnn.explain.regularizers.Jitter": Spec(
        call=function(regularizers.Jitter),
        valid=st.fixed_dictionaries({"pixels": st.integers(1, 10)}),
        check=lambda value, args: isinstance(value, regularizers.Jitter),
        bad={"pixels": lambda args: bad_int(1)},
    ),
    "mnn.explain.regularizers.Jitter.sample": Spec(
        call=method("sample"),
        valid=st.builds(
            lambda pixels, seed: {
                "self": regularizers.Jitter(pixels),
                "rng": np.random.default_rng(seed),
            },
            st.integers(1, 5),
            seeds(),
        ),
        check=lambda change, args: (
            isinstance(change, tuple) and all(abs(c) <= args["self"].pixels for c in change)
        ),
        bad={"rng": lambda args: bad_seed(generator=True)},
    ),
    "mnn.explain.regularizers.Jitter.apply": Spec(
        call=method("apply"),
        valid=jitter_args("images"),
        check=check_shifted("images"),
        bad={"images": images_variable("images"), "change": bad_change},
    ),
    "mnn.explain.regularizers.Jitter.pull_back": Spec(
        call=method("pull_back"),
        valid=jitter_args("gradient"),
        check=check_shifted("gradient"),
        bad={"gradient": images_variable("gradient"), "change": bad_change},
    ),
    "mnn.explain.regularizers.Blur": Spec(
        call=function(regularizers.Blur),
        valid=st.fixed_dictionaries({"sigma": floats(0.1, 5), "every": st.integers(1, 10)}),
        check=lambda value, args: isinstance(value, regularizers.Blur),
        bad={
            "sigma": lambda args: bad_real(0.0, include="neither"),
            "every": lambda args: bad_int(1),
        },
    ),
    "mnn.explain.regularizers.Blur.project": Spec(
        call=method("project"),
        valid=blur_args(),
        check=check_blurred,
        bad={"images": images_variable("images"), "step": lambda args: bad_int(0)},
    ),
}

#: The regularisers' interfaces: classes to subclass, whose methods raise NotImplementedError.
REGULARIZER_INTERFACES = {
    f"mnn.explain.regularizers.{name}": "an interface to subclass; its methods are abstract"
    for name in (
        "Penalty",
        "Penalty.value_and_gradient",
        "Transform",
        "Transform.sample",
        "Transform.apply",
        "Transform.pull_back",
        "Projection",
        "Projection.project",
    )
}

SPECS: dict[str, Spec] = {
    **CAM_SPECS,
    **GRADIENT_SPECS,
    **LRP_SPECS,
    **FEATURE_SPECS,
    **MAXIMIZE_SPECS,
    **FOOL_SPECS,
    **OTHER_SPECS,
    **RULE_SPECS,
    **COMPOSITE_SPECS,
    **REGULARIZER_SPECS,
}

#: Public callables the sweep leaves out (besides the records listed in test_sweep.py).
EXCLUDED = {
    **RULE_PROTOCOL,
    **REGULARIZER_INTERFACES,
    "mnn.explain.lrp.rules.Rule": "the base class of the rules; it has no parameters",
    "mnn.explain.lrp.composites.Composite.rule": "called by lrp with the nodes of its graph",
    "mnn.explain.lrp.rules.Rule.propagate": "called by lrp with the framework's tensors",
    "mnn.explain.lrp.rules.Rule.elementwise": "called by lrp with the framework's tensors",
    "mnn.explain.lrp.rules.Box": "built by lrp from bounds, which it checks",
    "mnn.explain.lrp.rules.LinearLayer": "built by lrp for each layer during its run",
    "mnn.explain.lrp.rules.LinearLayer.__call__": "called by the rules with tensors during a run",
    "mnn.explain.lrp.rules.LinearLayer.magnitudes": "called by the rules during a run",
    "mnn.explain.lrp.rules.LinearLayer.contributions": "called by the rules during a run",
}
