"""Which framework a model belongs to, and the one way to pick a module per framework.

``mnn`` works with PyTorch and Keras 3 models alike. Code that differs between the two lives in
modules named after the framework (``mnn.explain.backends.torch``,
``mnn.models.efficientnet.keras``, ...); :func:`framework_module` is how the rest of the package
reaches them, so that importing ``mnn`` never imports a framework, and so that both frameworks
are loaded in an order that lets them share one process (:func:`avoid_llvm_clash`).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

from ._validation import check_choice, describe

FRAMEWORKS = ("torch", "keras")


def framework_of(model: Any) -> str:
    """``"torch"`` for a ``torch.nn.Module``, ``"keras"`` for a ``keras.Model``.

    Looks only at frameworks that are already imported, so it never imports one.
    """
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        return "torch"
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(model, keras.Model):
        return "keras"
    raise TypeError(f"model must be a torch.nn.Module or a keras.Model, got {describe(model)}.")


def framework_module(package: str, framework: str) -> ModuleType:
    """The module ``<package>.<framework>``: the ``framework`` half of a model or backend.

    Parameters
    ----------
    package
        A package whose framework-specific code lives in ``torch.py`` and ``keras.py``,
        e.g. ``"mnn.explain.backends"``.
    framework
        One of :data:`FRAMEWORKS`.
    """
    check_choice(framework, "framework", FRAMEWORKS)
    avoid_llvm_clash()
    return importlib.import_module(f"{package}.{framework}")


def avoid_llvm_clash() -> None:
    """Load triton before TensorFlow, or keep it out of a process where TensorFlow came first.

    TensorFlow loads its native libraries with ``RTLD_GLOBAL``, so its copy of LLVM serves every
    library loaded after it. triton, PyTorch's GPU compiler, ships with the default Linux torch
    wheel (Colab's) and carries its own LLVM; ``torch._dynamo`` imports it, which the first
    optimizer or ``torch.compile`` of a session does. Loaded after TensorFlow, triton registers
    LLVM's command-line options a second time and the process aborts ("LLVM ERROR:
    inconsistency in registered CommandLine options"); loaded before, each keeps its own LLVM.

    Where both are installed and triton is neither loaded nor hidden yet: before TensorFlow is
    loaded, this imports triton; after, it hides triton (``sys.modules["triton"] = None``), which
    PyTorch reads as "triton is not installed": on the CPU nothing changes, and with a GPU
    ``torch.compile`` loses its GPU kernels, which a warning says. Elsewhere it does nothing.
    """
    if "triton" in sys.modules or not _installed("triton") or not _installed("tensorflow"):
        return
    if "tensorflow" not in sys.modules:
        # A triton that fails to import is one PyTorch will not use either: it reads the same
        # ImportError as "no triton", and no LLVM of triton's was loaded to clash with.
        with contextlib.suppress(ImportError):
            importlib.import_module("triton")
        return
    sys.modules["triton"] = None
    if _gpu_present():
        warnings.warn(
            "TensorFlow was imported before triton (PyTorch's GPU compiler), and triton loaded "
            "after TensorFlow aborts Python: both carry LLVM. mnn has hidden triton from PyTorch "
            "for this session, so training and explaining work, but torch.compile cannot build "
            "GPU kernels. To keep triton, restart the runtime and run `import triton` (or any "
            "mnn call that builds a model) before importing tensorflow or keras.",
            RuntimeWarning,
            stacklevel=3,
        )


def _installed(package: str) -> bool:
    """Whether ``package`` can be imported, found without importing it."""
    return importlib.util.find_spec(package) is not None


def _gpu_present() -> bool:
    """Whether the machine shows an NVIDIA or AMD GPU (the devices triton compiles for)."""
    devices = Path("/dev")
    return any(devices.glob("nvidia[0-9]*")) or (devices / "kfd").exists()
