"""The book's own Sphinx extensions (book/_ext), each in a small book built for the test.

- ``mnn_static_widgets``: a notebook executed with a tqdm bar and a slider keeps widget views
  and widget state; its page must carry neither, nor load any script from outside the site.
- ``mnn_repository``: the launch buttons and the Colab install line follow ``repository: url:``.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
URL = "https://github.com/example-org/mnn-course"
WIDGET_CELLS = [
    'from tqdm.auto import tqdm\nfor _ in tqdm(range(3), leave=False):\n    pass\nprint("trained")',
    "import ipywidgets\nipywidgets.IntSlider(3)",
]


@pytest.fixture(scope="module")
def widget_notebook() -> nbformat.NotebookNode:
    """A notebook executed the way the book executes them, with two widget outputs."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Widgets")]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in WIDGET_CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbclient.NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    return notebook


def build_small_book(folder: Path, notebook: nbformat.NotebookNode, url: str) -> Path:
    """Build a two-page book with the project's configuration; return its HTML folder."""
    config = (ROOT / "_config.yml").read_text()
    config, executes = re.subn(r"execute_notebooks: \w+", 'execute_notebooks: "off"', config)
    config, urls = re.subn(r'(repository:\n  url: )""', rf'\g<1>"{url}"', config)
    assert executes == urls == 1, "_config.yml no longer sets execute_notebooks or repository.url"
    (folder / "_config.yml").write_text(config)
    for assets in ("_ext", "_static"):
        shutil.copytree(ROOT / "book" / assets, folder / "book" / assets)
    shutil.copy(ROOT / "book" / "references.bib", folder / "book")
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: widgets\n")
    (folder / "intro.md").write_text("# Running\n\n```{colab-install}\n```\n")
    nbformat.write(notebook, folder / "widgets.ipynb")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", str(folder), "-W"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder / "_build" / "html"


def page_text(path: Path) -> str:
    """The text of an HTML page, tags removed (highlighting splits code into many spans)."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


@pytest.fixture(scope="module")
def book_without_url(tmp_path_factory, widget_notebook) -> Path:
    return build_small_book(tmp_path_factory.mktemp("book"), widget_notebook, "")


@pytest.fixture(scope="module")
def book_with_url(tmp_path_factory, widget_notebook) -> Path:
    return build_small_book(tmp_path_factory.mktemp("book"), widget_notebook, URL)


def test_the_executed_notebook_does_hold_widgets(widget_notebook) -> None:
    views = [
        output
        for cell in widget_notebook.cells
        for output in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
    ]
    state = widget_notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]
    assert len(views) == 2 and state["state"]


@pytest.mark.slow
def test_widget_views_state_and_scripts_leave_the_page(book_without_url: Path) -> None:
    page = (book_without_url / "widgets.html").read_text()
    for trace in ("widget-view+json", "widget-state+json", "require.min.js", "embed-amd"):
        assert trace not in page, trace
    scripts = re.findall(r'<script[^>]*\ssrc="([^"]+)"', page)
    assert scripts and not [src for src in scripts if re.match(r"(https?:)?//", src)], scripts
    assert "trained" in page  # the cell's own printed line stays
    assert json.dumps("IntSlider") not in page


@pytest.mark.slow
def test_without_a_repository_url_no_launch_buttons_and_a_note(book_without_url: Path) -> None:
    page = (book_without_url / "widgets.html").read_text()
    assert "colab.research.google.com" not in page and "mybinder.org" not in page
    running = page_text(book_without_url / "intro.html")
    assert "git clone --depth 1 <URL of this repository> mnn-course" in running
    assert "built without the address of its repository" in running


@pytest.mark.slow
def test_with_a_repository_url_launch_buttons_and_the_install_line(book_with_url: Path) -> None:
    page = (book_with_url / "widgets.html").read_text()
    colab = "https://colab.research.google.com/github/example-org/mnn-course/blob/main/"
    binder = "https://mybinder.org/v2/gh/example-org/mnn-course/main?urlpath=lab/tree/"
    assert f"{colab}widgets.ipynb" in page and f"{binder}widgets.ipynb" in page
    assert f'href="{URL}"' in page  # the repository button
    running = page_text(book_with_url / "intro.html")
    assert f"git clone --depth 1 {URL} mnn-course" in running
    assert "URL of this repository" not in running
