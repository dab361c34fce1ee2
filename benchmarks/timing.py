"""What the benchmark scripts share: equal thread counts, and timings taken in turns.

On a shared 2-core machine two thread pools that wait for each other measure the load, not the
code; so every side gets the same number of threads (one by default), and the sides run in turn
so that load from other processes affects them alike.
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable, Hashable, Iterable


def limit_threads(threads: int, frameworks: Iterable[str] = ("torch", "tensorflow")) -> str:
    """Give NumPy's BLAS and each of ``frameworks`` ``threads`` threads; return a report line.

    Call it before the frameworks run anything: TensorFlow fixes its pools at first use.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads, user_api="blas")
    for name in frameworks:
        framework = importlib.import_module(name)
        if name == "torch":
            framework.set_num_threads(threads)
        else:
            framework.config.threading.set_intra_op_parallelism_threads(threads)
            framework.config.threading.set_inter_op_parallelism_threads(threads)
    return f"{threads} thread(s) each for {', '.join(['BLAS', *frameworks])}"


def median_ms(
    runs: dict[Hashable, Callable[[], object]], repeats: int, warmup: int = 2
) -> dict[Hashable, float]:
    """Median wall time of each run in milliseconds, the runs taking turns after a warm-up."""
    for run in runs.values():
        for _ in range(warmup):
            run()
    times: dict[Hashable, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(values) for name, values in times.items()}
