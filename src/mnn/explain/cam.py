r"""Class activation maps: CAM, Grad-CAM and Grad-CAM++, for PyTorch and Keras models alike.

For a layer with feature maps :math:`A^k \in \R^{h \times w}` (channel :math:`k`) and the score
:math:`y^c` of class :math:`c` *before* any softmax:

- CAM (Zhou et al. 2016) needs a head :math:`y^c = \sum_k w^c_k \frac{1}{hw}\sum_{ij} A^k_{ij}
  + b^c` (global average pooling, then a dense layer) and is :math:`M^c = \sum_k w^c_k A^k`.
- Grad-CAM (Selvaraju et al. 2017) works for any differentiable head:
  :math:`\alpha^c_k = \frac{1}{hw}\sum_{ij} \partial y^c / \partial A^k_{ij}` and
  :math:`L^c = \mathrm{ReLU}(\sum_k \alpha^c_k A^k)`. For the CAM head,
  :math:`L^c = \mathrm{ReLU}(M^c) / (hw)`.
- Grad-CAM++ (Chattopadhay et al. 2018) weights each position's positive gradient:
  :math:`w^c_k = \sum_{ij} a^{kc}_{ij}\,\mathrm{ReLU}(g_{ij})` with :math:`g = \partial y^c /
  \partial A^k` and :math:`a^{kc}_{ij} = g_{ij}^2 / (2 g_{ij}^2 + \sum_{ab} A^k_{ab}\,
  g_{ij}^3)` (0 where the denominator is 0), then :math:`\mathrm{ReLU}(\sum_k w^c_k A^k)`. The
  paper's scores :math:`\exp(y^c)` multiply every weight of an image by the same positive
  number; it is left out here (it overflows for large logits and does not change the map's
  shape).

Maps are returned as computed (not rescaled to [0, 1]): :mod:`mnn.viz` normalises for display.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_array, describe
from . import _layers
from ._targets import parse_target
from .backends import backend_of
from .backends.base import Graph, Objective, channels_first

logger = logging.getLogger("mnn")

_OTHER_LAYOUT = {"NCHW": ("NHWC", "to_nchw"), "NHWC": ("NCHW", "to_nhwc")}
_CHANNEL_AXIS = {"NCHW": 1, "NHWC": 3}


@dataclass(frozen=True)
class CamResult:
    """Class activation maps of a batch, and what they were computed from.

    Attributes
    ----------
    heatmaps
        (N, h, w) float64, one map per image; (N, k, h, w) for ``target=("top", k)``.
    classes
        (N,) or (N, k): the class of each map.
    scores
        Same shape as ``classes``: the logit of that class.
    logits
        (N, K) the model's class scores before any softmax.
    layer
        Name of the layer whose (h, w) feature maps were used.
    method
        ``"cam"``, ``"grad_cam"`` or ``"grad_cam_plus_plus"``.
    input_size
        (H, W) of the images, for :func:`mnn.explain.to_input`.
    note
        How the layer was chosen and where the scores were read, in words.
    """

    heatmaps: np.ndarray
    classes: np.ndarray
    scores: np.ndarray
    logits: np.ndarray
    layer: str
    method: str
    input_size: tuple[int, int]
    note: str


def check_images(images: Any, layout: str, dtype: np.dtype) -> np.ndarray:
    """A batch in the model's ``layout`` and ``dtype``, as a NumPy array (tensors are read)."""
    if not isinstance(images, np.ndarray) and hasattr(images, "__array__"):
        # A PyTorch tensor that requires grad can only be read once detached.
        images = np.asarray(images.detach() if hasattr(images, "detach") else images)
    if isinstance(images, np.ndarray) and images.ndim == 3:
        raise ValueError(
            f"images must be a batch ({layout}), got {describe(images)}; for one image pass "
            "images[None]."
        )
    check_array(images, "images", ndim=4)
    if images.dtype.kind in "iub" and dtype.kind == "f":
        raise TypeError(
            f"images are {images.dtype} but the model computes in {dtype}: scale them as the "
            f"model was trained, e.g. images.astype(np.{dtype.name}) / 255, or for the ImageNet "
            "models with mnn.models.imagenet.preprocess."
        )
    check_array(images, "images", dtype_kind="f", finite=True)
    channels, other = _CHANNEL_AXIS[layout], _CHANNEL_AXIS[_OTHER_LAYOUT[layout][0]]
    if images.shape[channels] > 4 and images.shape[other] <= 4:
        wrong, convert = _OTHER_LAYOUT[layout]
        raise ValueError(
            f"images must be a {layout} batch for this model, got {describe(images)}, which "
            f"looks {wrong}; convert it with mnn.models.imagenet.{convert}(images)."
        )
    if images.dtype != dtype:
        raise TypeError(
            f"images are {images.dtype} but the model computes in {dtype}; pass "
            f"images.astype(np.{dtype.name})."
        )
    return images


def _choose_layer(graph: Graph, score: int, layer: Any, method: str) -> tuple[int, str]:
    if method == "cam":
        return _layers.cam_layer(graph, score, layer)
    if layer is None:
        return _layers.default_layer(graph)
    index = _layers.find_layer(graph, layer)
    return index, f"layer {graph.nodes[index].name!r}."


def _maps(
    method: str,
    activations: np.ndarray,
    gradients: np.ndarray | None,
    classes: np.ndarray,
    dense_weight: np.ndarray | None,
) -> np.ndarray:
    """(N, k, h, w) maps of the k classes of every image, from (N, C, h, w) activations and
    (k, N, C, h, w) gradients."""
    activations = activations.astype(np.float64)
    if method == "cam":
        weights = dense_weight.astype(np.float64)[classes]
        return np.einsum("nkc,nchw->nkhw", weights, activations)
    gradients = gradients.astype(np.float64)
    if method == "grad_cam":
        weights = grad_cam_weights(gradients)
    else:
        weights = grad_cam_plus_plus_weights(activations, gradients)
    return np.maximum(np.einsum("knc,nchw->nkhw", weights, activations), 0.0)


def _explain(model: Any, images: Any, layer: Any, target: Any, method: str) -> CamResult:
    backend = backend_of(model)
    images = check_images(images, backend.layout, backend.dtype(model))
    targets = parse_target(target, len(images))
    graph = backend.graph(model, images.shape[1:])
    score, score_note, replace = _layers.logits(graph)
    targets.check(graph.nodes[score].shape[-1])
    index, note = _choose_layer(graph, score, layer, method)
    if layer is None:
        logger.info("%s: %s", method, note)
    run = backend.run(
        model,
        graph,
        images,
        objective=Objective(score, classes=targets.classes, top=targets.top),
        keep=(index, score),
        wrt=(index,) if method != "cam" else (),
        replace=replace,
    )
    activations = channels_first(run.outputs[index], backend.layout)
    gradients = channels_first(run.gradients[index], backend.layout) if method != "cam" else None
    dense_weight = backend.parameters(graph.nodes[score]).weight if method == "cam" else None
    maps = _maps(method, activations, gradients, run.classes, dense_weight)
    classes, scores = run.classes, run.values
    if not targets.ranked:
        maps, classes, scores = maps[:, 0], classes[:, 0], scores[:, 0]
    return CamResult(
        heatmaps=maps,
        classes=classes,
        scores=scores,
        logits=run.outputs[score],
        layer=graph.nodes[index].name,
        method=method,
        input_size=graph.input_size,
        note=f"{note} {score_note}".strip(),
    )


def grad_cam_weights(gradients: np.ndarray) -> np.ndarray:
    r"""Grad-CAM's channel weights :math:`\alpha_k`: gradients averaged over the map.

    Parameters
    ----------
    gradients
        (..., C, h, w) :math:`\partial y^c / \partial A`.

    Returns
    -------
    numpy.ndarray
        (..., C).
    """
    return gradients.mean(axis=(-2, -1))


def grad_cam_plus_plus_weights(activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    r"""Grad-CAM++'s channel weights :math:`w_k = \sum_{ij} a_{ij}\,\mathrm{ReLU}(g_{ij})`.

    Parameters
    ----------
    activations
        (N, C, h, w) the feature maps :math:`A`.
    gradients
        (k, N, C, h, w) :math:`g = \partial y^c / \partial A` for k classes.

    Returns
    -------
    numpy.ndarray
        (k, N, C).
    """
    squared = gradients**2
    denominator = 2.0 * squared + activations.sum(axis=(-2, -1))[..., None, None] * gradients**3
    safe = np.where(denominator != 0.0, denominator, 1.0)
    alpha = np.where(denominator != 0.0, squared / safe, 0.0)
    return (alpha * np.maximum(gradients, 0.0)).sum(axis=(-2, -1))


def cam(model: Any, images: Any, layer: Any = None, target: Any = "top") -> CamResult:
    """Class activation maps (Zhou et al. 2016): the dense weights of a class on the feature maps.

    Only for models whose head is global average pooling followed by one dense layer (dropout
    and flatten in between are allowed); other models get a ``ValueError`` that points to
    :func:`grad_cam`.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` or a ``keras.Model`` classifier. A final softmax is skipped: the
        maps explain the logits.
    images
        (N, C, H, W) for PyTorch or (N, H, W, C) for Keras, in the model's dtype.
    layer
        ``None`` (the layer that feeds the global average pooling), or that layer's name or
        object.
    target
        A class index, a list of one class per image, ``"top"`` (each image's highest score) or
        ``("top", k)`` (its k highest, ranked).

    Returns
    -------
    CamResult
        ``heatmaps`` (N, h, w), or (N, k, h, w) for ``("top", k)``; may be negative.
    """
    return _explain(model, images, layer, target, "cam")


def grad_cam(model: Any, images: Any, layer: Any = None, target: Any = "top") -> CamResult:
    """Grad-CAM (Selvaraju et al. 2017): feature maps weighted by their averaged gradients.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` or a ``keras.Model`` classifier, run in inference mode (PyTorch
        modules are put in ``eval()`` mode for the call and restored). Gradients are those of
        the class score before any final softmax (a model ending in a softmax is explained
        through its logits).
    images
        (N, C, H, W) for PyTorch or (N, H, W, C) for Keras, in the model's dtype.
    layer
        A layer name or object with (h, w) feature maps (in PyTorch also an operation that
        ``forward`` applies as a function, by its graph name such as ``"relu:57"``); ``None``
        picks the last feature map that the classifier head reads, before any pooling (after
        the last block's norms, residual sums and activations) and says which in
        ``result.note`` (and at INFO level on the ``"mnn"`` logger).
    target
        A class index, a list of one class per image, ``"top"`` or ``("top", k)``.

    Returns
    -------
    CamResult
        ``heatmaps`` (N, h, w) >= 0, or (N, k, h, w) for ``("top", k)``.
    """
    return _explain(model, images, layer, target, "grad_cam")


def grad_cam_plus_plus(
    model: Any, images: Any, layer: Any = None, target: Any = "top"
) -> CamResult:
    """Grad-CAM++ (Chattopadhay et al. 2018): positive gradients weighted position by position.

    Parameters and result as :func:`grad_cam`.
    """
    return _explain(model, images, layer, target, "grad_cam_plus_plus")
