"""One Adam step on a mini-batch of a Keras model, for :func:`mnn.models.training.fit`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from .training import Step


def adam_step(model: keras.Model, loss: Callable[[Any, Any], Any], learning_rate: float) -> Step:
    """``step(inputs, targets) -> {"loss": batch mean}``: one Adam update of ``model``.

    The update runs inside a ``tf.function`` (eager Keras is several times slower on a CPU).

    Parameters
    ----------
    model
        Trained in place (called with ``training=True``).
    loss
        ``loss(outputs, targets)``: the mean loss of a batch, a scalar tensor.
    learning_rate
        Adam's step size (other Adam settings: Keras' defaults).
    """
    optimizer = keras.optimizers.Adam(learning_rate)
    # Create the optimiser's slots now: variables cannot be created inside the traced step.
    optimizer.build(model.trainable_variables)

    @tf.function(reduce_retracing=True)
    def update(inputs: tf.Tensor, targets: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            value = loss(model(inputs, training=True), targets)
        gradients = tape.gradient(value, model.trainable_variables)
        optimizer.apply(gradients, model.trainable_variables)
        return value

    def step(inputs: np.ndarray, targets: np.ndarray) -> dict[str, float]:
        return {"loss": float(update(inputs, targets))}

    return step
