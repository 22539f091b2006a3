"""End to end on the seeds: the committed reports/ is the golden output.

Regenerate with ``toolkit clean seeds --out reports`` (or ``pytest --update-golden``).
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
from pathlib import Path

import pytest

from toolkit.config import Config
from toolkit.io import discover, run_clean

from .conftest import ROOT, SEEDS

REPORTS = ROOT / "reports"


def tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    out = tmp_path_factory.mktemp("seeds")
    run_clean(discover([str(SEEDS)]), out, Config())
    if request.config.getoption("--update-golden"):
        shutil.rmtree(REPORTS, ignore_errors=True)
        shutil.copytree(out, REPORTS)
    return out


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_reports_are_current(run: Path) -> None:
    got, want = tree(run), tree(REPORTS)
    assert sorted(got) == sorted(want), "reports/ is stale: run `toolkit clean seeds --out reports`"
    for name in got:
        if got[name] != want[name]:
            diff = "".join(difflib.unified_diff(
                want[name].decode().splitlines(True)[:2000], got[name].decode().splitlines(True)[:2000],
                f"reports/{name}", f"new/{name}", n=1))
            pytest.fail(f"reports/{name} is stale (regenerate: toolkit clean seeds --out reports)\n{diff[:4000]}")


def test_second_run_is_byte_identical(run: Path, tmp_path: Path) -> None:
    run_clean(discover([str(SEEDS)]), tmp_path, Config())
    assert tree(tmp_path) == tree(run)


def test_nine_articles_eight_kept_one_near_duplicate(run: Path) -> None:
    kept, removed = lines(run / "corpus.jsonl"), lines(run / "removed.jsonl")
    assert len(kept) + len(removed) == 9
    assert [r["source"] for r in kept] == ["汽車商業評論", "晶片研究室", "中國汽車報", "華商韜略", "第一財經",
                                          "AutoReport汽車產經", "虎嗅APP", "新华社"]
    [dup] = removed
    assert (dup["source"], dup["reason"]) == ("最華人", "near_duplicate")
    keeper = next(r for r in kept if r["source"] == "虎嗅APP")
    assert dup["duplicate_of"] == keeper["id"] and dup["similarity"] >= 0.85 and dup["keep_rule"] == "longest"
    assert dup["cluster"] == keeper["cluster"] is not None
    assert all(r["cluster"] is None for r in kept if r is not keeper)
    [cluster] = lines(run / "clusters.jsonl")
    assert cluster["kept"] == keeper["id"] and [m["id"] for m in cluster["members"]] == [dup["id"]]
    assert (run / cluster["diff"]).is_file()


def test_corpus_schema(run: Path) -> None:
    keys = {"id", "text", "title", "source", "tags", "script", "variant", "mixed_spans", "origin", "steps",
            "quality", "cluster"}
    for line in (run / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        assert keys <= set(rec)
        assert list(rec) == sorted(rec)  # keys sorted on disk
        assert {"file", "encoding", "detected", "confidence", "start", "end"} <= set(rec["origin"])
        assert rec["script"] in ("hans", "hant", "none") and rec["variant"] in ("cn", "tw", "hk", None)


def test_origin_recovers_raw_article_and_spans_point_into_it(run: Path) -> None:
    recs = lines(run / "corpus.jsonl") + lines(run / "removed.jsonl")
    spans = []
    for rec in recs:
        o = rec["origin"]
        raw = (SEEDS / o["file"]).read_text(encoding=o["encoding"])[o["start"]:o["end"]]
        assert raw.startswith(rec["title"] if "#" not in raw[:2] else "# " + rec["title"])
        for s in rec["mixed_spans"]:
            assert raw[s["start"]:s["end"]] == s["text"]
            spans.append((rec["source"], s["text"], s["suggest"], raw[s["start"] - 5:s["end"] + 1]))
    assert spans == [("虎嗅APP", "里", "裡", "TOP10里面")]


def test_tag_is_kept_on_the_eight_articles(run: Path) -> None:
    recs = lines(run / "corpus.jsonl") + lines(run / "removed.jsonl")
    assert sorted(tuple(r["tags"]) for r in recs) == [()] + [("車企",)] * 8


def test_scripts_and_normalization(run: Path) -> None:
    recs = {r["source"]: r for r in lines(run / "corpus.jsonl") + lines(run / "removed.jsonl")}
    assert {(r["script"], r["variant"]) for s, r in recs.items() if s != "新华社"} == {("hant", "tw")}
    assert (recs["新华社"]["script"], recs["新华社"]["variant"]) == ("hans", "cn")
    assert "中国客户需求" in recs["新华社"]["text"]
    assert {"fixer": "join_paragraphs", "count": 1} in recs["新华社"]["steps"]
    assert "期，OTA" in recs["汽車商業評論"]["text"]


def test_diff_page_shows_the_differences(run: Path) -> None:
    [cluster] = lines(run / "clusters.jsonl")
    page = (run / cluster["diff"]).read_text(encoding="utf-8")
    for number in ("01.", "02.", "03.", "04."):
        assert f"<del>{number}</del>" in page  # only in the kept (虎嗅APP) copy
    assert 'class="script"' in page and "里" in page and "裡" in page
    assert "虎嗅APP" in page and "最華人" in page
    rows = re.findall(r'<tr class="(equal|changed|inserted|deleted)".*?</tr>', page, re.S)
    assert (rows.count("changed"), rows.count("inserted"), rows.count("deleted")) == (7, 1, 2)
    deleted = [re.sub("<[^>]+>", "", r) for r in re.findall(r'<tr class="deleted".*?</tr>', page, re.S)]
    assert any("俄羅斯對中國汽車的“針對”固然令人頭疼" in r for r in deleted)  # a sentence only 虎嗅APP has
    index = (run / "diffs" / "index.html").read_text(encoding="utf-8")
    assert "c0001.html" in index


def test_report_counts(run: Path) -> None:
    data = json.loads((run / "report.json").read_text(encoding="utf-8"))
    assert data["totals"] == {"files": 2, "bytes": 82393, "articles_found": 9, "kept": 8, "removed": 1,
                              "files_removed": 0, "articles_removed": 1, "clusters": 1, "mixed_spans": 1, "advisories": 6}
    assert data["removed_by_reason"] == {"near_duplicate": 1}
    assert data["scripts"] == {"hans": 1, "hant": 8}
    assert data["encodings"] == {"utf-8": 2}
