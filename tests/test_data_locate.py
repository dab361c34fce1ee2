"""Lookup order, verification and downloads, on a tiny stand-in dataset served on loopback."""

from __future__ import annotations

import gzip
import socket
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import idx_bytes, sha256, write_idx

from mnn.data.catalog import MNIST, DataFile, Dataset
from mnn.data.datasets import load
from mnn.data.locate import find_local, load_file

IMAGES = np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4)
LABELS = np.array([0, 1, 2], dtype=np.uint8)
TEST_IMAGES = IMAGES[:2] + 1
TEST_LABELS = LABELS[:2]
ARRAYS = {
    "train-images-idx3-ubyte": IMAGES,
    "train-labels-idx1-ubyte": LABELS,
    "t10k-images-idx3-ubyte": TEST_IMAGES,
    "t10k-labels-idx1-ubyte": TEST_LABELS,
}


@pytest.fixture
def tiny(tmp_path: Path) -> Dataset:
    """A four-file dataset shaped like MNIST but tiny, with a system folder under tmp_path."""
    files = {
        key: DataFile(f.name, sha256(idx_bytes(ARRAYS[f.name])), ARRAYS[f.name].shape)
        for key, f in MNIST.files.items()
    }
    return replace(
        MNIST,
        name="tiny",
        title="Tiny",
        files=files,
        class_names=("a", "b", "c"),
        mirrors=(),
        system_dirs=(tmp_path / "system",),
    )


def put(folder: Path, compressed: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in ARRAYS.items():
        write_idx(folder / (name + (".gz" if compressed else "")), array)


def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the network was touched")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_lookup_order(tiny: Dataset, isolated_env: Path, tmp_path: Path, monkeypatch) -> None:
    file = tiny.files["train_images"]
    explicit, env_root, cache, system = (
        tmp_path / "explicit",
        tmp_path / "env",
        isolated_env / "datasets" / "tiny",
        tmp_path / "system",
    )
    for folder in (explicit, env_root / "tiny", cache, system):
        put(folder)
    monkeypatch.setenv("MNN_DATA_DIR", str(env_root))
    assert find_local(tiny, file, explicit) == explicit / file.name
    assert find_local(tiny, file) == env_root / "tiny" / file.name
    monkeypatch.delenv("MNN_DATA_DIR")
    assert find_local(tiny, file) == cache / file.name
    for path in cache.iterdir():
        path.unlink()
    assert find_local(tiny, file) == system / file.name


def test_data_dir_replaces_mnn_data_dir(tiny, isolated_env, tmp_path, monkeypatch) -> None:
    """The documented order is data_dir *else* $MNN_DATA_DIR: never both."""
    file = tiny.files["train_images"]
    put(tmp_path / "env" / "tiny")
    put(isolated_env / "datasets" / "tiny")
    (tmp_path / "explicit").mkdir()  # holds nothing
    monkeypatch.setenv("MNN_DATA_DIR", str(tmp_path / "env"))
    found = find_local(tiny, file, tmp_path / "explicit")
    assert found == isolated_env / "datasets" / "tiny" / file.name


def test_plain_and_gzip_copies_load_alike(tiny: Dataset, isolated_env: Path, tmp_path) -> None:
    put(tmp_path / "plain")
    put(tmp_path / "packed", compressed=True)
    plain, packed = load(tiny, tmp_path / "plain"), load(tiny, tmp_path / "packed")
    for split_plain, split_packed in zip(plain, packed, strict=True):
        for a, b in zip(split_plain, split_packed, strict=True):
            np.testing.assert_array_equal(a, b)
    (x_train, y_train), (x_test, y_test) = plain
    np.testing.assert_array_equal(x_train, IMAGES)
    np.testing.assert_array_equal(y_test, TEST_LABELS)
    assert x_test.dtype == np.uint8 and y_train.dtype == np.uint8


def test_no_network_when_a_local_copy_exists(tiny, isolated_env, tmp_path, monkeypatch) -> None:
    put(tmp_path / "here")
    tiny = replace(tiny, mirrors=("http://192.0.2.1/",))
    no_network(monkeypatch)
    load(tiny, tmp_path / "here")


def test_a_damaged_copy_is_an_error_not_skipped(tiny, isolated_env, tmp_path) -> None:
    put(tmp_path / "first")
    put(isolated_env / "datasets" / "tiny")
    damaged = bytearray((tmp_path / "first" / "train-labels-idx1-ubyte").read_bytes())
    damaged[-1] ^= 1
    (tmp_path / "first" / "train-labels-idx1-ubyte").write_bytes(bytes(damaged))
    with pytest.raises(
        ValueError, match=r"first/train-labels-idx1-ubyte: checksum mismatch.*fetch"
    ):
        load(tiny, tmp_path / "first")


@pytest.mark.parametrize(
    ("name", "cut", "match"),
    [
        ("train-images-idx3-ubyte", 20, "truncated IDX file"),
        ("train-images-idx3-ubyte.gz", 20, "corrupted gzip file"),
    ],
)
def test_an_interrupted_copy_says_what_to_do(tiny, isolated_env, tmp_path, name, cut, match):
    put(tmp_path / "copy", compressed=name.endswith(".gz"))
    path = tmp_path / "copy" / name
    path.write_bytes(path.read_bytes()[:cut])
    with pytest.raises(ValueError, match=rf"{match}.*Delete the file and run `python -m mnn.data"):
        load(tiny, tmp_path / "copy")


def test_download_tries_mirrors_in_turn_and_caches(
    tiny, isolated_env, file_server, closed_port_url, tmp_path
) -> None:
    put(tmp_path / "mirror", compressed=True)
    tiny = replace(tiny, mirrors=(closed_port_url, file_server.url))
    file = tiny.files["train_images"]
    np.testing.assert_array_equal(load_file(tiny, file), IMAGES)
    cached = isolated_env / "datasets" / "tiny" / "train-images-idx3-ubyte.gz"
    assert cached.is_file()
    assert file_server.requests == ["/train-images-idx3-ubyte.gz"]
    load_file(tiny, file)
    assert len(file_server.requests) == 1, "a cached file was downloaded again"


def test_a_corrupt_download_leaves_nothing_behind(
    tiny, isolated_env, file_server, tmp_path
) -> None:
    wrong = IMAGES.copy()
    wrong[0, 0, 0] += 1
    write_idx(tmp_path / "mirror" / "train-images-idx3-ubyte.gz", wrong)
    truncated = gzip.compress(idx_bytes(LABELS))[:-5]
    (tmp_path / "mirror" / "train-labels-idx1-ubyte.gz").write_bytes(truncated)
    tiny = replace(tiny, mirrors=(file_server.url,))
    with pytest.raises(FileNotFoundError, match="checksum mismatch"):
        load_file(tiny, tiny.files["train_images"])
    with pytest.raises(FileNotFoundError, match="corrupted gzip"):
        load_file(tiny, tiny.files["train_labels"])
    assert list((isolated_env / "datasets" / "tiny").iterdir()) == []


def test_nothing_anywhere_says_where_it_looked_and_what_to_do(
    tiny, isolated_env, tmp_path, closed_port_url
) -> None:
    tiny = replace(tiny, mirrors=(closed_port_url,))
    with pytest.raises(FileNotFoundError) as error:
        load(tiny, tmp_path / "nowhere")
    message = str(error.value)
    assert "train-images-idx3-ubyte" in message
    for place in ("nowhere (the data_dir argument)", "(the user cache)", "system"):
        assert place in message
    assert closed_port_url in message
    assert "python -m mnn.data fetch" in message
    assert "MNN_DATA_DIR" in message


def test_offline_mode_does_not_download(tiny, isolated_env, monkeypatch, file_server) -> None:
    monkeypatch.setenv("MNN_OFFLINE", "1")
    tiny = replace(tiny, mirrors=(file_server.url,))
    with pytest.raises(FileNotFoundError, match="MNN_OFFLINE is set"):
        load_file(tiny, tiny.files["test_labels"])
    assert file_server.requests == []


def test_offline_mode_set_to_0_downloads(
    tiny, isolated_env, monkeypatch, file_server, tmp_path
) -> None:
    monkeypatch.setenv("MNN_OFFLINE", "0")
    put(tmp_path / "mirror", compressed=True)
    tiny = replace(tiny, mirrors=(file_server.url,))
    np.testing.assert_array_equal(load_file(tiny, tiny.files["train_images"]), IMAGES)
    assert file_server.requests == ["/train-images-idx3-ubyte.gz"]


def test_offline_mode_of_unclear_value_is_refused(tiny, isolated_env, monkeypatch) -> None:
    monkeypatch.setenv("MNN_OFFLINE", "maybe")
    with pytest.raises(ValueError, match=r"MNN_OFFLINE='maybe' is neither on nor off: set it to 1"):
        load_file(tiny, tiny.files["test_labels"])


def test_labels_beyond_the_classes_are_rejected(tiny, isolated_env, tmp_path) -> None:
    put(tmp_path / "d")
    tiny = replace(tiny, class_names=("a", "b"))
    with pytest.raises(ValueError, match="labels exceed the 2 classes"):
        load(tiny, tmp_path / "d")


def test_an_unwritable_cache_still_says_how_to_provide_the_files(
    tiny, isolated_env, closed_port_url
) -> None:
    isolated_env.write_text("a file where the cache folder should be")
    tiny = replace(tiny, mirrors=(closed_port_url,))
    with pytest.raises(
        FileNotFoundError,
        match=r"(?s)nowhere to download to: cannot create the cache folder.*"
        r"MNN_CACHE_DIR.*Provide the files",
    ):
        load(tiny)


@pytest.fixture
def cli_tiny(tiny, isolated_env, monkeypatch):
    """``python -m mnn.data`` acting on the tiny dataset only, with no registry."""
    import mnn.data.__main__ as cli

    monkeypatch.setattr(cli, "DATASETS", {"tiny": tiny})
    return cli


def test_cli_usage_errors_name_what_is_wrong(cli_tiny, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_tiny.main([])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.rstrip().endswith("the following arguments are required: command")
    with pytest.raises(SystemExit):
        cli_tiny.main(["where", "cifar"])
    assert "unknown dataset 'cifar' (choose from tiny)" in capsys.readouterr().err


def test_cli_fetch_reports_a_damaged_copy_without_a_traceback(
    cli_tiny, isolated_env, capsys
) -> None:
    put(isolated_env / "datasets" / "tiny")
    path = isolated_env / "datasets" / "tiny" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:30])
    assert cli_tiny.main(["fetch"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "truncated IDX file" in err and "Delete the file" in err


def test_cli_fetch_into_an_unwritable_cache(cli_tiny, isolated_env, capsys) -> None:
    isolated_env.write_text("a file where the cache folder should be")
    assert cli_tiny.main(["fetch"]) == 1
    err = capsys.readouterr().err
    assert "cannot create the cache folder" in err and "set MNN_CACHE_DIR" in err


def test_cli_where_says_where_it_looked(cli_tiny, isolated_env, tmp_path, capsys) -> None:
    assert cli_tiny.main(["where"]) == 0
    out = capsys.readouterr().out
    assert out.count(": missing") == 4
    assert f"searched {isolated_env / 'datasets' / 'tiny'}, {tmp_path / 'system'};" in out
    assert "python -m mnn.data fetch" in out
    put(tmp_path / "system")
    assert cli_tiny.main(["where"]) == 0
    out = capsys.readouterr().out
    assert "missing" not in out and "searched" not in out


def test_cli_clean_says_what_it_did(cli_tiny, isolated_env, capsys) -> None:
    folder = isolated_env / "datasets" / "tiny"
    assert cli_tiny.main(["clean"]) == 0
    assert capsys.readouterr().out == f"nothing to remove: {folder} does not exist\n"
    put(folder)
    assert cli_tiny.main(["clean"]) == 0
    assert capsys.readouterr().out == f"removed {folder}\n" and not folder.exists()
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("not a folder: removing it as one fails")
    assert cli_tiny.main(["clean"]) == 1
    captured = capsys.readouterr()
    assert "removed" not in captured.out and captured.err.startswith("error: ")


def test_data_dir_given_the_parent_folder_says_which_folder_to_pass(
    tiny, isolated_env, tmp_path, closed_port_url
) -> None:
    tiny = replace(tiny, mirrors=(closed_port_url,))
    put(tmp_path / "root" / "tiny")
    with pytest.raises(
        FileNotFoundError, match=rf"not its parent .*: pass data_dir='{tmp_path / 'root' / 'tiny'}'"
    ):
        load(tiny, tmp_path / "root")
    load(tiny, tmp_path / "root" / "tiny")
