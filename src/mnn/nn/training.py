"""The training loop shared by mnn and its PyTorch and Keras ports: same batches, same records."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import DTypeLike
from tqdm.auto import tqdm

from .._validation import check_array, check_positive_int, describe
from .losses import Loss

History = dict[str, list[float]]
Step = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]
#: Samples per forward pass when the PyTorch and Keras ports predict the validation data.
VALIDATION_BATCH = 1000


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch's minibatches: a random permutation of 0 .. n-1 cut into ``batch_size`` pieces
    (the last one may be smaller). The same generator state gives the same batches."""
    order = rng.permutation(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]


def prepare_targets(
    y: np.ndarray,
    n: int,
    output_shape: tuple[int, ...],
    dtype: DTypeLike,
    output_name: str,
    *,
    name: str = "y",
) -> tuple[np.ndarray, np.ndarray | None]:
    """Targets for a network with per-sample ``output_shape``.

    Parameters
    ----------
    y
        (n,) integer class labels, or ``(n, *output_shape)`` real targets.
    n
        Number of samples the targets must cover.
    output_shape, dtype
        Of the network's output.
    output_name
        How messages name the layer that produces the output.
    name
        How messages name ``y`` (``"y_val"`` for validation targets, say).

    Returns
    -------
    (targets, labels)
        ``(n, *output_shape)`` targets of ``dtype`` (one-hot rows for labels), and the integer
        labels or ``None``.
    """
    check_array(y, name, dtype_kind="iuf")
    target_shape = (n, *output_shape)
    if y.dtype.kind in "iu":
        if y.shape == target_shape and y.ndim > 1:
            raise TypeError(
                f"targets {name} of shape {y.shape} must be floating, got {describe(y)}; "
                f"convert them with {name}.astype(np.{np.dtype(dtype)}), or pass class labels "
                f"of shape ({n},)."
            )
        if y.shape == (n, 1):
            raise ValueError(
                f"integer labels {name} must have shape ({n},), got {describe(y)}; use "
                f"{name}.ravel()."
            )
        check_array(y, f"integer labels {name}", shape=(n,))
        if len(output_shape) != 1:
            raise ValueError(
                f"integer labels need an output of shape (k,), but {output_name} outputs "
                f"{output_shape}."
            )
        (k,) = output_shape
        if n and (y.min() < 0 or y.max() >= k):
            hint = " (for two classes, give it 2 outputs and SoftMax)" if k == 1 else ""
            raise ValueError(
                f"labels {name} must lie in 0 .. {k - 1}, as {output_name} has {k} outputs{hint}; "
                f"got labels from {y.min()} to {y.max()}."
            )
        return np.eye(k, dtype=dtype)[y], y
    check_array(y, name, finite=True)
    if y.shape != target_shape:
        hint = ""
        if y.shape == (n,) and output_shape == (1,):
            hint = f"; add the output axis with {name}[:, None]"
        elif y.shape == (n,):
            hint = f"; class labels must be integers: convert them with {name}.astype(np.int64)"
        raise ValueError(
            f"targets {name} must have shape ({n}, {', '.join(map(str, output_shape))}) to match "
            f"{output_name}'s output, got {describe(y)}{hint}."
        )
    return y.astype(dtype, copy=False), None


def format_epoch(epoch: int, epochs: int, record: dict[str, float]) -> str:
    """One line per epoch: every recorded quantity, seconds last."""
    parts = [f"{key} {value:.4f}" for key, value in record.items() if key != "seconds"]
    return f"epoch {epoch}/{epochs}: " + ", ".join(parts) + f" ({record['seconds']:.1f} s)"


def train_loop(
    step: Step,
    predict: Callable[[np.ndarray], np.ndarray],
    loss: Loss,
    x: np.ndarray,
    targets: np.ndarray,
    labels: np.ndarray | None,
    *,
    batch_size: int,
    epochs: int,
    seed: int,
    validation_data: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None,
    verbose: bool,
) -> History:
    """Run ``epochs`` passes of seeded minibatch training and record them.

    Parameters
    ----------
    step
        ``step(x_batch, targets_batch) -> (loss, output)``: one forward pass, backward pass and
        parameter update; raises FloatingPointError when the loss is not finite.
    predict
        ``predict(x) -> output`` for the validation data.
    loss
        Scores the validation predictions.
    x, targets, labels
        Training inputs, targets as from :func:`prepare_targets`, integer labels or ``None``.
    batch_size, epochs, seed
        Minibatch size, number of passes, seed of the shuffling.
    validation_data
        (x_val, targets_val, labels_val) or ``None``.
    verbose
        A progress bar per epoch (removed when the epoch ends) and one printed line per epoch.

    Returns
    -------
    dict
        Per-epoch lists "loss", "accuracy" (with labels), "seconds" (training only), and
        "val_loss", "val_accuracy" with validation data.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    epochs = check_positive_int(epochs, "epochs")
    if len(x) == 0:
        raise ValueError(f"x must hold at least one sample, got {describe(x)}.")
    if validation_data is not None and len(validation_data[0]) == 0:
        x_val = validation_data[0]
        raise ValueError(f"x_val must hold at least one sample, got {describe(x_val)}.")
    rng = np.random.default_rng(seed)
    history: History = {}
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        total_loss, correct, seen = 0.0, 0, 0
        batches = minibatches(len(x), batch_size, rng)
        bar = tqdm(
            total=len(batches), desc=f"epoch {epoch}/{epochs}", leave=False, disable=not verbose
        )
        with bar:
            for number, batch in enumerate(batches, start=1):
                try:
                    batch_loss, output = step(x[batch], targets[batch])
                except FloatingPointError as error:
                    raise FloatingPointError(
                        f"training stopped at epoch {epoch}/{epochs}, batch {number}/"
                        f"{len(batches)}: {error}"
                    ) from None
                total_loss += batch_loss * len(batch)
                seen += len(batch)
                postfix = {"loss": f"{total_loss / seen:.4f}"}
                if labels is not None:
                    correct += int(np.sum(output.argmax(axis=1) == labels[batch]))
                    postfix["accuracy"] = f"{correct / seen:.4f}"
                bar.set_postfix(postfix, refresh=False)
                bar.update()
        record = {"loss": total_loss / seen}
        if labels is not None:
            record["accuracy"] = correct / seen
        record["seconds"] = time.perf_counter() - start
        if validation_data is not None:
            x_val, targets_val, labels_val = validation_data
            output = predict(x_val)
            record["val_loss"] = loss.evaluate(output, targets_val)
            if labels_val is not None:
                record["val_accuracy"] = float(np.mean(output.argmax(axis=1) == labels_val))
        for key, value in record.items():
            history.setdefault(key, []).append(float(value))
        if verbose:
            print(format_epoch(epoch, epochs, record))
    return history
