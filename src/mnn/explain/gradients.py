r"""Attributions from input gradients: the gradient, Gradient x Input, Integrated Gradients and
SmoothGrad, for PyTorch and Keras models alike.

For the score :math:`f_c(x)` of class :math:`c` *before* any softmax (a model ending in a softmax
is differentiated through its logits) and an input :math:`x`:

- the gradient :math:`\partial f_c / \partial x` (sensitivity: how the score changes when an
  input changes);
- Gradient x Input, :math:`R_i = x_i\,\partial f_c / \partial x_i`. For a network of ReLU
  (piecewise-linear, positively homogeneous) layers without biases,
  :math:`f_c(x) = \sum_i R_i`: it is the first-order Taylor expansion at the root
  :math:`\tilde x = \varepsilon x`, :math:`\varepsilon \to 0`;
- Integrated Gradients (Sundararajan et al. 2017), the gradient averaged along the straight path
  from a baseline :math:`\bar x` to :math:`x`,
  :math:`R_i = (x_i - \bar x_i) \int_0^1 \partial f_c / \partial x_i(\bar x + \alpha (x - \bar
  x))\, d\alpha`, with the midpoint rule over ``steps`` points. It is *complete*:
  :math:`\sum_i R_i = f_c(x) - f_c(\bar x)` up to the quadrature error;
- SmoothGrad (Smilkov et al. 2017), the gradient averaged over noisy copies
  :math:`x + \mathcal N(0, \sigma^2)`, :math:`\sigma` = ``noise`` times the image's range.

Every function returns an array of the input's shape, (N, ...) for one class per image and
(N, k, ...) for ``target=("top", k)``; :func:`heatmaps` sums an image attribution over its
channels.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import (
    check_array,
    check_positive_int,
    check_positive_real,
    check_scalar,
    check_seed,
    describe,
)
from . import _layers
from ._inputs import channel_axis, check_batch
from ._targets import Targets, parse_target
from .backends import backend_of
from .backends.base import Graph, Objective


@dataclass(frozen=True)
class _Scores:
    """What every gradient method needs: the backend, the graph, and where the logits are."""

    model: Any
    backend: Any
    graph: Graph
    score: int
    replace: dict
    targets: Targets

    def run(self, inputs: np.ndarray, classes: np.ndarray | None, *, wrt: bool = True) -> Any:
        """A run of the model on ``inputs`` with the logits of ``classes`` (N, k) (``None``: the
        targets) as objectives."""
        objective = (
            Objective(self.score, classes=classes)
            if classes is not None
            else Objective(self.score, classes=self.targets.classes, top=self.targets.top)
        )
        return self.backend.run(
            self.model,
            self.graph,
            inputs,
            objective=objective,
            wrt=(0,) if wrt else (),
            replace=self.replace,
        )

    def shaped(self, attribution: np.ndarray) -> np.ndarray:
        """(N, k, ...) as the caller's target asks: (N, ...) unless it was ``("top", k)``."""
        return attribution if self.targets.ranked else attribution[:, 0]


def _scores(model: Any, images: Any, target: Any) -> tuple[_Scores, np.ndarray]:
    backend = backend_of(model)
    images = check_batch(images, backend.layout, backend.dtype(model))
    targets = parse_target(target, len(images))
    graph = backend.graph(model, images.shape[1:])
    score, _note, replace = _layers.logits(graph)
    targets.check(graph.nodes[score].shape[-1])
    return _Scores(model, backend, graph, score, replace, targets), images


def _per_image_gradients(scores: _Scores, images: np.ndarray) -> np.ndarray:
    """(N, k, ...) gradients of the targets' logits."""
    run = scores.run(images, None)
    return np.moveaxis(run.gradients[0], 0, 1).astype(np.float64)


def gradient(model: Any, images: Any, target: Any = "top") -> np.ndarray:
    """The gradient of the class score (the logit) with respect to the input.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` or a ``keras.Model`` classifier, run in inference mode.
    images
        (N, C, H, W) for PyTorch or (N, H, W, C) for Keras (or any (N, ...) batch the model
        takes), in the model's dtype.
    target
        A class index, a list of one class per image, ``"top"`` (each image's highest score) or
        ``("top", k)``.

    Returns
    -------
    numpy.ndarray
        float64, the input's shape (N, ...), or (N, k, ...) for ``("top", k)``.
    """
    scores, images = _scores(model, images, target)
    return scores.shaped(_per_image_gradients(scores, images))


def gradient_x_input(model: Any, images: Any, target: Any = "top") -> np.ndarray:
    r"""Gradient x Input: :math:`R_i = x_i\, \partial f_c / \partial x_i`.

    Parameters and result as :func:`gradient`.
    """
    scores, images = _scores(model, images, target)
    gradients = _per_image_gradients(scores, images)
    return scores.shaped(images[:, None].astype(np.float64) * gradients)


def _classes(scores: _Scores, images: np.ndarray) -> np.ndarray:
    """(N, k) the classes the targets name, the top ones read at ``images``."""
    if scores.targets.classes is not None:
        return scores.targets.classes
    return scores.run(images, None, wrt=False).classes


def _averaged_gradients(
    scores: _Scores,
    images: np.ndarray,
    classes: np.ndarray,
    count: int,
    points: Any,
    batch_size: int,
) -> np.ndarray:
    """(N, k, ...) the mean over j < ``count`` of the gradients at ``points(j, n)``, image n's
    j-th point; the N * count points are run ``batch_size`` at a time."""
    total = np.zeros((len(images), classes.shape[1], *images.shape[1:]))
    indices = np.arange(count * len(images))
    for start in range(0, len(indices), batch_size):
        chunk = indices[start : start + batch_size]
        which, image = np.divmod(chunk, len(images))
        batch = points(which, image).astype(images.dtype, copy=False)
        run = scores.run(batch, classes[image])
        np.add.at(total, image, np.moveaxis(run.gradients[0], 0, 1))
    return total / count


def _baseline(baseline: Any, images: np.ndarray) -> np.ndarray:
    if baseline is None:
        return np.zeros_like(images)
    if isinstance(baseline, numbers.Real) and not isinstance(baseline, (bool, np.bool_)):
        return np.full_like(images, check_scalar(baseline, "baseline"))
    if not isinstance(baseline, np.ndarray):
        raise TypeError(
            f"baseline must be None (zeros), a number or a NumPy array, got {describe(baseline)}."
        )
    check_array(baseline, "baseline", dtype_kind="f", finite=True)
    try:
        values = np.broadcast_to(baseline, images.shape)
    except ValueError:
        raise ValueError(
            f"baseline has shape {baseline.shape}, which does not broadcast to the images' "
            f"shape {images.shape}: pass one input of shape {images.shape[1:]} or one per image."
        ) from None
    return np.asarray(values, dtype=images.dtype)


def integrated_gradients(
    model: Any,
    images: Any,
    target: Any = "top",
    baseline: Any = None,
    steps: int = 64,
    batch_size: int = 32,
) -> np.ndarray:
    r"""Integrated Gradients: :math:`(x - \bar x)` times the gradient averaged on the way from
    the baseline :math:`\bar x` to :math:`x`.

    The integral is the midpoint rule, :math:`\alpha_j = (j + \tfrac12) / m`, ``m = steps``; the
    classes of ``target="top"`` are those of the images themselves, explained at every point of
    the path. Completeness, :math:`\sum_i R_i = f_c(x) - f_c(\bar x)`, holds up to the
    quadrature error, which falls as the steps grow.

    Parameters
    ----------
    model, images, target
        As :func:`gradient`.
    baseline
        ``None`` (zeros: for the ImageNet models, a grey image), a number, or an array of one
        input's shape or of the batch's.
    steps
        Number of points on the path.
    batch_size
        How many points are run at once (memory grows with it).

    Returns
    -------
    numpy.ndarray
        float64, (N, ...) or (N, k, ...) for ``("top", k)``.
    """
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    scores, images = _scores(model, images, target)
    start = _baseline(baseline, images)
    check_batch(start, scores.backend.layout, images.dtype)
    difference = images - start
    alphas = ((np.arange(steps) + 0.5) / steps).astype(images.dtype)
    shape = (-1,) + (1,) * (images.ndim - 1)

    def points(which: np.ndarray, image: np.ndarray) -> np.ndarray:
        return start[image] + alphas[which].reshape(shape) * difference[image]

    classes = _classes(scores, images)
    mean = _averaged_gradients(scores, images, classes, steps, points, batch_size)
    return scores.shaped(difference[:, None].astype(np.float64) * mean)


def smoothgrad(
    model: Any,
    images: Any,
    target: Any = "top",
    samples: int = 50,
    noise: float = 0.15,
    seed: int = 0,
    batch_size: int = 32,
) -> np.ndarray:
    r"""SmoothGrad: the gradient averaged over ``samples`` noisy copies of each input.

    Copy :math:`j` of image :math:`n` is :math:`x_n + \sigma_n \epsilon_{jn}` with
    :math:`\epsilon_{jn} \sim \mathcal N(0, I)` drawn from ``numpy.random.default_rng(seed)``
    and :math:`\sigma_n` = ``noise`` times :math:`\max x_n - \min x_n` (Smilkov et al. found 10 to
    20% best). The classes of ``target="top"`` are those of the noiseless images.

    Parameters
    ----------
    model, images, target
        As :func:`gradient`.
    samples
        Noisy copies per image.
    noise
        The noise's standard deviation as a fraction of each image's range of values.
    seed
        Seed of the noise, for reproducible maps.
    batch_size
        How many noisy copies are run at once.

    Returns
    -------
    numpy.ndarray
        float64, (N, ...) or (N, k, ...) for ``("top", k)``: averaged gradients (multiply by the
        input for a SmoothGrad version of Gradient x Input).
    """
    samples = check_positive_int(samples, "samples")
    batch_size = check_positive_int(batch_size, "batch_size")
    noise = check_positive_real(noise, "noise", allow_zero=True)
    seed = check_seed(seed)
    scores, images = _scores(model, images, target)
    # Each image's range, reduced over its own axes (an empty batch has no entries to flatten).
    sigma = noise * np.ptp(images, axis=tuple(range(1, images.ndim)))
    shape = (-1,) + (1,) * (images.ndim - 1)
    rng = np.random.default_rng(seed)

    def points(which: np.ndarray, image: np.ndarray) -> np.ndarray:
        # Drawn in the order of the points, so the noise does not depend on batch_size.
        epsilon = rng.standard_normal((len(image), *images.shape[1:]))
        return images[image] + sigma[image].reshape(shape) * epsilon

    classes = _classes(scores, images)
    return scores.shaped(_averaged_gradients(scores, images, classes, samples, points, batch_size))


def heatmaps(attribution: np.ndarray, model: Any) -> np.ndarray:
    """An attribution of image batches summed over its channels: one map per image.

    Parameters
    ----------
    attribution
        (N, C, H, W) for a PyTorch model or (N, H, W, C) for a Keras model, or with a k axis
        after N (``target=("top", k)``).
    model
        The model it explains (for its layout).

    Returns
    -------
    numpy.ndarray
        (N, H, W) or (N, k, H, W).
    """
    layout = backend_of(model).layout
    if not isinstance(attribution, np.ndarray) or attribution.ndim not in (4, 5):
        raise ValueError(
            f"attribution must be an (N, ...) batch of images in the model's layout ({layout}), "
            f"possibly with a k axis, got {describe(attribution)}."
        )
    check_array(attribution, "attribution", dtype_kind="f", finite=True)
    return attribution.sum(axis=channel_axis(layout))
