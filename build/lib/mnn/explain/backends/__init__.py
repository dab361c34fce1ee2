"""One interface over PyTorch and Keras: the only place in ``mnn.explain`` that imports them.

:func:`backend_of` returns the backend module of a model; the members every backend has are
listed in :mod:`mnn.explain.backends.base`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..._frameworks import framework_module, framework_of


def backend_of(model: Any) -> ModuleType:
    """The backend module for a ``torch.nn.Module`` or a ``keras.Model``.

    Raises
    ------
    TypeError
        For anything else.
    """
    return framework_module(__name__, framework_of(model))
