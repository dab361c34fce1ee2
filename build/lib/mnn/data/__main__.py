"""Command line: ``python -m mnn.data fetch | where | clean``.

- ``fetch [NAME ...]``: make the datasets available offline (see :mod:`mnn.data.registry`).
- ``where``: print where each file would be read from.
- ``clean``: delete the datasets from the user cache.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from .catalog import DATASETS, Dataset
from .locate import dataset_cache_dir, find_local, search_dirs
from .registry import fetch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mnn.data",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["fetch", "where", "clean"])
    parser.add_argument(
        "datasets",
        nargs="*",
        default=[],
        metavar="NAME",
        help=f"datasets to act on: {', '.join(DATASETS)} (default all)",
    )
    args = parser.parse_args(argv)
    for name in args.datasets:
        if name not in DATASETS:
            parser.error(f"unknown dataset {name!r} (choose from {', '.join(DATASETS)})")
    chosen = [DATASETS[name] for name in (args.datasets or DATASETS)]
    for dataset in chosen:
        try:
            if args.command == "fetch":
                fetch(dataset)
            elif args.command == "where":
                where(dataset)
            else:
                clean(dataset)
        except (RuntimeError, ValueError, OSError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


def where(dataset: Dataset) -> None:
    """Print the copy of each file that the loaders would read, and what to do if one is missing."""
    found = {file.name: find_local(dataset, file) for file in dataset.files.values()}
    for name, path in found.items():
        print(f"{dataset.name}/{name}: {path or 'missing'}")
    if not all(found.values()):
        looked = ", ".join(str(folder) for folder, _why in search_dirs(dataset))
        print(
            f"{dataset.name}: searched {looked}; run `python -m mnn.data fetch` or copy the "
            "files into one of these folders (see book/running.md)."
        )


def clean(dataset: Dataset) -> None:
    """Delete the dataset's folder in the user cache."""
    folder = dataset_cache_dir(dataset)
    if not folder.exists():
        print(f"nothing to remove: {folder} does not exist")
        return
    shutil.rmtree(folder)
    print(f"removed {folder}")


if __name__ == "__main__":
    sys.exit(main())
