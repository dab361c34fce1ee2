"""The user cache: where datasets and trained models are kept between runs, never in the repository.

The cache root is ``$MNN_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/mnn``, else ``~/.cache/mnn``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from ._validation import check_callable, check_mapping, check_path, describe

__all__ = [
    "cache_dir",
    "cached_artifact",
    "config_key",
    "env_path",
    "read_artifact",
    "writable_dir",
]

T = TypeVar("T")


def env_path(name: str) -> Path | None:
    """The folder that the environment variable ``name`` names (``~`` expanded), ``None`` if it is
    unset or empty.

    Raises
    ------
    ValueError
        For a relative path: it would name a different folder in every working directory, and
        notebooks run in their own folder, not where ``make`` or the shell was started.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be the name of an environment variable, got {describe(name)}.")
    value = os.environ.get(name)
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise ValueError(
            f"{name} must be an absolute path, got {value!r}: a relative one names a different "
            f"folder in every working directory (notebooks run in their own folder); "
            f'set {name}="$PWD/{value}" instead.'
        )
    return path


def cache_dir() -> Path:
    """The root of the user cache (not created here)."""
    explicit = env_path("MNN_CACHE_DIR")
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "mnn"


def writable_dir(path: Path) -> Path:
    """Create the cache folder ``path`` if it is missing and check that it is writable; return it.

    Raises
    ------
    OSError
        Naming the folder and saying to set ``MNN_CACHE_DIR`` to a writable one.
    """
    path = check_path(path, "path")
    hint = "make it writable, or set MNN_CACHE_DIR to a folder you can write to."
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot create the cache folder {path} ({error.strerror}); {hint}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(f"the cache folder {path} is not writable; {hint}")
    return path


def config_key(config: Mapping[str, Any]) -> str:
    """A short, stable hash of a JSON-serialisable configuration (finite numbers, strings,
    lists and mappings with string keys)."""
    check_mapping(config, "config", "{'epochs': 10, 'seed': 0}")
    try:
        text = json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise type(error)(
            f"the cache configuration must be JSON-serialisable (finite numbers, strings, lists, "
            f"dicts): {error}"
        ) from None
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cached_artifact(
    namespace: str, config: Mapping[str, Any], create: Callable[[Path], None]
) -> tuple[Path, bool]:
    """Return the cache directory of the artefact described by ``config``, creating it if absent.

    ``create(directory)`` writes the artefact (weights, history, ...) into an empty temporary
    directory; only when it returns is that directory moved into place, so an interrupted run
    never leaves a half-written artefact behind. The configuration is stored beside it as
    ``config.json``.

    Parameters
    ----------
    namespace
        A folder under ``<cache>/artifacts``, e.g. ``"fashion_cnn/torch"``.
    config
        Everything the artefact depends on (architecture, hyper-parameters, seed, versions).
    create
        Called with the temporary directory when the artefact is not cached yet.

    Returns
    -------
    (path, created)
        The artefact's directory and whether this call created it.
    """
    check_callable(create, "create", "create(directory) -> None")
    target = cache_dir() / "artifacts" / _check_namespace(namespace) / config_key(config)
    if (target / "config.json").is_file():
        return target, False
    writable_dir(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    try:
        create(staging)
        (staging / "config.json").write_text(json.dumps(config, sort_keys=True, indent=2))
        try:
            staging.rename(target)
        except OSError:
            # Another process finished the same artefact first: keep theirs.
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target, True


def read_artifact(directory: Path, read: Callable[[Path], T]) -> T:
    """``read(directory)`` for a cached artefact, with an error that says how to recover when its
    files are damaged (truncated, edited, partly deleted): delete the folder to recreate it.

    A damaged artefact is an error, never silently used or replaced.
    """
    directory = check_path(directory, "directory", exists="dir")
    check_callable(read, "read", "read(directory) -> the artefact")
    try:
        return read(directory)
    except Exception as error:
        raise RuntimeError(
            f"the cached artefact in {directory} is damaged and cannot be read "
            f"({type(error).__name__}: {error}); delete that folder and call again to recreate it."
        ) from error


def _check_namespace(namespace: Any) -> PurePosixPath:
    """``namespace`` as a relative path of plain folder names, which stays inside the cache."""
    example = "such as 'fashion_cnn/torch'"
    if not isinstance(namespace, str):
        raise TypeError(f"namespace must be a str {example}, got {describe(namespace)}.")
    parts = PurePosixPath(namespace).parts
    if not parts or parts[0] == "/" or ".." in parts:
        raise ValueError(
            f"namespace must be a relative path of folder names inside the cache, {example}, "
            f"got {namespace!r}."
        )
    return PurePosixPath(*parts)
