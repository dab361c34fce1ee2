"""Explaining classifiers: CAM, Grad-CAM, gradients, LRP, receptive fields; one API, two frameworks.

Every function takes a ``torch.nn.Module`` or a ``keras.Model`` and images in the model's own
layout (NCHW for PyTorch, NHWC for Keras) and returns NumPy arrays. Framework code lives only in
``mnn.explain.backends``, which provide a layer graph and one primitive, a run that keeps,
differentiates and replaces nodes (the contract: :mod:`mnn.explain.backends.base`); every
explainer is written once above them.

- :func:`cam`, :func:`grad_cam`, :func:`grad_cam_plus_plus` -> :class:`CamResult`.
- :func:`receptive_field` -> :class:`ReceptiveField`; :func:`to_input` brings a map to the
  input's size, by bilinear interpolation or through the receptive fields (``mode="roi"``);
  :func:`crop_to_receptive_field` cuts out what one neuron sees.
- :func:`feature_maps`, :func:`filters`: what a layer computes, channels first.
- :func:`maximize` -> :class:`MaximizeResult`: the input that maximises a class, a feature map
  or a neuron, with the regularisers of :mod:`mnn.explain.regularizers`, optionally through a
  generator; :func:`fool` -> :class:`FoolResult`: the small change that flips a class.
- :func:`gradient`, :func:`gradient_x_input`, :func:`integrated_gradients`, :func:`smoothgrad`
  -> arrays of the input's shape; :func:`heatmaps` sums them over the channels.
- :func:`lrp` -> :class:`LrpResult`: Layer-wise Relevance Propagation with the rules, composites
  and canonizers of :mod:`mnn.explain.lrp` (``mnn.explain.lrp.rules`` etc.).
- :func:`neuralize_one_class_svm` -> :class:`NeuralizedSVM`: a one-class SVM as a two-layer
  network (distances, then a soft minimum), and its outlier score explained.
"""

from . import regularizers
from .cam import CamResult, cam, grad_cam, grad_cam_plus_plus
from .features import feature_maps, filters
from .fooling import FoolResult, fool
from .gradients import gradient, gradient_x_input, heatmaps, integrated_gradients, smoothgrad
from .lrp import LrpResult, canonizers, composites, rules
from .lrp.attribution import lrp
from .maximize import MaximizeResult, maximize
from .neuralize import NeuralizedSVM, neuralize_one_class_svm
from .receptive import ReceptiveField, crop_to_receptive_field, receptive_field, to_input

# The function lrp shadows its package, as cam does; the package's modules stay reachable from
# it, so that mnn.explain.lrp.rules.Gamma(0.25) reads as the design has it.
lrp.rules, lrp.composites, lrp.canonizers = rules, composites, canonizers

__all__ = [
    "CamResult",
    "FoolResult",
    "LrpResult",
    "MaximizeResult",
    "NeuralizedSVM",
    "ReceptiveField",
    "cam",
    "crop_to_receptive_field",
    "feature_maps",
    "filters",
    "fool",
    "grad_cam",
    "grad_cam_plus_plus",
    "gradient",
    "gradient_x_input",
    "heatmaps",
    "integrated_gradients",
    "lrp",
    "maximize",
    "neuralize_one_class_svm",
    "receptive_field",
    "regularizers",
    "smoothgrad",
    "to_input",
]
