"""The exercises in the notebooks follow the pattern of :mod:`mnn.exercises`.

Every exercise has a label and a folded solution; an implementation exercise is a skeleton that
raises ``NotImplementedError`` and a check cell, and its solution cell calls the same checker
with ``.assert_passed()`` (nbval runs it, so every solution passes) and is folded in JupyterLab.
A directive whose fence cannot be parsed (a backtick in a backtick fence's title) would silently
show as text, so the fences are checked too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
OPENING = re.compile(r"^(`{3,}|:{3,})\{(exercise|exercise-start|solution|solution-start)\}(.*)$")
CHECK = re.compile(r"exercises\.(check_\w+)\(")


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def directives(path: Path) -> list[tuple[int, str, str, str, dict[str, str]]]:
    """(cell index, directive, fence, argument, options) of every exercise and solution."""
    found = []
    for index, cell in enumerate(cells(path)):
        if cell["cell_type"] != "markdown":
            continue
        lines = "".join(cell["source"]).splitlines()
        for number, line in enumerate(lines):
            match = OPENING.match(line)
            if match:
                options = {}
                for option in lines[number + 1 :]:
                    if not option.startswith(":"):
                        break
                    key, _, value = option[1:].partition(":")
                    options[key] = value.strip()
                found.append((index, match[2], match[1], match[3].strip(), options))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_a_label_and_a_folded_solution(path: Path) -> None:
    found = directives(path)
    labels = [opts.get("label") for _, kind, _, _, opts in found if kind.startswith("exercise")]
    assert all(labels), f"{path.name}: an exercise without :label:"
    assert len(set(labels)) == len(labels), f"{path.name}: duplicate labels {labels}"
    solved = [arg for _, kind, _, arg, _ in found if kind.startswith("solution")]
    assert sorted(solved) == sorted(labels), f"{path.name}: exercises {labels}, solutions {solved}"
    for _, kind, fence, argument, options in found:
        if fence.startswith("`"):
            assert "`" not in argument, f"{path.name}: a backtick in the title {argument!r}"
        if kind.startswith("solution"):
            assert options.get("class") == "dropdown", (
                f"{path.name}: solution {argument} not folded"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_implementation_exercises_follow_the_pattern(path: Path) -> None:
    notebook = cells(path)
    for index, kind, _, _, options in directives(path):
        if kind != "exercise-start":
            continue
        label = options["label"]
        skeleton, check, end = notebook[index + 1 : index + 4]
        assert "raise NotImplementedError" in "".join(skeleton["source"]), label
        checker = CHECK.search("".join(check["source"]))
        assert checker, f"{label}: the cell after the skeleton must call a checker"
        assert "{exercise-end}" in "".join(end["source"]), label
        solution_start, solution, solution_end = notebook[index + 4 : index + 7]
        assert f"{{solution-start}} {label}" in "".join(solution_start["source"]), label
        source = "".join(solution["source"])
        assert f"exercises.{checker[1]}(" in source, f"{label}: the solution must call the checker"
        assert ".assert_passed()" in source, f"{label}: the solution must assert that it passes"
        assert solution["metadata"].get("jupyter", {}).get("source_hidden") is True, label
        assert "{solution-end}" in "".join(solution_end["source"]), label


def test_the_chapters_pose_exercises() -> None:
    """Chapters 1, 2, 3 and 6 pose the course's exercises; each implementation task of the
    sheets has its checker called in the book."""
    called = set()
    for path in NOTEBOOKS:
        for cell in cells(path):
            called |= set(CHECK.findall("".join(cell["source"])))
    from mnn import exercises

    checkers = {name for name in exercises.__all__ if name.startswith("check_")}
    assert checkers <= called, f"checkers no notebook uses: {sorted(checkers - called)}"
    for chapter in ("01", "02", "03", "06"):
        (path,) = [p for p in NOTEBOOKS if p.name.startswith(chapter)]
        assert len(directives(path)) >= 10, f"{path.name} poses fewer than five exercises"
