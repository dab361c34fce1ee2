"""mnn loads PyTorch, triton and TensorFlow in an order that lets them share one process (#17).

With the default Linux torch wheel (Colab's), triton loaded after TensorFlow aborts the process:
``torch._dynamo`` imports triton at a session's first optimizer, so a Keras model built before a
PyTorch model is trained was enough. Each scenario below runs in a fresh interpreter: a few
imports, by mnn or by the user, in some order, then what PyTorch does at its first optimizer.

Where the real triton is installed (``make colab-test``), the danger is the real one: the
control scenario, without mnn, must abort. In the pinned CPU environment, which has no triton,
a stand-in ``triton`` package takes its place: it aborts the process when it is imported while
TensorFlow's native library is mapped into memory (read from ``/proc/self/maps``, not from
``sys.modules``, which is what mnn looks at), and so checks the order in which mnn loads them.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import types
from pathlib import Path

import pytest

from mnn import _frameworks

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("torch") is None,
    reason="needs both TensorFlow and PyTorch",
)

REAL_TRITON = importlib.util.find_spec("triton") is not None

STAND_IN_TRITON = """\
import os

with open("/proc/self/maps") as maps:
    if "libtensorflow" in maps.read():
        os.abort()  # as triton's LLVM does: "registered more than once!"
"""

# Each argument is one step: "mnn:<module>" is mnn importing one of its modules that loads a
# framework, "first optimizer" is what PyTorch does when a session trains, and any other name
# an import by the user ("mnn" included).
SCENARIO = """\
import importlib, sys

for step in sys.argv[1:]:
    if step.startswith("mnn:"):
        importlib.import_module("mnn." + step[4:])
    elif step == "first optimizer":
        try:
            import triton  # what torch._dynamo does; an ImportError means "no triton" to it
        except ImportError:
            pass
        if REAL_TRITON:
            import torch
            model = torch.nn.Linear(3, 2)
            optimizer = torch.optim.Adam(model.parameters())
            model(torch.ones(4, 3)).sum().backward()
            optimizer.step()
    else:
        importlib.import_module(step)
triton = sys.modules.get("triton", "absent")
print("triton:", "hidden" if triton is None else "absent" if triton == "absent" else "loaded")
"""


def run_scenario(steps: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``steps`` in a fresh interpreter, with the stand-in triton unless the real one exists."""
    env = dict(os.environ)
    if not REAL_TRITON:
        (tmp_path / "triton").mkdir(exist_ok=True)
        (tmp_path / "triton" / "__init__.py").write_text(STAND_IN_TRITON)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
    script = tmp_path / "scenario.py"
    script.write_text(f"REAL_TRITON = {REAL_TRITON}\n{SCENARIO}")
    return subprocess.run(
        [sys.executable, str(script), *steps],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "steps",
    [["tensorflow", "torch", "first optimizer"], ["torch", "keras", "first optimizer"]],
    ids=" > ".join,
)
def test_without_mnn_triton_after_tensorflow_aborts(steps, tmp_path):
    # The control: the danger each scenario below must avoid is present in this environment.
    result = run_scenario(steps, tmp_path)
    assert result.returncode == -signal.SIGABRT, result.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("steps", "triton"),
    [
        # A chapter that builds its Keras model before it trains in PyTorch (chapter 3).
        (["mnn", "mnn:models.efficientnet.keras", "first optimizer"], "loaded"),
        # The user imported torch (which does not load triton), then mnn's Keras twin of the
        # NumPy network loads Keras; PyTorch trains later (chapter 1).
        (["torch", "mnn", "mnn:models.course_network.keras", "first optimizer"], "loaded"),
        # mnn's explainers for PyTorch first; the user imports TensorFlow later.
        (["mnn", "mnn:explain.backends.torch", "tensorflow", "first optimizer"], "loaded"),
        # After import mnn, the user's own imports, in the order that crashes without mnn.
        (["mnn", "keras", "torch", "first optimizer"], "loaded"),
        # The user imported TensorFlow before mnn: triton can no longer be loaded safely.
        (["tensorflow", "mnn", "mnn:explain.backends.torch", "first optimizer"], "hidden"),
        (["keras", "mnn", "mnn:models.fashion_cnn.torch", "first optimizer"], "hidden"),
    ],
    ids=lambda value: " > ".join(value) if isinstance(value, list) else value,
)
def test_mnn_loads_the_frameworks_in_an_order_that_works(steps, triton, tmp_path):
    result = run_scenario(steps, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-1] == f"triton: {triton}"
    if not _frameworks._gpu_present():  # without a GPU, hiding triton costs nothing: no warning
        assert "hidden triton" not in result.stderr


@pytest.fixture
def tensorflow_loaded_first(monkeypatch):
    """A process where triton and TensorFlow are installed and only TensorFlow is loaded."""
    monkeypatch.setattr(_frameworks, "_installed", lambda package: True)
    monkeypatch.setitem(sys.modules, "tensorflow", types.ModuleType("tensorflow"))
    monkeypatch.setitem(sys.modules, "triton", None)
    monkeypatch.delitem(sys.modules, "triton")  # restored to its present state afterwards


def test_hiding_triton_is_silent_without_a_gpu(tensorflow_loaded_first, monkeypatch, recwarn):
    monkeypatch.setattr(_frameworks, "_gpu_present", lambda: False)
    _frameworks.load_in_safe_order()
    assert sys.modules["triton"] is None
    assert not recwarn.list


def test_hiding_triton_warns_with_a_gpu(tensorflow_loaded_first, monkeypatch):
    monkeypatch.setattr(_frameworks, "_gpu_present", lambda: True)
    with pytest.warns(RuntimeWarning) as record:
        _frameworks.load_in_safe_order()
        _frameworks.load_in_safe_order()  # triton is hidden already: said once
    assert sys.modules["triton"] is None
    assert len(record) == 1
    message = str(record[0].message)
    assert "torch.compile cannot build GPU kernels" in message
    assert "before importing tensorflow or keras" in message
