"""One Adam step on a mini-batch of a PyTorch model, for :func:`mnn.models.training.fit`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
from torch import nn

from .training import Metric, Step, measure

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def adam_step(
    model: nn.Module,
    loss: Loss,
    learning_rate: float,
    metrics: Mapping[str, Metric] | None = None,
) -> Step:
    """``step(inputs, targets) -> {"loss": batch mean, **metrics}``: one Adam update of ``model``.

    Parameters
    ----------
    model
        Trained in place (put in training mode at every step).
    loss
        ``loss(outputs, targets)``: the mean loss of a batch, a scalar tensor.
    learning_rate
        Adam's step size (other Adam settings: PyTorch's defaults).
    metrics
        More batch means to report, by name, computed on the outputs of the step's own forward
        pass (in training mode, before the update) as NumPy arrays.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    metrics = dict(metrics or {})

    def step(inputs: np.ndarray, targets: np.ndarray) -> dict[str, float]:
        model.train()
        optimizer.zero_grad()
        outputs = model(torch.from_numpy(inputs))
        value = loss(outputs, torch.from_numpy(targets))
        value.backward()
        optimizer.step()
        return {"loss": value.item(), **measure(metrics, outputs.detach().numpy(), targets)}

    return step


def numpy_loss(loss: Loss) -> Metric:
    """``loss`` on NumPy arrays, returning a float: the ``loss`` of
    :func:`mnn.models.training.evaluator`."""

    def value(outputs: np.ndarray, targets: np.ndarray) -> float:
        targets = np.ascontiguousarray(targets)
        return loss(torch.from_numpy(outputs), torch.from_numpy(targets)).item()

    return value
