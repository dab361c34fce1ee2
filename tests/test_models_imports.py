"""Importing mnn.models stays light: no framework, no scikit-learn, no scipy.stats."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "tensorflow", "keras", "sklearn", "scipy.stats")


def test_importing_models_imports_nothing_heavy():
    code = f"import sys, mnn.models; print(sorted(set({HEAVY!r}) & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
