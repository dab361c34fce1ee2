"""mnn.optim takes the same steps, bit for bit, whichever BLAS kernel the machine selects.

OpenBLAS chooses its kernels from the CPU at start-up; ``OPENBLAS_CORETYPE`` forces one (of
those this CPU can run), and ``NPY_DISABLE_CPU_FEATURES`` switches off NumPy's CPU-specific
loops. Each setting runs ``optim_fingerprint.py`` in a fresh process; every process must report
the same counts and the same bytes of x and of the history, while the control (f summed by
BLAS) shows that the settings really change how BLAS rounds.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from optim_fingerprint import CHAIN, blas_fun
from threadpoolctl import threadpool_info

from mnn.optim.inner_products import dot

FINGERPRINT = Path(__file__).with_name("optim_fingerprint.py")
LINKED_TO_OPENBLAS = any(pool.get("internal_api") == "openblas" for pool in threadpool_info())


def cpu_settings():
    """Environments that emulate older CPUs: OpenBLAS kernels from SSE3 to AVX-512, and an
    SSE3 kernel with NumPy restricted to its baseline loops."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    settings = {"Prescott": {"OPENBLAS_CORETYPE": "Prescott"}}
    for kernel, feature in (("Sandybridge", "AVX"), ("Haswell", "AVX2"), ("SkylakeX", "AVX512F")):
        if __cpu_features__.get(feature):
            settings[kernel] = {"OPENBLAS_CORETYPE": kernel}
    dispatched = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    settings["Prescott, NumPy baseline"] = {
        "OPENBLAS_CORETYPE": "Prescott",
        "NPY_DISABLE_CPU_FEATURES": " ".join(dispatched),
    }
    return settings


def fingerprint(env):
    completed = subprocess.run(
        [sys.executable, str(FINGERPRINT)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.skipif(
    not LINKED_TO_OPENBLAS, reason="NumPy is not linked to OpenBLAS: no kernel to switch"
)
def test_iterates_do_not_depend_on_the_blas_kernel_or_numpy_dispatch():
    reports = {name: fingerprint(env) for name, env in cpu_settings().items()}

    # Meaningful only if the settings changed BLAS's rounding: the control must move.
    assert len({tuple(report["kernels"]) for report in reports.values()}) >= 2
    assert len({tuple(report["control"]) for report in reports.values()}) >= 2
    first_name, first = next(iter(reports.items()))
    for name, report in reports.items():
        for run, summary in report["runs"].items():
            assert summary == first["runs"][run], (
                f"{run}: {name} gives (nit, nfev, ngev) = {summary[:3]}, {first_name} gives "
                f"{first['runs'][run][:3]} (if the counts agree, x or the history differ)"
            )


def test_the_control_objective_is_the_chain_quadratic():
    x = np.random.default_rng(0).standard_normal(CHAIN.n)
    assert abs(blas_fun(x) - CHAIN.fun(x)) <= 1e-13 * dot(CHAIN.weights, np.diff(x, prepend=1) ** 2)
