r"""Two ReLU networks that compute :math:`y = \min(a_1, a_2)` on :math:`a_1, a_2 \ge 0`.

The theory sheet of the LRP chapter asks for two such networks; its drawing is not legible in our
copy, so we take the two natural ones, each a hidden ReLU layer between two bias-free dense
layers:

- ``"difference"``: :math:`y = a_1 - \mathrm{ReLU}(a_1 - a_2)`, with hidden units
  :math:`\mathrm{ReLU}(a_1) = a_1` and :math:`\mathrm{ReLU}(a_1 - a_2)`;
- ``"average"``: :math:`y = \tfrac12 (a_1 + a_2) - \tfrac12 |a_1 - a_2|`, with hidden units
  :math:`\mathrm{ReLU}(a_1), \mathrm{ReLU}(a_2), \mathrm{ReLU}(a_1 - a_2),
  \mathrm{ReLU}(a_2 - a_1)`.

:data:`MIN_NETWORKS` holds their weights, ``(hidden, output)`` with ``hidden`` (k, 2) and
``output`` (1, k) (rows are units); :func:`min_network` builds either as a PyTorch or Keras
model on (N, 2) inputs, in float64 (built by this package's ``torch.py`` and ``keras.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._frameworks import FRAMEWORKS, framework_module
from ..._validation import check_choice

MIN_NETWORKS: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "difference": (np.array([[1.0, 0.0], [1.0, -1.0]]), np.array([[1.0, -1.0]])),
    "average": (
        np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0], [-1.0, 1.0]]),
        np.array([[0.5, 0.5, -0.5, -0.5]]),
    ),
}


def min_network(name: str, framework: str = "torch") -> Any:
    """One of the two ReLU networks of :data:`MIN_NETWORKS`: (N, 2) -> (N, 1), float64.

    Parameters
    ----------
    name
        ``"difference"`` or ``"average"``.
    framework
        ``"torch"`` (``nn.Sequential``: ``hidden``, ``relu``, ``output``) or ``"keras"`` (a
        ``keras.Sequential`` with the same layer names).
    """
    check_choice(name, "name", tuple(MIN_NETWORKS))
    check_choice(framework, "framework", FRAMEWORKS)
    hidden, output = MIN_NETWORKS[name]
    return framework_module(__name__, framework).network(hidden, output)
