"""Sweep specs for mnn.models and mnn.models.imagenet (see sweep.py).

Nothing here trains a real model or downloads anything. The trained models are made on the
cheapest configuration their parameters allow (one epoch, a few dozen images, the narrowest
autoencoder) in the sweep's own cache, so a valid call trains once and then loads; the course
network, which always trains on all of MNIST, trains on a few images that stand in for it
(:func:`tiny_mnist`). A valid call of these is expensive, so they make few of them
(``cost``) and many bad ones (``bad_cost``): every bad argument must be refused before anything
is trained or built. :func:`mnn.models.keras_application` cannot make a valid call offline
(Keras downloads its weights): its valid call is the offline path, which must end in the
documented RuntimeError that points to EfficientNet-Lite0.
"""

from __future__ import annotations

import math
import random
from functools import cache
from typing import Any
from unittest import mock

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sweep import (
    JUNK,
    NOT_FINITE,
    OBJECTS,
    Args,
    Spec,
    bad_array,
    bad_bool,
    bad_choice,
    bad_int,
    bad_real,
    bad_seed,
    check_finite_array,
    float_arrays,
    floats,
    function,
    optional,
    seeds,
)

from mnn import models
from mnn._frameworks import FRAMEWORKS, framework_of
from mnn.models import imagenet
from mnn.models.autoencoder import layer_table, parameter_counts

IMAGES = st.integers(1, 3).flatmap(lambda n: float_arrays((n, 28, 28), np.float32, 0, 1))
AUTOENCODERS = st.sampled_from(["torch", "keras", "pca"])
#: The cheapest configurations of the trained models' parameters.
CHEAP_WIDTHS = st.sampled_from([(2,), [2], (2, 2)])


# ------------------------------------------------------------------ models to call with


@cache
def autoencoder(kind: str) -> Any:
    """An untrained autoencoder of ``kind`` ("torch", "keras"), or a PCA fitted to noise."""
    if kind == "pca":
        rng = np.random.default_rng(0)
        return models.pca_autoencoder(rng.uniform(0, 1, (20, 28, 28)).astype(np.float32))
    # Keras seeds Python's random module, which Hypothesis warns about inside a strategy.
    state = random.getstate()
    try:
        return models.untrained_autoencoder(kind, seed=0)
    finally:
        random.setstate(state)


@cache
def tiny_classifier() -> Any:
    """A PyTorch 'ImageNet classifier' of 4,000 parameters: mean colour -> 1000 logits."""
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(3, 1000)
    ).eval()


def not_an_autoencoder() -> st.SearchStrategy[Any]:
    return st.one_of(JUNK, st.builds(tiny_classifier))


def autoencoder_parameters(widths: Any, code_size: int) -> int:
    encoder, decoder = layer_table(widths, code_size)
    return sum(parameter_counts(encoder, (1, 28, 28))) + sum(
        parameter_counts(decoder, (code_size,))
    )


def bad_pixels(args: Args, name: str = "images") -> st.SearchStrategy[Any]:
    images = args[name]
    return st.one_of(
        bad_array(images, kinds="f", free_axes=(0,), nonempty=True),
        st.just(images + 1.5),
        st.just(images - 1.0),
        st.just(images[0]),
        st.just(images[:, None]),
    )


# ------------------------------------------------------------------------ autoencoder


def bad_pixel_values(pixels: np.ndarray) -> st.SearchStrategy[Any]:
    """Bad pixels of any shape: not floating, NaN, and (unless empty) outside [0, 1]."""
    options = [bad_array(pixels, kinds="f", any_shape=True)]
    if pixels.size:
        options.append(st.sampled_from([pixels + 2, pixels - 1.5]))
    return st.one_of(*options)


@st.composite
def add_noise_args(draw: st.DrawFn) -> Args:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return {
        "images": draw(float_arrays(shape, dtype, 0, 1)),
        "std": draw(floats(0, 2)),
        "rng": draw(st.one_of(seeds(), seeds().map(np.random.default_rng))),
        "clip": draw(st.booleans()),
    }


def check_noisy(noisy: Any, args: Args) -> None:
    images = args["images"]
    check_finite_array(
        noisy, images.shape, np.float64 if images.dtype == np.float64 else np.float32
    )
    if args["clip"] and noisy.size:
        assert noisy.min() >= 0 and noisy.max() <= 1


def check_moments(moments: Any, args: Args) -> None:
    mean, std, clipped = moments
    for value in moments:
        check_finite_array(value, args["x"].shape)
    assert np.all((mean >= 0) & (mean <= 1)) and np.all(std >= 0)
    assert np.all((clipped >= 0) & (clipped <= 1))


def check_inputs_of_autoencoder(x: Any, args: Args) -> None:
    check_finite_array(x, args["images"].shape, np.float32)
    np.testing.assert_allclose(x * 255, args["images"], atol=1e-3)


@st.composite
def model_and_images(draw: st.DrawFn, kinds: tuple[str, ...] = ("torch", "keras", "pca")) -> Args:
    return {"model": autoencoder(draw(st.sampled_from(kinds))), "images": draw(IMAGES)}


def check_codes(codes: Any, args: Args) -> None:
    check_finite_array(codes, (len(args["images"]), 2), np.float32)


def check_reconstructions(images: Any, args: Args) -> None:
    check_finite_array(images, args["images"].shape, np.float32)


@st.composite
def decode_args(draw: st.DrawFn) -> Args:
    n = draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return {
        "model": autoencoder(draw(AUTOENCODERS)),
        "codes": draw(float_arrays((n, 2), dtype, -50, 50)),
    }


def check_decoded(images: Any, args: Args) -> None:
    check_finite_array(images, (len(args["codes"]), 28, 28), np.float32)
    if framework_of_or_none(args["model"]) is not None:
        assert images.min() >= 0 and images.max() <= 1


def framework_of_or_none(model: Any) -> str | None:
    try:
        return framework_of(model)
    except TypeError:
        return None


def bad_codes(args: Args) -> st.SearchStrategy[Any]:
    """Bad codes for decode; huge ones overflow PyTorch's decoder to NaN (Keras' saturates to
    0 and 1, PCA's stays finite)."""
    codes = args["codes"]
    options = [
        bad_array(codes, kinds="f", free_axes=(0,), nonempty=True),
        st.just(np.full((1, 2), 1e300)),  # finite in float64, infinite in float32
    ]
    if framework_of_or_none(args["model"]) == "torch":
        options.append(st.just(np.full((1, 2), 3e38, np.float32)))
    return st.one_of(*options)


@st.composite
def reconstruction_loss_args(draw: st.DrawFn) -> Args:
    args = draw(model_and_images(("torch", "keras")))
    if draw(st.booleans()):
        args["targets"] = None
    else:
        args["targets"] = draw(float_arrays(args["images"].shape, np.float32, 0, 1))
    return args


def check_loss(loss: Any, args: Args) -> None:
    assert isinstance(loss, float) and math.isfinite(loss) and loss >= 0


def bad_targets(args: Args) -> st.SearchStrategy[Any]:
    images = args["images"]
    return optional(bad_pixels({"images": images})) | st.just(np.concatenate([images, images]))


def check_converted(model: Any, args: Args) -> None:
    assert framework_of(model) == args["framework"]
    image = np.linspace(0, 1, 784, dtype=np.float32).reshape(1, 28, 28)
    np.testing.assert_allclose(
        models.reconstruct(model, image), models.reconstruct(args["model"], image), atol=1e-5
    )


def check_count(count: Any, args: Args) -> None:
    assert type(count) is int
    expected = (
        4000 if args["model"] is tiny_classifier() else autoencoder_parameters((8, 16, 16), 2)
    )
    assert count == expected, (count, expected)


@st.composite
def codes_and_labels(draw: st.DrawFn, n_min: int = 10, classes: int = 3) -> Args:
    n = draw(st.integers(n_min, 16))
    k = draw(st.integers(1, classes))
    labels = np.arange(n) % k
    return {
        "codes": draw(float_arrays((n, draw(st.integers(1, 3))), np.float64, -5, 5)),
        "labels": labels.astype(draw(st.sampled_from([np.int64, np.uint8]))),
    }


@st.composite
def knn_args(draw: st.DrawFn) -> Args:
    args = draw(codes_and_labels())
    n = len(args["codes"])
    args["folds"] = folds = draw(st.integers(2, 4))
    args["k"] = draw(st.integers(1, n - math.ceil(n / folds)))
    args["seed"] = draw(seeds())
    return args


def largest_class(labels: np.ndarray) -> int:
    return int(np.unique(labels, return_counts=True)[1].max())


def check_fraction(value: Any, args: Args) -> None:
    assert isinstance(value, float) and 0 <= value <= 1


def bad_labels(args: Args) -> st.SearchStrategy[Any]:
    labels = args["labels"]
    return bad_array(labels, kinds="iu") | st.just(labels[:-1])


def bad_embedding_codes(args: Args) -> st.SearchStrategy[Any]:
    return bad_array(args["codes"], kinds="f", free_axes=(1,), nonempty=True)


@st.composite
def embedding_args(draw: st.DrawFn) -> Args:
    args = draw(codes_and_labels(n_min=12, classes=2))
    n = len(args["codes"])
    args["images"] = draw(
        st.one_of(
            float_arrays((n, 3, 3), np.float32, 0, 1),
            hnp.arrays(np.uint8, (n, 3, 3)),
        )
    )
    args["k"] = draw(st.integers(1, n // 2 - 1))
    return args


def check_scores(scores: Any, args: Args) -> None:
    assert set(scores) == {"knn_accuracy", "trustworthiness"}
    for value in scores.values():
        check_fraction(value, args)


@st.composite
def latent_grid_args(draw: st.DrawFn) -> Args:
    n = draw(st.integers(2, 12))
    rng = np.random.default_rng(draw(seeds()))
    # Distinct values in both columns: every pair of quantiles spans an interval.
    codes = np.stack([rng.permutation(n), rng.permutation(n)], axis=1) * draw(floats(0.1, 3))
    low = draw(floats(0, 0.9))
    high = draw(floats(low + 0.05, 1).filter(lambda value: value > low))
    quantiles = draw(st.sampled_from([(low, high), [low, high]]))
    return {"codes": codes.astype(np.float32), "n": draw(st.integers(2, 6)), "quantiles": quantiles}


def check_grid(grid: Any, args: Args) -> None:
    check_finite_array(grid, (args["n"] ** 2, 2), np.float32)


def bad_quantiles(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(
        JUNK,
        st.sampled_from([(0.5, 0.2), (0.3, 0.3), (-0.1, 0.5), (0.5, 1.5), (0.1, 0.5, 0.9), (0.5,)]),
        NOT_FINITE.map(lambda value: (0.0, value)),
        st.just(("0.1", "0.9")),
        st.just(np.array([0.1, 0.9])),
    )


@st.composite
def pca_args(draw: st.DrawFn) -> Args:
    images = draw(st.integers(2, 6).flatmap(lambda n: float_arrays((n, 28, 28), np.float32, 0, 1)))
    images[:2, 0, 0] = (0.0, 1.0)  # images that differ: identical ones have no PCA
    return {"images": images, "n_components": draw(st.integers(1, len(images)))}


def check_pca(pca: Any, args: Args) -> None:
    assert pca.n_components_ == args["n_components"]


def widths_and_code(draw: st.DrawFn) -> Args:
    return {"widths": draw(CHEAP_WIDTHS), "code_size": draw(st.integers(1, 3))}


def bad_widths(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(
        JUNK.filter(lambda value: not (isinstance(value, (list, tuple)) and value)),
        st.sampled_from([(), (0,), (-1, 2), (2.0,), (True,), ("8",), (2, 2, 2, 2), (2**40,)]),
        st.just(np.array([2, 2])),
    )


@st.composite
def untrained_autoencoder_args(draw: st.DrawFn) -> Args:
    return {
        "framework": draw(st.sampled_from(FRAMEWORKS)),
        **widths_and_code(draw),
        "seed": draw(seeds()),
    }


def check_untrained(model: Any, args: Args) -> None:
    assert framework_of(model) == args["framework"]
    assert models.count_parameters(model) == autoencoder_parameters(
        args["widths"], args["code_size"]
    )


@st.composite
def train_autoencoder_args(draw: st.DrawFn) -> Args:
    n = draw(st.integers(1, 6))
    return {
        "framework": draw(st.sampled_from(["torch", "torch", "keras"])),
        "train_images": draw(float_arrays((n, 28, 28), np.float32, 0, 1)),
        "test_images": draw(IMAGES),
        **widths_and_code(draw),
        "epochs": draw(st.integers(1, 2)),
        "batch_size": draw(st.integers(1, 8)),
        "learning_rate": draw(floats(1e-4, 1e-2)),
        "noise_std": draw(st.sampled_from([0.0, 0.3])),
        "seed": draw(st.integers(0, 3)),
        "progress": False,
    }


def check_trained(result: Any, args: Args) -> None:
    model, history = result
    assert framework_of(model) == args["framework"]
    epochs = args.get("epochs", 1)
    assert {"loss", "val_loss"} <= set(history)
    for values in history.values():
        assert len(values) == epochs and all(math.isfinite(v) for v in values)


def training_bad(**extra: Any) -> dict[str, Any]:
    """Bad values of the training parameters the trained models share."""
    return {
        "framework": lambda args: bad_choice(FRAMEWORKS),
        "epochs": lambda args: bad_int(1),
        "batch_size": lambda args: bad_int(1),
        "learning_rate": lambda args: bad_real(0.0, include="high"),
        "seed": lambda args: bad_seed(),
        "progress": lambda args: bad_bool(),
        **extra,
    }


@st.composite
def trained_autoencoder_args(draw: st.DrawFn) -> Args:
    return {
        "framework": "torch",
        "widths": (2,),
        "code_size": 2,
        "epochs": 1,
        "batch_size": 64,
        "learning_rate": 1e-3,
        "noise_std": draw(st.sampled_from([0.0, 0.5])),
        "n_train": draw(st.sampled_from([16, 32])),
        "seed": 0,
        "progress": False,
    }


@st.composite
def trained_fashion_cnn_args(draw: st.DrawFn) -> Args:
    return {
        "framework": draw(st.sampled_from(["torch", "torch", "keras"])),
        "epochs": 1,
        "batch_size": 32,
        "learning_rate": 1e-3,
        "n_train": draw(st.sampled_from([16, 32])),
        "n_test": 16,
        "seed": draw(st.integers(0, 1)),
        "progress": False,
    }


def check_trained_cnn(result: Any, args: Args) -> None:
    check_trained(result, args)
    assert set(result[1]) == {"loss", "accuracy", "val_loss", "val_accuracy"}


@cache
def _tiny_mnist() -> Any:
    from mnn.nn.course import mnist_images

    (x, y), (x_test, y_test) = mnist_images()
    return (x[:40], y[:40]), (x_test[:20], y_test[:20])


def tiny_mnist(*args: Any, **kwargs: Any) -> Any:
    """40 training and 20 test images of MNIST, in place of all of them."""
    return _tiny_mnist()


def train_course_network(args: Args) -> Any:
    with mock.patch("mnn.models.course_network.mnist_images", tiny_mnist):
        return models.train_course_network(**args)


@st.composite
def course_network_args(draw: st.DrawFn) -> Args:
    return {
        "framework": draw(st.sampled_from(["mnn", "mnn", "torch", "keras"])),
        "epochs": 1,
        "batch_size": draw(st.sampled_from([20, 40])),
        "seed": draw(st.integers(0, 1)),
        "verbose": False,
    }


def check_course_network(result: Any, args: Args) -> None:
    from mnn.nn import SequentialNet

    net, history = result
    assert isinstance(net, SequentialNet)
    assert history and all(len(values) == 1 for values in history.values())


def check_untrained_cnn(model: Any, args: Args) -> None:
    assert framework_of(model) == args["framework"]
    assert models.count_parameters(model) > 0


def check_fashion_inputs(x: Any, args: Args) -> None:
    n = len(args["images"])
    shape = (n, 1, 28, 28) if args["framework"] == "torch" else (n, 28, 28, 1)
    check_finite_array(x, shape, np.float32)


def check_min_network(model: Any, args: Args) -> None:
    from mnn.models.inference import forward

    assert framework_of(model) == args["framework"]
    a = np.array([[0.0, 1.0], [2.0, 1.0], [3.0, 3.0], [0.5, 0.0]])
    np.testing.assert_allclose(forward(model, a)[:, 0], a.min(axis=1))


def check_efficientnet(model: Any, args: Args) -> None:
    assert framework_of(model) == args["framework"]
    assert models.count_parameters(model) > 4_000_000


def keras_application_offline(args: Args) -> Any:
    """The call with Keras' downloader failing as it does offline; returns the error."""
    import keras

    with mock.patch.object(keras.utils, "get_file", side_effect=Exception("no internet")):
        try:
            models.keras_application(**args)
        except RuntimeError as error:
            return error
    raise AssertionError("keras_application did not say that it could not get the weights")


def check_offline_error(error: Any, args: Args) -> None:
    assert "efficientnet_lite0" in str(error) and args["name"] in str(error)


# --------------------------------------------------------------------------- imagenet


@st.composite
def photos(draw: st.DrawFn) -> Any:
    """One (H, W, 3) photo, a batch of them, or a list of photos of different sizes."""

    def photo(h: int, w: int) -> st.SearchStrategy[np.ndarray]:
        return st.one_of(
            hnp.arrays(np.uint8, (h, w, 3)),
            float_arrays((h, w, 3), np.float32, 0, 255).map(lambda image: image + np.float32(2)),
        ).map(lambda image: np.clip(image, 0, 255) if image.dtype.kind == "f" else image)

    size = st.integers(2, 12)
    kind = draw(st.sampled_from(["one", "batch", "list"]))
    if kind == "one":
        return draw(photo(draw(size), draw(size)))
    if kind == "batch":
        return draw(hnp.arrays(np.uint8, st.tuples(st.integers(1, 3), size, size, st.just(3))))
    return draw(
        st.lists(st.tuples(size, size).flatmap(lambda hw: photo(*hw)), min_size=1, max_size=3)
    )


def batch_size(images: Any) -> int:
    if isinstance(images, list):
        return len(images)
    return 1 if images.ndim == 3 else len(images)


@st.composite
def preprocess_args(draw: st.DrawFn) -> Args:
    return {
        "images": draw(photos()),
        "size": draw(st.integers(1, 16)),
        "crop_fraction": draw(floats(0.05, 1)),
    }


def check_preprocessed(x: Any, args: Args) -> None:
    size = args["size"]
    check_finite_array(x, (batch_size(args["images"]), size, size, 3), np.float32)
    assert x.min() >= -1 and x.max() <= 1


def bad_photos(args: Args) -> st.SearchStrategy[Any]:
    images = args["images"]
    photo = images[0] if isinstance(images, list) or images.ndim == 4 else images
    return st.one_of(
        JUNK,
        st.just(photo[..., :2]),
        st.just(photo / 1000),
        st.just(photo.astype(np.float64) * 0 + 300),
        st.just(photo.astype(np.int64)),
        st.just(photo.astype(np.uint16)),
        st.just(photo[..., 0]),
        st.just(photo.astype(np.float64) * np.nan),
        st.just(photo[:0]),
        st.just([photo, "photo"]),
    )


def bad_size(args: Args) -> st.SearchStrategy[Any]:
    return bad_int(1, huge=True)


@st.composite
def model_inputs(
    draw: st.DrawFn, size: int | st.SearchStrategy[int] = 224, layout: str = "NHWC"
) -> np.ndarray:
    n = draw(st.integers(1, 2))
    side = draw(size) if isinstance(size, st.SearchStrategy) else size
    rng = np.random.default_rng(draw(seeds()))
    x = rng.uniform(-1, 1, (n, side, side, 3)).astype(np.float32)
    return x.transpose(0, 3, 1, 2).copy() if layout == "NCHW" else x


def check_pixels(pixels: Any, args: Args) -> None:
    check_finite_array(pixels, args["x"].shape, np.uint8)


def check_transposed(order: tuple[int, ...]) -> Any:
    def check(x: Any, args: Args) -> None:
        np.testing.assert_array_equal(x, args["x"].transpose(order))
        assert x.flags.c_contiguous

    return check


def any_4d() -> st.SearchStrategy[Args]:
    shapes = hnp.array_shapes(min_dims=4, max_dims=4, min_side=0, max_side=3)
    return hnp.arrays(st.sampled_from([np.float32, np.int64, np.uint8]), shapes).map(
        lambda x: {"x": x}
    )


def bad_4d(args: Args) -> st.SearchStrategy[Any]:
    x = args["x"]
    return st.one_of(JUNK, st.just(x.tolist()), st.just(np.zeros(x.shape[1:])), st.just(x[None]))


@st.composite
def check_inputs_args(draw: st.DrawFn) -> Args:
    framework = draw(st.sampled_from(FRAMEWORKS))
    size = draw(st.integers(1, 8))
    layout = "NCHW" if framework == "torch" else "NHWC"
    return {"x": draw(model_inputs(st.just(size), layout)), "framework": framework, "size": size}


def returns_x(value: Any, args: Args) -> None:
    assert value is args["x"]


def bad_model_inputs(args: Args) -> st.SearchStrategy[Any]:
    x = args["x"]
    return st.one_of(
        bad_array(x, kinds="f", nonempty=True, free_axes=(0,)),
        st.just(x.astype(np.float64)),
        st.just(x + 2.5),
    )


@st.composite
def logits_args(draw: st.DrawFn) -> Args:
    return {"model": tiny_classifier(), "x": draw(model_inputs(layout="NCHW"))}


def check_logits(value: Any, args: Args) -> None:
    check_finite_array(value, (len(args["x"]), 1000), np.float32)


@st.composite
def softmax_args(draw: st.DrawFn) -> Args:
    shape = st.tuples(st.integers(0, 3), st.integers(1, 6))
    return {
        "logits": draw(
            shape.flatmap(
                lambda s: float_arrays(
                    s, draw(st.sampled_from([np.float32, np.float64])), -700, 700
                )
            )
        )
    }


def check_softmax(p: Any, args: Args) -> None:
    check_finite_array(p, args["logits"].shape, np.float64)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.all(p >= 0)


@st.composite
def decode_predictions_args(draw: st.DrawFn) -> Args:
    n = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(seeds()))
    return {"logits": rng.normal(0, 5, (n, 1000)), "top": draw(st.integers(1, 10))}


def check_predictions(predictions: Any, args: Args) -> None:
    assert len(predictions) == batch_size_of(args)
    for row in predictions:
        assert len(row) == args["top"]
        assert all(isinstance(p, imagenet.Prediction) and 0 <= p.probability <= 1 for p in row)
        assert [p.probability for p in row] == sorted((p.probability for p in row), reverse=True)


def batch_size_of(args: Args) -> int:
    return len(args["logits"]) if "logits" in args else batch_size(args["images"])


def bad_logits(args: Args) -> st.SearchStrategy[Any]:
    logits = args["logits"]
    return bad_array(logits, kinds="f", nonempty=True, free_axes=(0,)) | st.just(
        imagenet.softmax(logits)
    )


def bad_top(args: Args) -> st.SearchStrategy[Any]:
    return bad_int(1, 1000, huge=True)


@st.composite
def classify_args(draw: st.DrawFn) -> Args:
    return {"model": tiny_classifier(), "images": draw(photos()), "top": draw(st.integers(1, 5))}


#: Calls that run a model.
MODEL_COST = 0.2
#: Valid calls that train, load or build a large model: one or two of them...
ONE_OR_TWO = 0.06
#: ... and their bad calls, refused before anything expensive, many.
CHEAP = 0.5

SPECS: dict[str, Spec] = {
    "mnn.models.add_noise": Spec(
        call=function(models.add_noise),
        valid=add_noise_args(),
        check=check_noisy,
        bad={
            "images": lambda args: bad_pixel_values(args["images"]),
            "std": lambda args: bad_real(0.0),
            "rng": lambda args: bad_seed(generator=True),
            "clip": lambda args: bad_bool(),
        },
    ),
    "mnn.models.autoencoder_inputs": Spec(
        call=function(models.autoencoder_inputs),
        valid=st.integers(0, 3)
        .flatmap(lambda n: hnp.arrays(np.uint8, (n, 28, 28)))
        .map(lambda images: {"images": images}),
        check=check_inputs_of_autoencoder,
        bad={"images": lambda args: bad_array(args["images"], kinds="u", free_axes=(0,))},
    ),
    "mnn.models.clipped_noise_moments": Spec(
        call=function(models.clipped_noise_moments),
        valid=st.fixed_dictionaries(
            {
                "x": hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4).flatmap(
                    lambda shape: float_arrays(shape, np.float64, 0, 1)
                ),
                "std": floats(0.05, 3),
            }
        ),
        check=check_moments,
        bad={
            "x": lambda args: bad_pixel_values(args["x"]),
            "std": lambda args: bad_real(0.0, include="high"),
        },
    ),
    "mnn.models.convert_autoencoder": Spec(
        call=function(models.convert_autoencoder),
        valid=st.fixed_dictionaries(
            {
                "model": st.sampled_from(FRAMEWORKS).map(autoencoder),
                "framework": st.sampled_from(FRAMEWORKS),
            }
        ),
        check=check_converted,
        bad={
            "model": lambda args: not_an_autoencoder() | st.just("pca").map(autoencoder),
            "framework": lambda args: bad_choice(FRAMEWORKS),
        },
        cost=ONE_OR_TWO,
        bad_cost=CHEAP,
    ),
    "mnn.models.count_parameters": Spec(
        call=function(models.count_parameters),
        valid=st.one_of(
            st.sampled_from(FRAMEWORKS).map(autoencoder), st.builds(tiny_classifier)
        ).map(lambda model: {"model": model}),
        check=check_count,
        bad={"model": lambda args: JUNK | st.just("pca").map(autoencoder)},
    ),
    "mnn.models.decode": Spec(
        call=function(models.decode),
        valid=decode_args(),
        check=check_decoded,
        bad={"model": lambda args: not_an_autoencoder(), "codes": bad_codes},
        cost=MODEL_COST,
    ),
    "mnn.models.encode": Spec(
        call=function(models.encode),
        valid=model_and_images(),
        check=check_codes,
        bad={"model": lambda args: not_an_autoencoder(), "images": bad_pixels},
        cost=MODEL_COST,
    ),
    "mnn.models.reconstruct": Spec(
        call=function(models.reconstruct),
        valid=model_and_images(),
        check=check_reconstructions,
        bad={"model": lambda args: not_an_autoencoder(), "images": bad_pixels},
        cost=MODEL_COST,
    ),
    "mnn.models.reconstruction_loss": Spec(
        call=function(models.reconstruction_loss),
        valid=reconstruction_loss_args(),
        check=check_loss,
        bad={
            "model": lambda args: not_an_autoencoder() | st.just("pca").map(autoencoder),
            "images": bad_pixels,
            "targets": bad_targets,
        },
        cost=MODEL_COST,
    ),
    "mnn.models.knn_accuracy": Spec(
        call=function(models.knn_accuracy),
        valid=knn_args(),
        check=check_fraction,
        bad={
            "codes": bad_embedding_codes,
            "labels": bad_labels,
            "k": lambda args: bad_int(
                1, len(args["codes"]) - math.ceil(len(args["codes"]) / args["folds"])
            ),
            "folds": lambda args: bad_int(2, largest_class(args["labels"])),
            "seed": lambda args: bad_seed(),
        },
        cost=0.3,
    ),
    "mnn.models.embedding_scores": Spec(
        call=function(models.embedding_scores),
        valid=embedding_args(),
        check=check_scores,
        bad={
            "images": lambda args: bad_array(args["images"], kinds="fiu", free_axes=(1, 2)),
            "codes": bad_embedding_codes,
            "labels": bad_labels,
            "k": lambda args: bad_int(1, len(args["codes"]) // 2 - 1),
        },
        cost=0.3,
    ),
    "mnn.models.latent_grid": Spec(
        call=function(models.latent_grid),
        valid=latent_grid_args(),
        check=check_grid,
        bad={
            "codes": lambda args: (
                bad_array(args["codes"], kinds="f", free_axes=(0,), nonempty=True)
                | st.just(np.zeros((5, 2), np.float32))
            ),
            "n": lambda args: bad_int(2, huge=True),
            "quantiles": bad_quantiles,
        },
        words={"codes": "codes"},
    ),
    "mnn.models.pca_autoencoder": Spec(
        call=function(models.pca_autoencoder),
        valid=pca_args(),
        check=check_pca,
        bad={
            "images": lambda args: (
                bad_pixels(args)
                | st.just(np.repeat(args["images"][:1], len(args["images"]), axis=0))
            ),
            "n_components": lambda args: bad_int(1, len(args["images"])),
        },
        cost=0.3,
    ),
    "mnn.models.untrained_autoencoder": Spec(
        call=function(models.untrained_autoencoder),
        valid=untrained_autoencoder_args(),
        check=check_untrained,
        bad={
            "framework": lambda args: bad_choice(FRAMEWORKS),
            "widths": bad_widths,
            "code_size": lambda args: bad_int(1, huge=True),
            "seed": lambda args: bad_seed(),
        },
        cost=MODEL_COST,
        words={"widths": "width"},
    ),
    "mnn.models.train_autoencoder": Spec(
        call=function(models.train_autoencoder),
        valid=train_autoencoder_args(),
        check=check_trained,
        bad=training_bad(
            train_images=lambda args: bad_pixels(args, "train_images"),
            test_images=lambda args: bad_pixels(args, "test_images"),
            widths=bad_widths,
            code_size=lambda args: bad_int(1, huge=True),
            noise_std=lambda args: bad_real(0.0),
        ),
        cost=ONE_OR_TWO,
        bad_cost=CHEAP,
        words={"widths": "width"},
    ),
    "mnn.models.trained_autoencoder": Spec(
        call=function(models.trained_autoencoder),
        valid=trained_autoencoder_args(),
        check=check_trained,
        bad=training_bad(
            widths=bad_widths,
            code_size=lambda args: bad_int(1, huge=True),
            noise_std=lambda args: bad_real(0.0),
            n_train=lambda args: optional(bad_int(1, 60000)),
        ),
        cost=ONE_OR_TWO,
        bad_cost=CHEAP,
        words={"widths": "width"},
    ),
    "mnn.models.trained_fashion_cnn": Spec(
        call=function(models.trained_fashion_cnn),
        valid=trained_fashion_cnn_args(),
        check=check_trained_cnn,
        bad=training_bad(
            n_train=lambda args: optional(bad_int(1, 60000)),
            n_test=lambda args: optional(bad_int(1, 10000)),
        ),
        cost=ONE_OR_TWO,
        bad_cost=CHEAP,
    ),
    "mnn.models.train_course_network": Spec(
        call=train_course_network,
        valid=course_network_args(),
        check=check_course_network,
        bad={
            "framework": lambda args: bad_choice(("mnn", *FRAMEWORKS)),
            "epochs": lambda args: bad_int(1),
            "batch_size": lambda args: bad_int(1),
            "seed": lambda args: bad_seed(),
            "verbose": lambda args: bad_bool(),
        },
        cost=ONE_OR_TWO,
        bad_cost=CHEAP,
    ),
    "mnn.models.untrained_fashion_cnn": Spec(
        call=function(models.untrained_fashion_cnn),
        valid=st.fixed_dictionaries({"framework": st.sampled_from(FRAMEWORKS), "seed": seeds()}),
        check=check_untrained_cnn,
        bad={"framework": lambda args: bad_choice(FRAMEWORKS), "seed": lambda args: bad_seed()},
        cost=MODEL_COST,
    ),
    "mnn.models.fashion_inputs": Spec(
        call=function(models.fashion_inputs),
        valid=st.fixed_dictionaries(
            {
                "images": st.integers(0, 3).flatmap(lambda n: hnp.arrays(np.uint8, (n, 28, 28))),
                "framework": st.sampled_from(FRAMEWORKS),
            }
        ),
        check=check_fashion_inputs,
        bad={
            "images": lambda args: bad_array(args["images"], kinds="u", free_axes=(0,)),
            "framework": lambda args: bad_choice(FRAMEWORKS),
        },
    ),
    "mnn.models.min_network": Spec(
        call=function(models.min_network),
        valid=st.fixed_dictionaries(
            {
                "name": st.sampled_from(sorted(models.MIN_NETWORKS)),
                "framework": st.sampled_from(FRAMEWORKS),
            }
        ),
        check=check_min_network,
        bad={
            "name": lambda args: bad_choice(tuple(models.MIN_NETWORKS)),
            "framework": lambda args: bad_choice(FRAMEWORKS),
        },
        cost=MODEL_COST,
    ),
    "mnn.models.efficientnet_lite0": Spec(
        call=function(models.efficientnet_lite0),
        valid=st.fixed_dictionaries(
            {"framework": st.just("torch"), "pretrained": st.sampled_from([True, False])}
        ),
        check=check_efficientnet,
        bad={
            "framework": lambda args: bad_choice(FRAMEWORKS),
            "pretrained": lambda args: bad_bool(),
        },
        cost=ONE_OR_TWO,
        bad_cost=CHEAP,
    ),
    "mnn.models.keras_application": Spec(
        call=keras_application_offline,
        valid=st.sampled_from(["ResNet50", "VGG16"]).map(lambda name: {"name": name}),
        check=check_offline_error,
        bad={"name": lambda args: bad_choice(("ResNet50", "VGG16")) | OBJECTS},
        cost=ONE_OR_TWO,
        bad_cost=CHEAP,
    ),
    # mnn.models.imagenet
    "mnn.models.imagenet.preprocess": Spec(
        call=function(imagenet.preprocess),
        valid=preprocess_args(),
        check=check_preprocessed,
        bad={
            "images": bad_photos,
            "size": bad_size,
            "crop_fraction": lambda args: bad_real(0.0, 1.0, include="high"),
        },
        words={"images": r"images"},
    ),
    "mnn.models.imagenet.to_pixels": Spec(
        call=function(imagenet.to_pixels),
        valid=model_inputs(st.integers(1, 4)).map(lambda x: {"x": x}),
        check=check_pixels,
        bad={"x": lambda args: bad_array(args["x"], kinds="f", free_axes=(0, 1, 2))},
    ),
    "mnn.models.imagenet.to_nchw": Spec(
        call=function(imagenet.to_nchw),
        valid=any_4d(),
        check=check_transposed((0, 3, 1, 2)),
        bad={"x": bad_4d},
    ),
    "mnn.models.imagenet.to_nhwc": Spec(
        call=function(imagenet.to_nhwc),
        valid=any_4d(),
        check=check_transposed((0, 2, 3, 1)),
        bad={"x": bad_4d},
    ),
    "mnn.models.imagenet.check_inputs": Spec(
        call=function(imagenet.check_inputs),
        valid=check_inputs_args(),
        check=returns_x,
        bad={
            "x": bad_model_inputs,
            "framework": lambda args: bad_choice(FRAMEWORKS),
            "size": lambda args: bad_int(1),
        },
    ),
    "mnn.models.imagenet.logits": Spec(
        call=function(imagenet.logits),
        valid=logits_args(),
        check=check_logits,
        bad={"model": lambda args: JUNK, "x": bad_model_inputs},
        cost=MODEL_COST,
    ),
    "mnn.models.imagenet.softmax": Spec(
        call=function(imagenet.softmax),
        valid=softmax_args(),
        check=check_softmax,
        bad={
            "logits": lambda args: (
                bad_array(args["logits"], kinds="f", free_axes=(0, 1)) | st.just(np.zeros((2, 0)))
            )
        },
    ),
    "mnn.models.imagenet.decode_predictions": Spec(
        call=function(imagenet.decode_predictions),
        valid=decode_predictions_args(),
        check=check_predictions,
        bad={"logits": bad_logits, "top": bad_top},
    ),
    "mnn.models.imagenet.classify": Spec(
        call=function(imagenet.classify),
        valid=classify_args(),
        check=check_predictions,
        bad={"model": lambda args: JUNK, "images": bad_photos, "top": bad_top},
        cost=MODEL_COST,
    ),
}
