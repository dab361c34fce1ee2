"""Which framework a model belongs to, and the one way to pick a module per framework.

``mnn`` works with PyTorch and Keras 3 models alike. Code that differs between the two lives in
modules named after the framework (``mnn.explain.backends.torch``,
``mnn.models.efficientnet.keras``, ...); :func:`framework_module` is how the rest of the package
reaches them, so that importing ``mnn`` never imports a framework. ``import mnn`` calls
:func:`guard_load_order`, so that both frameworks, whoever imports them, are loaded in an order
that lets them share one process.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
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
    # Keras first: on Keras' PyTorch backend, a keras.Model is also a torch.nn.Module.
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(model, keras.Model):
        return "keras"
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        return "torch"
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
    return importlib.import_module(f"{package}.{framework}")


def guard_load_order() -> None:
    """From now on in this process, load TensorFlow only after torch and triton, or hide triton.

    Called by ``import mnn``. Where TensorFlow is loaded already, this is
    :func:`load_in_safe_order` at once (triton is hidden). Otherwise it puts a finder at the front
    of ``sys.meta_path`` that finds nothing itself: when TensorFlow is first looked for (imported
    by mnn, by Keras or by the user's own ``import tensorflow``), it runs
    :func:`load_in_safe_order` first, which imports torch and triton ahead of it. Imports of mnn's
    own framework code (``mnn.models.course_network.keras``, ``mnn.models.efficientnet.keras``,
    ...) need no call of their own this way.
    """
    if "tensorflow" in sys.modules:
        load_in_safe_order()
    elif not any(isinstance(finder, _BeforeTensorFlow) for finder in sys.meta_path):
        sys.meta_path.insert(0, _BeforeTensorFlow())


class _BeforeTensorFlow(importlib.abc.MetaPathFinder):
    """Runs :func:`load_in_safe_order` when TensorFlow is first looked for; finds no module."""

    def __init__(self) -> None:
        self.done = False

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        # Stays in sys.meta_path once done: removing it while the import system walks that list
        # would make it skip the next finder. ``done`` also ends the recursion, since
        # load_in_safe_order itself looks for TensorFlow.
        if fullname == "tensorflow" and not self.done:
            self.done = True
            load_in_safe_order()
        return None


def load_in_safe_order() -> None:
    """Load PyTorch and triton before TensorFlow, or keep triton out where TensorFlow came first.

    TensorFlow loads its native libraries with ``RTLD_GLOBAL``, so its symbols serve every
    library loaded after it. triton, PyTorch's GPU compiler, comes with the default Linux torch
    wheel (Colab's) and carries its own LLVM; ``torch._dynamo`` imports it, as the first
    optimizer or ``torch.compile`` of a session does. Loaded after TensorFlow, triton registers
    LLVM's command-line options a second time and the process aborts ("LLVM ERROR:
    inconsistency in registered CommandLine options"); PyTorch itself, loaded after TensorFlow,
    warns at its first backward pass on a machine without a GPU that CUDA failed to initialise.
    Loaded in the order torch, triton, TensorFlow, all three work.

    So where triton and TensorFlow are both installed, and triton is neither loaded nor hidden
    yet: before TensorFlow is loaded, this imports torch and triton; after, it hides triton
    (``sys.modules["triton"] = None``), which PyTorch reads as "triton is not installed": on the
    CPU nothing changes, and with a GPU ``torch.compile`` loses its GPU kernels, which a warning
    says. Elsewhere (our CPU-only torch wheel has no triton) it does nothing.
    """
    if "triton" in sys.modules or not _installed("triton") or not _installed("tensorflow"):
        return
    if "tensorflow" not in sys.modules:
        for package in ("torch", "triton"):
            # A package that fails to import is one PyTorch will not use either: it reads the
            # same ImportError as "not installed", and nothing of it was loaded to clash with.
            with contextlib.suppress(ImportError):
                importlib.import_module(package)
        return
    sys.modules["triton"] = None
    if _gpu_present():
        warnings.warn(
            "TensorFlow was imported before triton (PyTorch's GPU compiler), and triton loaded "
            "after TensorFlow aborts Python: both carry LLVM. mnn has hidden triton from PyTorch "
            "for this session, so training and explaining work, but torch.compile cannot build "
            "GPU kernels. To keep triton, restart the runtime and import mnn (or torch and "
            "triton) before importing tensorflow or keras.",
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
