r"""Chapter 4's answer checkers: reading a hidden layer, and gradient ascent on the input.

Both exercises are written with the framework itself, as the course writes them: a sub-model
``keras.Model(model.inputs, layer.output)`` and a ``tf.GradientTape`` in Keras, a forward hook
and ``torch.autograd`` in PyTorch. The checkers run the student's function on the chapter's
small Fashion-MNIST CNN (untrained, seeded, so that nothing needs to be trained or downloaded)
and compare with :func:`mnn.explain.feature_maps` and :func:`mnn.explain.maximize`.

The ascent is the course's: maximise the mean :math:`f(x)` of one feature map with steps
:math:`x \leftarrow x + \eta\, g / \operatorname{rms}(g)`, :math:`g = \nabla_x f(x)` and
:math:`\operatorname{rms}(g) = \sqrt{\operatorname{mean}(g^2)}` over the image's pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from .. import explain, models
from .._frameworks import FRAMEWORKS
from .._validation import check_choice
from ..explain.backends.base import channels_last
from .checking import Case, CheckReport, Mistake, check_arguments, compare_arrays, run_checks

LAYER_OUTPUT = "layer_output(model, images, layer_name) -> outputs"
GRADIENT_ASCENT = "gradient_ascent(model, layer_name, channel, image, steps, step_size) -> image"
#: Outputs agree to this fraction of their largest value (the frameworks compute in float32).
TOLERANCE = 1e-4
_LAYOUT = {"torch": "NCHW", "keras": "NHWC"}


def _inputs(framework: str, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
    return models.fashion_inputs(pixels, framework)


def _outputs(model: Any, images: np.ndarray, layer_name: str, framework: str) -> np.ndarray:
    """The layer's output in the model's own layout."""
    return channels_last(explain.feature_maps(model, images, layer_name), _LAYOUT[framework])


#: The layer that follows each layer of the cases in the CNN (its activation, or the next).
_FOLLOWING = {"conv1": "conv1_relu", "conv1_relu": "conv2", "pool1": "conv3", "conv4": "conv4_relu"}


def check_layer_output(
    function: Callable[..., np.ndarray], framework: str = "keras"
) -> CheckReport:
    """Check reading a hidden layer: ``outputs = layer_output(model, images, layer_name)``.

    Parameters
    ----------
    function
        ``function(model, images, layer_name)`` with a model of ``framework``, a batch
        ``images`` in its layout ((N, 28, 28, 1) for Keras, (N, 1, 28, 28) for PyTorch) and the
        name of one of its layers; returns that layer's output for the batch as a NumPy array,
        in the model's layout ((N, h, w, C) for Keras, (N, C, h, w) for PyTorch).
    framework
        ``"keras"`` (a sub-model, as the course does) or ``"torch"`` (a forward hook).

    Returns
    -------
    CheckReport
    """
    check_arguments(function, "function", LAYER_OUTPUT, 3)
    check_choice(framework, "framework", FRAMEWORKS)
    model = models.untrained_fashion_cnn(framework, seed=4)
    configurations = [
        ("the first convolution, one image", "conv1", 1),
        ("the first convolution's ReLU, three images", "conv1_relu", 3),
        ("the first max pooling", "pool1", 2),
        ("the last convolution, before its ReLU", "conv4", 2),
    ]
    cases = []
    for k, (description, layer_name, count) in enumerate(configurations):
        images = _inputs(framework, count, seed=40 + k)
        expected = _outputs(model, images, layer_name, framework)
        cases.append(
            Case(
                description,
                {"model": model, "images": images, "layer_name": layer_name},
                {"outputs": expected},
            )
        )
    other = "channels first (N, C, h, w)" if framework == "keras" else "channels last"
    mistakes = [
        Mistake(
            "the layer after the one asked for is read (its activation, or the next layer)",
            lambda model, images, layer_name: _outputs(
                model, images, _FOLLOWING[layer_name], framework
            ),
        ),
        Mistake(
            f"the outputs are transposed to {other}",
            lambda model, images, layer_name: np.moveaxis(
                _outputs(model, images, layer_name, framework),
                -1 if framework == "keras" else 1,
                1 if framework == "keras" else -1,
            ),
        ),
    ]
    return run_checks(
        "layer_output",
        LAYER_OUTPUT,
        function,
        cases,
        mistakes=mistakes,
        compare=partial(compare_arrays, rtol=TOLERANCE),
    )


def _ascent(
    model: Any, layer_name: str, channel: int, image: np.ndarray, steps: int, step_size: float
) -> np.ndarray:
    result = explain.maximize(
        model, (layer_name, channel), image, steps=steps, step_size=step_size, progress=False
    )
    return result.images


def _unnormalised(model, layer_name, channel, image, steps, step_size) -> np.ndarray:
    unit = (layer_name, channel)
    options = {"steps": steps, "step_size": step_size, "normalize": False, "progress": False}
    return explain.maximize(model, unit, image, **options).images


def _gradient(model: Any, layer_name: str, channel: int, image: np.ndarray) -> np.ndarray:
    """The gradient of the map's mean, from one plain step of size 1."""
    return _unnormalised(model, layer_name, channel, image, 1, 1.0).astype(np.float64) - image


def _rms(gradient: np.ndarray) -> float:
    """The root mean square of a gradient (the smallest float for a zero gradient)."""
    return max(float(np.sqrt(np.mean(gradient**2))), np.finfo(float).tiny)


def _descent(model, layer_name, channel, image, steps, step_size) -> np.ndarray:
    """Steps against the gradient: the ascent of the negated map, step by step."""
    x = image.astype(np.float64)
    for _ in range(steps):
        gradient = _gradient(model, layer_name, channel, x.astype(image.dtype))
        x = x - step_size * gradient / _rms(gradient)
    return x.astype(image.dtype)


def _euclidean(model, layer_name, channel, image, steps, step_size) -> np.ndarray:
    """The Keras example's step: the gradient divided by its Euclidean norm."""
    x = image.astype(np.float64)
    for _ in range(steps):
        gradient = _gradient(model, layer_name, channel, x.astype(image.dtype))
        x = x + step_size * gradient / max(np.linalg.norm(gradient), np.finfo(float).tiny)
    return x.astype(image.dtype)


def _frozen_gradient(model, layer_name, channel, image, steps, step_size) -> np.ndarray:
    gradient = _gradient(model, layer_name, channel, image)
    step = gradient / _rms(gradient)
    return (image + steps * step_size * step).astype(image.dtype)


def check_gradient_ascent(
    function: Callable[..., np.ndarray], framework: str = "keras"
) -> CheckReport:
    """Check gradient ascent on the input:
    ``image = gradient_ascent(model, layer_name, channel, image, steps, step_size)``.

    Parameters
    ----------
    function
        ``function(model, layer_name, channel, image, steps, step_size)`` with a model of
        ``framework``, a layer's name, a channel of that layer, a start ``image`` as a batch of
        one in the model's layout ((1, 28, 28, 1) for Keras, (1, 1, 28, 28) for PyTorch),
        the number of steps and the step size :math:`\\eta`; returns the image after
        ``steps`` steps :math:`x \\leftarrow x + \\eta\\, g / \\operatorname{rms}(g)` that
        climb the mean of the channel's feature map, with the gradient :math:`g` taken anew at
        every step, in the start's shape.
    framework
        ``"keras"`` (``tf.GradientTape``) or ``"torch"`` (autograd).

    Returns
    -------
    CheckReport
    """
    check_arguments(function, "function", GRADIENT_ASCENT, 6)
    check_choice(framework, "framework", FRAMEWORKS)
    model = models.untrained_fashion_cnn(framework, seed=4)
    configurations = [
        ("one step on the first convolution (a linear map)", "conv1", 3, 1, 0.05),
        ("three steps on the second convolution", "conv2", 5, 3, 0.02),
        ("four steps on the third convolution's ReLU", "conv3_relu", 3, 4, 0.02),
        ("three steps on the last convolution, a large step", "conv4", 0, 3, 0.1),
    ]
    cases = []
    for k, (description, layer_name, channel, steps, step_size) in enumerate(configurations):
        image = _inputs(framework, 1, seed=50 + k)
        arguments = {
            "model": model,
            "layer_name": layer_name,
            "channel": channel,
            "image": image,
            "steps": steps,
            "step_size": step_size,
        }
        expected = _ascent(model, layer_name, channel, image, steps, step_size)
        cases.append(Case(description, arguments, {"image": expected}))
    mistakes = [
        Mistake("the step is not normalised (x + step_size * g)", _unnormalised),
        Mistake("the image goes down the gradient instead of up", _descent),
        Mistake(
            "the gradient is divided by its Euclidean norm instead of its root mean square, "
            "so that each step is sqrt(number of pixels) times too short",
            _euclidean,
        ),
        Mistake(
            "the gradient is computed once, at the start, and not again at every step",
            _frozen_gradient,
        ),
    ]
    return run_checks(
        "gradient_ascent",
        GRADIENT_ASCENT,
        function,
        cases,
        mistakes=mistakes,
        compare=partial(compare_arrays, rtol=TOLERANCE),
    )
