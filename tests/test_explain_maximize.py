"""Activation maximisation: the closed-form prototypes of linear models, the ascent's steps
against the frameworks' own autograd, receptive fields, and bad input."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch
from torch import nn

from mnn import explain
from mnn.explain import regularizers
from mnn.models import untrained_autoencoder, untrained_fashion_cnn

SHAPE = (2, 4, 5)  # (C, H, W) of the linear models' images
CODE = 3
CLASSES = 4


def linear_classifier(framework: str, seed: int):
    """f(x) = W vec(x) + b on (C, H, W) images, vec in the model's own layout."""
    channels, height, width = SHAPE
    if framework == "torch":
        torch.manual_seed(seed)
        return nn.Sequential(nn.Flatten(), nn.Linear(channels * height * width, CLASSES))
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [keras.Input((height, width, channels)), keras.layers.Flatten(), keras.layers.Dense(4)]
    )


def linear_generator(framework: str, seed: int):
    """x = A z + c, reshaped to one image in the model's layout."""
    channels, height, width = SHAPE
    if framework == "torch":
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(CODE, channels * height * width), nn.Unflatten(1, SHAPE))
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((CODE,)),
            keras.layers.Dense(channels * height * width, bias_initializer="random_normal"),
            keras.layers.Reshape((height, width, channels)),
        ]
    )


def dense_weights(layer, framework: str) -> tuple[np.ndarray, np.ndarray]:
    """(out, in) weights and (out,) bias of a dense layer, as float64."""
    if framework == "torch":
        return layer.weight.detach().double().numpy(), layer.bias.detach().double().numpy()
    kernel, bias = layer.get_weights()
    return kernel.T.astype(np.float64), bias.astype(np.float64)


def class_weights(model, framework: str, c: int) -> np.ndarray:
    """w of f(x) = w . x + b for class c, shaped as one image in the model's layout."""
    layer = model[1] if framework == "torch" else model.layers[-1]
    image = SHAPE if framework == "torch" else (*SHAPE[1:], SHAPE[0])
    return dense_weights(layer, framework)[0][c].reshape(image)


def to_channels_first(image: np.ndarray, framework: str) -> np.ndarray:
    return image if framework == "torch" else np.moveaxis(image, -1, 0)


def zeros(framework: str) -> np.ndarray:
    shape = SHAPE if framework == "torch" else (*SHAPE[1:], SHAPE[0])
    return np.zeros((1, *shape), np.float32)


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.linalg.norm(got - want) / np.linalg.norm(want))


@pytest.mark.parametrize("framework", ["torch", "keras"])
@pytest.mark.parametrize("method", ["lbfgs", "ascent"])
def test_l2_prototype_of_a_linear_model_is_w_over_2_lambda(framework, method):
    model = linear_classifier(framework, seed=1)
    lam, c = 0.3, 2
    # Plain ascent with step 1 / (4 lambda) halves the distance to x* at every step.
    options = {"method": method}
    if method == "ascent":
        options.update(normalize=False, step_size=1 / (4 * lam), steps=60)
    result = explain.maximize(
        model, c, zeros(framework), regularizers=[regularizers.L2(lam)], progress=False, **options
    )
    expected = class_weights(model, framework, c) / (2 * lam)
    assert relative_error(result.images[0], expected) < 1e-4, result.note


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_gaussian_prior_prototype_is_mu_plus_sigma_w(framework):
    model = linear_classifier(framework, seed=2)
    rng = np.random.default_rng(3)
    size = int(np.prod(SHAPE))
    mean = rng.normal(size=SHAPE)
    factor = rng.normal(size=(size, size)) / np.sqrt(size)
    cov = factor @ factor.T + 0.5 * np.eye(size)
    c = 1
    result = explain.maximize(
        model,
        c,
        zeros(framework),
        regularizers=[regularizers.GaussianPrior(mean, cov)],
        method="lbfgs",
        progress=False,
    )
    # Regularisers see images channels first, so mu and Sigma are in that order.
    w = to_channels_first(class_weights(model, framework, c), framework).ravel()
    expected = mean + (cov @ w).reshape(SHAPE)
    got = to_channels_first(result.images[0], framework)
    assert relative_error(got, expected) < 1e-4, result.note


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_code_space_prototype_through_a_linear_generator(framework):
    model = linear_classifier(framework, seed=4)
    generator = linear_generator(framework, seed=5)
    lam, c = 0.05, 3
    result = explain.maximize(
        model,
        c,
        np.zeros((1, CODE), np.float32),
        generator=generator,
        regularizers=[regularizers.L2(lam)],
        method="lbfgs",
        progress=False,
    )
    layer = generator[0] if framework == "torch" else generator.layers[0]
    a, offset = dense_weights(layer, framework)  # (D, d) and (D,), D in the model's vec order
    w = class_weights(model, framework, c).ravel()
    code = a.T @ w / (2 * lam)
    assert relative_error(result.codes[0], code) < 1e-4, result.note
    image = (a @ code + offset).reshape(result.images.shape[1:])
    assert relative_error(result.images[0], image) < 1e-4


def fashion(framework: str):
    return untrained_fashion_cnn(framework, seed=1)


def batch(framework: str, count: int = 1, seed: int = 0) -> np.ndarray:
    images = np.random.default_rng(seed).uniform(0, 1, (count, 28, 28)).astype(np.float32)
    return images[:, None] if framework == "torch" else images[..., None]


def torch_gradient(model: nn.Module, images: np.ndarray, unit) -> np.ndarray:
    """The gradient of a unit of ``model`` by autograd and a forward hook."""
    layer, channel, position = unit
    kept = []
    handle = model.get_submodule(layer).register_forward_hook(lambda m, i, o: kept.append(o))
    x = torch.from_numpy(images).requires_grad_(True)
    model(x)
    handle.remove()
    maps = kept[0][:, channel]
    value = maps[:, position[0], position[1]].sum() if position else maps.mean((1, 2)).sum()
    return torch.autograd.grad(value, x)[0].numpy()


def keras_gradient(model: keras.Model, images: np.ndarray, unit) -> np.ndarray:
    """The gradient of a unit of ``model`` by a sub-model and a GradientTape."""
    layer, channel, position = unit
    sub = keras.Model(model.inputs[0], model.get_layer(layer).output)
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        maps = sub(x)[..., channel]
        value = tf.reduce_sum(
            maps[:, position[0], position[1]] if position else tf.reduce_mean(maps, (1, 2))
        )
    return tape.gradient(value, x).numpy()


GRADIENTS = {"torch": torch_gradient, "keras": keras_gradient}


@pytest.mark.parametrize("framework", ["torch", "keras"])
@pytest.mark.parametrize(
    "unit", [("conv2", 3, None), ("conv3_relu", 5, (4, 9)), ("pool2", 7, (0, 6))]
)
def test_a_plain_step_is_the_frameworks_own_gradient(framework, unit):
    model, images = fashion(framework), batch(framework, 2)
    step = 0.5
    result = explain.maximize(
        model, unit[:2] if unit[2] is None else unit, images, steps=1, step_size=step,
        normalize=False, progress=False,
    )  # fmt: skip
    expected = images + step * GRADIENTS[framework](model, images, unit)
    np.testing.assert_allclose(result.images, expected, atol=1e-6)


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_a_normalised_step_moves_pixels_by_the_step_size_on_average(framework):
    model, images = fashion(framework), batch(framework, 3, seed=1)
    gradient = GRADIENTS[framework](model, images, ("conv4", 2, None))
    result = explain.maximize(model, ("conv4", 2), images, steps=1, step_size=0.01, progress=False)
    change = (result.images - images).astype(np.float64).reshape(3, -1)
    np.testing.assert_allclose(np.sqrt((change**2).mean(axis=1)), 0.01, rtol=1e-4)
    cosine = (change * gradient.reshape(3, -1)).sum(1) / (
        np.linalg.norm(change, axis=1) * np.linalg.norm(gradient.reshape(3, -1), axis=1)
    )
    np.testing.assert_allclose(cosine, 1.0, rtol=1e-5)


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_the_trace_is_the_units_activation(framework):
    model, images = fashion(framework), batch(framework, 2, seed=2)
    result = explain.maximize(model, ("conv3", 4), images, steps=5, step_size=0.02, progress=False)
    maps = [explain.feature_maps(model, x, "conv3")[:, 4] for x in (images, result.images)]
    np.testing.assert_allclose(result.trace[0], maps[0].mean(axis=(1, 2)), rtol=1e-5)
    np.testing.assert_allclose(result.trace[-1], maps[1].mean(axis=(1, 2)), rtol=1e-5)
    assert result.trace.shape == (6, 2) and np.all(result.trace[-1] > result.trace[0])
    assert np.array_equal(result.penalty, np.zeros((6, 2)))


@pytest.mark.parametrize("framework", ["torch", "keras"])
@pytest.mark.parametrize(
    ("layer", "channel", "position"),
    [("conv1", 1, (0, 27)), ("conv3", 1, (5, 8)), ("conv4_relu", 6, (13, 0))],
)
def test_a_neuron_from_a_constant_start_changes_only_its_receptive_field(
    framework, layer, channel, position
):
    model = fashion(framework)
    start = np.full_like(batch(framework), 0.5)
    result = explain.maximize(
        model, (layer, channel, position), start, steps=20, step_size=0.05,
        bounds=(0.0, 1.0), progress=False,
    )  # fmt: skip
    changed = np.abs(result.images - start)[0]
    changed = changed[0] if framework == "torch" else changed[..., 0]
    field = explain.receptive_field(model, layer, input_size=(28, 28))
    (top, bottom), (left, right) = (field.span(axis)[position[axis]] for axis in (0, 1))
    inside = np.zeros((28, 28), bool)
    inside[max(top, 0) : bottom + 1, max(left, 0) : right + 1] = True
    assert changed[~inside].max() == 0.0
    assert changed[inside].max() > 0.0, "the neuron moved nothing"
    crop = explain.crop_to_receptive_field(result.images - start, model, layer, position)
    assert np.abs(crop).sum() == pytest.approx(np.abs(result.images - start).sum())


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_a_first_layer_neuron_grows_its_filter(framework):
    model = fashion(framework)
    start = np.full_like(batch(framework), 0.5)
    channel, steps, step = 6, 4, 0.01
    result = explain.maximize(
        model, ("conv1", channel, (10, 10)), start, steps=steps, step_size=step,
        normalize=False, progress=False,
    )  # fmt: skip
    crop = explain.crop_to_receptive_field(result.images - start, model, "conv1", (10, 10))
    if framework == "torch":
        weight = model.conv1.weight.detach().numpy()[channel, 0]
        crop = crop[0, 0]
    else:
        weight = model.get_layer("conv1").kernel.numpy()[:, :, 0, channel]
        crop = crop[0, ..., 0]
    np.testing.assert_allclose(crop, steps * step * weight, atol=1e-6)


def test_a_step_through_a_generator_is_the_chain_rule_by_autograd():
    model = fashion("torch")
    decoder = untrained_autoencoder("torch", seed=2).decoder
    codes = np.array([[0.7, -1.2], [2.0, 0.5]], np.float32)
    step = 0.3
    result = explain.maximize(
        model, [3, 8], codes, generator=decoder, steps=1, step_size=step, normalize=False,
        progress=False,
    )  # fmt: skip
    z = torch.from_numpy(codes).requires_grad_(True)
    logits = model(decoder(z))
    (gradient,) = torch.autograd.grad(logits[0, 3] + logits[1, 8], z)
    np.testing.assert_allclose(result.codes, codes + step * gradient.numpy(), rtol=1e-5)
    with torch.no_grad():
        images = decoder(torch.from_numpy(result.codes)).numpy()
    np.testing.assert_allclose(result.images, images, atol=1e-6)


def test_jitter_takes_the_gradient_at_the_shifted_image_and_shifts_it_back():
    model = fashion("torch")
    images = batch("torch", 1, seed=5)
    jitter = regularizers.Jitter(3)
    result = explain.maximize(
        model, ("conv2", 4), images, steps=1, step_size=1.0, normalize=False,
        regularizers=[jitter], seed=11, progress=False,
    )  # fmt: skip
    shift = jitter.sample(np.random.default_rng(11))
    shifted = np.roll(images, shift, axis=(-2, -1))
    gradient = np.roll(
        torch_gradient(model, shifted, ("conv2", 4, None)), np.negative(shift), (-2, -1)
    )
    np.testing.assert_allclose(result.images, images + gradient, atol=1e-6)


def test_a_model_ending_in_a_softmax_is_maximised_through_its_logits():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Conv2D(3, 3, name="conv"),
            keras.layers.Flatten(),
            keras.layers.Dense(5, activation="softmax", name="scores"),
        ]
    )
    images = np.random.default_rng(0).normal(size=(1, 6, 6, 1)).astype(np.float32)
    result = explain.maximize(model, 2, images, steps=3, progress=False)
    logits = keras.Model(model.inputs[0], model.get_layer("scores").output)
    kernel, bias = model.get_layer("scores").get_weights()
    features = keras.Model(model.inputs[0], model.layers[1].output)(result.images).numpy()
    assert result.trace[-1, 0] == pytest.approx((features @ kernel + bias)[0, 2], rel=1e-5)
    assert "softmax" in result.note and logits is not None


def test_a_dead_unit_is_reported_in_the_note():
    model = fashion("keras")
    start = np.full((1, 28, 28, 1), 0.5, np.float32)
    maps = explain.feature_maps(model, start, "conv4_relu")[0, :, 5, 5]
    dead = int(np.flatnonzero(maps == 0)[0])
    result = explain.maximize(model, ("conv4_relu", dead, (5, 5)), start, steps=3, progress=False)
    assert "gradient was zero at the start for image(s) [0]" in result.note
    assert np.array_equal(result.images, start)


@pytest.mark.slow
def test_pytorch_and_keras_agree_on_efficientnet():
    from mnn.models import efficientnet_lite0

    torch_model, keras_model = efficientnet_lite0("torch"), efficientnet_lite0("keras")
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, (1, 64, 64, 3)).astype(np.float32)
    options = {"steps": 3, "step_size": 0.01, "bounds": (-1.0, 1.0), "progress": False}
    for unit in (281, ("blocks.4", 7)):
        nhwc = explain.maximize(keras_model, unit, noise, **options)
        nchw = explain.maximize(torch_model, unit, noise.transpose(0, 3, 1, 2).copy(), **options)
        np.testing.assert_allclose(nchw.trace, nhwc.trace, rtol=1e-4)
        np.testing.assert_allclose(nchw.images.transpose(0, 2, 3, 1), nhwc.images, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_chapter_4s_class_visualisation_on_efficientnet_reaches_its_class(framework):
    """The chapter's regularised class visualisation (224 x 224, 200 steps): it runs in both
    frameworks, raises the flamingo's logit and makes it the top class, within the pixel range."""
    from mnn.models import efficientnet_lite0, imagenet

    model = efficientnet_lite0(framework)
    flamingo, bounds = 130, (-127 / 128, 1.0)
    result = explain.maximize(
        model,
        flamingo,
        regularizers=[
            regularizers.L2(1e-4),
            regularizers.TotalVariation(5e-3),
            regularizers.Jitter(8),
            regularizers.Blur(0.5, every=4),
        ],
        steps=200,
        step_size=0.02,
        bounds=bounds,
        input_size=(224, 224),
        progress=False,
    )
    assert result.trace.shape == (201, 1) and result.trace[-1, 0] > result.trace[0, 0] + 10
    assert imagenet.logits(model, result.images)[0].argmax() == flamingo
    assert bounds[0] <= result.images.min() and result.images.max() <= bounds[1]


UNIT_ERRORS = [
    (("conv9", 1), "no layer 'conv9'. Did you mean 'conv4', 'conv3', 'conv2'?"),
    (("conv2", 16), "channel 16 is out of range: layer 'conv2' has 16 channels, numbered 0 to 15"),
    (("conv2", -1), "channel -1 is out of range"),
    (("conv2", 1, (28, 3)), r"position \(28, 3\) is outside the 28x28 map of layer 'conv2'"),
    (("conv2", 1, 3), r"position must be a \(row, column\) pair"),
    (("flatten", 1), "not a batch of feature maps"),
    (10, "unit 10 is out of range: the model has 10 classes"),
    ([1, ("conv2", 1)], "mixed with layer units"),
    ([("conv1", 1), ("conv2", 1)], "all be in one layer"),
    ("dog", "unit must be a class index"),
    ([], "got an empty list"),
]


@pytest.mark.parametrize(("unit", "message"), UNIT_ERRORS)
def test_bad_units_are_refused_with_what_to_do(unit, message):
    with pytest.raises((ValueError, TypeError), match=message):
        explain.maximize(fashion("torch"), unit, batch("torch"), steps=1, progress=False)


def test_bad_starts_are_refused_with_what_to_do():
    model, kw = fashion("torch"), {"steps": 1, "progress": False}
    with pytest.raises(ValueError, match="looks NHWC; convert it"):
        explain.maximize(model, 1, batch("keras"), **kw)
    with pytest.raises(ValueError, match="must have 4 dimensions"):
        explain.maximize(model, 1, batch("torch")[0, 0], **kw)
    with pytest.raises(TypeError, match=r"pass images\.astype"):
        explain.maximize(model, 1, batch("torch").astype(np.float64), **kw)
    with pytest.raises(ValueError, match=r"pass input_size=\(H, W\)"):
        explain.maximize(model, 1, **kw)
    with pytest.raises(ValueError, match="start must be one of 'grey', 'noise'"):
        explain.maximize(model, 1, "white", input_size=(28, 28), **kw)
    with pytest.raises(ValueError, match="got 3 units for a start of 2 images"):
        explain.maximize(model, [1, 2, 3], batch("torch", 2), **kw)


def test_bad_generators_are_refused_with_what_to_do():
    kw = {"steps": 1, "progress": False}
    torch_ae, keras_ae = untrained_autoencoder("torch"), untrained_autoencoder("keras")
    code = np.zeros((1, 2), np.float32)
    with pytest.raises(ValueError, match="of one framework"):
        explain.maximize(fashion("keras"), 1, code, generator=torch_ae.decoder, **kw)
    for model, encoder in (
        (fashion("torch"), torch_ae.encoder),
        (fashion("keras"), keras_ae.get_layer("encoder")),
    ):
        with pytest.raises(ValueError, match=r"the generator cannot take codes of shape \(2,\)"):
            explain.maximize(model, 1, code, generator=encoder, **kw)
    misfit = nn.Sequential(nn.Linear(2, 32 * 32), nn.Unflatten(1, (1, 32, 32)))
    with pytest.raises(ValueError, match=r"the generator makes outputs of shape \(1, 32, 32\)"):
        explain.maximize(fashion("torch"), 1, code, generator=misfit, **kw)
    with pytest.raises(ValueError, match="start is a batch of codes"):
        explain.maximize(fashion("torch"), 1, generator=torch_ae.decoder, **kw)
    with pytest.raises(ValueError, match="in the generator's dtype float32"):
        explain.maximize(
            fashion("torch"), 1, code.astype(np.float64), generator=torch_ae.decoder, **kw
        )
    with pytest.raises(ValueError, match="leave bounds out"):
        explain.maximize(
            fashion("torch"), 1, code, generator=torch_ae.decoder, bounds=(0.0, 1.0), **kw
        )
    with pytest.raises(ValueError, match="regularise the code with L2 or GaussianPrior"):
        explain.maximize(
            fashion("torch"), 1, code, generator=torch_ae.decoder,
            regularizers=[regularizers.Jitter(2)], **kw,
        )  # fmt: skip


def test_bad_options_are_refused_with_what_to_do():
    model, images, kw = fashion("keras"), batch("keras"), {"steps": 1, "progress": False}
    with pytest.raises(ValueError, match="needs a smooth objective, but Jitter"):
        explain.maximize(
            model, 1, images, regularizers=[regularizers.Jitter(2)], method="lbfgs", **kw
        )
    with pytest.raises(ValueError, match="needs a smooth objective, but TotalVariation"):
        explain.maximize(
            model,
            1,
            images,
            regularizers=[regularizers.TotalVariation(1.0, beta=1.0)],
            method="lbfgs",
            **kw,
        )
    with pytest.raises(ValueError, match="cannot keep the pixels within bounds"):
        explain.maximize(model, 1, images, bounds=(0.0, 1.0), method="lbfgs", **kw)
    with pytest.raises(TypeError, match="regularizers must be a list"):
        explain.maximize(model, 1, images, regularizers=regularizers.L2(1.0), **kw)
    with pytest.raises(TypeError, match="every regularizer must be"):
        explain.maximize(model, 1, images, regularizers=[0.1], **kw)
    with pytest.raises(ValueError, match="low < high"):
        explain.maximize(model, 1, images, bounds=(1.0, 0.0), **kw)
    with pytest.raises(ValueError, match="method must be one of 'ascent', 'lbfgs'"):
        explain.maximize(model, 1, images, method="adam", **kw)
    with pytest.raises(ValueError, match="steps must be at least 1"):
        explain.maximize(model, 1, images, steps=0, progress=False)
    with pytest.raises(ValueError, match="step_size must be finite and greater than 0"):
        explain.maximize(model, 1, images, step_size=-0.1, **kw)


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_crop_to_receptive_field_cuts_the_field_out_of_the_image(framework):
    model = fashion(framework)
    images = batch(framework, 2)
    field = explain.receptive_field(model, "conv4", input_size=(28, 28))
    assert field.size == (14, 14)
    crop = explain.crop_to_receptive_field(images, model, "conv4", (5, 0))
    rows, cols = field.span(0)[5], field.span(1)[0]
    assert cols[0] < 0  # the field reaches into the padding: the crop is narrower
    expected = (
        images[..., rows[0] : rows[1] + 1, 0 : cols[1] + 1]
        if framework == "torch"
        else images[:, rows[0] : rows[1] + 1, 0 : cols[1] + 1]
    )
    assert np.array_equal(crop, expected)
    one = explain.crop_to_receptive_field(images[0], model, "conv4", (5, 0))
    assert np.array_equal(one, expected[0])
    with pytest.raises(ValueError, match=r"position \(14, 0\) is outside the 14x14 map"):
        explain.crop_to_receptive_field(images, model, "conv4", (14, 0))


def test_flags_that_are_not_bools_are_refused():
    """Issue #16: normalize="no" and progress=0 were read as truth values without a word."""
    model, images = fashion("torch"), batch("torch")
    with pytest.raises(TypeError, match=r"normalize must be True or False, got str 'no'"):
        explain.maximize(model, 1, images, steps=1, normalize="no", progress=False)
    with pytest.raises(TypeError, match=r"progress must be True or False, got int 0"):
        explain.maximize(model, 1, images, steps=1, progress=0)
