"""JupyterLab as students meet it: `make lab`, a notebook in Chromium, its kernel, MyST rendered.

`make lab` is started the way a student starts it (as root where the machine runs as root),
headless, on a copy of the notebooks so that nothing the test does is saved into the
repository. Chromium opens chapter 2, whose kernel must be the project's environment and run a
cell that imports ``mnn``, and whose ``{prf:theorem}`` blocks must render as theorems (through
jupyterlab-myst) rather than as code fences.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser import chromium
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "02_quasi_newton.ipynb"
STARTUP_SECONDS = 180


@dataclass
class Lab:
    url: str
    token: str
    folder: Path
    log: Path

    def tail(self) -> str:
        return self.log.read_text()[-3000:]

    def api(self, path: str) -> object:
        with urllib.request.urlopen(f"{self.url}api/{path}?token={self.token}", timeout=10) as r:
            return json.load(r)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(lab: Lab, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"`make lab` exited with {server.returncode}:\n{lab.tail()}")
        try:
            lab.api("status")
            return
        except OSError:
            time.sleep(1)
    pytest.fail(f"`make lab` did not answer in {STARTUP_SECONDS} s:\n{lab.tail()}")


def wait_for_idle_kernel(lab: Lab) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if any(session["kernel"]["execution_state"] == "idle" for session in lab.api("sessions")):
            return
        time.sleep(1)
    pytest.fail(f"the notebook's kernel was not idle after {STARTUP_SECONDS} s:\n{lab.tail()}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    folder = tmp_path_factory.mktemp("lab")
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy(notebook, folder)
    port, token = free_port(), secrets.token_hex(16)
    options = (
        f"--no-browser --port={port} --ServerApp.ip=127.0.0.1 --IdentityProvider.token={token}"
    )
    environment = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(folder / ".settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(folder / ".workspaces"),
    }
    lab = Lab(f"http://127.0.0.1:{port}/", token, folder, folder / "lab.log")
    with lab.log.open("w") as log:
        server = subprocess.Popen(
            ["make", "-s", "lab", f"LAB_DIR={folder}", f"LAB_ARGS={options}"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,  # its own process group, ended as a whole below
        )
    try:
        wait_until_serving(lab, server)
        yield lab
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@dataclass
class OpenNotebook:
    page: Page
    requests: list[str]


@pytest.fixture(scope="module")
def notebook(lab: Lab) -> Iterator[OpenNotebook]:
    with chromium() as context:
        opened = OpenNotebook(context.new_page(), [])
        opened.page.on("request", lambda request: opened.requests.append(request.url))
        opened.page.goto(f"{lab.url}lab/tree/{NOTEBOOK}?token={lab.token}")
        opened.page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        wait_for_idle_kernel(lab)
        yield opened


def test_make_lab_serves_the_notebooks(lab: Lab) -> None:
    # Started at all: as root, Jupyter refuses to start unless `make lab` says --allow-root.
    names = {item["name"] for item in lab.api("contents")["content"]}
    assert NOTEBOOK in names and "01_cnn_backprop.ipynb" in names


def test_the_notebook_runs_on_the_projects_kernel(lab: Lab, notebook: OpenNotebook) -> None:
    sessions = lab.api("sessions")
    assert [session["kernel"]["name"] for session in sessions] == ["python3"]
    assert "Python 3 (ipykernel)" in notebook.page.inner_text(".jp-Toolbar-kernelName")
    page = notebook.page
    run_new_first_cell(page, "import sys, mnn; print(sys.prefix); print(mnn.__file__)")
    output = page.locator(".jp-Notebook .jp-Cell >> nth=0").locator(".jp-OutputArea-output")
    output.wait_for(timeout=120_000)
    prefix, package = output.inner_text().split()
    assert Path(prefix).resolve() == (ROOT / ".venv").resolve()
    assert Path(package).resolve() == (ROOT / "src" / "mnn" / "__init__.py").resolve()


def run_new_first_cell(page: Page, code: str) -> None:
    """Add a cell above the first one and run it, with the keys a student would press."""
    page.click(".jp-Notebook .jp-Cell >> nth=0")
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    page.keyboard.press("Enter")
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")


def test_the_heatmap_explorer_works_in_jupyterlab(notebook: OpenNotebook) -> None:
    page = notebook.page
    run_new_first_cell(
        page,
        "import mnn, numpy as np; mnn.viz.heatmap_explorer(np.zeros((2, 8, 8)), "
        "lambda image, target, layer: np.eye(8) + np.arange(8) * target, "
        "[[('left', 0), ('right', 1)], [('up', 2)]], ['conv', 'head'])",
    )
    cell = page.locator(".jp-Notebook .jp-Cell >> nth=0")
    menus = cell.locator(".widget-dropdown select")
    menus.nth(2).wait_for(timeout=60_000)
    picture = cell.locator(".widget-image")
    before = picture.get_attribute("src")
    menus.nth(1).select_option(label="right")
    expect(picture).not_to_have_attribute("src", before)  # redrawn by the kernel
    assert picture.evaluate("image => image.naturalWidth") > 100
    menus.nth(0).select_option(label="image 1")
    expect(menus.nth(1).locator("option")).to_have_text(["up"])  # the kernel's answer


def test_the_relevance_explorer_slider_works_in_jupyterlab(notebook: OpenNotebook) -> None:
    page = notebook.page
    run_new_first_cell(
        page,
        "import mnn, numpy as np; mnn.viz.relevance_explorer(np.zeros((1, 8, 8)), "
        "lambda image, gamma: np.eye(8) - gamma * np.eye(8)[::-1], [0.0, 0.5, 2.0])",
    )
    cell = page.locator(".jp-Notebook .jp-Cell >> nth=0")
    handle = cell.locator(".widget-slider .noUi-handle")
    handle.wait_for(timeout=60_000)
    readout = cell.locator(".widget-readout")
    expect(readout).to_have_text("0")
    picture = cell.locator(".widget-image")
    before = picture.get_attribute("src")
    handle.focus()
    page.keyboard.press("ArrowRight")  # one stop to the right, as a student's key press
    expect(readout).to_have_text("0.5")
    expect(picture).not_to_have_attribute("src", before)  # redrawn by the kernel
    assert picture.evaluate("image => image.naturalWidth") > 100


def test_a_theorem_renders_as_a_theorem(notebook: OpenNotebook) -> None:
    # The explorer tests above add cells with tall pictures above the first one, which push the
    # theorem out of view, where JupyterLab draws it without its text: read the DOM's text.
    theorem = notebook.page.locator("aside.myst-proof").first
    theorem.wait_for(timeout=60_000)
    theorem.scroll_into_view_if_needed()
    expect(theorem.locator(".myst-proof-title")).to_have_text(re.compile("^Theorem 1"))
    expect(theorem.locator(".myst-proof-body")).to_contain_text("symmetric")
    rendered = notebook.page.locator(".jp-MarkdownCell .myst")
    text = "\n".join(rendered.all_text_contents())
    assert "{prf:" not in text and "{cite}" not in text


def test_jupyterlab_requests_nothing_outside(lab: Lab, notebook: OpenNotebook) -> None:
    local = (lab.url, "data:", f"blob:{lab.url}")
    outside = [url for url in notebook.requests if not url.startswith(local)]
    assert not outside
