"""SequentialNet: a stack of layers, trained by minibatch backpropagation."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import DTypeLike

from .._validation import (
    check_array,
    check_bool,
    check_callable,
    check_float_dtype,
    check_nonempty,
    check_positive_int,
    check_seed,
    check_shape,
    describe,
)
from .activations import Activation
from .initializers import Initializer
from .layers import Conv2D, Dense, Flatten, Layer, MaxPool2D, ParametricLayer
from .losses import CrossEntropy, Loss
from .optimizers import Optimizer
from .patches import to_batch_last
from .training import History, prepare_targets, train_loop


class SequentialNet:
    """Layers applied one after the other, with a loss on the last output.

    Build it with ``add_conv2D``, ``add_pool2D``, ``add_flatten`` and ``add_dense`` (each layer's
    input shape is the previous one's output shape), then ``train``.

    Parameters
    ----------
    input_shape
        Shape of one sample, e.g. (1, 28, 28) for grey images in NCHW layout, (784,) for rows.
    loss
        Default :class:`~mnn.nn.CrossEntropy`.
    dtype
        Dtype of every parameter and of the inputs the network accepts.
    seed
        Seed of the generator that draws the initial weights, layer after layer.
    """

    def __init__(
        self,
        input_shape: tuple[int, ...],
        loss: Loss | None = None,
        *,
        dtype: DTypeLike = np.float64,
        seed: int = 0,
    ) -> None:
        if not isinstance(input_shape, (tuple, list)) or not input_shape:
            raise TypeError(f"input_shape must be a tuple like (1, 28, 28), got {input_shape!r}.")
        self.input_shape = check_shape(input_shape, "input_shape")
        if loss is not None and not isinstance(loss, Loss):
            raise TypeError(f"loss must be an mnn.nn loss such as CrossEntropy(), got {loss!r}.")
        self.loss = CrossEntropy() if loss is None else loss
        self.dtype = check_float_dtype(dtype)
        self.layers: list[Layer] = []
        self._rng = np.random.default_rng(check_seed(seed))

    # ----------------------------------------------------------------------------- building
    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of one sample's output (the input shape while there are no layers)."""
        return self.layers[-1].output_shape if self.layers else self.input_shape

    def add(self, layer: Layer) -> Layer:
        """Append ``layer``; its input shape must be the current output shape."""
        if not isinstance(layer, Layer):
            raise TypeError(f"layer must be an mnn.nn layer, got {describe(layer)}.")
        if layer.input_shape is None:
            raise ValueError(
                f"{layer.label} was built without an input shape; build it with "
                f"tensor={self.output_shape}, or append it with add_pool2D or add_flatten."
            )
        if layer.input_shape != self.output_shape:
            raise ValueError(
                f"{layer.label} expects samples of shape {layer.input_shape}, but the network "
                f"outputs {self.output_shape} at this point."
            )
        if isinstance(layer, ParametricLayer) and layer.dtype != self.dtype:
            raise TypeError(f"{layer.label} has dtype {layer.dtype}, the network {self.dtype}.")
        names = {existing.name for existing in self.layers}
        if layer.name in names:
            stem, count = layer.name, 1
            while f"{stem}_{count}" in names:
                count += 1
            layer.name = f"{stem}_{count}"
        self.layers.append(layer)
        return layer

    def add_conv2D(
        self,
        fshape: tuple[int, int, int],
        afun: Activation | None = None,
        optim: Optimizer | None = None,
        initializer: Initializer | None = None,
        *,
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
    ) -> Conv2D:
        """Append a :class:`~mnn.nn.Conv2D` with ``fshape`` = (m, fh, fw)."""
        tensor = self._require_rank(3, "add_conv2D", "images (c, h, w)")
        layer = Conv2D(
            tensor, fshape, afun, optim, initializer, stride=stride, padding=padding,
            dtype=self.dtype, rng=self._rng,
        )  # fmt: skip
        return self.add(layer)

    def add_pool2D(self, area: tuple[int, int] = (2, 2), strict: bool = False) -> MaxPool2D:
        """Append a :class:`~mnn.nn.MaxPool2D`."""
        tensor = self._require_rank(3, "add_pool2D", "images (c, h, w)")
        return self.add(MaxPool2D(area, strict, tensor=tensor))

    def add_flatten(self) -> Flatten:
        """Append a :class:`~mnn.nn.Flatten`."""
        return self.add(Flatten(tensor=self.output_shape))

    def add_dense(
        self,
        no: int,
        afun: Activation | None = None,
        optim: Optimizer | None = None,
        initializer: Initializer | None = None,
    ) -> Dense:
        """Append a :class:`~mnn.nn.Dense` with ``no`` outputs."""
        (ni,) = self._require_rank(1, "add_dense", "rows (d,); call add_flatten first")
        layer = Dense(ni, no, afun, optim, initializer, dtype=self.dtype, rng=self._rng)
        return self.add(layer)

    def _require_rank(self, rank: int, method: str, what: str) -> tuple[int, ...]:
        shape = self.output_shape
        if len(shape) != rank:
            hint = ""
            if rank == 3 and len(shape) == 2 and not self.layers:
                hint = f"; for grey images, build the network with input_shape={(1, *shape)}"
            raise ValueError(f"{method} needs {what}, but the network outputs {shape} here{hint}.")
        return shape

    # ---------------------------------------------------------------------------- computing
    def evaluate(self, x: np.ndarray, batch_size: int | None = 1000) -> np.ndarray:
        """The output for ``x`` of shape ``(N, *input_shape)``, ``batch_size`` samples at a time.

        An empty batch gives an empty output, ``(0, *output_shape)``. An output that is not
        finite raises ``FloatingPointError``, naming where NaN or infinity first appears (in the
        input, a parameter, or the first layer that overflows).
        """
        self._check_inputs(x)
        step = (
            max(len(x), 1) if batch_size is None else check_positive_int(batch_size, "batch_size")
        )
        outputs = []
        for start in range(0, len(x), step):
            batch = x[start : start + step]
            output = self._forward(batch)
            # A ReLU can turn an infinite input into a finite output: the input is checked too.
            finite_output = np.all(np.isfinite(output))
            if not (finite_output and np.all(np.isfinite(batch))):
                what = "output" if not finite_output else "input"
                raise FloatingPointError(
                    f"the {what} for samples {start} .. {start + len(batch) - 1} is not finite: "
                    f"{self._first_nonfinite(batch)}"
                )
            outputs.append(output)
        return np.concatenate(outputs) if outputs else np.empty((0, *self.output_shape), self.dtype)

    def backprop(self, x: np.ndarray, y: np.ndarray) -> float:
        """Forward and backward pass on one batch; returns the loss and leaves the gradients
        in the layers (see ``gradients``). ``y``: integer labels (n,) or targets (n, k).
        The loss is a mean over the batch, so ``x`` must hold at least one sample."""
        self._check_inputs(x)
        check_nonempty(x, "x", hint="the loss is a mean over the samples of a batch")
        loss, _ = self._step(x, self._targets(y, len(x))[0])
        return loss

    def update(self) -> None:
        """One optimizer step in every layer."""
        for layer in self.layers:
            layer.update()

    def parameters(self) -> dict[str, np.ndarray]:
        """Every trainable array, named ``"<layer>.<parameter>"``."""
        return {
            f"{layer.name}.{key}": value
            for layer in self.layers
            for key, value in layer.parameters().items()
        }

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradients of the last ``backprop``, named as in ``parameters``."""
        return {
            f"{layer.name}.{key}": value
            for layer in self.layers
            for key, value in layer.gradients().items()
        }

    def _forward(self, a: np.ndarray) -> np.ndarray:
        # Batch-last storage makes every pass over images run along long rows (mnn.nn.patches).
        a = to_batch_last(a)
        for layer in self.layers:
            a = layer.evaluate(a)
        return a

    def _step(self, x: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        output = self._forward(x)
        loss = self.loss.evaluate(output, targets)
        if not np.isfinite(loss):
            raise FloatingPointError(f"the loss is {loss}: {self._first_nonfinite(x)}")
        last = len(self.layers) - 1
        combined = isinstance(self.layers[last], ParametricLayer)
        if combined:
            delta = self.loss.output_delta(self.layers[last].afun, output, targets)
        else:
            delta = self.loss.gradient(output, targets)
        for index in range(last, -1, -1):
            layer = self.layers[index]
            if isinstance(layer, ParametricLayer):
                # The first layer's input gradient would go nowhere: skip computing it.
                delta = layer.backprop(
                    delta, pre_activation=combined and index == last, input_gradient=index > 0
                )
            elif index > 0:
                delta = layer.backprop(delta)
        return loss, output

    def _nonfinite_parameters(self) -> str | None:
        """Name the first parameter array with a NaN or infinite entry, if there is one."""
        for layer in self.layers:
            for key, value in layer.parameters().items():
                if not np.all(np.isfinite(value)):
                    return f"the {key} of {layer.label}"
        return None

    def _first_nonfinite(self, x: np.ndarray) -> str:
        """Name where NaN or infinity first appears when ``x`` goes through the network."""
        advice = "lower the learning rate, or check the data for NaN and infinite values."
        if not np.all(np.isfinite(x)):
            return f"the input batch contains NaN or infinite values; {advice}"
        broken = self._nonfinite_parameters()
        if broken:
            return f"{broken} are no longer finite; {advice}"
        a = x
        for layer in self.layers:
            shape = a.shape
            a = layer.evaluate(a)
            if not np.all(np.isfinite(a)):
                return (
                    f"{layer.label} is the first to output NaN or infinite values (input "
                    f"{shape}, output {a.shape}); {advice}"
                )
        # The targets were checked to be finite: the loss itself overflowed.
        return (
            f"every layer's output is finite, but the loss overflowed on outputs as large as "
            f"{np.abs(a).max():.3g}; {advice}"
        )

    # ----------------------------------------------------------------------------- training
    def train(
        self,
        x: np.ndarray,
        y: np.ndarray,
        batch_size: int = 32,
        epochs: int = 1,
        *,
        seed: int = 0,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        verbose: bool = True,
    ) -> History:
        """Minibatch training: each epoch visits the samples in a new seeded random order.

        Parameters
        ----------
        x
            ``(N, *input_shape)`` inputs of the network's dtype.
        y
            (N,) integer class labels, or (N, k) targets of the network's output shape.
        batch_size
            Samples per step (the last batch of an epoch may be smaller).
        epochs
            Passes over the data.
        seed
            Seed of the shuffling.
        validation_data
            Optional (x_val, y_val), evaluated after every epoch.
        verbose
            Show a progress bar (loss and accuracy so far) and print one line per epoch.

        Returns
        -------
        dict
            Per-epoch lists: "loss", "accuracy" (with integer labels), "val_loss",
            "val_accuracy" (with validation data), and "seconds" (training time, without
            validation).
        """
        if not self.layers:
            raise ValueError("the network has no layers yet; add some before training.")
        seed = check_seed(seed)
        verbose = check_bool(verbose, "verbose")
        self._check_inputs(x)
        # Before the targets: an empty x would otherwise be reported as labels y of wrong length.
        check_nonempty(x, "x", hint="training needs at least one sample")
        targets, labels = self._targets(y, len(x))
        validation = None
        if validation_data is not None:
            if not isinstance(validation_data, tuple) or len(validation_data) != 2:
                raise TypeError("validation_data must be a pair (x_val, y_val).")
            x_val, y_val = validation_data
            self._check_inputs(x_val, "x_val")
            check_nonempty(x_val, "x_val", hint="validation needs at least one sample")
            validation = (x_val, *self._targets(y_val, len(x_val), "y_val"))

        def step(x_batch: np.ndarray, targets_batch: np.ndarray) -> tuple[float, np.ndarray]:
            loss, output = self._step(x_batch, targets_batch)
            self.update()
            # Without this check an update that overflows in the last step would go unnoticed.
            broken = self._nonfinite_parameters()
            if broken:
                raise FloatingPointError(
                    f"the update made {broken} no longer finite; lower the learning rate, or "
                    f"scale the data (images to 0..1, say)."
                )
            return loss, output

        return train_loop(
            step, self.evaluate, self.loss, x, targets, labels, batch_size=batch_size,
            epochs=epochs, seed=seed, validation_data=validation, verbose=verbose,
        )  # fmt: skip

    def _check_inputs(self, x: np.ndarray, name: str = "x") -> None:
        if not self.layers:
            raise ValueError("the network has no layers yet; add some first.")
        check_array(x, name)
        if x.dtype.kind != "f":
            raise TypeError(
                f"{name} must have a floating dtype, got {describe(x)}; convert it with "
                f"{name}.astype(np.{self.dtype}) (and scale images of 0..255 to 0..1 by / 255)."
            )
        if x.shape[1:] != self.input_shape:
            raise ValueError(
                f"the network takes inputs of shape (N, {', '.join(map(str, self.input_shape))})"
                f", got {describe(x)} as {name}; {_reshape_hint(x.shape, self.input_shape, name)}."
            )
        if x.dtype != self.dtype:
            raise TypeError(
                f"the network has {self.dtype} parameters but {name} is {x.dtype}; convert with "
                f"{name}.astype(np.{self.dtype})."
            )

    def _targets(
        self, y: np.ndarray, n: int, name: str = "y"
    ) -> tuple[np.ndarray, np.ndarray | None]:
        label = self.layers[-1].label
        return prepare_targets(y, n, self.output_shape, self.dtype, label, name=name)

    # ------------------------------------------------------------------------------ display
    def summary(self, print_fn: Callable[[str], object] = print) -> None:
        """Print a table of the layers like Keras' ``Model.summary``.

        ``print_fn`` receives the whole table as one string (default :func:`print`)."""
        check_callable(print_fn, "print_fn", "print_fn(text)")
        rows = [("Layer (type)", "Output Shape", "Param #")]
        for layer in self.layers:
            count = sum(value.size for value in layer.parameters().values())
            shape = "(None, " + ", ".join(map(str, layer.output_shape)) + ")"
            rows.append((f"{layer.name} ({type(layer).__name__})", shape, f"{count:,}"))
        widths = [max(len(row[i]) for row in rows) + 3 for i in range(3)]
        rule = "=" * sum(widths)
        lines = [f"SequentialNet: input (None, {', '.join(map(str, self.input_shape))}), "
                 f"{self.dtype}, loss {self.loss!r}", rule]  # fmt: skip
        for index, row in enumerate(rows):
            lines.append(
                "".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
            if index == 0:
                lines.append(rule)
        total = sum(value.size for value in self.parameters().values())
        lines += [rule, f"Total params: {total:,}"]
        print_fn("\n".join(lines))


def _reshape_hint(shape: tuple[int, ...], input_shape: tuple[int, ...], x: str) -> str:
    """What to do with inputs ``x`` of ``shape`` for a network taking ``(N, *input_shape)``."""
    if shape == input_shape:
        return f"for one sample, add the batch axis with {x}[None]"
    if len(input_shape) == 3 and shape[1:] == input_shape[1:] and input_shape[0] == 1:
        return f"for grey images, add the channel axis with {x}[:, None]"
    if len(input_shape) == 3 and shape[1:] == (*input_shape[1:], input_shape[0]):
        return f"for images stored (N, h, w, c), move the channels with {x}.transpose(0, 3, 1, 2)"
    if len(shape) > 1 and math.prod(shape[1:]) == math.prod(input_shape):
        return f"reshape {x} with {x}.reshape(len({x}), {', '.join(map(str, input_shape))})"
    return f"reshape {x}, or build the network for this input_shape"
