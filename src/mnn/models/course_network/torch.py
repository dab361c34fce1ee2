"""The PyTorch twin of a :class:`~mnn.nn.SequentialNet`: the same network, weights copied.

PyTorch's ``conv2d`` is a cross-correlation, so each filter is rotated by 180°; ``Linear``
stores Wᵀ. Both layouts are NCHW, so inputs are shared as they are.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

from ..._validation import describe
from ...nn.activations import Activation, Identity, ReLU, Sigmoid, SoftMax, Tanh
from ...nn.layers import Conv2D, Dense, Flatten, Layer, MaxPool2D
from ...nn.losses import CrossEntropy, Loss, MeanSquaredError
from ...nn.network import SequentialNet
from ...nn.optimizers import SGD, Adam, Optimizer
from ...nn.training import VALIDATION_BATCH, History, prepare_targets, train_loop
from ..inference import forward
from ..inference.torch import to_tensor


def to_torch(net: SequentialNet) -> torch.nn.Sequential:
    """A ``torch.nn.Sequential`` computing what ``net`` computes, with copies of its weights.

    Modules are named after the mnn layers (``"conv2d"``, ``"dense_1"``, ...); each activation
    follows as ``"<layer>_<activation>"``. The dtype is the network's.
    """
    if not isinstance(net, SequentialNet):
        raise TypeError(f"net must be an mnn.nn.SequentialNet, got {describe(net)}.")
    dtype = getattr(torch, net.dtype.name)
    modules: OrderedDict[str, torch.nn.Module] = OrderedDict()
    for layer in net.layers:
        modules[layer.name] = _module(layer, dtype)
        if isinstance(layer, (Conv2D, Dense)):
            modules[f"{layer.name}_{type(layer.afun).__name__.lower()}"] = _activation(layer.afun)
    return torch.nn.Sequential(modules)


def _module(layer: Layer, dtype: torch.dtype) -> torch.nn.Module:
    if isinstance(layer, Conv2D):
        m, fh, fw = layer.fshape
        module = torch.nn.Conv2d(
            layer.input_shape[0], m, (fh, fw), stride=layer.stride, padding=layer.padding,
            dtype=dtype,
        )  # fmt: skip
        weight = layer.filters[:, :, ::-1, ::-1]
    elif isinstance(layer, Dense):
        module = torch.nn.Linear(*layer.weights.shape, dtype=dtype)
        weight = layer.weights.T
    elif isinstance(layer, MaxPool2D):
        return torch.nn.MaxPool2d(layer.area)
    elif isinstance(layer, Flatten):
        return torch.nn.Flatten()
    else:
        raise TypeError(f"{layer.label} has no PyTorch counterpart here.")
    with torch.no_grad():
        module.weight.copy_(to_tensor(weight))
        module.bias.copy_(to_tensor(layer.bias))
    return module


def _activation(afun: Activation) -> torch.nn.Module:
    modules = {
        Identity: torch.nn.Identity,
        ReLU: torch.nn.ReLU,
        Sigmoid: torch.nn.Sigmoid,
        Tanh: torch.nn.Tanh,
    }
    if isinstance(afun, SoftMax):
        return torch.nn.Softmax(dim=-1)
    if type(afun) not in modules:
        raise TypeError(f"{afun!r} has no PyTorch counterpart here.")
    return modules[type(afun)]()


def torch_loss(
    model: torch.nn.Sequential, loss: Loss, x: torch.Tensor, targets: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(loss, output) of ``model`` on a batch, as ``loss`` defines it in mnn.

    A cross-entropy after a final softmax is computed from the logits by PyTorch's fused
    ``cross_entropy``, the counterpart of mnn's combined gradient (A - Y)/n.
    """
    if isinstance(loss, CrossEntropy) and isinstance(model[-1], torch.nn.Softmax):
        logits = model[:-1](x)
        return torch.nn.functional.cross_entropy(logits, targets), torch.softmax(logits, dim=-1)
    output = model(x)
    if isinstance(loss, CrossEntropy):
        return -(targets * torch.log(output)).sum() / len(x), output
    if isinstance(loss, MeanSquaredError):
        return 0.5 * ((output - targets) ** 2).sum() / len(x), output
    raise TypeError(f"{loss!r} has no PyTorch counterpart here.")


def torch_gradients(
    model: torch.nn.Sequential, net: SequentialNet, x: np.ndarray, y: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    """The loss of ``model`` on (x, y) and its gradients, in mnn's names and layouts.

    Parameters
    ----------
    model
        From :func:`to_torch` (``net``).
    net
        The mnn network it was made from: gives the loss, the names and the layouts.
    x, y
        A batch, as for ``net.backprop``.

    Returns
    -------
    (loss, gradients)
        Gradients named as ``net.gradients()``, filters rotated back and Wᵀ transposed back.
    """

    targets, _ = prepare_targets(y, len(x), net.output_shape, net.dtype, net.layers[-1].label)
    model.zero_grad()
    loss, _ = torch_loss(model, net.loss, to_tensor(x), to_tensor(targets))
    loss.backward()
    return float(loss.detach()), _in_mnn_layout(model, net, lambda p: p.grad.numpy())


def from_torch(model: torch.nn.Sequential, net: SequentialNet) -> None:
    """Copy the weights of ``model`` (made by :func:`to_torch` from ``net``) back into ``net``."""
    parameters = net.parameters()
    for name, value in _in_mnn_layout(model, net, lambda p: p.detach().numpy()).items():
        parameters[name][...] = value


def _in_mnn_layout(
    model: torch.nn.Sequential, net: SequentialNet, read: Callable[[torch.Tensor], np.ndarray]
) -> dict[str, np.ndarray]:
    """``read`` of every weight and bias of ``model``, named and laid out as in ``net``."""
    arrays = {}
    for layer in net.layers:
        if isinstance(layer, (Conv2D, Dense)):
            module = model.get_submodule(layer.name)
            weight = read(module.weight)
            if isinstance(layer, Conv2D):
                arrays[f"{layer.name}.filters"] = weight[:, :, ::-1, ::-1]
            else:
                arrays[f"{layer.name}.weights"] = weight.T
            arrays[f"{layer.name}.bias"] = read(module.bias)
    return arrays


def torch_optimizer(optim: Optimizer, parameters: Iterable[torch.Tensor]) -> torch.optim.Optimizer:
    """PyTorch's version of an mnn optimizer, with the same hyper-parameters."""
    if isinstance(optim, Adam):
        return torch.optim.Adam(
            parameters, lr=optim.learning_rate, betas=(optim.beta1, optim.beta2),
            eps=optim.epsilon,
        )  # fmt: skip
    if isinstance(optim, SGD):
        return torch.optim.SGD(parameters, lr=optim.learning_rate, momentum=optim.momentum)
    raise TypeError(f"{optim!r} has no PyTorch counterpart here.")


#: Images per forward and backward pass within a batch. A batch's gradient is accumulated over
#: chunks of this size: their feature maps stay in the CPU's cache, which makes the course
#: network's batches of 1000 train twice as fast on a 2-core CPU. The sum differs from one pass
#: over the whole batch by rounding only.
CHUNK = 250


def fit_torch(
    model: torch.nn.Sequential,
    x: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss,
    optim: Optimizer,
    batch_size: int,
    epochs: int,
    seed: int = 0,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    verbose: bool = True,
) -> History:
    """Train ``model`` as ``SequentialNet.train`` trains: same batches, same records.

    Parameters are as for :meth:`mnn.nn.SequentialNet.train`, plus the mnn ``loss`` and
    ``optim`` to mirror (one optimizer over all parameters: Adam and SGD act entrywise, so this
    equals mnn's one optimizer per layer).
    """
    output_shape = tuple(model(to_tensor(x[:1])).shape[1:])
    dtype = x.dtype
    targets, labels = prepare_targets(y, len(x), output_shape, dtype, "the model")
    optimizer = torch_optimizer(optim, model.parameters())

    def step(x_batch: np.ndarray, targets_batch: np.ndarray) -> tuple[float, np.ndarray]:
        # The batch's mean loss is the chunks' means weighted by their sizes; their gradients add
        # up in the parameters' .grad before the one optimizer step.
        optimizer.zero_grad()
        value, outputs = 0.0, []
        for start in range(0, len(x_batch), CHUNK):
            x_chunk = to_tensor(x_batch[start : start + CHUNK])
            chunk_loss, output = torch_loss(
                model, loss, x_chunk, to_tensor(targets_batch[start : start + CHUNK])
            )
            chunk_loss = chunk_loss * (len(x_chunk) / len(x_batch))
            chunk_loss.backward()
            value += float(chunk_loss.detach())
            outputs.append(output.detach().numpy())
        if not np.isfinite(value):
            raise FloatingPointError(f"the loss is {value}.")
        optimizer.step()
        return value, np.concatenate(outputs)

    def predict(inputs: np.ndarray) -> np.ndarray:
        return forward(model, inputs, VALIDATION_BATCH)

    validation = None
    if validation_data is not None:
        x_val, y_val = validation_data
        validation = (
            x_val,
            *prepare_targets(y_val, len(x_val), output_shape, dtype, "the model", name="y_val"),
        )
    model.train()
    return train_loop(
        step, predict, loss, x, targets, labels, batch_size=batch_size, epochs=epochs,
        seed=seed, validation_data=validation, verbose=verbose,
    )  # fmt: skip


def train(
    net: SequentialNet, x: np.ndarray, y: np.ndarray, *, optim: Optimizer, **schedule: Any
) -> History:
    """Train ``net``'s PyTorch twin as ``net.train(x, y, **schedule)`` would train ``net``, then
    copy the trained weights back into ``net``; return the twin's history.

    ``optim`` is the optimiser to mirror, ``schedule`` the keyword arguments of
    :meth:`mnn.nn.SequentialNet.train`; the loss is ``net``'s.
    """
    model = to_torch(net)
    history = fit_torch(model, x, y, loss=net.loss, optim=optim, **schedule)
    from_torch(model, net)
    return history
