"""Fixtures shared by the tests."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import struct
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

# IDX type codes, written out independently of mnn.data.idx.
IDX_CODES = {"u1": 0x08, "i1": 0x09, ">i2": 0x0B, ">i4": 0x0C, ">f4": 0x0D, ">f8": 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode ``array`` in the IDX format (a reference writer for the reader's tests)."""
    big_endian = array.dtype.newbyteorder(">") if array.dtype.itemsize > 1 else array.dtype
    code = IDX_CODES[big_endian.str.lstrip("|")]
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(big_endian).tobytes()


def write_idx(path: Path, array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file, gzip-compressed when ``path`` ends in ``.gz``."""
    content = idx_bytes(array)
    path.write_bytes(gzip.compress(content) if path.suffix == ".gz" else content)
    return path


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user cache under ``tmp_path``, with no MNN_DATA_DIR and downloads allowed."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("MNN_CACHE_DIR", str(cache))
    monkeypatch.delenv("MNN_DATA_DIR", raising=False)
    monkeypatch.delenv("MNN_OFFLINE", raising=False)
    return cache


@pytest.fixture
def real_data_fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user cache under ``tmp_path`` that still finds the real datasets, offline.

    Each dataset file is linked from wherever the lookup finds it now (data_dir, cache or
    system folder) into ``<tmp>/data/<dataset>``, which becomes ``MNN_DATA_DIR``.
    """
    from mnn.data.catalog import DATASETS
    from mnn.data.locate import find_local

    data = tmp_path / "data"
    for dataset in DATASETS.values():
        (data / dataset.name).mkdir(parents=True)
        for file in dataset.files.values():
            found = find_local(dataset, file)
            assert found is not None, f"{file.name} is missing: run `python -m mnn.data fetch`"
            (data / dataset.name / found.name).symlink_to(found)
    cache = tmp_path / "cache"
    monkeypatch.setenv("MNN_DATA_DIR", str(data))
    monkeypatch.setenv("MNN_CACHE_DIR", str(cache))
    monkeypatch.setenv("MNN_OFFLINE", "1")
    return cache


class FileServer:
    """A loopback HTTP server over a folder that counts the requests it answers."""

    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(root), **kwargs)

            def log_message(self, *args) -> None:
                requests.append(self.path)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[FileServer]:
    """Serve ``tmp_path / "mirror"`` on loopback."""
    root = tmp_path / "mirror"
    root.mkdir()
    server = FileServer(root)
    yield server
    server.close()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL where nothing listens, so connecting fails at once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="session")
def built_book():
    """The book built once per test session, in place and strictly (see tests/book_build.py)."""
    from book_build import build_book

    return build_book()


# ---------------------------------------------------------------- Hypothesis profiles (sweep)
# "ci" (the default, run by `make test`): few examples, always the same ones. "thorough": many,
# freshly drawn each run; run it with MNN_HYPOTHESIS_PROFILE=thorough make test (or pytest).
settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=400,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("MNN_HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many calls the sweep (tests/test_sweep.py) made, if it ran."""
    sweep = sys.modules.get("sweep")
    if sweep is not None and sweep.CALLS:
        terminalreporter.write_line(
            f"API sweep ({settings.default.max_examples} examples per callable, profile "
            f"{os.environ.get('MNN_HYPOTHESIS_PROFILE', 'ci')}): {sweep.CALLS['valid']} valid "
            f"and {sweep.CALLS['bad']} bad calls"
        )
