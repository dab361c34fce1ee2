"""The book as the test command builds it: in place, strictly, with every notebook executed.

It is the book `make book` writes (same configuration, same `_build/html`, same execution cache
in `_build/.jupyter_cache`, so a notebook whose code did not change is not executed again) and
the site the publishing workflow deploys. ``--all`` makes Sphinx read every page again, so a
warning in a page that did not change is reported too (an incremental build would stay quiet).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"


@dataclass(frozen=True)
class BookBuild:
    """What one ``jupyter-book build`` produced."""

    html: Path
    returncode: int
    output: str

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.output.splitlines() if "WARNING" in line]

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0 and not self.warnings

    def report(self) -> str:
        """The warnings, or the end of the output when the build failed without one."""
        return "\n".join(self.warnings) or self.output[-4000:]


def build_book() -> BookBuild:
    """Build the book into ``_build/html`` as ``make book`` does, but strictly and in full."""
    # As in `make book`: with MPLBACKEND=Agg (set by `make test`) the executed notebooks would
    # lose their figures without an error.
    environment = {name: value for name, value in os.environ.items() if name != "MPLBACKEND"}
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "-W", "--keep-going", "--all"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    return BookBuild(HTML, result.returncode, result.stdout + result.stderr)
