"""The framework line: only the backends import PyTorch or Keras; both have the same members."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import mnn.explain.backends.keras as keras_backend
import mnn.explain.backends.torch as torch_backend

EXPLAIN = Path(__file__).resolve().parents[1] / "src" / "mnn" / "explain"
MEMBERS = ("layout", "dtype", "graph", "capture", "dense_parameters")
FRAMEWORK_IMPORT = re.compile(r"^\s*(import|from)\s+(torch|tensorflow|keras)\b", re.M)


def test_importing_explain_and_viz_imports_no_framework():
    code = (
        "import sys, mnn.explain, mnn.viz; "
        "print(sorted({'torch', 'tensorflow', 'keras'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_framework_code_lives_only_in_the_backends():
    offenders = [
        str(path.relative_to(EXPLAIN))
        for path in EXPLAIN.rglob("*.py")
        if path.parent.name != "backends" and FRAMEWORK_IMPORT.search(path.read_text())
    ]
    assert offenders == []
    assert FRAMEWORK_IMPORT.search((EXPLAIN / "backends" / "torch.py").read_text())


def test_both_backends_have_the_same_members():
    for name in MEMBERS:
        assert hasattr(torch_backend, name) and hasattr(keras_backend, name), name
    assert (torch_backend.layout, keras_backend.layout) == ("NCHW", "NHWC")
