"""Running a model of either framework on a NumPy batch, in inference mode, batch by batch.

The one batched forward pass of :mod:`mnn.models`: evaluation during training, the autoencoder's
codes and reconstructions, ImageNet logits and the course network's validation all call
:func:`forward`. The framework halves are :mod:`mnn.models.inference.torch` and
:mod:`mnn.models.inference.keras`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._frameworks import framework_module, framework_of
from ..._validation import check_positive_int


def forward(model: Any, inputs: np.ndarray, batch_size: int | None = None) -> np.ndarray:
    """The model's output on ``inputs`` (in the model's own layout), without gradients.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` (run under ``torch.no_grad`` in evaluation mode; its train/eval
        mode is restored afterwards) or a ``keras.Model`` (run with ``training=False`` inside a
        ``tf.function`` traced once per model for every batch size).
    inputs
        A batch (N, ...) in the model's layout, e.g. (N, C, H, W) for PyTorch or (N, H, W, C)
        for Keras, of the model's dtype (float32 for the models of :mod:`mnn.models`).
    batch_size
        Inputs per forward pass, which bounds the memory; ``None`` runs all N at once. Every
        row of the output is computed from its own input only, so the result does not depend
        on it.

    Returns
    -------
    numpy.ndarray
        (N, ...) the outputs of the N inputs, concatenated in order.
    """
    run = framework_module(__name__, framework_of(model)).forward
    if batch_size is None:
        return run(model, inputs)
    batch_size = check_positive_int(batch_size, "batch_size")
    return np.concatenate(
        [
            run(model, inputs[start : start + batch_size])
            for start in range(0, len(inputs), batch_size)
        ]
    )
