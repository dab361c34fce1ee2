"""The user cache: where it is, and artefacts that are created once and atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnn.cache import cache_dir, cached_artifact, config_key


def test_cache_dir_precedence(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MNN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "mnn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "mnn"
    monkeypatch.setenv("MNN_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"


def test_config_key_ignores_key_order_but_not_values() -> None:
    assert config_key({"a": 1, "b": [2, 3]}) == config_key({"b": [2, 3], "a": 1})
    assert config_key({"a": 1}) != config_key({"a": 2})
    with pytest.raises(TypeError, match="JSON-serialisable"):
        config_key({"a": object()})


def test_created_once_then_reused(isolated_env: Path) -> None:
    calls = []

    def create(folder: Path) -> None:
        calls.append(folder)
        (folder / "weights.txt").write_text("trained")

    config = {"model": "m", "seed": 0}
    first, created = cached_artifact("ns", config, create)
    again, created_again = cached_artifact("ns", config, create)
    assert (created, created_again) == (True, False)
    assert first == again and first.is_relative_to(isolated_env)
    assert (first / "weights.txt").read_text() == "trained"
    assert len(calls) == 1
    other, _ = cached_artifact("ns", {**config, "seed": 1}, create)
    assert other != first and len(calls) == 2


def test_an_interrupted_creation_leaves_nothing(isolated_env: Path) -> None:
    def crash(folder: Path) -> None:
        (folder / "half.bin").write_bytes(b"...")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cached_artifact("ns", {"x": 1}, crash)
    assert list((isolated_env / "artifacts" / "ns").iterdir()) == []


def test_an_unwritable_cache_says_how_to_choose_another(isolated_env: Path) -> None:
    isolated_env.write_text("a file where the cache folder should be")
    with pytest.raises(OSError, match=r"cannot create the cache folder .*set MNN_CACHE_DIR"):
        cached_artifact("ns", {"x": 1}, lambda folder: None)


@pytest.mark.parametrize("variable", ["MNN_CACHE_DIR", "MNN_DATA_DIR"])
def test_a_relative_folder_in_the_environment_is_refused(isolated_env, monkeypatch, variable):
    # Notebooks run in notebooks/ (nbval, jupyter-book), the fetch step in the repository root:
    # a relative path would name two different folders.
    from mnn.data import load_mnist

    monkeypatch.setenv("MNN_OFFLINE", "1")
    monkeypatch.setenv(variable, "data")
    with pytest.raises(ValueError, match=rf"{variable} must be an absolute path, got 'data'.*PWD"):
        load_mnist()
