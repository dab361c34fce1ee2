"""EfficientNet-Lite0 speed: PyTorch against Keras, side by side in one run.

Forward passes at batch 1, 16 and 32 and the gradient of the top logit with respect to the input
at batch 1 (what saliency maps and Grad-CAM need). Keras runs under ``tf.function`` (and, for
reference, eagerly). The measurements alternate between the frameworks, so that load from other
processes affects them alike; the table gives medians and the ratio PyTorch / Keras. Target
(issue 11): PyTorch within 1.5 times Keras' time for the forward pass at batch 1 and 16.

mnn's PyTorch model computes in the ``channels_last`` memory format
(:mod:`mnn.models.efficientnet.torch`); the column "NCHW ms" runs the same modules on the default
layout, for comparison.

Both frameworks get the same number of threads, one by default: on a loaded machine PyTorch's
OpenMP threads wait for each other and a two-thread forward pass slowed down more than tenfold
here, which would measure the load rather than the frameworks.

Run: python benchmarks/models.py [--threads N]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import tensorflow as tf
import torch
from timing import limit_threads, median_ms

from mnn.data import PHOTOS, sample_image
from mnn.models import efficientnet_lite0, imagenet

REPEATS = {1: 30, 16: 5, 32: 5}
TARGET = 1.5


def nchw(model: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """``model``'s forward pass in the default (NCHW) memory format: a copy of its modules with
    contiguous weights, called in order without the conversion of the input to channels_last."""
    copy = efficientnet_lite0("torch").to(memory_format=torch.contiguous_format)
    copy.load_state_dict(model.state_dict())
    stages = (copy.stem, copy.blocks, copy.head, copy.pool, copy.flatten, copy.dropout)

    def call(x: torch.Tensor) -> torch.Tensor:
        for stage in stages:
            x = stage(x)
        return copy.classifier(x)

    return call


def torch_forward(call: Callable, x: np.ndarray) -> Callable[[], object]:
    inputs = torch.from_numpy(imagenet.to_nchw(x))

    def run() -> object:
        with torch.no_grad():
            return call(inputs)

    return run


def torch_input_gradient(call: Callable, x: np.ndarray) -> Callable[[], object]:
    def run() -> object:
        inputs = torch.from_numpy(imagenet.to_nchw(x)).requires_grad_()
        logits = call(inputs)
        logits[0, logits[0].argmax()].backward()
        return inputs.grad

    return run


def keras_forward(model, x: np.ndarray, compiled: bool) -> Callable[[], object]:
    inputs = tf.constant(x)
    call = lambda images: model(images, training=False)  # noqa: E731
    call = tf.function(call) if compiled else call
    return lambda: call(inputs).numpy()


def keras_input_gradient(model, x: np.ndarray, compiled: bool) -> Callable[[], object]:
    def gradient(images: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            tape.watch(images)
            logits = model(images, training=False)
            top = tf.gather(logits[0], tf.argmax(logits[0]))
        return tape.gradient(top, images)

    inputs = tf.constant(x)
    call = tf.function(gradient) if compiled else gradient
    return lambda: call(inputs).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for each framework")
    threads = parser.parse_args().threads
    threads_line = limit_threads(threads)
    torch_model = efficientnet_lite0("torch")
    torch_nchw = nchw(torch_model)
    keras_model = efficientnet_lite0("keras")
    photos = imagenet.preprocess([sample_image(name) for name in PHOTOS])
    batches = {size: np.concatenate([photos] * 7)[:size] for size in REPEATS}
    cases = [
        *((f"forward, batch {size}", size, torch_forward, keras_forward) for size in REPEATS),
        ("input gradient, batch 1", 1, torch_input_gradient, keras_input_gradient),
    ]
    print(f"torch {torch.__version__}, tensorflow {tf.__version__}, {threads_line}")
    header = (
        f"{'case':<24} {'torch ms':>9} {'keras ms':>9} {'torch/keras':>12} {'NCHW ms':>9} "
        f"{'eager ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for label, batch, torch_case, keras_case in cases:
        x = batches[batch]
        ms = median_ms(
            {
                "torch": torch_case(torch_model, x),
                "keras": keras_case(keras_model, x, compiled=True),
                "nchw": torch_case(torch_nchw, x),
                "eager": keras_case(keras_model, x, compiled=False),
            },
            REPEATS[batch],
        )
        print(
            f"{label:<24} {ms['torch']:>9.1f} {ms['keras']:>9.1f} "
            f"{ms['torch'] / ms['keras']:>12.2f} {ms['nchw']:>9.1f} {ms['eager']:>9.1f}"
        )
    print(f"target: torch/keras <= {TARGET} for the forward pass at batch 1 and 16")


if __name__ == "__main__":
    main()
