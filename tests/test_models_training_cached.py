"""models.training.train_or_load: train once, then load, for every trained model."""

from __future__ import annotations

import json

import pytest

from mnn.models.training import train_or_load


@pytest.fixture
def store(tmp_path, monkeypatch):
    """An empty cache, and a 'model' (a dict) that is trained by counting and saved as JSON."""
    monkeypatch.setenv("MNN_CACHE_DIR", str(tmp_path))
    trained = []

    def train():
        trained.append(1)
        return {"weights": [len(trained), 2.5]}, {"loss": [0.9, 0.4]}

    def save(model, directory):
        (directory / "model.json").write_text(json.dumps(model))

    def load(directory):
        return json.loads((directory / "model.json").read_text())

    return tmp_path, trained, (train, save, load)


def test_trains_once_then_loads_what_was_saved(store):
    root, trained, functions = store
    config = {"layers": [3, 2], "seed": 0}
    model, history = train_or_load("toy/numpy", config, *functions)
    assert trained == [1]
    assert model == {"weights": [1, 2.5]} and history == {"loss": [0.9, 0.4]}
    (folder,) = (root / "artifacts" / "toy" / "numpy").iterdir()
    assert json.loads((folder / "config.json").read_text()) == config
    assert json.loads((folder / "history.json").read_text()) == history
    assert train_or_load("toy/numpy", config, *functions) == (model, history)
    assert trained == [1]
    # Another configuration is another model.
    other, _ = train_or_load("toy/numpy", {**config, "seed": 1}, *functions)
    assert trained == [1, 1] and other == {"weights": [2, 2.5]}


def test_a_damaged_history_is_an_error_that_says_what_to_do(store):
    root, trained, functions = store
    train_or_load("toy/numpy", {"seed": 0}, *functions)
    (folder,) = (root / "artifacts" / "toy" / "numpy").iterdir()
    (folder / "history.json").write_text('{"loss": [0.9,')
    with pytest.raises(RuntimeError, match=rf"{folder} is damaged.*delete that folder"):
        train_or_load("toy/numpy", {"seed": 0}, *functions)
    assert trained == [1]  # never silently trained again


def test_an_interrupted_training_leaves_nothing_behind(store):
    root, _, (_, save, load) = store

    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_or_load("toy/numpy", {"seed": 0}, interrupted, save, load)
    assert not any((root / "artifacts" / "toy" / "numpy").iterdir())
