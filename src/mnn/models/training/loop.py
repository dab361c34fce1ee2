"""A framework-neutral training loop: epochs of shuffled mini-batches, a history per epoch.

The loop sees only NumPy arrays and two callables, so the same loop (and the same batch order,
and the same noise) trains a PyTorch and a Keras model:

- ``step(inputs, targets) -> {"loss": ..., ...}`` takes one optimiser step on a mini-batch and
  returns the batch means (:func:`mnn.models.training.torch.adam_step`,
  :func:`mnn.models.training.keras.adam_step`);
- ``evaluate(inputs, targets) -> {"loss": ..., ...}`` returns the means over a whole set without
  training (:func:`evaluator`).

Both report the loss and, beside it, any *metrics*: ``metric(outputs, targets) -> float``, a
batch mean computed on NumPy arrays, such as :func:`accuracy`. The history holds, for every key
``k`` that ``step`` returns, ``k`` (the mean over the epoch's mini-batches, weighted by their
sizes) and ``val_k`` (``evaluate`` on the test set after the epoch): the layout
:func:`mnn.viz.plot_history` draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..inference import forward

Metrics = dict[str, float]
Step = Callable[[np.ndarray, np.ndarray], Metrics]
#: ``metric(outputs, targets) -> float``: the mean of a batch, on NumPy arrays.
Metric = Callable[[np.ndarray, np.ndarray], float]
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
                _accumulate(sums, step(inputs, train_targets[batch]), len(batch))
                bar.update()
            epoch_metrics = {key: value / len(order) for key, value in sums.items()}
            epoch_metrics |= {f"val_{key}": value for key, value in evaluate(*test).items()}
            for key, value in epoch_metrics.items():
                history.setdefault(key, []).append(float(value))
            bar.set_postfix({key: f"{value:.4f}" for key, value in epoch_metrics.items()})
    return history


def evaluator(
    model: Any,
    loss: Metric,
    batch_size: int,
    metrics: Mapping[str, Metric] | None = None,
) -> Step:
    """``evaluate(inputs, targets) -> {"loss": mean loss, **metrics}`` of ``model`` in inference
    mode.

    Parameters
    ----------
    model
        A PyTorch or Keras model, run in inference mode by :func:`mnn.models.inference.forward`.
    loss
        ``loss(outputs, targets)``: the mean loss of a batch, on NumPy arrays.
    batch_size
        Inputs per forward pass; the means of these batches are weighted by their sizes.
    metrics
        More batch means to report beside the loss, by name (e.g. ``{"accuracy": accuracy}``).
    """
    measures = {"loss": loss, **(metrics or {})}

    def evaluate(inputs: np.ndarray, targets: np.ndarray) -> Metrics:
        outputs = forward(model, inputs, batch_size)
        sums: dict[str, float] = {}
        for start in range(0, len(inputs), batch_size):
            batch = slice(start, start + batch_size)
            _accumulate(
                sums, measure(measures, outputs[batch], targets[batch]), len(outputs[batch])
            )
        return {key: value / len(inputs) for key, value in sums.items()}

    return evaluate


def measure(metrics: Mapping[str, Metric], outputs: np.ndarray, targets: np.ndarray) -> Metrics:
    """``{name: metric(outputs, targets)}`` for every metric, as floats."""
    return {name: float(metric(outputs, targets)) for name, metric in metrics.items()}


def accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of the rows of ``logits`` (N, classes) whose largest entry is at ``labels``
    (N,)."""
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def progress_bar(total: int, enabled: bool, description: str) -> Any:
    """A tqdm bar over ``total`` mini-batches (a silent one when not ``enabled``)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="batch", disable=not enabled)


def _accumulate(sums: dict[str, float], batch: Metrics, size: int) -> None:
    """Add the batch means, weighted by the batch size, to the running ``sums``."""
    for key, value in batch.items():
        sums[key] = sums.get(key, 0.0) + value * size
