"""Bad input to mnn.data and mnn.cache: the defects the sweep of issue #16 found, each refused
with mnn's own words (every test here failed before the fix)."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest

from mnn import cache
from mnn.data import class_counts, load_mnist, parse_idx, read_idx, sample_image


def test_class_counts_refuses_repeated_names_that_would_merge_classes() -> None:
    # Four labels, but "a" named twice: the dict kept one count for "a" and lost a class.
    with pytest.raises(ValueError, match=r"class_names must not repeat a name, but 'a' appears"):
        class_counts(np.array([0, 1, 2, 3]), ["a", "b", "a", "c"])


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ("ab", r"class_names must be a list of strings such as \['ab'\], got str 'ab'"),
        (3, "class_names must be a list of strings such as .*, got int 3"),
        (iter(["a", "b"]), "got list_iterator"),
    ],
)
def test_class_counts_refuses_names_that_are_not_a_list(names, message) -> None:
    # A string was read as its letters: class_counts(labels, "ab") counted classes 'a', 'b'.
    with pytest.raises(TypeError, match=message):
        class_counts(np.array([0, 1]), names)


@pytest.mark.parametrize("name", [["cat"], np.array(["cat"]), {"cat": 1}])
def test_sample_image_names_what_it_got_instead_of_a_name(name) -> None:
    with pytest.raises(ValueError, match=r"name must be one of 'cat', 'coffee', .*; got "):
        sample_image(name)


def test_sample_image_suggests_a_spelling() -> None:
    with pytest.raises(ValueError, match=r"got 'kat'\. Did you mean 'cat'\?"):
        sample_image("kat")


@pytest.mark.parametrize(
    ("data_dir", "error", "message"),
    [
        (3, TypeError, "data_dir must be a path, a str or pathlib.Path, got int 3"),
        (np.array(["x"]), TypeError, "data_dir must be a path.*got array"),
        # A NUL byte made every lookup in data_dir fail silently: the cache was read instead.
        ("a\0b", ValueError, "data_dir must be a non-empty path without NUL characters"),
    ],
)
def test_load_refuses_a_data_dir_that_is_not_a_path(data_dir, error, message) -> None:
    with pytest.raises(error, match=message):
        load_mnist(data_dir=data_dir)


def test_read_idx_checks_its_path(tmp_path) -> None:
    with pytest.raises(TypeError, match=r"path must be a path, a str or pathlib\.Path, got int"):
        read_idx(3)
    with pytest.raises(FileNotFoundError, match=r"path must be an existing file, but .*missing"):
        read_idx(tmp_path / "missing")
    with pytest.raises(IsADirectoryError, match="path must be an existing file"):
        read_idx(tmp_path)


def test_parse_idx_checks_content_source_and_shape() -> None:
    content = bytes([0, 0, 8, 1, 0, 0, 0, 1, 5])
    with pytest.raises(TypeError, match=r"content must be the bytes of an IDX file, got str"):
        parse_idx("abcd", "s")
    with pytest.raises(TypeError, match="source must be a str"):
        parse_idx(content, 3)
    with pytest.raises(TypeError, match=r"shape must be a tuple of integers such as \(1, 28, 28\)"):
        parse_idx(content, "s", shape=1)
    with pytest.raises(TypeError, match=r"shape must be a tuple of 1 integers, got \('a',\)"):
        parse_idx(content, "s", shape=("a",))
    assert parse_idx(bytearray(content), "s", shape=[1]).tolist() == [5]


def test_parse_idx_dimensions_whose_product_wraps_around_int64() -> None:
    # 2^22 * 2^21 * 2^21 = 2^64, which is 0 in int64: the size check passed a header-only file,
    # and NumPy's reshape failed without naming it.
    dims = (2**22, 2**21, 2**21)
    assert math.prod(dims) == 2**64
    header = struct.pack(">BBBB3I", 0, 0, 0x08, 3, *dims)
    with pytest.raises(ValueError, match=r"huge: truncated IDX file, 16 bytes where the header"):
        parse_idx(header, "huge")


def test_config_key_refuses_what_is_not_a_finite_json_mapping() -> None:
    with pytest.raises(TypeError, match=r"config must be a mapping such as \{'epochs': 10"):
        cache.config_key(3)
    with pytest.raises(ValueError, match=r"must be JSON-serialisable .*Out of range float"):
        cache.config_key({"learning_rate": float("nan")})


def test_cached_artifact_keeps_inside_the_cache(isolated_env) -> None:
    # "../../x" wrote the artefact two folders above the cache's artifacts folder.
    outside = str(isolated_env.parent / "absolute")
    for namespace in ("../../x", outside, "", "a/../../b"):
        with pytest.raises(ValueError, match="namespace must be a relative path of folder names"):
            cache.cached_artifact(namespace, {}, lambda directory: None)
    with pytest.raises(TypeError, match="namespace must be a str such as 'fashion_cnn/torch'"):
        cache.cached_artifact(3, {}, lambda directory: None)
    assert not isolated_env.exists()
    assert not (isolated_env.parent / "x").exists()
    assert not (isolated_env.parent / "absolute").exists()


def test_cached_artifact_checks_create_before_making_folders(isolated_env) -> None:
    with pytest.raises(TypeError, match=r"create must be a callable used as create\(directory\)"):
        cache.cached_artifact("tests/x", {"a": 1}, "not a function")
    assert not isolated_env.exists()


def test_read_artifact_blames_the_call_not_the_artefact(tmp_path) -> None:
    # Both were reported as "the cached artefact ... is damaged; delete that folder".
    with pytest.raises(TypeError, match=r"read must be a callable used as read\(directory\)"):
        cache.read_artifact(tmp_path, "not a function")
    with pytest.raises(TypeError, match="directory must be a path"):
        cache.read_artifact(3, lambda directory: None)
    with pytest.raises(FileNotFoundError, match="directory must be an existing folder"):
        cache.read_artifact(tmp_path / "missing", lambda directory: None)


def test_env_path_and_writable_dir_check_their_arguments(tmp_path) -> None:
    with pytest.raises(TypeError, match="name must be the name of an environment variable"):
        cache.env_path(3)
    assert cache.writable_dir(str(tmp_path / "new")) == tmp_path / "new"
    with pytest.raises(TypeError, match="path must be a path"):
        cache.writable_dir(None)
