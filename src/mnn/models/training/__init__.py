"""Training the models of :mod:`mnn.models`: one loop for both frameworks, and train-or-load.

- :mod:`~mnn.models.training.loop`: :func:`fit` (epochs of shuffled mini-batches, a history per
  epoch), :func:`evaluator`, :func:`accuracy`;
- :mod:`~mnn.models.training.cached`: :func:`train_or_load`, a trained model kept in the user
  cache;
- :mod:`~mnn.models.training.torch` and :mod:`~mnn.models.training.keras`: seeding, one Adam
  step on a mini-batch, losses on NumPy arrays.
"""

from .cached import History, train_or_load
from .loop import Metric, Metrics, Step, accuracy, evaluator, fit, measure

__all__ = [
    "History",
    "Metric",
    "Metrics",
    "Step",
    "accuracy",
    "evaluator",
    "fit",
    "measure",
    "train_or_load",
]
