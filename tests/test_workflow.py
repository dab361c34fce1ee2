"""The publishing workflow (.github/workflows/book.yml) passes actionlint and does what it says:
it runs the README's test command and deploys the site that command builds to GitHub Pages.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from book_build import HTML, ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
ACTIONLINT = Path(sys.executable).parent / "actionlint"


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ACTIONLINT), "-no-color", *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def steps(job: str) -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"][job]["steps"]


def test_every_workflow_passes_actionlint() -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
    assert WORKFLOW in workflows
    result = actionlint(*workflows)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("key: mnn-", "restore-key: mnn-"), 'missing input "key"'),
        (("github.event_name", "github.event_nam"), 'property "event_nam" is not defined'),
        (("actions/checkout@v5", "actions/checkout@v4"), 'runtime "node20" is deprecated'),
    ],
    ids=["missing input", "unknown property", "old runtime"],
)
def test_actionlint_would_catch_a_broken_workflow(tmp_path: Path, change, complaint) -> None:
    broken = tmp_path / "book.yml"
    broken.write_text(WORKFLOW.read_text().replace(*change, 1))
    result = actionlint(broken)
    assert result.returncode == 1 and complaint in result.stdout, result.stdout


def test_it_runs_the_test_command_and_publishes_what_that_builds() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    test = steps("test")
    assert any(step.get("run") == "bash .ci/run" for step in test)
    upload = next(step for step in test if "upload-pages-artifact" in step.get("uses", ""))
    assert ROOT / upload["with"]["path"] == HTML
    deploy = yaml.safe_load(WORKFLOW.read_text())["jobs"]["deploy"]
    assert deploy["needs"] == "test" and deploy["permissions"]["pages"] == "write"
    assert "refs/heads/main" in deploy["if"] and "pull_request" in deploy["if"]
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]
