"""A forward pass of a PyTorch model on a NumPy batch, and NumPy arrays as tensors."""

from __future__ import annotations

import numpy as np
import torch


def to_tensor(array: np.ndarray) -> torch.Tensor:
    """``array`` as a C-contiguous tensor, sharing its memory when it is C-contiguous already.

    Flipped views (rotated filters, mirrored images) have negative strides, which torch refuses;
    ``np.ascontiguousarray`` keeps them on axes of length 1, so those arrays are copied.
    """
    array = np.ascontiguousarray(array)
    return torch.from_numpy(array.copy() if min(array.strides, default=0) < 0 else array)


def forward(model: torch.nn.Module, inputs: np.ndarray) -> np.ndarray:
    """``model(inputs)`` in evaluation mode without gradients; the model's mode is restored."""
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(to_tensor(inputs)).numpy()
    finally:
        model.train(training)
