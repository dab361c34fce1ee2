"""Explaining classifiers: CAM, Grad-CAM, Grad-CAM++, receptive fields, one API for two frameworks.

Every function takes a ``torch.nn.Module`` or a ``keras.Model`` and images in the model's own
layout (NCHW for PyTorch, NHWC for Keras) and returns NumPy arrays. Framework code lives only in
``mnn.explain.backends``, which provide a layer graph and one primitive, a run that keeps,
differentiates and replaces nodes (the contract: :mod:`mnn.explain.backends.base`); every
explainer is written once above them.

- :func:`cam`, :func:`grad_cam`, :func:`grad_cam_plus_plus` -> :class:`CamResult`.
- :func:`receptive_field` -> :class:`ReceptiveField`; :func:`to_input` brings a map to the
  input's size, by bilinear interpolation or through the receptive fields (``mode="roi"``).
"""

from .cam import CamResult, cam, grad_cam, grad_cam_plus_plus
from .receptive import ReceptiveField, receptive_field, to_input

__all__ = [
    "CamResult",
    "ReceptiveField",
    "cam",
    "grad_cam",
    "grad_cam_plus_plus",
    "receptive_field",
    "to_input",
]
