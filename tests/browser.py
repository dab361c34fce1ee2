"""Headless Chromium for the tests, driven by Playwright.

The browser is Debian's ``chromium`` (``make test`` installs it as root when it is missing), or
the executable named by the environment variable ``CHROMIUM``; Playwright's own browser
downloads are not reachable from the machines the course runs on. Chromium starts with a new
empty profile and without its background services, which would otherwise try to reach Google
at every start.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import BrowserContext, sync_playwright

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDE = {"width": 1280, "height": 900}


def chromium_path() -> str:
    """The Chromium executable, or a skip that says how to install one."""
    name = os.environ.get("CHROMIUM") or "chromium"
    path = shutil.which(name)
    if path is None:
        pytest.skip(
            f"no Chromium ({name!r} is not on PATH): install Debian's package as root "
            "(`apt-get install chromium`, which `make test` does when run as root) or set "
            "CHROMIUM to a Chromium or Chrome executable"
        )
    return path


@contextmanager
def chromium(viewport: dict[str, int] = WIDE) -> Iterator[BrowserContext]:
    """A browser context of a fresh headless Chromium, closed on exit."""
    executable = chromium_path()
    with tempfile.TemporaryDirectory(prefix="mnn-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=executable, args=FLAGS, headless=True, viewport=viewport
        )
        try:
            yield context
        finally:
            context.close()
