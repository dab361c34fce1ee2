"""Explainers' cost: Grad-CAM, Gradient x Input and LRP against a bare forward and backward pass.

EfficientNet-Lite0 at 224 x 224, batches of 1 and 16, in PyTorch and in Keras (compiled with
``tf.function``). For each framework and batch:

- ``bare``: a forward pass, the top logit of every image, and its gradient with respect to the
  input: the least any gradient explanation costs (and more than Grad-CAM needs, since Grad-CAM
  stops the backward pass at the last feature map).
- ``by hand``: Grad-CAM written out for this one model, the course's way (a hook or a two-output
  model, the gradient at ``head``, averaged weights, ReLU).
- ``grad_cam``: ``mnn.explain.grad_cam(model, images)``, layer and target found by itself.
- ``gxi``: ``mnn.explain.gradient_x_input(model, images)``: ``bare`` times the input, found
  through mnn's graph and run.
- ``lrp``: ``mnn.explain.lrp(model, images, composite="epsilon_gamma_box", bounds=...)``: one
  modified forward pass (every convolution with its rule, 49 BatchNorm layers folded) and one
  gradient (target: at most twice ``bare``).

The runs take turns, so that load from other processes affects them alike; the table gives
medians, the overhead of ``grad_cam`` over ``bare`` (target: at most 20%) and, for reference, over
the hand-written version. Both frameworks get
the same number of threads, one by default (see benchmarks/models.py for why). A second table
gives Gradient x Input and LRP as multiples of ``bare``.

Run: python benchmarks/explain.py [--threads N]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import tensorflow as tf
import torch
from timing import limit_threads, median_ms

from mnn import explain
from mnn.data import PHOTOS, sample_image
from mnn.models import efficientnet_lite0, imagenet

BATCHES = {1: 20, 16: 5}  # batch size: repeats
TARGET_OVERHEAD = 0.20
TARGET_LRP_RATIO = 2.0
# Pixels 0 and 255 after the checkpoint's preprocessing, (x - 127) / 128: the z^B rule's box.
BOUNDS = (-127 / 128, 128 / 128)


def torch_bare(model: torch.nn.Module, x: np.ndarray) -> Callable[[], object]:
    def run() -> object:
        inputs = torch.from_numpy(x).requires_grad_()
        logits = model(inputs)
        top = logits.gather(1, logits.argmax(1, keepdim=True)).sum()
        return torch.autograd.grad(top, inputs)[0].numpy()

    return run


def torch_by_hand(model: torch.nn.Module, x: np.ndarray) -> Callable[[], object]:
    def run() -> object:
        kept = []
        handle = model.head.register_forward_hook(lambda m, i, output: kept.append(output))
        logits = model(torch.from_numpy(x))
        handle.remove()
        top = logits.gather(1, logits.argmax(1, keepdim=True)).sum()
        (gradients,) = torch.autograd.grad(top, kept[0])
        weights = gradients.mean(dim=(2, 3), keepdim=True)
        return torch.relu((weights * kept[0]).sum(dim=1)).detach().numpy()

    return run


def keras_bare(model, x: np.ndarray) -> Callable[[], object]:
    @tf.function
    def gradient(images: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            tape.watch(images)
            logits = model(images, training=False)
            top = tf.reduce_sum(tf.reduce_max(logits, axis=1))
        return tape.gradient(top, images)

    inputs = tf.constant(x)
    return lambda: gradient(inputs).numpy()


def keras_by_hand(model, x: np.ndarray) -> Callable[[], object]:
    import keras

    both = keras.Model(model.inputs, [model.get_layer("head").output, model.outputs[0]])

    @tf.function
    def heatmaps(images: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            features, logits = both(images, training=False)
            top = tf.reduce_sum(tf.reduce_max(logits, axis=1))
        weights = tf.reduce_mean(tape.gradient(top, features), axis=(1, 2), keepdims=True)
        return tf.nn.relu(tf.reduce_sum(weights * features, axis=-1))

    inputs = tf.constant(x)
    return lambda: heatmaps(inputs).numpy()


def with_mnn(model, x: np.ndarray) -> Callable[[], object]:
    return lambda: explain.grad_cam(model, x).heatmaps


def gradient_x_input(model, x: np.ndarray) -> Callable[[], object]:
    return lambda: explain.gradient_x_input(model, x)


def lrp(model, x: np.ndarray) -> Callable[[], object]:
    return lambda: explain.lrp(model, x, composite="epsilon_gamma_box", bounds=BOUNDS).relevance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for each framework")
    threads = parser.parse_args().threads
    threads_line = limit_threads(threads)
    models = {"torch": efficientnet_lite0("torch"), "keras": efficientnet_lite0("keras")}
    cases = {"torch": (torch_bare, torch_by_hand), "keras": (keras_bare, keras_by_hand)}
    photos = imagenet.preprocess([sample_image(name) for name in PHOTOS])
    print(f"torch {torch.__version__}, tensorflow {tf.__version__}, {threads_line}")
    header = (
        f"{'framework':<10} {'batch':>5} {'bare ms':>9} {'by hand ms':>11} {'grad_cam ms':>12} "
        f"{'overhead':>9} {'vs by hand':>11}"
    )
    print(header)
    print("-" * len(header))
    worst, worst_lrp, ratios = -np.inf, -np.inf, []
    for batch, repeats in BATCHES.items():
        nhwc = np.concatenate([photos] * -(-batch // len(photos)))[:batch]
        inputs = {"torch": imagenet.to_nchw(nhwc), "keras": nhwc}
        runs = {}
        for name, model in models.items():
            bare, by_hand = cases[name]
            runs[(name, "bare")] = bare(model, inputs[name])
            runs[(name, "by hand")] = by_hand(model, inputs[name])
            runs[(name, "grad_cam")] = with_mnn(model, inputs[name])
            runs[(name, "gxi")] = gradient_x_input(model, inputs[name])
            runs[(name, "lrp")] = lrp(model, inputs[name])
        ms = median_ms(runs, repeats)
        for name in models:
            overhead = ms[(name, "grad_cam")] / ms[(name, "bare")] - 1
            worst = max(worst, overhead)
            print(
                f"{name:<10} {batch:>5} {ms[(name, 'bare')]:>9.1f} {ms[(name, 'by hand')]:>11.1f} "
                f"{ms[(name, 'grad_cam')]:>12.1f} {overhead:>+9.0%} "
                f"{ms[(name, 'grad_cam')] / ms[(name, 'by hand')] - 1:>+11.0%}"
            )
            bare_ms, gxi_ms, lrp_ms = (ms[(name, key)] for key in ("bare", "gxi", "lrp"))
            worst_lrp = max(worst_lrp, lrp_ms / bare_ms)
            ratios.append((name, batch, bare_ms, gxi_ms, lrp_ms))
    verdict = "met" if worst <= TARGET_OVERHEAD else "NOT met"
    print(f"largest overhead {worst:+.0%}; target <= {TARGET_OVERHEAD:.0%}: {verdict}")
    print()
    header = (
        f"{'framework':<10} {'batch':>5} {'bare ms':>9} {'GxI ms':>9} {'GxI/bare':>9} "
        f"{'LRP ms':>9} {'LRP/bare':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, batch, bare_ms, gxi_ms, lrp_ms in ratios:
        print(
            f"{name:<10} {batch:>5} {bare_ms:>9.1f} {gxi_ms:>9.1f} {gxi_ms / bare_ms:>9.2f} "
            f"{lrp_ms:>9.1f} {lrp_ms / bare_ms:>9.2f}"
        )
    verdict = "met" if worst_lrp <= TARGET_LRP_RATIO else "NOT met"
    print(f"largest LRP / bare {worst_lrp:.2f}; target <= {TARGET_LRP_RATIO:.0f}: {verdict}")


if __name__ == "__main__":
    main()
