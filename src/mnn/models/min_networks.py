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
model on (N, 2) inputs, in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_choice

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
    check_choice(framework, "framework", ("torch", "keras"))
    hidden, output = MIN_NETWORKS[name]
    if framework == "torch":
        from collections import OrderedDict

        import torch
        from torch import nn

        layers = OrderedDict(
            hidden=nn.Linear(2, len(hidden), bias=False),
            relu=nn.ReLU(),
            output=nn.Linear(len(hidden), 1, bias=False),
        )
        with torch.no_grad():
            layers["hidden"].weight.copy_(torch.from_numpy(hidden))
            layers["output"].weight.copy_(torch.from_numpy(output))
        return nn.Sequential(layers).double().eval()
    import keras

    model = keras.Sequential(
        [
            keras.Input((2,), dtype="float64"),
            keras.layers.Dense(len(hidden), use_bias=False, dtype="float64", name="hidden"),
            keras.layers.ReLU(dtype="float64", name="relu"),
            keras.layers.Dense(1, use_bias=False, dtype="float64", name="output"),
        ]
    )
    model.get_layer("hidden").set_weights([hidden.T])
    model.get_layer("output").set_weights([output.T])
    return model
