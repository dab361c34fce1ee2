"""Training a Keras model with :func:`mnn.models.training.fit`: seeding, one Adam step on a
mini-batch, the loss on NumPy arrays, and saving and loading the trained weights."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import keras
import numpy as np
import tensorflow as tf

from .loop import Metric, Step, measure

Loss = Callable[[Any, Any], Any]
Model = TypeVar("Model", bound=keras.Model)
#: The weights' file in a model's cache folder.
WEIGHTS_FILE = "model.weights.h5"


def version() -> str:
    """The version of Keras: part of a trained model's cache key."""
    return keras.__version__


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Keras' random numbers (initialisation, dropout masks) seeded with ``seed`` for the block,
    by ``keras.utils.set_random_seed``, which also seeds Python's and NumPy's global generators.

    Keras keeps no generator state that could be put back afterwards, so the seeding outlasts
    the block.
    """
    keras.utils.set_random_seed(seed)
    yield


def adam_step(
    model: keras.Model,
    loss: Loss,
    learning_rate: float,
    metrics: Mapping[str, Metric] | None = None,
) -> Step:
    """``step(inputs, targets) -> {"loss": batch mean, **metrics}``: one Adam update of ``model``.

    The update runs inside a ``tf.function`` (eager Keras is several times slower on a CPU).

    Parameters
    ----------
    model
        Trained in place (called with ``training=True``).
    loss
        ``loss(outputs, targets)``: the mean loss of a batch, a scalar tensor.
    learning_rate
        Adam's step size (other Adam settings: Keras' defaults).
    metrics
        More batch means to report, by name, computed on the outputs of the step's own forward
        pass (in training mode, before the update) as NumPy arrays.
    """
    optimizer = keras.optimizers.Adam(learning_rate)
    # Create the optimiser's slots now: variables cannot be created inside the traced step.
    optimizer.build(model.trainable_variables)
    metrics = dict(metrics or {})

    @tf.function(reduce_retracing=True)
    def update(inputs: tf.Tensor, targets: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            outputs = model(inputs, training=True)
            value = loss(outputs, targets)
        gradients = tape.gradient(value, model.trainable_variables)
        optimizer.apply(gradients, model.trainable_variables)
        return value, outputs

    def step(inputs: np.ndarray, targets: np.ndarray) -> dict[str, float]:
        value, outputs = update(inputs, targets)
        return {"loss": float(value), **measure(metrics, outputs.numpy(), targets)}

    return step


def numpy_loss(loss: Loss) -> Metric:
    """``loss`` on NumPy arrays, returning a float: the ``loss`` of
    :func:`mnn.models.training.evaluator`."""

    def value(outputs: np.ndarray, targets: np.ndarray) -> float:
        return float(loss(outputs, targets))

    return value


def save_weights(model: keras.Model, directory: Path) -> None:
    """The weights of ``model`` into ``directory`` / :data:`WEIGHTS_FILE`, without the
    DeprecationWarning that Keras 3.15 raises under NumPy 2 (it converts variables with
    ``np.array(x)``)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "__array__ implementation", DeprecationWarning)
        model.save_weights(directory / WEIGHTS_FILE)


def load_weights(model: Model, directory: Path) -> Model:
    """``model`` with the weights :func:`save_weights` wrote into ``directory``."""
    model.load_weights(directory / WEIGHTS_FILE)
    return model
