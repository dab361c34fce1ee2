"""The IDX reader against a reference writer, and its errors on malformed files."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from conftest import idx_bytes, write_idx

from mnn.data import parse_idx, read_idx


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
def test_round_trip_every_type(tmp_path: Path, dtype: str) -> None:
    rng = np.random.default_rng(0)
    array = (rng.normal(size=(3, 5, 2)) * 100).astype(dtype)
    path = write_idx(tmp_path / "a.idx", array)
    read = read_idx(path)
    assert read.dtype == np.dtype(dtype)
    assert read.dtype.isnative
    np.testing.assert_array_equal(read, array)


def test_gzip_is_read_by_suffix(tmp_path: Path) -> None:
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = write_idx(tmp_path / "a-idx3-ubyte.gz", array)
    np.testing.assert_array_equal(read_idx(path, shape=(2, 3, 4)), array)


def test_wrong_magic_number(tmp_path: Path) -> None:
    content = bytearray(idx_bytes(np.zeros((2, 2), np.uint8)))
    content[0] = 0x1F
    path = tmp_path / "bad-magic"
    path.write_bytes(bytes(content))
    with pytest.raises(ValueError, match=r"bad-magic: not an IDX file, its magic number is 0x1f"):
        read_idx(path)


def test_unknown_type_code() -> None:
    content = bytearray(idx_bytes(np.zeros((2, 2), np.uint8)))
    content[2] = 0x07
    with pytest.raises(ValueError, match="not an IDX file"):
        parse_idx(bytes(content), "x")


def test_wrong_number_of_dimensions() -> None:
    content = idx_bytes(np.zeros((4, 3), np.uint8))
    with pytest.raises(ValueError, match=r"labels: wrong dimensions, .* 2-dimensional .* \(4,\)"):
        parse_idx(content, "labels", shape=(4,))


def test_wrong_dimensions() -> None:
    content = idx_bytes(np.zeros((5, 2, 2), np.uint8))
    with pytest.raises(ValueError, match=r"wrong dimensions \(5, 2, 2\), expected \(6, 2, 2\)"):
        parse_idx(content, "images", shape=(6, 2, 2))


@pytest.mark.parametrize("keep", [0, 3, 6, 8 + 3])
def test_truncated(tmp_path: Path, keep: int) -> None:
    content = idx_bytes(np.ones((2, 2), np.uint8))[:keep]
    path = tmp_path / "short"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"short: truncated IDX file"):
        read_idx(path)


def test_trailing_bytes() -> None:
    content = idx_bytes(np.ones((2, 2), np.uint8)) + b"\x00"
    with pytest.raises(ValueError, match="1 unexpected bytes after the data"):
        parse_idx(content, "long")


def test_corrupted_gzip(tmp_path: Path) -> None:
    compressed = gzip.compress(idx_bytes(np.ones((50, 50), np.uint8)))
    path = tmp_path / "broken.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match=r"broken.gz: corrupted gzip file"):
        read_idx(path)


def test_a_gzip_file_without_its_suffix_and_a_plain_one_with_it(tmp_path: Path) -> None:
    content = idx_bytes(np.ones((3, 3), np.uint8))
    compressed = tmp_path / "images-idx2-ubyte"
    compressed.write_bytes(gzip.compress(content))
    with pytest.raises(ValueError, match=r"images-idx2-ubyte: .*gzip-compressed.*\.gz suffix"):
        read_idx(compressed)
    plain = tmp_path / "labels-idx2-ubyte.gz"
    plain.write_bytes(content)
    with pytest.raises(ValueError, match=r"labels-idx2-ubyte.gz: not a gzip file.*remove the \.gz"):
        read_idx(plain)
