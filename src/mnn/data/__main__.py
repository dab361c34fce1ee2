"""Command line: ``python -m mnn.data fetch | where | clean``.

- ``fetch [NAME ...]``: make the datasets available offline (see :mod:`mnn.data.registry`).
- ``where``: print where each file would be read from.
- ``clean``: delete the datasets from the user cache.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from .catalog import DATASETS
from .locate import dataset_cache_dir, find_local
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
        choices=[[], *DATASETS],
        metavar="NAME",
        help=f"datasets to act on: {', '.join(DATASETS)} (default all)",
    )
    args = parser.parse_args(argv)
    chosen = [DATASETS[name] for name in (args.datasets or DATASETS)]
    for dataset in chosen:
        if args.command == "fetch":
            try:
                fetch(dataset)
            except RuntimeError as error:
                print(f"error: {error}", file=sys.stderr)
                return 1
        elif args.command == "where":
            for file in dataset.files.values():
                print(f"{dataset.name}/{file.name}: {find_local(dataset, file) or 'missing'}")
        else:
            shutil.rmtree(dataset_cache_dir(dataset), ignore_errors=True)
            print(f"removed {dataset_cache_dir(dataset)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
