"""Layer-wise Relevance Propagation (LRP) for PyTorch and Keras models, written once above the
backends.

- :mod:`~mnn.explain.lrp.rules`: how relevance flows through one layer (LRP-0, epsilon, gamma,
  alpha-beta, z^B, flat, w^2, pass-through), each as a modified forward pass (the detach trick);
- :mod:`~mnn.explain.lrp.composites`: which rule goes where (by kind, name, depth, first layer),
  with named presets;
- :mod:`~mnn.explain.lrp.canonizers`: BatchNorm folded into the layer before it, for one call;
- :mod:`~mnn.explain.lrp.attribution`: :func:`lrp`, the attributor.

``mnn.explain.lrp`` is the function :func:`~mnn.explain.lrp.attribution.lrp`; its modules are
reachable from it: ``mnn.explain.lrp.rules.Gamma(0.25)``.
"""

from . import canonizers, composites, rules
from .attribution import LrpResult, lrp

__all__ = ["LrpResult", "canonizers", "composites", "lrp", "rules"]
