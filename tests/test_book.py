"""The book builds warning-free, with every notebook executed (the API page, cross-references,
citations, the TOC, and the notebooks' outputs).

This is the build `make book` makes, into `_build/html`; tests/test_browser.py then reads that
site in Chromium, and the publishing workflow deploys it. nbval executes the notebooks again
later in the same `make test`, comparing the outputs of the checked cells.
"""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_the_book_builds_without_warnings(built_book) -> None:
    assert built_book.succeeded, built_book.report()
    assert (built_book.html / "book" / "api.html").is_file()
    assert (built_book.html / "notebooks" / "03_cam.html").is_file()
