"""TensorFlow's start-up notices, kept out of notebooks, the book build and the tests.

While it is imported, TensorFlow's C++ runtime writes INFO notices straight to the process's
standard error (file descriptor 2): absl's banner about logging before ``InitializeLog``, "oneDNN
custom operations are on" and the CPU-feature notice, each once per shared library that
carries absl, so a student sees a red block of them in the first cell that builds a Keras
model, and every executed notebook prints them again. ``TF_CPP_MIN_LOG_LEVEL`` silences only
the CPU-feature notice in TensorFlow 2.21, and ``TF_ENABLE_ONEDNN_OPTS=0``, which removes the
oneDNN notice, would also change the kernels TensorFlow computes with.

``import mnn`` therefore calls :func:`quiet_import` for ``tensorflow``: the first import of
TensorFlow in the process, by ``mnn`` or by anyone else (``import keras`` imports it too), runs
with descriptor 2 written to a temporary file, and everything written there that is not one of
:data:`NOTICES` (warnings, errors, anything new) is written back to standard error afterwards.
The Keras backend of :mod:`mnn.explain` does the same around the first call of each function it
compiles, where TensorFlow optimises the function's graph and may say that oneDNN falls back to
Eigen for an int32 operation.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType

_ABSL_INFO = r"I\d{4} [\d:.]+ +\d+ "  # absl INFO: date, time, thread id
NOTICES = (
    re.compile(r"WARNING: All log messages before absl::InitializeLog\(\) is called are written "),
    re.compile(_ABSL_INFO + r"port\.cc:\d+\] oneDNN custom operations are on\."),
    re.compile(_ABSL_INFO + r"cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized "),
    re.compile(r"To enable the following instructions: .*rebuild TensorFlow with the appropriate"),
    # Logged at the ERROR level, once per process, when the first compiled function with an int32
    # operation that oneDNN would take is optimised on some CPUs (an AMD EPYC with AVX-512, where
    # TensorFlow still says it lacks it): Eigen computes it instead, with the same results.
    re.compile(
        r"E\d{4} [\d:.]+ +\d+ util\.cc:\d+\] oneDNN supports DT_INT32 only on platforms with "
        r"AVX-512\. Falling back to the default Eigen-based implementation"
    ),
)
"""Lines that are dropped: each pattern must match at the start of a line."""


def without_notices(text: str, notices: Sequence[re.Pattern[str]] = NOTICES) -> str:
    """``text`` without its lines that start with one of ``notices``."""
    kept = [
        line
        for line in text.splitlines(keepends=True)
        if not any(notice.match(line) for notice in notices)
    ]
    return "".join(kept)


@contextmanager
def notices_dropped(notices: Sequence[re.Pattern[str]] = NOTICES) -> Iterator[None]:
    """Capture file descriptor 2 in the block; write back what is not one of ``notices``.

    Python's ``sys.stderr`` is flushed first, so the order of what is written back is kept.
    Where descriptor 2 is not open, the block runs as it is.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = without_notices(captured.read().decode(errors="replace"), notices)
            if kept:
                os.write(2, kept.encode())


class _QuietLoader(importlib.abc.Loader):
    """Runs another loader's ``exec_module`` with the notices dropped, then steps aside."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The module keeps its own loader, so nothing of this wrapper outlives the import.
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        with notices_dropped():
            self.loader.exec_module(module)


class _QuietFinder(importlib.abc.MetaPathFinder):
    """Finds ``name`` once, through the other finders, and hands it to a :class:`_QuietLoader`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_import(name: str) -> None:
    """Make the first import of the top-level module ``name`` drop the start-up notices.

    Does nothing when ``name`` is imported already or a quiet import of it is pending.
    """
    pending = any(isinstance(f, _QuietFinder) and f.name == name for f in sys.meta_path)
    if name not in sys.modules and not pending:
        sys.meta_path.insert(0, _QuietFinder(name))
