"""Copy PyTorch weights into a Keras model whose layers carry the PyTorch module names.

PyTorch stores a convolution kernel as (out, in, kh, kw) and Keras as (kh, kw, in, out); a
depthwise kernel as (channels, 1, kh, kw) against (kh, kw, channels, 1); a dense matrix as
(out, in) against (in, out). A dense layer that follows a flatten also sees its inputs in a
different order: PyTorch flattens (C, H, W), Keras (H, W, C).
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
import numpy as np

# Buffers PyTorch keeps that Keras has no use for at inference.
_IGNORED_SUFFIXES = (".num_batches_tracked",)


def _dense_kernel(weight: np.ndarray, flattened: tuple[int, int, int] | None) -> np.ndarray:
    if flattened is None:
        return weight.T
    channels, height, width = flattened
    chw = weight.reshape(weight.shape[0], channels, height, width)
    return chw.transpose(2, 3, 1, 0).reshape(channels * height * width, weight.shape[0])


def _converted(
    layer: keras.layers.Layer, state: Mapping[str, np.ndarray], flattened: tuple | None
) -> tuple[list[np.ndarray], list[str]]:
    """The layer's weights in Keras order, and the state keys they came from."""
    name = layer.name
    if isinstance(layer, keras.layers.BatchNormalization):
        keys = [f"{name}.{k}" for k in ("weight", "bias", "running_mean", "running_var")]
        return [state[k] for k in keys], keys
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        keys = [f"{name}.weight"] + ([f"{name}.bias"] if layer.use_bias else [])
        return [state[keys[0]].transpose(2, 3, 0, 1)] + [state[k] for k in keys[1:]], keys
    if isinstance(layer, keras.layers.Conv2D):
        keys = [f"{name}.weight"] + ([f"{name}.bias"] if layer.use_bias else [])
        return [state[keys[0]].transpose(2, 3, 1, 0)] + [state[k] for k in keys[1:]], keys
    if isinstance(layer, keras.layers.Dense):
        keys = [f"{name}.weight", f"{name}.bias"]
        return [_dense_kernel(state[keys[0]], flattened), state[keys[1]]], keys
    raise TypeError(f"no PyTorch-to-Keras conversion for layer {name!r} of type {type(layer)}.")


def load_torch_weights(
    model: keras.Model,
    state: Mapping[str, np.ndarray],
    flattened: Mapping[str, tuple[int, int, int]] | None = None,
) -> None:
    """Set every weight of ``model`` from a PyTorch state dict, matching layers by name.

    Strict both ways: every Keras weight must find its PyTorch tensor and every PyTorch tensor
    (other than BatchNorm's step counter) must be used.

    Parameters
    ----------
    model
        A Keras model whose weighted layers are named like the PyTorch modules
        (``"blocks.3.depthwise.conv"`` takes ``"blocks.3.depthwise.conv.weight"``).
    state
        PyTorch parameter and buffer names mapped to NumPy arrays.
    flattened
        For dense layers that follow a flatten: the layer name mapped to the (C, H, W) shape
        that was flattened, so that the kernel's rows are reordered to Keras' (H, W, C) order.
    """
    flattened = dict(flattened or {})
    used: set[str] = set()
    for layer in model.layers:
        if not layer.weights:
            continue
        try:
            values, keys = _converted(layer, state, flattened.pop(layer.name, None))
        except KeyError as error:
            raise KeyError(f"layer {layer.name!r} has no PyTorch weights {error}.") from None
        expected = [tuple(w.shape) for w in layer.weights]
        if [v.shape for v in values] != expected:
            raise ValueError(
                f"layer {layer.name!r} expects weights of shapes {expected}, the PyTorch "
                f"tensors give {[v.shape for v in values]}."
            )
        layer.set_weights(values)
        used.update(keys)
    unused = sorted(k for k in state if k not in used and not k.endswith(_IGNORED_SUFFIXES))
    if unused:
        more = f" and {len(unused) - 5} more" if len(unused) > 5 else ""
        raise ValueError(f"PyTorch tensors without a Keras layer: {unused[:5]}{more}.")
    if flattened:
        raise ValueError(f"flattened names layers the model does not have: {sorted(flattened)}.")
