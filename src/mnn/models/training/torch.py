"""Training a PyTorch model with :func:`mnn.models.training.fit`: seeding, one Adam step on a
mini-batch, the loss on NumPy arrays, and saving and loading the trained weights."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
from torch import nn

from .loop import Metric, Step, measure

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Module = TypeVar("Module", bound=nn.Module)
#: The weights' file in a model's cache folder.
WEIGHTS_FILE = "weights.pt"


def version() -> str:
    """The version of PyTorch: part of a trained model's cache key."""
    return torch.__version__


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """PyTorch's global generator seeded with ``seed`` inside the block (initialisation,
    dropout masks), and put back as it was afterwards."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        yield


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


def save_weights(model: nn.Module, directory: Path) -> None:
    """The state dict of ``model`` into ``directory`` / :data:`WEIGHTS_FILE`."""
    torch.save(model.state_dict(), directory / WEIGHTS_FILE)


def load_weights(model: Module, directory: Path) -> Module:
    """``model`` with the weights :func:`save_weights` wrote into ``directory``, in evaluation
    mode."""
    model.load_state_dict(torch.load(directory / WEIGHTS_FILE, weights_only=True))
    return model.eval()
