"""report.html in headless Chromium: it renders its sections and charts, every
relative link resolves inside the output directory, nothing is fetched from the
network and the console stays silent. Saves a screenshot for a human to look at."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from toolkit.config import Config
from toolkit.io import discover, run_clean

from .chromium import chromium, render
from .conftest import SEEDS

SECTIONS = ("totals", "top-issues", "files", "scripts", "removed", "clusters", "mixed-script", "distributions",
            "normalization", "articles")


class Refs(HTMLParser):
    """Every URL the page refers to (href, src, xlink:href, url(...) in styles) and every id."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src", "xlink:href", "srcset", "action", "poster", "data"):
                self.urls.append(value)
            if name == "id":
                self.ids.add(value)
            if name == "style":
                self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", value)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chromium()  # skip early when there is no browser
    out = tmp_path_factory.mktemp("report")
    run_clean(discover([str(SEEDS)]), out, Config())
    return out


def test_report_renders_sections_and_charts(out: Path) -> None:
    page = out / "report.html"
    shot = out / "report.png"
    rendered = render(page, screenshot=shot, size=(1280, 2400))
    assert rendered.console == []
    dom = rendered.dom
    for section in SECTIONS:
        assert re.search(f'<section id="{section}">\\s*<h2>', dom), section
    assert len(re.findall(r"<svg[^>]*role=\"img\"", dom)) == 3
    for label in ("length (characters)", "CJK ratio", "repeated 13-gram share"):
        assert f'aria-label="{label}"' in dom
    assert dom.count("<rect") >= 30  # one bar per bin
    assert "TOP10<mark>里</mark>面" in dom  # the seed's one mixed-script span, with its context
    assert "1,459" in dom  # half-width marks made full-width
    assert shot.stat().st_size > 50_000  # a page with text and charts, not a blank image


def test_every_link_resolves_and_nothing_is_remote(out: Path) -> None:
    for page in sorted(out.rglob("*.html")):  # the report and the diff pages it links to
        refs = Refs()
        refs.feed(page.read_text(encoding="utf-8"))
        assert refs.urls or page.parent.name == "diffs", page
        for url in refs.urls:
            parts = urlsplit(url)
            assert parts.scheme == "" and parts.netloc == "", f"{page.name} refers outside: {url}"
            if parts.path:
                target = (page.parent / unquote(parts.path)).resolve()
                assert target.is_file(), f"{page.name}: {url} does not resolve"
                assert out.resolve() in target.parents, f"{page.name}: {url} leaves the output directory"
            elif parts.fragment:
                assert parts.fragment in refs.ids, f"{page.name}: #{parts.fragment} has no target"


def test_page_is_self_contained(out: Path) -> None:
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text)
    # The only URL text in the page is the SVG namespace, which is an identifier, not a fetch.
    assert set(re.findall(r"https?://[^\s\"'<]+", text)) == {"http://www.w3.org/2000/svg"}
    assert 'href="diffs/c0001.html"' in text and 'href="diffs/index.html"' in text
