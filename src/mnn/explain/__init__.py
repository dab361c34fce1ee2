"""Explaining classifiers: CAM, Grad-CAM, Grad-CAM++, receptive fields, one API for two frameworks.

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
"""

from . import regularizers
from .cam import CamResult, cam, grad_cam, grad_cam_plus_plus
from .features import feature_maps, filters
from .fooling import FoolResult, fool
from .maximize import MaximizeResult, maximize
from .receptive import ReceptiveField, crop_to_receptive_field, receptive_field, to_input

__all__ = [
    "CamResult",
    "ReceptiveField",
    "cam",
    "grad_cam",
    "grad_cam_plus_plus",
    "receptive_field",
    "to_input",
]
__all__ += [
    "FoolResult",
    "MaximizeResult",
    "crop_to_receptive_field",
    "feature_maps",
    "filters",
    "fool",
    "maximize",
    "regularizers",
]
