"""Making autoencoders: untrained ones from a seed, copies in the other framework, and the
framework half of an autoencoder (:mod:`~mnn.models.autoencoder.torch`,
:mod:`~mnn.models.autoencoder.keras`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from ..._frameworks import FRAMEWORKS, framework_module, framework_of
from ..._validation import check_choice, check_positive_int, describe
from .spec import CODE_SIZE, WIDTHS, layer_table


def framework_half(framework: str) -> ModuleType:
    """The module that builds and runs autoencoders in ``framework``."""
    check_choice(framework, "framework", FRAMEWORKS)
    return framework_module(__package__, framework)


def half_of(model: Any) -> ModuleType:
    """The framework half of an autoencoder built here; a clear error for any other model."""
    half = framework_half(framework_of(model))
    if not half.is_autoencoder(model):
        raise TypeError(
            f"model must be an autoencoder made by mnn.models.untrained_autoencoder or "
            f"mnn.models.trained_autoencoder, got {describe(model)}."
        )
    return half


def untrained_autoencoder(
    framework: str = "torch",
    *,
    widths: Sequence[int] = WIDTHS,
    code_size: int = CODE_SIZE,
    seed: int = 0,
) -> Any:
    """The untrained autoencoder, initialised from ``seed``.

    Parameters
    ----------
    framework
        ``"torch"``: a :class:`~mnn.models.autoencoder.torch.ConvAutoencoder` on (N, 1, 28, 28);
        ``"keras"``: a ``keras.Sequential`` of the ``encoder`` and ``decoder`` models on
        (N, 28, 28, 1).
    widths, code_size
        See :func:`~mnn.models.autoencoder.layer_table`.
    seed
        Seed of the weight initialisation (PyTorch: without touching the global generator;
        Keras: through ``keras.utils.set_random_seed``).
    """
    encoder, decoder = layer_table(widths, code_size)
    seed = check_positive_int(seed, "seed", minimum=0)
    half = framework_half(framework)
    with framework_module("mnn.models.training", framework).seeded(seed):
        return half.network(encoder, decoder)


def convert_autoencoder(model: Any, framework: str) -> Any:
    """A copy of an autoencoder in ``framework``, with the same weights: both compute the same
    function.

    Kernels are transposed between the layouts, and the units of the two dense layers next to the
    flatten and the reshape are reordered between PyTorch's (C, H, W) and Keras' (H, W, C) order.

    Parameters
    ----------
    model
        An autoencoder of either framework.
    framework
        ``"torch"`` or ``"keras"``: the framework of the copy.
    """
    source = half_of(model)
    target = framework_half(framework)
    return target.from_torch_state(*source.layer_tables(model), source.torch_state(model))


def count_parameters(model: Any) -> int:
    """The number of trainable parameters of a PyTorch or Keras model."""
    if framework_of(model) == "torch":
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
    return sum(math.prod(v.shape) for v in model.trainable_weights)
