"""Strip a notebook's outputs before committing it, keeping only what nbval checks.

Usage: python scripts/strip_outputs.py notebooks/NN_name.ipynb [...]

Cells tagged ``nbval-check-output`` keep their text outputs and their execution count (nbval
compares the outputs on every test run, and only of cells that were run); every other cell loses
its outputs and execution count, and every cell its run-time metadata. Run the notebook first
(``jupyter nbconvert --to notebook --execute --inplace``) so that the kept outputs are the ones
a fresh kernel prints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CHECKED_TAG = "nbval-check-output"
TEXT_TYPES = {"stream", "execute_result"}


def strip(notebook: dict) -> dict:
    """Return ``notebook`` with outputs only on checked cells, and those text-only."""
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        cell["metadata"].pop("execution", None)
        if CHECKED_TAG in cell["metadata"].get("tags", []):
            kept = []
            for output in cell["outputs"]:
                if output["output_type"] not in TEXT_TYPES:
                    continue
                if output["output_type"] == "execute_result":
                    output["execution_count"] = None
                    output["data"] = {"text/plain": output["data"]["text/plain"]}
                    output["metadata"] = {}
                kept.append(output)
            cell["outputs"] = kept
        else:
            cell["outputs"] = []
            cell["execution_count"] = None
    return notebook


def main(paths: list[str]) -> None:
    for path in map(Path, paths):
        notebook = strip(json.loads(path.read_text()))
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
        print(f"stripped {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
