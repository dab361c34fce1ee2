"""The built book as a reader sees it: every page in headless Chromium, served on loopback.

Each page of the site the test command builds (tests/book_build.py) is opened once, after its
MathJax has typeset and its images have loaded, and what the browser saw is checked: no request
failed, none left the site, math is typeset and no raw TeX is left in the text, every image has
pixels, no widget state is embedded, and every internal link and anchor resolves. Then the
search page, the light/dark switch and the sidebar are used, and screenshots of the landing page
and of each chapter are saved to ``_build/screenshots/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from browser import chromium
from conftest import FileServer
from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
LANDING = "book/intro.html"
# A word from each chapter's text and the page the search must list for it.
SEARCHES = {
    "notebooks/00_datasets.html": "Zalando",
    "notebooks/00_imagenet_classifier.html": "espresso",
    "notebooks/01_cnn_backprop.html": "im2col",
    "notebooks/02_quasi_newton.html": "Sherman",
    "notebooks/03_cam.html": "superimpose",
    "notebooks/04_what_cnn_learned.html": "goldfish",
    "notebooks/05_lrp.html": "LRP",
    "notebooks/06_autoencoders.html": "denoising",
}
RAW_TEX = ["$$", "\\(", "\\)", "\\[", "\\]", "\\begin{"]
# Runs in the page once it has loaded: waits for MathJax and for every image, then reports.
INSPECT = """
async (rawTex) => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = [...document.images];
  images.forEach((image) => { image.loading = "eager"; });
  await Promise.all(images.map((image) => image.complete ? null : new Promise((done) => {
    image.addEventListener("load", done);
    image.addEventListener("error", done);
  })));
  const code = "pre, code, script, style, textarea, mjx-container, .highlight";
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const leftovers = [];
  for (let node = texts.nextNode(); node; node = texts.nextNode()) {
    if (node.parentElement.closest(code)) continue;
    for (const mark of rawTex) {
      const at = node.textContent.indexOf(mark);
      if (at >= 0) leftovers.push(node.textContent.slice(Math.max(0, at - 30), at + 40));
    }
  }
  const state = 'script[type="application/vnd.jupyter.widget-state+json"]';
  return {
    images: images.map((image) => [image.currentSrc || image.src, image.naturalWidth]),
    math: [...document.querySelectorAll(".math")].map(
      (math) => math.querySelector("mjx-container") !== null),
    rawTex: leftovers,
    links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
    ids: [...document.querySelectorAll("[id]")].map((element) => element.id),
    widgetState: document.querySelector(state) !== null,
  };
}
"""


@dataclass
class Visit:
    """What the browser saw of one page."""

    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seen: dict = field(default_factory=dict)


@dataclass
class Site:
    html: Path
    base: str
    context: BrowserContext
    visits: dict[str, Visit]
    screenshots: Path

    def open(self, page_name: str, wait_until: str = "load") -> Page:
        page = self.context.new_page()
        page.goto(self.base + page_name, wait_until=wait_until)
        return page


def site_pages(html: Path) -> list[str]:
    """Every HTML page of the site, relative to its root."""
    return sorted(
        path.relative_to(html).as_posix()
        for path in html.rglob("*.html")
        if path.relative_to(html).parts[0] not in ("_static", "_sources")
    )


def visit(context: BrowserContext, url: str, base: str) -> Visit:
    record = Visit()
    page = context.new_page()
    page.on("request", lambda request: record.requests.append(request.url))
    page.on(
        "requestfailed",
        lambda request: record.failures.append(f"{request.url}: {request.failure}"),
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and record.failures.append(f"{response.url}: HTTP {response.status}")
        ),
    )
    page.goto(url, wait_until="networkidle")
    record.seen = page.evaluate(INSPECT, RAW_TEX)
    page.close()
    return record


@pytest.fixture(scope="module")
def site(built_book) -> Iterator[Site]:
    if not built_book.succeeded:
        pytest.fail("the book did not build; see test_the_book_builds_without_warnings")
    server = FileServer(built_book.html)
    screenshots = built_book.html.parent / "screenshots"
    screenshots.mkdir(exist_ok=True)
    try:
        with chromium() as context:
            visits = {
                name: visit(context, server.url + name, server.url)
                for name in site_pages(built_book.html)
            }
            yield Site(built_book.html, server.url, context, visits, screenshots)
    finally:
        server.close()


def problems(site: Site, check) -> list[str]:
    """``page: problem`` for every problem ``check(visit)`` reports, over every page."""
    return [f"{name}: {problem}" for name, page in site.visits.items() for problem in check(page)]


def test_the_site_has_every_page(site: Site) -> None:
    expected = {"search.html", "genindex.html", LANDING, *SEARCHES}
    assert expected <= set(site.visits), sorted(expected - set(site.visits))


def test_no_request_failed(site: Site) -> None:
    assert not problems(site, lambda page: page.failures)


def test_no_request_left_the_site(site: Site) -> None:
    def outside(page: Visit) -> list[str]:
        local = (site.base, "data:", "blob:", "about:")
        return [url for url in page.requests if not url.startswith(local)]

    assert not problems(site, outside)


def test_math_is_typeset_and_no_raw_tex_is_left(site: Site) -> None:
    def untypeset(page: Visit) -> list[str]:
        missing = page.seen["math"].count(False)
        return [f"{missing} formulas not typeset"] if missing else []

    typeset = sum(page.seen["math"].count(True) for page in site.visits.values())
    assert typeset > 100, f"only {typeset} typeset formulas: is MathJax loaded?"
    assert not problems(site, untypeset)
    assert not problems(site, lambda page: page.seen["rawTex"])


def test_every_image_has_pixels(site: Site) -> None:
    images = [image for page in site.visits.values() for image in page.seen["images"]]
    assert len(images) > 20, "hardly any images found: were the notebooks executed?"
    assert not problems(site, lambda page: [src for src, width in page.seen["images"] if not width])


def test_no_widget_state_is_embedded(site: Site) -> None:
    assert not [name for name, page in site.visits.items() if page.seen["widgetState"]]


def test_every_internal_link_and_anchor_resolves(site: Site) -> None:
    ids = {name: set(page.seen["ids"]) for name, page in site.visits.items()}

    def broken(page: Visit) -> list[str]:
        found = []
        for link in page.seen["links"]:
            if not link.startswith(site.base):
                continue
            parts = urlsplit(link)
            target = unquote(parts.path)[len(urlsplit(site.base).path) :]
            target = target + "index.html" if target.endswith("/") or not target else target
            if not (site.html / target).is_file():
                found.append(f"{link} (no such file)")
            elif parts.fragment and target.endswith(".html"):
                if unquote(parts.fragment) not in ids.get(target, set()):
                    found.append(f"{link} (no such anchor)")
        return found

    links = sum(len(page.seen["links"]) for page in site.visits.values())
    assert links > 200
    assert not problems(site, broken)


@pytest.mark.parametrize("chapter", SEARCHES)
def test_search_finds_each_chapter(site: Site, chapter: str) -> None:
    page = site.open(f"search.html?q={SEARCHES[chapter]}")
    page.wait_for_selector("#search-results .search-summary", timeout=30_000)
    found = page.eval_on_selector_all(
        "#search-results ul.search li a", "links => links.map(a => a.getAttribute('href'))"
    )
    page.close()
    assert chapter in {re.sub(r"[?#].*", "", href) for href in found}, found


def background_luminance(page: Page) -> float:
    red, green, blue = map(
        int,
        re.findall(r"\d+", page.evaluate("getComputedStyle(document.body).backgroundColor"))[:3],
    )
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def test_the_light_dark_switch_changes_the_page(site: Site) -> None:
    page = site.open(LANDING)
    seen = {}
    for _ in range(3):  # the switch cycles auto -> dark -> light -> auto
        page.click(".theme-switch-button >> visible=true")
        seen[page.evaluate("document.documentElement.dataset.theme")] = background_luminance(page)
    page.close()
    assert set(seen) == {"dark", "light"}
    assert seen["dark"] < 0.2 < 0.8 < seen["light"], seen


def sidebar_visible(page: Page) -> bool:
    page.wait_for_timeout(600)  # the sidebar slides away in 0.25 s
    return (
        page.evaluate("getComputedStyle(document.querySelector('#pst-primary-sidebar')).visibility")
        == "visible"
    )


def test_the_sidebar_hides_shows_and_leads_to_every_chapter(site: Site) -> None:
    page = site.open(LANDING)
    assert sidebar_visible(page)
    page.click(".bd-header-article .primary-toggle")
    assert not sidebar_visible(page), "the sidebar button did not hide the sidebar"
    page.click(".bd-header-article .primary-toggle")
    assert sidebar_visible(page)
    listed = page.eval_on_selector_all(
        "#pst-primary-sidebar nav a.reference", "links => links.map(a => a.href)"
    )
    assert {site.base + chapter for chapter in SEARCHES} <= set(listed)
    page.click("#pst-primary-sidebar nav a.reference[href$='03_cam.html']")
    page.wait_for_url("**/notebooks/03_cam.html")
    page.close()


@pytest.mark.parametrize("side", ["primary", "secondary"])
def test_the_sidebars_open_as_dialogs_on_a_narrow_screen(site: Site, side: str) -> None:
    page = site.context.new_page()
    page.set_viewport_size({"width": 600, "height": 900})
    page.goto(site.base + "notebooks/03_cam.html")
    dialog = f"document.querySelector('#pst-{side}-sidebar-modal').open"
    assert not page.evaluate(dialog)
    page.click(f".bd-header-article .{side}-toggle")
    assert page.evaluate(dialog), f"the {side} sidebar button did not open the sidebar"
    page.close()


def chapters() -> list[str]:
    """The pages of the table of contents outside its Reference part."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [
        chapter["file"]
        for part in toc["parts"]
        if part.get("caption") != "Reference"
        for chapter in part["chapters"]
    ]


def test_screenshots_of_the_landing_page_and_every_chapter(site: Site) -> None:
    shots = {"landing": LANDING} | {name.replace("/", "_"): f"{name}.html" for name in chapters()}
    for name, page_name in shots.items():
        page = site.open(page_name, wait_until="networkidle")
        page.evaluate("async () => window.MathJax?.startup?.promise")
        page.screenshot(path=site.screenshots / f"{name}.png", full_page=True)
        page.close()
    saved = sorted(path.stem for path in site.screenshots.glob("*.png"))
    assert set(shots) <= set(saved)
