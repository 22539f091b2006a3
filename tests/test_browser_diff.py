"""The diff pages of a seed run, rendered by headless Chromium (skipped where Chromium is absent)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from toolkit.config import Config
from toolkit.io import discover, run_clean

from .chromium import render
from .conftest import SEEDS

KEPT, DUPLICATE = "000_79e19496e3b9640c:7", "000_79e19496e3b9640c:6"  # 虎嗅APP keeps, 最華人 goes


class Dom(HTMLParser):
    """Links, resource URLs, ids and the cells of every diff row of a rendered page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value) for href and src
        self.ids: set[str] = set()
        self.rows: list[tuple[str, list[str], list[str]]] = []  # (row class, cell texts, cell html tags)
        self.marks: list[str] = []  # title of every script-only mark
        self._cell: list[str] | None = None
        self._tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in ("href", "src"):
            if a.get(name) is not None:
                self.urls.append((tag, name, a[name] or ""))
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "tr" and a.get("class") in ("equal", "changed", "deleted", "inserted"):
            self.rows.append((a["class"] or "", [], []))
        elif tag == "td" and self.rows and (a.get("class") or "").startswith("text"):
            self._cell, self._tags = [], []
        elif self._cell is not None:
            self._tags.append(tag)
            if tag == "mark" and a.get("class") == "script":
                self.marks.append(a.get("title") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1][1].append("".join(self._cell))
            self.rows[-1][2].append(" ".join(self._tags))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def dom(html: str) -> Dom:
    parsed = Dom()
    parsed.feed(html)
    parsed.close()
    return parsed


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "out"
    run_clean(discover([str(SEEDS)]), out, Config())
    return out


def check_self_contained(page: Path, parsed: Dom) -> None:
    for tag, attr, url in parsed.urls:
        assert not url.lower().startswith(("http:", "https:", "//")), f"external {tag} {attr}={url}"
        if url.startswith("#"):
            assert url[1:] in parsed.ids, f"dangling anchor {url} in {page.name}"
        else:
            assert (page.parent / url).is_file(), f"{page.name} links to missing {url}"


def test_index_page_in_chromium(seed_run: Path, tmp_path: Path) -> None:
    page = seed_run / "diffs" / "index.html"
    shot = tmp_path / "index.png"
    rendered = render(page, shot, size=(1280, 400))
    assert rendered.console == []
    parsed = dom(rendered.dom)
    check_self_contained(page, parsed)
    assert [u for _, _, u in parsed.urls] == ["../report.html", "c0001.html"]
    assert "虎嗅APP, 最華人" in rendered.dom and "0.939" in rendered.dom
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cluster_page_in_chromium(seed_run: Path, tmp_path: Path) -> None:
    page = seed_run / "diffs" / "c0001.html"
    shot = tmp_path / "c0001.png"
    rendered = render(page, shot)
    assert rendered.console == []
    parsed = dom(rendered.dom)
    check_self_contained(page, parsed)
    assert f"Kept: {KEPT}" in rendered.dom and f"Duplicate: {DUPLICATE}" in rendered.dom
    # Side by side: every row has a kept cell and a duplicate cell; equal rows read the same on both.
    assert parsed.rows and all(len(cells) == 2 for _, cells, _ in parsed.rows)
    equal = [cells for kind, cells, _ in parsed.rows if kind == "equal"]
    assert len(equal) > 50 and all(left == right for left, right in equal)
    assert any("兩年前那些“自願”離開俄羅斯的國際車企" in left for left, _ in equal)
    changed = [(cells, tags) for kind, cells, tags in parsed.rows if kind == "changed"]
    assert any("del" in tags[0] for _, tags in changed) and any("ins" in tags[1] for _, tags in changed)
    # The kept copy numbers its sections (01.), the duplicate does not: a deletion on the left.
    assert any(cells[0].startswith("01.手握回購權") and not cells[1].startswith("01.") for cells, _ in changed)
    # The seed's one mixed-script span: 里 in the kept TOP10里面, 裡 in the duplicate, marked on both sides.
    assert parsed.marks.count("script-only difference: 里 / 裡") == 2
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
