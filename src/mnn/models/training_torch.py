"""One Adam step on a mini-batch of a PyTorch model, for :func:`mnn.models.training.fit`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from .training import Step


def adam_step(
    model: nn.Module,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    learning_rate: float,
) -> Step:
    """``step(inputs, targets) -> {"loss": batch mean}``: one Adam update of ``model``.

    Parameters
    ----------
    model
        Trained in place (put in training mode at every step).
    loss
        ``loss(outputs, targets)``: the mean loss of a batch, a scalar tensor.
    learning_rate
        Adam's step size (other Adam settings: PyTorch's defaults).
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

    def step(inputs: np.ndarray, targets: np.ndarray) -> dict[str, float]:
        model.train()
        optimizer.zero_grad()
        value = loss(model(torch.from_numpy(inputs)), torch.from_numpy(targets))
        value.backward()
        optimizer.step()
        return {"loss": value.item()}

    return step
