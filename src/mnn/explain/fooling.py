r"""Fooling a classifier: a small change of an image that makes the model prefer another class.

:func:`fool` climbs the margin :math:`y_t - \max_{k \neq t} y_k` between the target's logit and
the strongest other class with steps of :math:`\epsilon\,\operatorname{sign}(\nabla_x)`, each
pixel moving by :math:`\epsilon` (the targeted iterative gradient-sign method of Kurakin et al.
2017, after Goodfellow et al. 2015), clipped to the valid pixel range, and stops for each image
as soon as the target's logit exceeds every other by more than a chosen margin (0: as soon as
the target has the highest score). The change is then shrunk by bisection along its own
direction to the smallest multiple that still does. Sizes are reported in pixel
levels (0-255), the units of the photograph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_index, check_positive_int, check_positive_real, describe
from . import _layers
from .backends import backend_of
from .backends.base import Graph, Objective
from .cam import check_images

#: Halvings of the bisection that shrinks a change that fools the model.
BISECTIONS = 12


@dataclass(frozen=True)
class FoolResult:
    """Images changed until the model prefers the target class, and the size of the change.

    Attributes
    ----------
    images
        (N, ...) the changed images, in the model's layout and dtype.
    perturbations
        (N, ...) ``images`` minus the originals, in the model's input units.
    original
        (N,) the class each image was given before the change.
    target
        (N,) the class asked for.
    before, after
        (N, K) the class probabilities (softmax of the logits) before and after.
    success
        (N,) whether the target's logit leads every other by more than the margin after the
        change (with margin 0: whether the model now prefers the target).
    linf, l2
        (N,) the largest change of one pixel value, and the Euclidean norm of the change over
        all pixels and channels, in pixel levels (0-255).
    steps
        (N,) the gradient-sign steps each image took.
    note
        How the change was found, in words.
    """

    images: np.ndarray
    perturbations: np.ndarray
    original: np.ndarray
    target: np.ndarray
    before: np.ndarray
    after: np.ndarray
    success: np.ndarray
    linf: np.ndarray
    l2: np.ndarray
    steps: np.ndarray
    note: str


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _targets(target: Any, count: int, classes: int) -> np.ndarray:
    if isinstance(target, (list, np.ndarray)):
        values = list(np.asarray(target).ravel()) if isinstance(target, np.ndarray) else target
        if len(values) != count:
            raise ValueError(
                f"target must be one class index, or a list of one per image ({count}), got "
                f"{describe(target)}."
            )
    what = f"the model has {classes} classes"
    if not isinstance(target, (list, np.ndarray)):
        values = [check_index(target, "target", classes, what)] * count  # even for no images
    return np.array([check_index(t, "target", classes, what) for t in values], dtype=np.int64)


def _check_bounds(bounds: Any) -> tuple[float, float]:
    if (
        not isinstance(bounds, tuple)
        or len(bounds) != 2
        or not all(isinstance(b, (int, float, np.number)) and np.isfinite(b) for b in bounds)
        or not bounds[0] < bounds[1]
    ):
        raise ValueError(
            "bounds must be a pair (low, high) of finite numbers with low < high: the model's "
            f"input values for pixel levels 0 and 255, got {describe(bounds)}."
        )
    return float(bounds[0]), float(bounds[1])


class _Logits:
    """The model's class scores, and the gradient of a margin between two of them."""

    def __init__(self, model: Any, graph: Graph) -> None:
        self.backend, self.model, self.graph = backend_of(model), model, graph
        self.dtype = self.backend.dtype(model)
        self.node, self.note, self.replace = _layers.logits(graph)

    def __call__(self, images: np.ndarray) -> np.ndarray:
        images = images.astype(self.dtype)
        run = self.backend.run(
            self.model, self.graph, images, keep=(self.node,), replace=self.replace
        )
        return run.outputs[self.node]

    def margin_gradient(self, images: np.ndarray, up: np.ndarray, down: np.ndarray) -> np.ndarray:
        """The gradient of ``y[up] - y[down]`` with respect to each image."""
        classes = self.graph.nodes[self.node].shape[-1]
        weights = np.zeros((len(images), 1, classes), self.dtype)
        rows = np.arange(len(images))
        weights[rows, 0, up] = 1.0
        weights[rows, 0, down] -= 1.0
        run = self.backend.run(
            self.model,
            self.graph,
            images.astype(self.dtype),
            objective=Objective(self.node, weights=weights),
            wrt=(0,),
            replace=self.replace,
        )
        return run.gradients[0][0]


def _strongest_other(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    masked = logits.astype(np.float64)
    masked[np.arange(len(logits)), target] = -np.inf
    return masked.argmax(axis=1)


def _fooled(logits: np.ndarray, target: np.ndarray, margin: float) -> np.ndarray:
    """Whether the target's logit exceeds every other by more than ``margin``, per image."""
    rows = np.arange(len(logits))
    other = logits[rows, _strongest_other(logits, target)]
    return logits[rows, target].astype(np.float64) - other > margin


def fool(
    model: Any,
    images: Any,
    target: Any,
    *,
    bounds: tuple[float, float],
    step_size: float = 0.25,
    max_steps: int = 200,
    margin: float = 0.0,
) -> FoolResult:
    r"""Change images as little as needed for the model to prefer the ``target`` class.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` or a ``keras.Model`` classifier (a final softmax is skipped: the
        margins are those of the logits).
    images
        (N, C, H, W) for PyTorch or (N, H, W, C) for Keras, in the model's dtype and within
        ``bounds``.
    target
        A class index for every image, or a list of one per image.
    bounds
        (low, high): the model's input values for pixel levels 0 and 255; the changed images
        stay within them, and sizes are converted to levels with them.
    step_size
        :math:`\epsilon`, how far every pixel moves per step, in pixel levels.
    max_steps
        The most steps per image; an image not fooled by then is returned as it is after them,
        with ``success`` False.
    margin
        How far the target's logit must exceed every other one. 0 gives the smallest change
        that makes the target the top class; a larger margin gives a change that survives
        small disturbances, such as rounding the image to 8-bit pixels.

    Returns
    -------
    FoolResult
    """
    backend = backend_of(model)
    images = check_images(images, backend.layout, backend.dtype(model))
    low, high = _check_bounds(bounds)
    if images.size and (images.min() < low or images.max() > high):
        raise ValueError(
            f"images have values from {images.min():g} to {images.max():g}, outside bounds "
            f"({low:g}, {high:g}): pass the bounds of the model's input."
        )
    levels = 255.0 / (high - low)
    epsilon = check_positive_real(step_size, "step_size") / levels
    max_steps = check_positive_int(max_steps, "max_steps")
    margin = check_positive_real(margin, "margin", allow_zero=True)
    logits = _Logits(model, backend.graph(model, images.shape[1:]))
    original_logits = logits(images)
    target = _targets(target, len(images), original_logits.shape[1])
    x = images.astype(np.float64)
    current = original_logits.copy()
    steps = np.zeros(len(images), np.int64)
    for _ in range(max_steps):
        active = np.flatnonzero(~_fooled(current, target, margin))
        if not active.size:
            break
        down = _strongest_other(current[active], target[active])
        gradient = logits.margin_gradient(x[active], target[active], down)
        x[active] = np.clip(x[active] + epsilon * np.sign(gradient), low, high)
        steps[active] += 1
        current[active] = logits(x[active])
    fooled = _fooled(current, target, margin)
    x = _shrink(logits, images.astype(np.float64), x, target, fooled, margin)
    final = logits(x)
    perturbations = (x - images).astype(images.dtype)
    in_levels = perturbations.astype(np.float64) * levels
    per_image = tuple(range(1, images.ndim))  # reduced image by image: an empty batch has none
    note = (
        f"gradient-sign steps of {step_size:g} pixel levels on the margin to the strongest "
        f"other class (at most {max_steps}), until the target's logit led by more than "
        f"{margin:g}, then shrunk by bisection along the change. "
        f"{logits.note}"
    ).strip()
    if not fooled.all():
        note += (
            f" Image(s) {np.flatnonzero(~fooled).tolist()} were not fooled within "
            f"{max_steps} steps: raise max_steps or step_size."
        )
    return FoolResult(
        images=x.astype(images.dtype),
        perturbations=perturbations,
        original=original_logits.argmax(axis=1),
        target=target,
        before=_softmax(original_logits),
        after=_softmax(final),
        success=_fooled(final, target, margin),
        linf=np.abs(in_levels).max(axis=per_image),
        l2=np.sqrt((in_levels**2).sum(axis=per_image)),
        steps=steps,
        note=note,
    )


def _shrink(
    logits: _Logits,
    originals: np.ndarray,
    changed: np.ndarray,
    target: np.ndarray,
    fooled: np.ndarray,
    margin: float,
) -> np.ndarray:
    """For the fooled images, the smallest ``originals + t (changed - originals)``, t in (0, 1],
    that still fools the model by ``margin``, to 2^-BISECTIONS; others as they are."""
    chosen = np.flatnonzero(fooled)
    if not chosen.size:
        return changed
    change = changed[chosen] - originals[chosen]
    low, high = np.zeros(len(chosen)), np.ones(len(chosen))
    shape = (-1, *[1] * (change.ndim - 1))
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        trial = originals[chosen] + middle.reshape(shape) * change
        wins = _fooled(logits(trial), target[chosen], margin)
        high = np.where(wins, middle, high)
        low = np.where(wins, low, middle)
    result = changed.copy()
    result[chosen] = originals[chosen] + high.reshape(shape) * change
    return result
