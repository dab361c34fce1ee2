"""mnn.nn's Conv2D against the course's loops and PyTorch, and one MNIST epoch against PyTorch.

Usage: python benchmarks/conv.py [--quick] [--threads N]

Conv2D step = forward + backward (∂L/∂A, ∂L/∂F, ∂L/∂b) for a given upstream gradient, on
ordinary C-ordered NCHW arrays, identity activation; PyTorch runs ``conv2d`` with autograd on the
same arrays (input, filters and bias all requiring gradients). Both sides use the same number
of threads: one by default, N with ``--threads N``. On this shared 2-core machine two threads
per side measured mostly the load (a GEMM split over two threads waits for the one that was
descheduled; PyTorch's OpenMP threads spin), one thread measures the code. The loops are
:mod:`mnn.nn.reference` (``scipy.signal.convolve2d`` per sample, filter and channel). The epoch
trains the course network (:func:`mnn.nn.course.course_network`) on all 60,000 MNIST images in
batches of 1000 with Adam, in mnn and in its PyTorch twin from the same initial weights and the
same batches.

Sides run in alternating blocks with a pause in between, and the table reports medians, so a
change of load on this shared machine hits both sides alike. ``--quick`` runs fewer repeats
and one epoch each instead of two.

Targets (issue 7): Conv2D >= 30x faster than the loops at 1->32 and >= 100x at 32->64,
<= 2x PyTorch's time per step; an epoch <= 3x PyTorch's.

mnn's step is mostly three matrix products, so its time follows the kernels NumPy's OpenBLAS
runs (printed at the top). OpenBLAS picks them for the CPU when NumPy loads, unless
``OPENBLAS_CORETYPE`` names others: some machines set it (with ``OPENBLAS_L2_SIZE``) to the AVX2
"Haswell" kernels because older OpenBLAS builds fail on their processors. NumPy's current
OpenBLAS then runs an AVX-512 CPU at about half its speed for matrix products, while PyTorch,
which brings its own kernels, is unaffected. To compare the code rather than that setting, run
the benchmark with both variables removed for that one command::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/conv.py

Tests and CI keep the machine's setting.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import torch
from timing import limit_threads

from mnn.models.course_network.torch import fit_torch, to_torch
from mnn.nn import Conv2D, Identity
from mnn.nn import reference as loops
from mnn.nn.course import course_network, mnist_images

CASES = [(64, 1, 28, 32), (64, 32, 13, 64)]  # (n, c, h = w, m), 3x3 filters
TARGET_LOOPS = {1: 30, 32: 100}
TARGET_TORCH = 2.0
TARGET_EPOCH = 3.0


def block(step, repeats: int, warm_up: bool) -> list[float]:
    """Wall times of ``repeats`` calls after a pause (and a warm-up call)."""
    time.sleep(0.3)  # let the other library's worker threads go idle
    if warm_up:
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def interleaved(steps: dict, rounds: int, repeats: dict, warm_up: bool) -> dict[str, float]:
    """Median wall time per side, sides alternating block by block."""
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            times[name] += block(step, repeats[name], warm_up)
    return {name: float(np.median(values)) for name, values in times.items()}


def conv_steps(n, c, h, m, dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, c, h, h)).astype(dtype)
    layer = Conv2D((c, h, h), (m, 3, 3), Identity(), dtype=dtype)
    layer.bias[...] = rng.standard_normal(m)
    delta = rng.standard_normal((n, m, h - 2, h - 2)).astype(dtype)

    def mnn_step():
        layer.evaluate(a)
        layer.backprop(delta)

    def loop_step():
        loops.conv2d_forward(a, layer.filters, layer.bias)
        loops.conv2d_backward(a, layer.filters, delta)

    x = torch.tensor(a, requires_grad=True)
    filters = torch.tensor(layer.filters[:, :, ::-1, ::-1].copy(), requires_grad=True)
    bias = torch.tensor(layer.bias, requires_grad=True)
    upstream = torch.tensor(delta)

    def torch_step():
        x.grad = filters.grad = bias.grad = None
        torch.nn.functional.conv2d(x, filters, bias).backward(upstream)

    return {"loops": loop_step, "mnn": mnn_step, "torch": torch_step}


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def blas_kernels() -> str:
    """Which BLAS NumPy uses, and the CPU its kernels were built for."""
    from threadpoolctl import threadpool_info

    libraries = [info for info in threadpool_info() if info["user_api"] == "blas"]
    numpys = [info for info in libraries if "numpy" in info["filepath"]] or libraries
    if not numpys:
        return "NumPy's BLAS: not found by threadpoolctl"
    blas = numpys[0]
    kernels = blas.get("architecture") or "unknown"
    line = f"NumPy's BLAS: {blas['internal_api']} {blas['version']}, {kernels} kernels"
    forced = os.environ.get("OPENBLAS_CORETYPE")
    if forced:
        line += f" (forced by OPENBLAS_CORETYPE={forced}: see this script's docstring)"
    return line


def main(quick: bool, threads: int) -> None:
    print(limit_threads(threads, frameworks=("torch",)))
    print(blas_kernels())
    print("\nConv2D forward + backward, one step, 3x3 filters (median ms)")
    header = (
        f"{'case':<22} {'dtype':<8} {'loops':>9} {'mnn':>8} {'torch':>8} | "
        f"{'loops/mnn':>9} {'target':>7} {'':6} | {'mnn/torch':>9} {'target':>7}"
    )
    print(header)
    print("-" * len(header))
    for dtype in (np.float32, np.float64):
        for n, c, h, m in CASES:
            repeats = {"loops": 1 if c > 1 else 3, "mnn": 10, "torch": 10}
            rounds = 2 if quick else 3
            if quick:
                repeats = {name: max(1, count // 2) for name, count in repeats.items()}
            median = interleaved(conv_steps(n, c, h, m, dtype), rounds, repeats, warm_up=True)
            speedup = median["loops"] / median["mnn"]
            ratio = median["mnn"] / median["torch"]
            target = TARGET_LOOPS[c]
            print(
                f"{f'n={n} {c}->{m} {h}x{h}':<22} {np.dtype(dtype).name:<8} "
                f"{1e3 * median['loops']:9.1f} {1e3 * median['mnn']:8.2f} "
                f"{1e3 * median['torch']:8.2f} | {speedup:8.0f}x {f'>={target}x':>7} "
                f"{verdict(speedup >= target):6} | {ratio:8.2f}x {f'<={TARGET_TORCH:g}x':>7} "
                f"{verdict(ratio <= TARGET_TORCH)}"
            )
    print("\nOne MNIST epoch of the course network (60,000 images, batches of 1000, float32, s)")
    (x, y), _ = mnist_images()

    def mnn_epoch():
        course_network(seed=0).train(x, y, 1000, 1, verbose=False)

    def torch_epoch():
        net = course_network(seed=0)
        fit_torch(to_torch(net), x, y, loss=net.loss, optim=net.layers[0].optim,
                  batch_size=1000, epochs=1, verbose=False)  # fmt: skip

    steps = {"mnn": mnn_epoch, "torch": torch_epoch}
    median = interleaved(steps, 1 if quick else 2, {"mnn": 1, "torch": 1}, warm_up=False)
    ratio = median["mnn"] / median["torch"]
    print(
        f"mnn {median['mnn']:.1f} s, torch {median['torch']:.1f} s: mnn/torch {ratio:.2f}x "
        f"(target <={TARGET_EPOCH:g}x) {verdict(ratio <= TARGET_EPOCH)}"
    )


if __name__ == "__main__":
    arguments = sys.argv[1:]
    count = int(arguments[arguments.index("--threads") + 1]) if "--threads" in arguments else None
    main(quick="--quick" in arguments, threads=count or 1)
