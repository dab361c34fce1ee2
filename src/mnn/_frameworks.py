"""Which framework a model belongs to, and the one way to pick a module per framework.

``mnn`` works with PyTorch and Keras 3 models alike. Code that differs between the two lives in
modules named after the framework (``mnn.explain.backends.torch``,
``mnn.models.efficientnet.keras``, ...); :func:`framework_module` is how the rest of the package
reaches them, so that importing ``mnn`` never imports a framework.
"""

from __future__ import annotations

import importlib
import sys
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
