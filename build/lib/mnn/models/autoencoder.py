"""The course's symmetric convolutional autoencoder (CAE) for 28x28 images, in PyTorch and Keras.

The encoder :math:`f` maps an image :math:`x \\in [0, 1]^{28 \\times 28}` to a code
:math:`z = f(x) \\in \\mathbb{R}^2`, the decoder :math:`g` maps the code back to an image
:math:`\\hat x = g(z)`; training minimises the binary cross-entropy between :math:`\\hat x` and
:math:`x` (:func:`~mnn.models.reconstruction_loss`).

With encoder widths :math:`(c_1, c_2, c_3)` (default :data:`WIDTHS`):

=================  ==========================================  ===================
encoder            layer                                       output (C, H, W)
=================  ==========================================  ===================
``enc_conv1``      3x3 convolution 1 -> c1, ReLU               (c1, 28, 28)
``enc_pool1``      2x2 max pooling                             (c1, 14, 14)
``enc_conv2``      3x3 convolution c1 -> c2, ReLU              (c2, 14, 14)
``enc_pool2``      2x2 max pooling                             (c2, 7, 7)
``enc_conv3``      3x3 convolution c2 -> c3, ReLU              (c3, 7, 7)
``enc_flatten``    flatten                                     (49 c3,)
``code``           dense 49 c3 -> 2, no activation: :math:`z`  (2,)
=================  ==========================================  ===================

The decoder is the mirror image, layer by layer: ``dec_dense`` (2 -> 49 c3, ReLU) and
``dec_reshape`` undo ``code`` and ``enc_flatten``; ``dec_conv3`` (c3 -> c2) mirrors ``enc_conv3``
(c2 -> c3) at the same 7x7 resolution; ``dec_up2`` (2x nearest-neighbour upsampling) undoes
``enc_pool2``; ``dec_conv2`` (c2 -> c1) at 14x14, ``dec_up1``, and ``dec_conv1`` (c1 -> 1) at
28x28 followed by a sigmoid, so that the output is an image in (0, 1) of the input's shape.

The two layer tables (:func:`layer_table`) are written once; :mod:`mnn.models.autoencoder_torch`
and ``mnn.models.autoencoder_keras`` build from them with the same layer names, so both
frameworks have the same architecture and the same number of parameters by construction.

:func:`~mnn.models.encode`, :func:`~mnn.models.decode`, :func:`~mnn.models.reconstruct` and
:func:`~mnn.models.reconstruction_loss` take either
framework's model, and also a PCA fitted by :func:`mnn.models.pca_autoencoder` (the best *linear*
autoencoder), on images given as (N, 28, 28) floats in [0, 1].
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._frameworks import FRAMEWORKS, framework_of
from .._validation import check_array, check_choice, check_in_range, check_positive_int, describe
from ._inference import forward
from .fashion_cnn import IMAGE_SIZE, LayerSpec
from .training import evaluator

#: The encoder widths c1, c2, c3, small enough to train on all 60,000 images in about a minute.
WIDTHS = (8, 16, 16)
CODE_SIZE = 2
KERNEL_SIZE = 3
POOL = 2
#: Images per forward pass in :func:`encode`, :func:`decode` and :func:`reconstruction_loss`.
INFERENCE_BATCH = 1000
IMAGES_HINT = (
    "pass (N, 28, 28) float pixels in [0, 1], e.g. mnn.models.autoencoder_inputs(uint8_images)"
)


def layer_table(
    widths: Sequence[int] = WIDTHS, code_size: int = CODE_SIZE
) -> tuple[tuple[LayerSpec, ...], tuple[LayerSpec, ...]]:
    """The encoder's and the decoder's layer tables for encoder widths ``widths``.

    Kinds: conv (3x3, same padding), relu, sigmoid, maxpool (size x size), upsample (size x,
    nearest neighbour), flatten, dense (units), reshape (to ``size`` channels of a square map).

    Parameters
    ----------
    widths
        Output channels of the encoder's convolutions, first to last. There is a 2x2 pooling
        between consecutive convolutions, so 28 must be divisible by ``2 ** (len(widths) - 1)``.
    code_size
        Units of the bottleneck ``code``.

    Returns
    -------
    (encoder, decoder)
        Two tuples of :class:`~mnn.models.fashion_cnn.LayerSpec`.
    """
    widths = _check_widths(widths)
    code_size = check_positive_int(code_size, "code_size")
    depth = len(widths)
    side = IMAGE_SIZE // POOL ** (depth - 1)
    encoder: list[LayerSpec] = []
    for k, width in enumerate(widths, start=1):
        if k > 1:
            encoder.append(LayerSpec(f"enc_pool{k - 1}", "maxpool", POOL))
        encoder += [LayerSpec(f"enc_conv{k}", "conv", width), LayerSpec(f"enc_relu{k}", "relu")]
    encoder += [LayerSpec("enc_flatten", "flatten"), LayerSpec("code", "dense", code_size)]

    decoder = [
        LayerSpec("dec_dense", "dense", widths[-1] * side * side),
        LayerSpec("dec_relu", "relu"),
        LayerSpec("dec_reshape", "reshape", widths[-1]),
    ]
    for k in range(depth, 0, -1):
        # dec_conv{k} maps the channels of enc_conv{k}'s output back to those of its input.
        if k > 1:
            decoder += [
                LayerSpec(f"dec_conv{k}", "conv", widths[k - 2]),
                LayerSpec(f"dec_relu{k}", "relu"),
            ]
            decoder.append(LayerSpec(f"dec_up{k - 1}", "upsample", POOL))
        else:
            decoder += [LayerSpec("dec_conv1", "conv", 1), LayerSpec("dec_sigmoid", "sigmoid")]
    return tuple(encoder), tuple(decoder)


def output_shapes(
    layers: Sequence[LayerSpec], input_shape: tuple[int, ...]
) -> list[tuple[int, ...]]:
    """The output shape of every layer, (C, H, W) for maps and (features,) for vectors."""
    shapes, shape = [], tuple(input_shape)
    for layer in layers:
        if layer.kind == "conv":
            shape = (int(layer.size), *shape[1:])
        elif layer.kind == "maxpool":
            shape = (shape[0], shape[1] // int(layer.size), shape[2] // int(layer.size))
        elif layer.kind == "upsample":
            shape = (shape[0], shape[1] * int(layer.size), shape[2] * int(layer.size))
        elif layer.kind == "flatten":
            shape = (math.prod(shape),)
        elif layer.kind == "dense":
            shape = (int(layer.size),)
        elif layer.kind == "reshape":
            side = math.isqrt(shape[0] // int(layer.size))
            shape = (int(layer.size), side, side)
        shapes.append(shape)
    return shapes


def parameter_counts(layers: Sequence[LayerSpec], input_shape: tuple[int, ...]) -> list[int]:
    """Weights plus biases of every layer: :math:`(9 c_{in} + 1) c_{out}` for a 3x3
    convolution, :math:`(n_{in} + 1) n_{out}` for a dense layer, 0 otherwise."""
    inputs = [tuple(input_shape), *output_shapes(layers, input_shape)[:-1]]
    counts = []
    for layer, shape in zip(layers, inputs, strict=True):
        if layer.kind == "conv":
            counts.append((KERNEL_SIZE * KERNEL_SIZE * shape[0] + 1) * int(layer.size))
        elif layer.kind == "dense":
            counts.append((shape[0] + 1) * int(layer.size))
        else:
            counts.append(0)
    return counts


def summary(widths: Sequence[int] = WIDTHS, code_size: int = CODE_SIZE) -> str:
    """A text table of the architecture: layer, kind, output shape (C, H, W), parameters."""
    encoder, decoder = layer_table(widths, code_size)
    lines = [f"{'layer':<13} {'kind':<9} {'output (C, H, W)':<17} {'parameters':>10}"]
    total = 0
    for part, input_shape in ((encoder, (1, IMAGE_SIZE, IMAGE_SIZE)), (decoder, (code_size,))):
        rows = zip(
            part,
            output_shapes(part, input_shape),
            parameter_counts(part, input_shape),
            strict=True,
        )
        for layer, shape, count in rows:
            lines.append(f"{layer.name:<13} {layer.kind:<9} {shape!s:<17} {count:>10,}")
            total += count
    lines.append(f"{'total':<41} {total:>10,}")
    return "\n".join(lines)


def autoencoder_inputs(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28), as :func:`mnn.data.load_fashion_mnist` returns them, as float32
    pixels in [0, 1] of the same shape: the inputs and targets of the autoencoder."""
    check_array(images, "images", shape=(None, IMAGE_SIZE, IMAGE_SIZE))
    if images.dtype != np.uint8:
        raise TypeError(
            f"images must be uint8 pixels (0-255), got dtype {images.dtype}; floating images "
            "already scaled to [0, 1] are the autoencoder's inputs as they are."
        )
    return images.astype(np.float32) / 255.0


def check_images(images: Any, name: str = "images") -> np.ndarray:
    """Check that ``images`` are (N, 28, 28) finite floats in [0, 1]; return them as float32."""
    check_array(images, name)
    if images.dtype.kind != "f":
        raise TypeError(
            f"{name} must be floating-point pixels in [0, 1], got {describe(images)}; "
            f"{IMAGES_HINT}."
        )
    side = (IMAGE_SIZE, IMAGE_SIZE)
    if images.ndim != 3 or images.shape[1:] != side:
        if images.shape == side:
            hint = f"a single image needs a batch axis: pass {name}[None]"
        elif images.shape[1:] == (1, *side):
            hint = f"drop the channel axis with {name}[:, 0]"
        elif images.shape[1:] == (*side, 1):
            hint = f"drop the channel axis with {name}[..., 0]"
        else:
            hint = IMAGES_HINT
        raise ValueError(f"{name} must have shape (any, 28, 28), got {describe(images)}; {hint}.")
    if len(images) == 0:
        raise ValueError(f"{name} is empty, shape {images.shape}: pass at least one image.")
    check_array(images, name, finite=True)
    check_in_range(images, name, 0.0, 1.0, IMAGES_HINT + ".")
    return images.astype(np.float32, copy=False)


def _check_widths(widths: Any) -> tuple[int, ...]:
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or not widths:
        raise TypeError(f"widths must be a non-empty sequence of integers, got {describe(widths)}.")
    widths = tuple(check_positive_int(w, "every width") for w in widths)
    if IMAGE_SIZE % POOL ** (len(widths) - 1):
        raise ValueError(
            f"{len(widths)} widths need {len(widths) - 1} 2x2 poolings, but 28 is not divisible "
            f"by {POOL ** (len(widths) - 1)}; use at most 3 widths."
        )
    return widths


def framework_backend(framework: str) -> Any:
    check_choice(framework, "framework", FRAMEWORKS)
    if framework == "torch":
        from . import autoencoder_torch as backend
    else:
        from . import autoencoder_keras as backend
    return backend


def backend_of(model: Any) -> Any:
    """The backend module of an autoencoder built here; a clear error for any other model."""
    backend = framework_backend(framework_of(model))
    if not backend.is_autoencoder(model):
        raise TypeError(
            f"model must be an autoencoder made by mnn.models.untrained_autoencoder or "
            f"mnn.models.trained_autoencoder, got {describe(model)}."
        )
    return backend


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
        ``"torch"``: a :class:`~mnn.models.autoencoder_torch.ConvAutoencoder` on (N, 1, 28, 28);
        ``"keras"``: a ``keras.Sequential`` of the ``encoder`` and ``decoder`` models on
        (N, 28, 28, 1).
    widths, code_size
        See :func:`~mnn.models.autoencoder.layer_table`.
    seed
        Seed of the weight initialisation.
    """
    encoder, decoder = layer_table(widths, code_size)
    seed = check_positive_int(seed, "seed", minimum=0)
    return framework_backend(framework).build(encoder, decoder, seed)


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
    source = backend_of(model)
    target = framework_backend(framework)
    return target.from_torch_state(*source.layer_tables(model), source.torch_state(model))


def count_parameters(model: Any) -> int:
    """The number of trainable parameters of a PyTorch or Keras model."""
    if framework_of(model) == "torch":
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
    return sum(math.prod(v.shape) for v in model.trainable_weights)


def _is_pca(model: Any) -> bool:
    decomposition = sys.modules.get("sklearn.decomposition")
    return decomposition is not None and isinstance(model, decomposition.PCA)


def _batched(function: Any, inputs: np.ndarray) -> np.ndarray:
    return np.concatenate(
        [function(inputs[i : i + INFERENCE_BATCH]) for i in range(0, len(inputs), INFERENCE_BATCH)]
    )


def encode(model: Any, images: np.ndarray) -> np.ndarray:
    """The codes :math:`z = f(x)` of ``images``.

    Parameters
    ----------
    model
        An autoencoder of either framework, or a PCA from :func:`mnn.models.pca_autoencoder`.
    images
        (N, 28, 28) floats in [0, 1].

    Returns
    -------
    numpy.ndarray
        (N, code_size) float32.
    """
    images = check_images(images)
    if _is_pca(model):
        return model.transform(images.reshape(len(images), -1)).astype(np.float32)
    backend = backend_of(model)
    encoder = backend.encoder(model)
    return _batched(lambda x: forward(encoder, backend.to_layout(x)), images)


def decode(model: Any, codes: np.ndarray) -> np.ndarray:
    """The images :math:`g(z)` the decoder makes of ``codes``.

    Parameters
    ----------
    model
        An autoencoder of either framework, or a PCA from :func:`mnn.models.pca_autoencoder`.
    codes
        (N, code_size) finite floats.

    Returns
    -------
    numpy.ndarray
        (N, 28, 28) float32; in (0, 1) for an autoencoder, unbounded for PCA.
    """
    if _is_pca(model):
        code_size = model.n_components_
    else:
        backend = backend_of(model)
        code_size = backend.code_size(model)
    check_array(codes, "codes", shape=(None, code_size), dtype_kind="f", finite=True)
    if len(codes) == 0:
        raise ValueError(f"codes is empty, shape {codes.shape}: pass at least one code.")
    codes = codes.astype(np.float32, copy=False)
    if _is_pca(model):
        flat = model.inverse_transform(codes).astype(np.float32)
        return flat.reshape(len(codes), IMAGE_SIZE, IMAGE_SIZE)
    decoder = backend.decoder(model)
    return _batched(lambda z: backend.from_layout(forward(decoder, z)), codes)


def reconstruct(model: Any, images: np.ndarray) -> np.ndarray:
    """:math:`\\hat x = g(f(x))` for every image: (N, 28, 28) in, (N, 28, 28) float32 out."""
    images = check_images(images)
    if _is_pca(model):
        return decode(model, encode(model, images))
    backend = backend_of(model)
    return _batched(lambda x: backend.from_layout(forward(model, backend.to_layout(x))), images)


def reconstruction_loss(model: Any, images: np.ndarray, targets: np.ndarray | None = None) -> float:
    """The mean binary cross-entropy between the reconstructions of ``images`` and ``targets``.

    .. math:: L = -\\frac{1}{N P} \\sum_{n, p} t_{np} \\log \\hat x_{np}
              + (1 - t_{np}) \\log (1 - \\hat x_{np})

    over the :math:`P = 784` pixels of the :math:`N` images, computed by the model's own
    framework (the loss it is trained with).

    Parameters
    ----------
    model
        An autoencoder of either framework.
    images
        (N, 28, 28) inputs in [0, 1], e.g. noisy images.
    targets
        (N, 28, 28) targets in [0, 1]; default ``images`` itself.
    """
    images = check_images(images)
    targets = images if targets is None else check_images(targets, "targets")
    if targets.shape != images.shape:
        raise ValueError(
            f"targets must have the shape of images {images.shape}, got {targets.shape}."
        )
    if _is_pca(model):
        raise TypeError(
            "reconstruction_loss is the binary cross-entropy of a sigmoid output; PCA's linear "
            "reconstructions can leave [0, 1]: compare them by mean squared error instead."
        )
    backend = backend_of(model)
    evaluate = evaluator(model, backend.loss_value, INFERENCE_BATCH)
    return evaluate(backend.to_layout(images), backend.to_layout(targets))["loss"]


def latent_grid(
    codes: np.ndarray, n: int = 15, quantiles: tuple[float, float] = (0.01, 0.99)
) -> np.ndarray:
    """A regular n x n grid of the code plane that spans the bulk of ``codes``.

    Parameters
    ----------
    codes
        (N, 2) codes, e.g. :func:`encode` of test images.
    n
        Nodes per side.
    quantiles
        Each coordinate runs from this lower to this upper quantile of the codes, so that a few
        outlying codes do not stretch the grid.

    Returns
    -------
    numpy.ndarray
        (n * n, 2) float32 codes, row by row from the largest :math:`z_2` down, :math:`z_1`
        increasing along a row: the order :func:`mnn.viz.latent_plane` draws.
    """
    check_array(codes, "codes", shape=(None, 2), dtype_kind="f", finite=True)
    n = check_positive_int(n, "n", minimum=2)
    low, high = quantiles
    if not 0 <= low < high <= 1:
        raise ValueError(f"quantiles must satisfy 0 <= low < high <= 1, got {quantiles!r}.")
    (z1_low, z2_low), (z1_high, z2_high) = np.quantile(codes, [low, high], axis=0)
    if not (z1_high > z1_low and z2_high > z2_low):
        raise ValueError("the codes do not spread in both directions: there is no plane to grid.")
    z1 = np.linspace(z1_low, z1_high, n)
    z2 = np.linspace(z2_high, z2_low, n)
    return np.stack(np.meshgrid(z1, z2), axis=-1).reshape(-1, 2).astype(np.float32)
