"""EfficientNet-Lite0 speed: PyTorch against Keras, side by side in one run.

Forward passes at batch 1 and 32 and the gradient of the top logit with respect to the input at
batch 1 (what saliency maps and Grad-CAM need). Keras runs under ``tf.function`` (and, for
reference, eagerly). The measurements alternate between the frameworks, so that load from other
processes affects them alike; the table gives medians and the ratio Keras / PyTorch.

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

REPEATS = {1: 30, 32: 5}


def torch_forward(model: torch.nn.Module, x: np.ndarray) -> Callable[[], object]:
    inputs = torch.from_numpy(imagenet.to_nchw(x))

    def run() -> object:
        with torch.no_grad():
            return model(inputs)

    return run


def torch_input_gradient(model: torch.nn.Module, x: np.ndarray) -> Callable[[], object]:
    def run() -> object:
        inputs = torch.from_numpy(imagenet.to_nchw(x)).requires_grad_()
        logits = model(inputs)
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
    keras_model = efficientnet_lite0("keras")
    photos = imagenet.preprocess([sample_image(name) for name in PHOTOS])
    batches = {1: photos[:1], 32: np.concatenate([photos] * 7)[:32]}
    cases = [
        ("forward, batch 1", batches[1], 1, torch_forward, keras_forward),
        ("forward, batch 32", batches[32], 32, torch_forward, keras_forward),
        ("input gradient, batch 1", batches[1], 1, torch_input_gradient, keras_input_gradient),
    ]
    print(f"torch {torch.__version__}, tensorflow {tf.__version__}, {threads_line}")
    header = f"{'case':<24} {'torch ms':>9} {'keras ms':>9} {'keras/torch':>12} {'eager ms':>9}"
    print(header)
    print("-" * len(header))
    for label, x, batch, torch_case, keras_case in cases:
        ms = median_ms(
            {
                "torch": torch_case(torch_model, x),
                "keras": keras_case(keras_model, x, compiled=True),
                "eager": keras_case(keras_model, x, compiled=False),
            },
            REPEATS[batch],
        )
        print(
            f"{label:<24} {ms['torch']:>9.1f} {ms['keras']:>9.1f} "
            f"{ms['keras'] / ms['torch']:>12.2f} {ms['eager']:>9.1f}"
        )


if __name__ == "__main__":
    main()
