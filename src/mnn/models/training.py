"""A framework-neutral training loop: epochs of shuffled mini-batches, a history per epoch.

The loop sees only NumPy arrays and two callables, so the same loop (and the same batch order,
and the same noise) trains a PyTorch and a Keras model:

- ``step(inputs, targets) -> {"loss": ..., ...}`` takes one optimiser step on a mini-batch and
  returns the batch means (:func:`mnn.models.training_torch.adam_step`,
  :func:`mnn.models.training_keras.adam_step`);
- ``evaluate(inputs, targets) -> {"loss": ..., ...}`` returns the means over a whole set without
  training (:func:`evaluator`).

The history holds, for every key ``k`` that ``step`` returns, ``k`` (the mean over the epoch's
mini-batches, weighted by their sizes) and ``val_k`` (``evaluate`` on the test set after the
epoch): the layout :func:`mnn.viz.plot_history` draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._frameworks import forward, framework_of
from .fashion_cnn import progress_bar

Metrics = dict[str, float]
Step = Callable[[np.ndarray, np.ndarray], Metrics]
#: ``corrupt(inputs, rng)`` returns a corrupted copy of a mini-batch of inputs (e.g. noise).
Corrupt = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def fit(
    step: Step,
    evaluate: Step,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    corrupt: Corrupt | None = None,
    progress: bool = True,
    description: str = "training",
) -> dict[str, list[float]]:
    """Train for ``epochs`` passes over ``train`` in mini-batches reshuffled every epoch.

    Parameters
    ----------
    step, evaluate
        See the module docstring.
    train, test
        (inputs, targets) pairs with the same first dimension, in the model's layout.
    epochs, batch_size
        Passes over the training set, and mini-batch size (the last batch may be smaller).
    seed
        Seeds the batch order and ``corrupt``'s random numbers (two independent streams).
    corrupt
        Applied to every training mini-batch's inputs (never to the targets, never to ``test``).
    progress
        Show a tqdm bar over the mini-batches.
    description
        The bar's label.

    Returns
    -------
    dict
        ``{"loss": [...], "val_loss": [...], ...}``, one value per epoch.
    """
    train_inputs, train_targets = train
    order_rng, corrupt_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2)
    )
    history: dict[str, list[float]] = {}
    total = epochs * math.ceil(len(train_inputs) / batch_size)
    with progress_bar(total, progress, description) as bar:
        for _epoch in range(epochs):
            sums: dict[str, float] = {}
            order = order_rng.permutation(len(train_inputs))
            for start in range(0, len(order), batch_size):
                batch = order[start : start + batch_size]
                inputs = train_inputs[batch]
                if corrupt is not None:
                    inputs = corrupt(inputs, corrupt_rng)
                for key, value in step(inputs, train_targets[batch]).items():
                    sums[key] = sums.get(key, 0.0) + value * len(batch)
                bar.update()
            epoch_metrics = {key: value / len(order) for key, value in sums.items()}
            epoch_metrics |= {f"val_{key}": value for key, value in evaluate(*test).items()}
            for key, value in epoch_metrics.items():
                history.setdefault(key, []).append(float(value))
            bar.set_postfix({key: f"{value:.4f}" for key, value in epoch_metrics.items()})
    return history


def evaluator(model: Any, loss: Callable[[np.ndarray, np.ndarray], float], batch_size: int) -> Step:
    """``evaluate(inputs, targets) -> {"loss": mean loss}`` of ``model`` in inference mode.

    Parameters
    ----------
    model
        A PyTorch or Keras model (run by ``mnn.models._frameworks.forward``).
    loss
        ``loss(outputs, targets)``: the mean loss of a batch, on NumPy arrays.
    batch_size
        Inputs per forward pass; the batch means are weighted by the batch sizes.
    """

    def evaluate(inputs: np.ndarray, targets: np.ndarray) -> Metrics:
        if framework_of(model) == "torch":
            # Inference behaviour for dropout and batch normalisation; adam_step sets train().
            model.eval()
        total = 0.0
        for start in range(0, len(inputs), batch_size):
            outputs = forward(model, inputs[start : start + batch_size])
            total += loss(outputs, targets[start : start + batch_size]) * len(outputs)
        return {"loss": total / len(inputs)}

    return evaluate
