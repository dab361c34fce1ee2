"""Train once, then load: a trained model and its history kept in the user cache.

The three trained models of the course (the Fashion-MNIST CNN, the autoencoders, the course
network of chapter 1) are all kept this way: :func:`train_or_load` looks the configuration up
with :func:`mnn.cache.cached_artifact`, trains and saves on a miss, and reads the saved model
back with :func:`mnn.cache.read_artifact` on every call (so a fresh and a cached call return the
same thing, and a damaged folder is an error that says how to recover).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from ...cache import cached_artifact, read_artifact

Model = TypeVar("Model")
History = dict[str, list[float]]
#: The file beside the weights that holds the per-epoch history.
HISTORY_FILE = "history.json"


def train_or_load(
    namespace: str,
    config: Mapping[str, Any],
    train: Callable[[], tuple[Model, History]],
    save: Callable[[Model, Path], None],
    load: Callable[[Path], Model],
) -> tuple[Model, History]:
    """The model described by ``config`` and its training history, trained only on a cache miss.

    Parameters
    ----------
    namespace
        A folder under ``<cache>/artifacts``, e.g. ``"fashion_cnn/torch"``.
    config
        Everything the trained model depends on (architecture, schedule, seed, versions): the
        cache key.
    train
        ``train() -> (model, history)``, called when nothing is cached for ``config``.
    save
        ``save(model, directory)`` writes the weights into ``directory``.
    load
        ``load(directory) -> model`` reads them back.

    Returns
    -------
    (model, history)
        The model as ``load`` returns it, and ``{"loss": [...], ...}`` with one value per epoch.
    """

    def create(directory: Path) -> None:
        model, history = train()
        save(model, directory)
        (directory / HISTORY_FILE).write_text(json.dumps(history))

    def read(directory: Path) -> tuple[Model, History]:
        history = json.loads((directory / HISTORY_FILE).read_text())
        return load(directory), history

    directory, _created = cached_artifact(namespace, config, create)
    return read_artifact(directory, read)
