"""Tests for toolkit.diff: sentence splitting, alignment and rendering."""

from __future__ import annotations

import doctest
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

import toolkit.diff as diff_module
import toolkit.io as io
from toolkit.cli import app
from toolkit.config import Config
from toolkit.diff import (
    ArticleView,
    ClusterView,
    Fold,
    Folder,
    MemberView,
    Piece,
    Row,
    align,
    render_cluster_page,
    render_index,
    render_terminal,
    split_sentences,
)
from toolkit.io import discover, run_clean

from .conftest import ROOT, SEEDS

TABLE = {"裡": "里", "臺": "台"}


def fold(c: str) -> str:
    return TABLE.get(c, c)


S1 = "根據財政部統計，今年前十個月臺灣汽車及零組件出口金額達新臺幣二千八百億元，較去年同期成長百分之十二。"
S2 = "其中電動車相關零組件出口大幅增加，成為帶動整體成長的主要動力。"
S3 = "業者表示，歐美車廠加速轉型，訂單持續湧入，工廠裡的生產線幾乎全年無休。"
S4 = "不過，匯率波動與原物料價格上漲，仍讓不少中小企業面臨獲利壓力。"
S5 = "經濟部官員指出，政府將持續協助業者拓展東南亞與中東市場。"
S6 = "專家預估，明年汽車產業出口可望維持穩定成長。"
NEW = "另外，部分車廠也計畫在明年擴大在臺投資，並增聘研發人員。"
S3_DUP = "01." + S3.replace("裡", "里")
KEPT = S1 + S2 + S3 + S4 + S5 + S6
DUP = S1 + S2 + S3_DUP + S4 + NEW + S6


def joined(pieces: tuple[Piece, ...]) -> str:
    return "".join(p.text for p in pieces)


def check_lossless(rows: list[Row], a: str, b: str) -> None:
    assert "".join(joined(r.left) for r in rows) == a
    assert "".join(joined(r.right) for r in rows) == b


# --------------------------------------------------------------------------- split_sentences


def test_doctests() -> None:
    result = doctest.testmod(diff_module)
    assert result.attempted >= 2
    assert result.failed == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("沒有句號", ["沒有句號"]),
        ("一。二！三？四；五", ["一。", "二！", "三？", "四；", "五"]),
        ("他說：「走吧。」她說：『好！』", ["他說：「走吧。」", "她說：『好！』"]),
        ("真的嗎？！（笑）", ["真的嗎？！", "（笑）"]),
        ("第一行\n第二行\n\n第三段", ["第一行\n", "第二行\n\n", "第三段"]),
        ("句子。\n\u3000\u3000縮排段落", ["句子。\n", "\u3000\u3000縮排段落"]),
        ("3.5億元。Yes!", ["3.5億元。", "Yes!"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


ALPHABET = "車出口裡里臺台的。，！？\n"
texts = st.text(alphabet=ALPHABET, max_size=60)


@given(texts)
def test_split_sentences_lossless(text: str) -> None:
    parts = split_sentences(text)
    assert "".join(parts) == text
    assert all(parts)


# --------------------------------------------------------------------------- align


@settings(max_examples=300)
@given(texts, texts, st.booleans())
def test_align_lossless(a: str, b: str, use_fold: bool) -> None:
    f = fold if use_fold else None
    rows = align(a, b, f)
    check_lossless(rows, a, b)
    for row in rows:
        assert {p.tag for p in row.left} <= {"eq", "del", "script"}
        assert {p.tag for p in row.right} <= {"eq", "ins", "script"}
        assert all(p.text for p in (*row.left, *row.right))
        left_script = "".join(p.text for p in row.left if p.tag == "script")
        right_script = "".join(p.text for p in row.right if p.tag == "script")
        assert len(left_script) == len(right_script)
        pairs = zip(left_script, right_script, strict=True)
        assert all(x != y and (f or str)(x) == (f or str)(y) for x, y in pairs)
        if not use_fold:
            assert not left_script
        expected_sides = {
            "equal": (True, True),
            "changed": (True, True),
            "deleted": (True, False),
            "inserted": (False, True),
        }[row.kind]
        assert (bool(row.left), bool(row.right)) == expected_sides


@given(texts)
def test_align_identical_is_all_equal(text: str) -> None:
    rows = align(text, text, fold)
    assert all(r.kind == "equal" for r in rows)
    assert len(rows) == len(split_sentences(text))


def test_align_realistic_article() -> None:
    rows = align(KEPT, DUP, fold)
    check_lossless(rows, KEPT, DUP)
    assert [r.kind for r in rows] == ["equal", "equal", "changed", "equal", "deleted", "inserted", "equal"]

    equal_texts = [joined(r.left) for r in rows if r.kind == "equal"]
    assert equal_texts == [S1, S2, S4, S6]
    assert all(joined(r.left) == joined(r.right) for r in rows if r.kind == "equal")

    (inserted,) = [r for r in rows if r.kind == "inserted"]
    assert inserted.right == (Piece(NEW, "ins"),) and inserted.left == ()
    (deleted,) = [r for r in rows if r.kind == "deleted"]
    assert deleted.left == (Piece(S5, "del"),) and deleted.right == ()

    (changed,) = [r for r in rows if r.kind == "changed"]
    assert Piece("01.", "ins") in changed.right
    assert Piece("里", "script") in changed.right
    assert Piece("裡", "script") in changed.left
    assert not any(p.tag == "del" for p in changed.left)
    assert joined(changed.left) == S3 and joined(changed.right) == S3_DUP


def test_align_without_fold_marks_real_edit() -> None:
    rows = align(S3, S3.replace("裡", "里"))
    assert [r.kind for r in rows] == ["changed"]
    assert Piece("裡", "del") in rows[0].left and Piece("里", "ins") in rows[0].right


def test_script_only_sentence_is_changed_not_equal() -> None:
    rows = align(S1, S1.replace("臺", "台"), fold)
    assert [r.kind for r in rows] == ["changed"]
    assert {p.tag for p in rows[0].right} == {"eq", "script"}
    assert sum(len(p.text) for p in rows[0].right if p.tag == "script") == 2


def test_changed_run_paired_by_similarity_in_order() -> None:
    # Two edited sentences and an unrelated one between anchors: each edit pairs with its
    # original, the unrelated sentence stays on its own.
    a = S1 + S2 + S4 + S6
    b = S1 + S2.replace("大幅", "明顯") + NEW + S4.replace("不過，", "") + S6
    rows = align(a, b, fold)
    check_lossless(rows, a, b)
    assert [r.kind for r in rows] == ["equal", "changed", "inserted", "changed", "equal"]


def test_dissimilar_sentences_not_paired() -> None:
    rows = align(S5, NEW, fold)
    assert [r.kind for r in rows] == ["deleted", "inserted"]


# A fold whose answers are not all one character: alignment falls back to comparing the
# answers as tokens, as a plain per-character fold would be used.
UNEVEN = {"裡": "里", "臺": "台灣", "的": ""}


def uneven(c: str) -> str:
    return UNEVEN.get(c, c)


@given(st.text(alphabet=ALPHABET + " \u3000", max_size=40))
def test_folder_folds_strings_as_its_fold_does_characters(text: str) -> None:
    calls: list[str] = []

    def counted(c: str) -> str:
        calls.append(c)
        return uneven(c)

    folder = Folder(counted)
    assert folder(text) == "".join(uneven(c) for c in text)
    assert folder.key(text) == "".join(uneven(c) for c in text if not c.isspace())
    assert folder(text + text) == "".join(uneven(c) for c in text + text)
    assert sorted(calls) == sorted(set(text))  # asked once per character
    assert folder.one_to_one == all(len(uneven(c)) == 1 for c in text)


# Folds that swap whitespace and other characters: keys drop what was whitespace before folding.
SWAPPING = {"裡": "里", "\n": "N", "的": " ", "\u3000": "\t"}
PART_CHARS = ALPHABET + " \u3000\t\U00020000\ud800"  # an astral character, a lone surrogate


@settings(max_examples=300)
@given(st.lists(st.text(alphabet=PART_CHARS, max_size=12), max_size=6),
       st.sampled_from([TABLE, UNEVEN, SWAPPING]), st.integers(0, 2))
def test_folder_parts_are_the_parts_folded_and_keyed(parts: list[str], table: dict[str, str], seen: int) -> None:
    calls: list[str] = []

    def counted(c: str) -> str:
        calls.append(c)
        return table.get(c, c)

    folder, reference = Folder(counted), Folder(lambda c: table.get(c, c))
    folder("".join(parts[:seen]))  # some characters already asked about through str.translate
    assert folder.parts(parts) == ([reference(p) for p in parts], [reference.key(p) for p in parts])
    assert folder.parts(parts[::-1]) == ([reference(p) for p in parts[::-1]], [reference.key(p) for p in parts[::-1]])
    assert sorted(calls) == sorted(set("".join(parts)))  # asked once per character
    assert folder.one_to_one == reference.one_to_one


@settings(max_examples=200)
@given(texts, st.lists(texts, max_size=3), st.sampled_from([fold, uneven]))
def test_align_each_is_align_for_each(a: str, others: list[str], f: Fold) -> None:
    shared = Folder(f)
    assert diff_module.align_each(a, others, shared) == [align(a, b, f) for b in others]


@settings(max_examples=200)
@given(texts, texts)
def test_align_with_uneven_fold(a: str, b: str) -> None:
    rows = align(a, b, uneven)
    check_lossless(rows, a, b)
    for row in rows:
        left = "".join(p.text for p in row.left if p.tag == "script")
        right = "".join(p.text for p in row.right if p.tag == "script")
        assert all(x != y and uneven(x) == uneven(y) for x, y in zip(left, right, strict=True))


@settings(max_examples=300)
@given(texts, texts)
def test_string_diff_agrees_with_token_diff(a: str, b: str) -> None:
    # A one-to-one fold diffs folded strings directly; the token path is the general one.
    fast, tokens = Folder(fold), Folder(fold)
    tokens.one_to_one = False
    assert align(a, b, fast) == align(a, b, tokens)
    assert fast.one_to_one


def test_fold_lookup_errors_are_not_swallowed() -> None:
    # str.translate reads a LookupError from its table as "keep the character".
    strict = {"裡": "里"}.__getitem__
    with pytest.raises(RuntimeError, match="fold failed"):
        align("這裡。", "这里。", strict)


def test_shared_folder_gives_the_same_rows() -> None:
    folder = Folder(fold)
    folder(KEPT + DUP + S1)  # its tables already filled, as by the pages rendered before
    assert align(KEPT, DUP, folder) == align(KEPT, DUP, fold)
    assert align(S1, S1.replace("臺", "台"), folder) == align(S1, S1.replace("臺", "台"), fold)
    assert folder.one_to_one


def test_empty_inputs() -> None:
    assert align("", "") == []
    assert [r.kind for r in align("", S1)] == ["inserted"]
    assert [r.kind for r in align(S1, "")] == ["deleted"]


# --------------------------------------------------------------------------- HTML


class TagChecker(HTMLParser):
    """Collects parse problems: unbalanced or misnested non-void tags."""

    VOID = frozenset({"meta", "col", "br", "hr", "img", "input", "link", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.seen: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.add(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    return checker


def make_cluster() -> ClusterView:
    keeper = ArticleView("a1", "臺灣汽車出口創新高 <速報>", "中央社", KEPT)
    dup = ArticleView("b2", "台灣汽車出口創新高 <速報>", "聯合報 & 經濟日報", DUP)
    other = ArticleView("c3", "臺灣汽車出口創新高 <速報>", None, KEPT)
    return ClusterView(
        "cl-0001",
        keeper,
        "longest",
        (
            MemberView(dup, 0.8123, 0.9, tuple(align(KEPT, DUP, fold))),
            MemberView(other, 1.0, 1.0, tuple(align(KEPT, KEPT, fold))),
        ),
    )


def test_a_cluster_page_aligns_its_first_members_and_lists_the_rest(tmp_path: Path) -> None:
    # Hundreds of copies of one template: the page stays readable and its size bounded.
    text = (SEEDS / "004_14352a4bf9531335.txt").read_text(encoding="utf-8")
    (tmp_path / "in").mkdir()
    for n in range(diff_module.PAGE_MEMBERS + 5):
        (tmp_path / "in" / f"{n:03d}.txt").write_text(text.replace("。", f"。{n * 7}", 1), encoding="utf-8")
    out = tmp_path / "out"
    run_clean(discover([str(tmp_path / "in")]), out, Config())
    [cluster] = [json.loads(line) for line in (out / "clusters.jsonl").read_text(encoding="utf-8").splitlines()]
    members = len(cluster["members"])
    assert members > diff_module.PAGE_MEMBERS
    page = (out / "diffs" / "c0001.html").read_text(encoding="utf-8")
    parse(page)
    assert page.count('<section class="member"') == diff_module.PAGE_MEMBERS
    assert page.count("<tr><td>duplicate ") == members - diff_module.PAGE_MEMBERS  # listed, not linked
    assert f"the other {members - diff_module.PAGE_MEMBERS} are in the table" in page
    assert '<a href="index.html">All clusters</a>' in page
    assert len(re.findall(r"<td>\d{3}\.txt, chars \d+–\d+</td>", page)) == members + 1  # where each is in the input


def test_render_cluster_page() -> None:
    page = render_cluster_page(make_cluster(), fold)
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    for needle in ("<ins>", "<del>", 'class="script"', "cl-0001", "longest", "0.812", "0.900"):
        assert needle in page
    # Both sides of the changed row name the variants in kept / duplicate order.
    assert page.count('title="script-only difference: 裡 / 里"') == 2
    assert f"<del>{S5}</del>" in page and f"<ins>{NEW}</ins>" in page and "<ins>01.</ins>" in page
    for text in (S1, S2, S4, S5, S6, NEW, html.escape("臺灣汽車出口創新高 <速報>"), "聯合報 &amp; 經濟日報"):
        assert text in page
    assert "<速報>" not in page  # escaped
    assert "http://" not in page and "https://" not in page and "<script" not in page.lower()
    assert "url(" not in page and "@import" not in page and "<img" not in page
    assert "break-all" in page and "Noto Sans CJK SC" in page
    assert 'class="differs-script"' in page  # 台 vs 臺 in the title
    checker = parse(page)
    assert {"table", "tr", "td", "th", "ins", "del", "mark", "style"} <= checker.seen
    assert page.count('<tr class="') == len(make_cluster().members[0].rows) + len(split_sentences(KEPT))


def test_script_marks_escape_both_variants() -> None:
    wide = {"＆": "&", "＜": "<"}

    def narrow(c: str) -> str:
        return wide.get(c, c)

    keeper, dup = ArticleView("a", None, None, "甲&乙<丙。"), ArticleView("b", None, None, "甲＆乙＜丙。")
    rows = tuple(align(keeper.text, dup.text, narrow))
    page = render_cluster_page(ClusterView("c", keeper, "longest", (MemberView(dup, 1.0, 1.0, rows),)), narrow)
    parse(page)
    assert page.count('title="script-only difference: &amp; / ＆">') == 2
    assert page.count('title="script-only difference: &lt; / ＜">') == 2
    assert '">&amp;</mark>乙' in page and '">＜</mark>丙' in page


def test_render_cluster_page_counts_and_gutter() -> None:
    page = render_cluster_page(make_cluster(), fold)
    assert "sentences equal: <b>4</b>" in page
    assert "changed: <b>1</b>" in page and "inserted: <b>1</b>" in page and "deleted: <b>1</b>" in page
    assert "script-only characters: <b>1</b>" in page
    assert '<tr class="changed"><td class="gutter" title="changed sentence">~</td>' in page


def test_render_is_deterministic() -> None:
    assert render_cluster_page(make_cluster(), fold) == render_cluster_page(make_cluster(), fold)
    assert render_index([make_cluster()], ["p.html"]) == render_index([make_cluster()], ["p.html"])


def test_render_index_links_each_page() -> None:
    c1 = make_cluster()
    c2 = ClusterView("cl-0002", c1.keeper, "earliest", ())
    names = ["clusters/cl-0001.html", "cl-0002.html"]
    page = render_index([c1, c2], names, title="Clusters <test>")
    for name in names:
        assert f'href="{name}"' in page
    assert "<title>Clusters &lt;test&gt;</title>" in page
    assert "1.000" in page and "0.812" in page  # best / worst similarity
    assert "中央社, 聯合報 &amp; 經濟日報" in page
    assert "http://" not in page and "https://" not in page
    parse(page)
    with pytest.raises(ValueError):
        render_index([c1], names)


# --------------------------------------------------------------------------- terminal


def test_render_terminal_plain() -> None:
    out = render_terminal(align(KEPT, DUP, fold))
    lines = out.split("\n")
    assert [line[:2] for line in lines] == ["  ", "  ", "~ ", "  ", "- ", "+ ", "  "]
    assert lines[2].startswith("~ {+01.+}業者表示")
    assert "<script:裡→里>" in lines[2]
    assert lines[4] == "- " + S5 and lines[5] == "+ " + NEW
    assert "\x1b[" not in out


def test_render_terminal_color_and_markers() -> None:
    rows = align("甲乙丙。", "甲丁丙。\n")
    assert render_terminal(rows) == "~ 甲[-乙-]{+丁+}丙。{+⏎+}"
    colored = render_terminal(rows, color=True)
    assert "\x1b[9;31m乙\x1b[0m" in colored and "\x1b[32m丁\x1b[0m" in colored
    assert "[-" not in colored


def test_scattered_single_char_matches_are_absorbed() -> None:
    a = "今年汽車出口金額創下歷史新高，主要來自電動車的訂單。"
    b = "今年汽車出口金額創下歷史新高，主因是歐洲客戶的需求。"
    (row,) = align(a, b, fold)
    assert row.kind == "changed"
    assert Piece("要來自電動車的訂單", "del") in row.left
    assert Piece("因是歐洲客戶的需求", "ins") in row.right


# --------------------------------------------------------------------------- toolkit diff


runner = CliRunner()
SEED = "seeds/000_79e19496e3b9640c.txt"


def diff_cli(*args: str) -> Result:
    return runner.invoke(app, ["diff", *args])


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("diffcli") / "out"
    run_clean(discover([str(SEEDS)]), out, Config())
    return out


def test_diff_file_articles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    cleaned: list[int] = []
    real = io.run_task

    def run_task(task: Any, config: Config) -> Any:
        cleaned.append(task.index)
        return real(task, config)

    monkeypatch.setattr(io, "run_task", run_task)
    result = diff_cli(f"{SEED}:7", f"{SEED}:6")
    assert result.exit_code == 0, result.output
    assert cleaned == [7, 6]  # only the two articles, not their files' others
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        f"--- {SEED}:7  車企組團出逃俄羅斯,304億直接打水漂? (虎嗅APP)",
        f"+++ {SEED}:6  車企組團出逃俄羅斯!304億直接打水漂? (最華人)",
        "Jaccard 0.9391, containment 0.9834 (matching views, 5-gram shingles)",
    ]
    assert "~ [-01.-]手握回購權的國際車企們對這些國際車企來說，俄羅斯市場可真成了“爛攤子”。" in lines
    assert any("<script:里→裡>" in line for line in lines)
    assert "\x1b[" not in result.stdout  # not a terminal: no colours unless asked


def test_diff_ids_from_a_run_match_file_articles(seed_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    by_id = diff_cli("000_79e19496e3b9640c:7", "000_79e19496e3b9640c:6", "--run", str(seed_run))
    by_file = diff_cli(f"{SEED}:7", f"{SEED}:6")
    assert by_id.exit_code == 0, by_id.output
    assert by_id.stdout.splitlines()[2:] == by_file.stdout.splitlines()[2:]
    assert by_id.stdout.startswith("--- 000_79e19496e3b9640c:7  車企組團")


def test_diff_two_files_in_colour(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("我們這裡的汽車出口。新句子。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("我们这里的汽车出口。\n", encoding="gb18030")
    result = diff_cli(str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert result.exit_code == 0, result.output
    # Decoded as clean decodes (GB18030 detected), aligned by sentence, folded by script.
    assert result.stdout.splitlines()[2:] == [
        "Jaccard 0.6250, containment 1.0000 (matching views, 5-gram shingles)",
        "~ 我<script:們這裡→们这里>的汽<script:車→车>出口。{+⏎+}",
        "- 新句子。⏎",
    ]
    coloured = diff_cli(str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--color")
    assert "\x1b[33m" in coloured.stdout and "\x1b[0m" in coloured.stdout


def test_diff_unknown_reference(tmp_path: Path) -> None:
    (tmp_path / "corpus.jsonl").write_text('{"id":"a:0","text":"x"}\n')
    result = diff_cli("nope:1", "nope:2", "--run", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: cannot find article 'nope:1': not a file, not FILE:N, and not an id in {tmp_path}/corpus.jsonl "
        f"or {tmp_path}/removed.jsonl (give a file, FILE:N, or --run DIR holding the clean output)")


@pytest.mark.parametrize(("run", "where"), [("missing", "does not exist"),
                                            (".", "holds no corpus.jsonl or removed.jsonl")])
def test_diff_names_a_run_directory_that_is_not_one(tmp_path: Path, run: str, where: str) -> None:
    result = diff_cli("a:0", "b:0", "--run", str(tmp_path / run))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: cannot find article 'a:0': not a file, not FILE:N, and the run "
                                    f"directory {tmp_path / run} {where}")


@pytest.mark.parametrize(("content", "problem"), [
    (b"\xff\xfe\x00", "it is not UTF-8"),
    (b'{"id":"a:0","text":"x"}\n{"id":"b:0", bad\n', "line 2 is not valid JSON"),
    (b'{"id":"a:0","text":"x"}\n{"id":"b:0","text":null}\n', "line 2 has no text"),
    (b'{"id":"a:0","text":"x"}\n{"id":"b:0"}\n', "line 2 has no text"),
    (b'{"id":"a:0","text":"x"}\n{"id":"b:0","text":5}\n', "line 2 has no text"),
    (b'{"id":"a:0","text":"x","title":5}\n{"id":"b:0","text":"y"}\n', "line 1 has no text"),
])
def test_diff_with_a_damaged_run_is_one_error_line(tmp_path: Path, content: bytes, problem: str) -> None:
    (tmp_path / "corpus.jsonl").write_bytes(content)
    result = diff_cli("a:0", "b:0", "--run", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: cannot read {tmp_path}/corpus.jsonl: {problem}")


@pytest.mark.parametrize(("content", "hint"), [(b"", "give a file with text"),
                                             (b"\x00\x01\x02\x03" * 20, "give a text file"),
                                             (b"\x81", "try --encoding")])
def test_diff_of_a_file_it_cannot_decode_gives_a_fitting_hint(tmp_path: Path, content: bytes, hint: str) -> None:
    (tmp_path / "x.txt").write_bytes(content)
    (tmp_path / "y.txt").write_text("甲乙丙。", encoding="utf-8")
    result = diff_cli(str(tmp_path / "x.txt"), str(tmp_path / "y.txt"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: cannot decode {tmp_path / 'x.txt'}: ")
    assert result.stderr.strip().endswith(f"({hint})")


def test_diff_article_number_out_of_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = diff_cli(f"{SEED}:8", f"{SEED}:0")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: {SEED} has 8 article(s); there is no article 8 (use {SEED}:0 to {SEED}:7)")
