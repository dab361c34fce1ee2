"""Notebooks are committed clean and every one of them is in the book.

nbval (``make test``) executes them; this module checks how they are stored.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHECKED_TAG = "nbval-check-output"
TEXT_OUTPUTS = {"stream", "execute_result"}


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path) -> None:
    """Outputs only where nbval compares them (tagged cells), and only text."""
    notebook = json.loads(path.read_text())
    problems = []
    for number, cell in enumerate(notebook["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        checked = CHECKED_TAG in cell["metadata"].get("tags", [])
        if cell.get("execution_count") is not None and not checked:
            problems.append(f"cell {number} has an execution count but is not tagged")
        kinds = {output["output_type"] for output in cell["outputs"]}
        if kinds and not checked:
            problems.append(
                f"cell {number} has outputs {sorted(kinds)} but is not tagged {CHECKED_TAG}"
            )
        if checked and kinds - TEXT_OUTPUTS:
            problems.append(f"cell {number} keeps non-text outputs {sorted(kinds - TEXT_OUTPUTS)}")
        if checked and any(
            set(output.get("data", {})) - {"text/plain"} for output in cell["outputs"]
        ):
            problems.append(f"cell {number} keeps rich (non text/plain) data")
    assert not problems, (
        f"{path.name}: " + "; ".join(problems) + ". Run `python scripts/strip_outputs.py "
        f"notebooks/{path.name}` before committing."
    )


def toc_files() -> list[str]:
    return re.findall(r"^\s*(?:-\s*)?(?:file|root):\s*(\S+)", (ROOT / "_toc.yml").read_text(), re.M)


def test_every_notebook_is_in_the_table_of_contents() -> None:
    listed = set(toc_files())
    missing = [p.name for p in NOTEBOOKS if f"notebooks/{p.stem}" not in listed]
    assert not missing, f"add these to _toc.yml: {missing}"


def test_every_table_of_contents_entry_exists() -> None:
    entries = toc_files()
    assert len(entries) >= 8
    absent = [
        entry
        for entry in entries
        if not any((ROOT / f"{entry}{suffix}").is_file() for suffix in (".md", ".ipynb"))
    ]
    assert not absent, f"_toc.yml lists files that do not exist: {absent}"
