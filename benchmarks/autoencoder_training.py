"""Training speed of the autoencoder: PyTorch against Keras, measured side by side in one run.

Each framework trains the same architecture (``mnn.models.conv_autoencoder``) for one epoch on
the same images with the same batch order; the rounds alternate between the frameworks so that
load from other processes affects both alike, and the fastest round of each counts.

Usage: python benchmarks/autoencoder_training.py [n_images] [rounds]
"""

from __future__ import annotations

import sys
import time

import numpy as np

import mnn
from mnn.models.autoencoder_training import BATCH_SIZE


def epoch_seconds(framework: str, images: np.ndarray, noise_std: float) -> float:
    start = time.perf_counter()
    mnn.models.train_autoencoder(
        framework, images, images[:1000], epochs=1, noise_std=noise_std, progress=False
    )
    return time.perf_counter() - start


def main(n_images: int = 10_000, rounds: int = 3) -> None:
    (x_train, _), _ = mnn.data.load_fashion_mnist()
    images = mnn.models.autoencoder_inputs(x_train[:n_images])
    frameworks = ("torch", "keras")
    for framework in frameworks:  # warm-up: imports, first traces
        mnn.models.train_autoencoder(framework, images[:512], images[:64], epochs=1, progress=False)
    print(f"one epoch on {n_images:,} images, batch {BATCH_SIZE}, best of {rounds} rounds")
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
    main(*map(int, sys.argv[1:]))
