"""One interface over PyTorch and Keras: the only place in ``mnn.explain`` that imports them.

:func:`backend_of` returns the backend module of a model; the members every backend has are
listed in :mod:`mnn.explain.backends.base`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ...models._frameworks import framework_of


def backend_of(model: Any) -> ModuleType:
    """The backend module for a ``torch.nn.Module`` or a ``keras.Model``.

    Raises
    ------
    TypeError
        For anything else.
    """
    if framework_of(model) == "torch":
        from . import torch as backend
    else:
        from . import keras as backend
    return backend
