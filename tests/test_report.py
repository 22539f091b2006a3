from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.config import Config
from toolkit.io import discover, run_clean
from toolkit.normalize import FIXERS
from toolkit.report import fixer_summary, histogram, html_page, markdown, svg_histogram

from .conftest import ROOT

runner = CliRunner()

REPORTS = ROOT / "reports"


def unique_chinese(n: int, seed: int) -> str:
    return "".join(chr(0x4E00 + (i * 7919 + seed) % 20000) + ("。" if i % 25 == 24 else "") for i in range(n))


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    src = tmp_path_factory.mktemp("in")
    (src / "a.txt").write_text(
        f"<script>alert(1)</script>標題&一\n{unique_chinese(400, 1)} (甲&乙報)\n"
        f"English title\n{' '.join(f'word{i}' for i in range(300))} (丙報)\n", encoding="utf-8")
    (src / "b.bin").write_bytes(b"\x00\x01\x02\xff\xfe" * 200)
    out = tmp_path_factory.mktemp("out")
    data = run_clean(discover([str(src)]), out, Config())
    return out, data


def test_top_issues_put_lost_files_first_and_name_quality_removals(messy: tuple[Path, dict]) -> None:
    _, data = messy
    kinds = [i["kind"] for i in data["top_issues"]]
    assert kinds[0] == "files_lost" and data["top_issues"][0]["severity"] == "high"
    assert data["top_issues"][0]["ids"] == ["b:file"]  # its removed.jsonl record
    assert "quality:low_cjk" in kinds
    severities = [i["severity"] for i in data["top_issues"]]
    assert severities == sorted(severities, key=["high", "medium", "low"].index)


def test_removal_examples_carry_the_reason_detail(messy: tuple[Path, dict]) -> None:
    _, data = messy
    assert set(data["removal_examples"]) == set(data["removed_by_reason"]) == {"binary", "quality:low_cjk"}
    [ex] = data["removal_examples"]["quality:low_cjk"]
    assert ex["detail"].startswith("quality rule low_cjk: cjk_ratio ")


def test_everything_is_escaped(messy: tuple[Path, dict]) -> None:
    out, _ = messy
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;標題&amp;一" in page
    assert "甲&amp;乙報" in page and "甲&乙" not in page


def test_markdown_has_the_html_sections(messy: tuple[Path, dict]) -> None:
    out, data = messy
    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    for md_title, html_id in (("Top issues", "top-issues"), ("Files", "files"), ("Scripts and variants", "scripts"),
                              ("Removed", "removed"), ("Duplicate clusters", "clusters"),
                              ("Mixed script", "mixed-script"), ("Distributions", "distributions"),
                              ("Normalization", "normalization"), ("Articles", "articles")):
        assert f"\n## {md_title}\n" in md, md_title
        assert f'<section id="{html_id}">' in html, html_id
    for issue in data["top_issues"]:
        assert issue["message"] in md
    assert md == markdown(data) and html == html_page(data)


def test_histogram_bins_and_chart() -> None:
    assert histogram([0, 99, 100, 5000, 10**6], (0, 100, 1000)) == [2, 1, 2]
    assert histogram([], (0.0, 0.5)) == [0, 0]
    dist = {"label": "x", "edges": [0.0, 0.1, 0.2], "counts": [0, 2, 5], "threshold": 0.15, "removed": "below"}
    svg = svg_histogram(dist)
    assert svg.count("<rect") == 3 and "filter min 0.15" in svg
    heights = [float(h) for h in re.findall(r'<rect[^>]* height="([\d.]+)"', svg)]
    assert heights[0] == 0 and heights[2] > heights[1] > 0


def test_seed_report_sections() -> None:
    data = json.loads((REPORTS / "report.json").read_text(encoding="utf-8"))
    assert data["script_variants"] == {"hans/cn": 1, "hant/tw": 8}
    [span] = data["mixed_script"]
    assert (span["before"][-5:], span["text"], span["after"][:1], span["suggest"]) == ("TOP10", "里", "面", "裡")
    [cluster] = data["clusters"]
    assert cluster["diff"] == "diffs/c0001.html" and (REPORTS / cluster["diff"]).is_file()
    assert data["diff_index"] == "diffs/index.html"
    assert data["removal_examples"]["near_duplicate"][0]["duplicate_of"] == cluster["kept"]
    assert sum(data["distributions"]["chars"]["counts"]) == 9
    assert data["normalization"]["fullwidth_punct"] == 1459
    assert data["top_issues"][0]["kind"] == "mixed_script"
    left = next(i for i in data["top_issues"] if i["kind"] == "halfwidth_left")
    assert left["count"] == 6  # OTA,90% and the like in the kept articles: left alone, reported


def test_tally_keeps_lists_bounded_and_counts_everything() -> None:
    from toolkit.pipeline import Decisions
    from toolkit.report import LISTED, MIXED_LISTED, Tally

    tally = Tally(Config())
    n = LISTED + 500
    for i in range(n):
        tally.add({"id": f"f:{i}", "title": None, "source": None, "script": "hant", "variant": "tw",
                   "status": "kept" if i % 2 else "quality:too_short", "detail": "short", "cluster": None,
                   "mixed_spans": [{"text": "里", "suggest": "裡", "start": 0, "reason": "evidence_in_corpus"}],
                   "advisories": 1, "quality": {"chars": 50, "cjk_ratio": 0.9, "repeated_13gram": 0.0},
                   "steps": {"fullwidth_punct": 2}})
    data = tally.build([], Decisions([], {}, {}, {}, "longest"), {}, {})
    assert data["totals"]["articles_found"] == n and data["totals"]["kept"] == n // 2
    assert data["totals"]["mixed_spans"] == n and data["normalization"] == {"fullwidth_punct": 2 * n}
    assert len(data["articles"]) == data["articles_listed"] == LISTED
    assert len(data["mixed_script"]) == MIXED_LISTED
    assert sum(data["distributions"]["chars"]["counts"]) == n
    assert len(data["removal_examples"]["quality:too_short"]) == 3
    spans = next(i for i in data["top_issues"] if i["kind"] == "mixed_script")
    assert spans["count"] == n and len(spans["ids"]) == 10



_ROW = st.fixed_dictionaries({
    "status": st.sampled_from(["kept", "kept", "near_duplicate", "quality:too_short"]),
    "script": st.sampled_from(["hans", "hant", "none"]), "variant": st.sampled_from([None, "tw", "hk", "cn"]),
    "spans": st.integers(0, 12), "advisories": st.integers(0, 2),
    "steps": st.dictionaries(st.sampled_from(["fullwidth_punct", "odd_spaces", "cut_credits"]), st.integers(1, 5)),
    "chars": st.integers(0, 5000), "halfwidth_left": st.integers(0, 2), "captions": st.integers(0, 2),
    "mojibake_suspect": st.booleans(),
})


_MANY = {"status": "kept", "script": "hant", "variant": "tw", "spans": 12, "advisories": 1, "steps": {},
         "chars": 90, "halfwidth_left": 1, "captions": 0, "mojibake_suspect": False}


@settings(max_examples=60, deadline=None)
@given(st.lists(_ROW, max_size=80), st.lists(st.integers(0, 80), max_size=6), st.integers(0, 30))
@example([_MANY] * 30, [10, 20], 5)  # more spans than the report lists
def test_tallies_of_parts_merged_in_order_equal_one_tally(drawn: list[dict[str, Any]], cuts: list[int],
                                                         listed: int) -> None:
    # What the workers do: each part of the corpus is tallied apart, listing only the rows the
    # whole run would list, and the parts are merged in order.
    from toolkit.pipeline import Decisions
    from toolkit.report import Tally

    rows = [{"id": f"f:{i}", "title": f"t{i}", "source": None, "script": d["script"], "variant": d["variant"],
             "status": d["status"], "detail": "why", "cluster": None,
             "duplicate_of": "f:0" if d["status"] == "near_duplicate" else None,
             "mixed_spans": [{"text": "里", "suggest": "裡", "start": k, "reason": "evidence_in_corpus"}
                             for k in range(d["spans"])],
             "advisories": d["advisories"], "steps": d["steps"], "captions": ["▲圖"] if d["captions"] else [],
             "quality": {"chars": d["chars"], "cjk_ratio": 0.9, "repeated_13gram": 0.0,
                         "halfwidth_left": d["halfwidth_left"], "captions": d["captions"],
                         "mojibake_suspect": d["mojibake_suspect"]}}
            for i, d in enumerate(drawn)]
    config = Config()
    whole = Tally(config, listed=listed)
    for row in rows:
        whole.add(row)
    empty = Decisions([], {}, {}, {}, "longest")
    bounds = sorted({0, len(rows), *(c for c in cuts if c <= len(rows))})
    for aware in (True, False):  # parts that list only what the whole would, or list all they can
        merged = Tally(config, listed=listed)
        for start, stop in pairwise(bounds):
            part = Tally(config, listed=max(0, listed - start) if aware else listed)
            for row in rows[start:stop]:
                part.add(row)
            merged.merge(part)
        assert merged.build([], empty, {}, {}) == whole.build([], empty, {}, {})

@pytest.mark.parametrize("step", ["mojibake", "cut_credits", "script:s2twp", "script:tw2t+t2hk", "script:repair",
                                  *FIXERS])
def test_every_step_says_what_it_does(step: str) -> None:
    # The normalization table lists every step an article recorded, not only the fixers.
    assert fixer_summary(step).endswith("."), step


def test_unreadable_records_and_damaged_articles_are_top_issues(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    body = "這是一篇正常的文章，內容很完整。" * 5
    (src / "a.jsonl").write_text(
        json.dumps({"text": body}, ensure_ascii=False) + '\n{"text": \n' + '{"content": "正文"}\n', encoding="gb18030")
    # Big5 bytes forced through GB18030: readable characters, nearly all of them rare.
    (src / "b.txt").write_bytes(("標題\n" + "臺灣的報導說明這個產業的發展與變化，記者訪問了許多專業人士。" * 20).encode("big5"))
    config = Config(encoding="gb18030")  # right for a.jsonl, wrong for b.txt
    data = run_clean(discover([str(src)]), tmp_path / "out", config)
    issues = {i["kind"]: i for i in data["top_issues"]}
    lost = issues["records_lost"]
    assert (lost["severity"], lost["count"], lost["ids"]) == ("high", 2, ["a:2", "a:3"])
    assert "invalid_json: 1, missing_text: 1" in lost["message"]
    damaged = issues["mojibake"]
    assert (damaged["severity"], damaged["ids"]) == ("high", ["b:0"])


@pytest.mark.parametrize(("mode", "severity", "says"), [
    ("keep", "medium", "convert them to the article's script (--script repair)"),
    ("repair", "low", "were rewritten by --script repair"),
    ("hk", "low", "were rewritten by --script hk"),
])
def test_the_mixed_script_issue_says_what_the_mode_did(tmp_path: Path, mode: str, severity: str, says: str) -> None:
    from toolkit.config import ScriptConfig

    from .conftest import SEEDS

    data = run_clean(discover([str(SEEDS)]), tmp_path, Config(script=ScriptConfig(mode=mode)))
    [issue] = [i for i in data["top_issues"] if i["kind"] == "mixed_script"]
    assert issue["severity"] == severity and says in issue["message"]


def test_text_from_the_input_is_shown_safely_in_every_report_and_terminal_table(tmp_path: Path) -> None:
    # A title holding a terminal escape (OSC 52 writes the clipboard), markup and a bidi override.
    title = "標題\x1b]52;c;ZWNobw==\x07<script>*x*\u202e反"
    body = "新华社北京5月4日电 这是正文内容，中国汽车产业接连迎来标志性事件，市场持续增长。（完）\n"
    (tmp_path / "in").mkdir()
    for name in ("a.txt", "b.txt"):
        (tmp_path / "in" / name).write_text(f"# {title}\n\n{body}", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["clean", str(tmp_path / "in"), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.stderr
    pages = [out / "report.md", out / "report.html", *sorted((out / "diffs").iterdir())]
    assert len(pages) == 4  # the two reports, the cluster page and the index
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text, page.name
        assert "<script>" not in text, page.name
    assert "標題␛\\]52;c;ZWNobw==␇\\<script\\>\\*x\\*\\<U+202E\\>反" in (out / "report.md").read_text(encoding="utf-8")
    for command in (["detect", str(tmp_path / "in")], ["split", "--preview", str(tmp_path / "in")],
                    ["diff", "a:0", "b:0", "--run", str(out)]):
        shown = runner.invoke(app, command)
        assert shown.exit_code == 0, shown.stderr
        assert "\x1b" not in shown.stdout and "\u202e" not in shown.stdout, command
        assert "␛]52" in shown.stdout, command


def test_an_article_with_no_variant_is_counted_without_a_none_label(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "en.txt").write_text("An English note with no Chinese at all, long enough to be an article.\n")
    out = tmp_path / "out"
    run_clean(discover([str(tmp_path / "in")]), out, Config())
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["variants"] == {"none": 1} and data["script_variants"] == {"none": 1}
    assert "/None" not in (out / "report.md").read_text(encoding="utf-8")


def test_a_duplicate_example_names_its_keeper_once_and_a_contained_copy_is_explained(tmp_path: Path) -> None:
    from toolkit.split import body_text, find_segments

    seed = (ROOT / "seeds" / "004_14352a4bf9531335.txt").read_text(encoding="utf-8")
    body = next(body_text(seed, s) for s in find_segments(seed) if s.kind == "article")[:1500]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(body[:1150] + "\n", encoding="utf-8")  # an excerpt: Jaccard 0.77
    (tmp_path / "in" / "b.txt").write_text(body + "\n", encoding="utf-8")
    out = tmp_path / "out"
    run_clean(discover([str(tmp_path / "in")]), out, Config())
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("duplicate of b:0") == 1  # the detail says it; no arrow repeating it
    [issue] = [i for i in json.loads((out / "report.json").read_text())["top_issues"] if i["kind"] == "duplicates"]
    assert "below it, copies matched by containment" in issue["message"]


def test_the_markdown_files_table_shows_the_bytes_replaced(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    article = "新华社北京5月4日电 中国汽车市场保持稳定增长，新能源汽车销量继续攀升，多家企业发布新车型。（完）\n"
    (tmp_path / "in" / "cut.txt").write_bytes(article.encode() * 2 + b"\xe4\xb8")  # a character cut at the end
    out = tmp_path / "out"
    run_clean(discover([str(tmp_path / "in")]), out, Config())
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| file | bytes | encoding | detected | confidence | method | replacements | articles | problem |" in md
    assert re.search(r"\| cut\.txt \| \d+ \| utf-8 \| [^|]* \| [^|]* \| chardet \| 1 \| \d \|", md)
