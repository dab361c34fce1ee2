"""Training speed of the autoencoder: PyTorch against Keras, measured side by side in one run.

Each framework trains the same architecture (``mnn.models.untrained_autoencoder``) for one epoch on
the same images with the same batch order; the rounds alternate between the frameworks so that
load from other processes affects both alike, and the fastest round of each counts.

``--threads 0`` (the default) leaves both frameworks their own thread settings, as a notebook
runs them; ``--threads N`` gives each N threads. On a loaded machine PyTorch's OpenMP threads
can wait for each other, so compare both settings before choosing a framework.

Usage: python benchmarks/autoencoder_training.py [--images N] [--rounds R] [--threads T]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from timing import limit_threads

import mnn
from mnn.models.autoencoder.training import BATCH_SIZE


def epoch_seconds(framework: str, images: np.ndarray, noise_std: float) -> float:
    start = time.perf_counter()
    mnn.models.train_autoencoder(
        framework, images, images[:1000], epochs=1, noise_std=noise_std, progress=False
    )
    return time.perf_counter() - start


def main(n_images: int, rounds: int, threads: int) -> None:
    if threads:
        limit_threads(threads)
    (x_train, _), _ = mnn.data.load_fashion_mnist()
    images = mnn.models.autoencoder_inputs(x_train[:n_images])
    frameworks = ("torch", "keras")
    for framework in frameworks:  # warm-up: imports, first traces
        mnn.models.train_autoencoder(framework, images[:512], images[:64], epochs=1, progress=False)
    setting = f"{threads} thread(s) each" if threads else "default threads"
    print(f"one epoch on {n_images:,} images, batch {BATCH_SIZE}, best of {rounds}, {setting}")
    print(f"{'noise':>6} {'framework':>10} {'seconds':>8} {'s / 60k':>8} {'ratio to torch':>15}")
    for noise_std in (0.0, 1.0):
        best = {framework: np.inf for framework in frameworks}
        for _round in range(rounds):
            for framework in frameworks:
                seconds = epoch_seconds(framework, images, noise_std)
                best[framework] = min(best[framework], seconds)
        for framework in frameworks:
            print(
                f"{noise_std:>6.1f} {framework:>10} {best[framework]:>8.2f} "
                f"{best[framework] * 60_000 / n_images:>8.1f} "
                f"{best[framework] / best['torch']:>15.2f}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000, help="training images per epoch")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--threads", type=int, default=0, help="threads each; 0: defaults")
    arguments = parser.parse_args()
    main(arguments.images, arguments.rounds, arguments.threads)
