"""A strict reader for the IDX format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian
uint32 dimensions, then the entries in C order, big-endian. Anything else is rejected with a
``ValueError`` that names the file and says what is wrong.
"""

from __future__ import annotations

import gzip
import math
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._validation import check_path, check_shape, describe

#: IDX type codes and the NumPy dtypes they denote (big-endian where multi-byte).
IDX_TYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: The first two bytes of every gzip file.
GZIP_MAGIC = b"\x1f\x8b"


def parse_idx(content: bytes, source: str, *, shape: Sequence[int] | None = None) -> np.ndarray:
    """Decode the bytes of an IDX file.

    Parameters
    ----------
    content
        The raw (decompressed) bytes.
    source
        Where they came from, for error messages (usually the file's path).
    shape
        The expected shape; when given, the rank and every dimension must match.

    Returns
    -------
    numpy.ndarray
        The entries, in native byte order, with the shape stored in the file.
    """
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"content must be the bytes of an IDX file, got {describe(content)}; read a file "
            "with read_idx(path), or its bytes with Path(path).read_bytes()."
        )
    if not isinstance(source, str):
        raise TypeError(
            f"source must be a str naming where content came from, got {describe(source)}."
        )
    if shape is not None:
        shape = check_shape(shape, "shape", minimum=0)
    if len(content) < 4:
        raise ValueError(
            f"{source}: truncated IDX file, {len(content)} bytes is shorter than the header."
        )
    zero, type_code, ndim = content[:2], content[2], content[3]
    if zero == GZIP_MAGIC:
        raise ValueError(
            f"{source}: not an IDX file but a gzip-compressed one; name it with a .gz suffix "
            "to have it decompressed."
        )
    if zero != b"\x00\x00" or type_code not in IDX_TYPES:
        raise ValueError(
            f"{source}: not an IDX file, its magic number is 0x{content[:4].hex()} "
            f"(expected 0x0000TTDD with type TT in {sorted(f'{t:02x}' for t in IDX_TYPES)})."
        )
    if shape is not None and ndim != len(shape):
        raise ValueError(
            f"{source}: wrong dimensions, the file holds a {ndim}-dimensional array but "
            f"a {len(shape)}-dimensional one of shape {tuple(shape)} is expected."
        )
    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise ValueError(
            f"{source}: truncated IDX file, the header of {header_size} bytes is cut short."
        )
    dims = tuple(int(d) for d in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    if shape is not None and dims != tuple(shape):
        raise ValueError(f"{source}: wrong dimensions {dims}, expected {tuple(shape)}.")
    dtype = IDX_TYPES[type_code]
    # Python integers: a product of uint32 dimensions may exceed int64 and wrap around.
    expected_size = header_size + math.prod(dims) * dtype.itemsize
    if len(content) < expected_size:
        raise ValueError(
            f"{source}: truncated IDX file, {len(content)} bytes where the header {dims} "
            f"promises {expected_size}."
        )
    if len(content) > expected_size:
        raise ValueError(
            f"{source}: {len(content) - expected_size} unexpected bytes after the data "
            f"of shape {dims}."
        )
    data = np.frombuffer(content, dtype=dtype, offset=header_size).reshape(dims)
    return data.astype(dtype.newbyteorder("="), copy=True)


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``, decompressed if its name ends in ``.gz``."""
    raw = Path(path).read_bytes()
    if path.suffix != ".gz":
        return raw
    if not raw.startswith(GZIP_MAGIC):
        raise ValueError(
            f"{path}: not a gzip file, though its name ends in .gz; if it is an already "
            "decompressed IDX file, remove the .gz suffix."
        )
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{path}: corrupted gzip file ({error}).") from None


def read_idx(path: str | Path, *, shape: Sequence[int] | None = None) -> np.ndarray:
    """Read an IDX file, plain or gzip-compressed (by its ``.gz`` suffix).

    Parameters
    ----------
    path
        The file.
    shape
        The expected shape, checked as in :func:`parse_idx`.

    Returns
    -------
    numpy.ndarray
    """
    path = check_path(path, "path", exists="file")
    return parse_idx(read_bytes(path), str(path), shape=shape)
