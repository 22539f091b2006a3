from __future__ import annotations

import itertools
import re
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.config import SplitConfig, load_config
from toolkit.errors import ConfigError
from toolkit.split import (
    MARKERS,
    Marker,
    Segment,
    _Hit,
    _lead_positions,
    _line_table,
    _Matcher,
    body_text,
    describe,
    find_segments,
    lines,
    marker_table,
    stream_segments,
)

TITLES_000 = [
    "OTA“暫停”一年,車企的餅畫不下去了",
    "2025年832萬輛車狂飆出海!到底是誰在搶購中國車?",
    "車企低息戰火力全開",
    "外資車企,史詩級加倉中國!",
    "中國車企在歐銷量暴漲127%",
    "輝達正在被中國車企拋棄",
    "車企組團出逃俄羅斯!304億直接打水漂?",
    "車企組團出逃俄羅斯,304億直接打水漂?",
]
SOURCES_000 = ["汽車商業評論", "晶片研究室", "中國汽車報", "華商韜略", "第一財經", "AutoReport汽車產經", "最華人", "虎嗅APP"]


def articles(text: str) -> list:
    return [s for s in find_segments(text) if s.kind == "article"]


def test_traditional_seed_has_eight_titled_articles(trad_text: str) -> None:
    found = articles(trad_text)
    assert [trad_text[s.title[0]:s.title[1]] for s in found] == TITLES_000
    assert [s.source for s in found] == SOURCES_000
    assert all(s.tags == ("車企",) for s in found)
    assert all(s.markers == ("title_line", "paren_source") for s in found)


def test_tag_line_is_a_segment_not_an_article(trad_text: str) -> None:
    tags = [s for s in find_segments(trad_text) if s.kind == "tag"]
    assert [(trad_text[s.start:s.end], s.tags) for s in tags] == [("#車企", ("車企",))]


def test_text_excludes_title_and_source_marker(trad_text: str) -> None:
    first = articles(trad_text)[0]
    body = body_text(trad_text, first)
    assert body.startswith("汽車OTA的熱度似乎在退潮。")
    assert body.endswith("也更精彩的戰場。")
    assert "(汽車商業評論)" not in body and TITLES_000[0] not in body
    raw = trad_text[first.start:first.end]
    assert raw.startswith(TITLES_000[0] + "\n") and raw.endswith("戰場。 (汽車商業評論)")


def test_simplified_seed_is_one_article_with_sections(simp_text: str) -> None:
    [art] = articles(simp_text)
    assert simp_text[art.title[0]:art.title[1]] == "跨国车企拥抱中国技术"
    assert art.source == "新华社"
    assert art.markers == ("md_heading", "agency_dateline")
    body = body_text(simp_text, art)
    assert body.startswith("## 汽车市场“反向合资”潮涌")
    assert body.count("### ") == 3
    assert body.endswith("正愈发清晰。")


def test_paren_inside_paragraph_is_not_a_marker() -> None:
    text = "標題\n他說(AI)很重要（上）,見（2025年）報告。後面還有字\n"
    [art] = articles(text)
    assert art.source is None and "paren_source" not in art.markers


def test_credit_lines_are_cut_and_recorded() -> None:
    text = "標題一\n正文一。\n责任编辑：王某\n標題二\n正文二。（央视新闻）"
    arts = articles(text)
    assert len(arts) == 2
    assert body_text(text, arts[0]) == "正文一。"
    assert [text[c.start:c.end] for c in arts[0].credits] == ["责任编辑：王某"]
    assert arts[1].source == "央视新闻"


def test_dateline_after_body_starts_a_new_article() -> None:
    text = "第一篇正文很長很長。\n\n新华社北京5月4日电 第二篇正文。"
    arts = articles(text)
    assert [a.source for a in arts] == [None, "新华社"]


def _tiles(text: str) -> None:
    segs = find_segments(text)
    assert "".join(text[s.start:s.end] for s in segs) == text
    assert all(a.end == b.start for a, b in itertools.pairwise(segs))


def test_seeds_tile_exactly(trad_text: str, simp_text: str) -> None:
    _tiles(trad_text)
    _tiles(simp_text)


PIECES = st.sampled_from([
    "標題", "正文。", "（汽車商業評論）", " (虎嗅APP)", "\n", "\n\n", "#車企", "# 大標題", "## 小節",
    "新华社北京5月4日电 ", "责任编辑：王某", "(AI)", "，", "里面", "2025年", "　", " ", "来源：界面",
])


@given(st.lists(PIECES, max_size=30).map("".join))
def test_any_concatenation_tiles_exactly(text: str) -> None:
    _tiles(text)


@given(st.text(max_size=300))
def test_any_text_tiles_exactly(text: str) -> None:
    _tiles(text)


@given(st.lists(st.tuples(st.sampled_from(["標題甲", "新聞乙", "報導丙"]),
                          st.sampled_from(["正文一句。", "另一段正文，很長。"]),
                          st.sampled_from(["汽車報", "虎嗅APP", "第一財經"])), min_size=1, max_size=6))
def test_resplitting_split_articles_gives_them_back(items: list[tuple[str, str, str]]) -> None:
    text = "\n".join(f"{t}\n{b} ({s})" for t, b, s in items)
    arts = articles(text)
    assert [(text[a.title[0]:a.title[1]], body_text(text, a), a.source) for a in arts] == items


def test_credit_line_never_reaches_back_over_a_heading_or_tag() -> None:
    for text in ["正文。\n# 新標題\n来源：界面", "正文。\n#車企\n来源：界面"]:
        _tiles(text)


# --- the marker table ---------------------------------------------------------------


def one(text: str, config: SplitConfig | None = None) -> dict:
    [rec] = describe(text, config)
    return rec


def test_every_marker_is_named_once_and_declares_what_it_captures() -> None:
    names = [m.name for m in MARKERS]
    assert len(names) == len(set(names))
    for m in MARKERS:
        assert m.example, m.name
        assert set(m.captures) == set(m.pattern.groupindex), m.name
        if m.position == "end":
            assert m.last and m.example[-1] in m.last, m.name


@pytest.mark.parametrize("marker", [m for m in MARKERS if m.position != "structure"], ids=lambda m: m.name)
def test_every_marker_matches_its_example(marker: Marker) -> None:
    example = marker.example
    m = marker.pattern.search(example) if marker.position == "end" else marker.pattern.match(example)
    assert m is not None


LEAD_MARKERS = [m for m in MARKERS if m.lead]


def _tried_at_leads(marker: Marker, s: str, begin: int) -> tuple[int, int] | None:
    found = next(filter(None, (marker.pattern.match(s, p) for p in _lead_positions(s, begin))), None)
    return found.span() if found else None


def _searched(marker: Marker, s: str, begin: int) -> tuple[int, int] | None:
    found = marker.pattern.search(s, begin)
    return found.span() if found else None


def test_every_built_in_end_marker_starts_with_the_lead() -> None:
    assert {m.name for m in LEAD_MARKERS} == {m.name for m in MARKERS if m.position == "end"}


def test_lead_positions_find_what_a_search_finds(trad_text: str, simp_text: str) -> None:
    lines = [*trad_text.split("\n"), *simp_text.split("\n"), *(m.example for m in MARKERS)]
    lines += [f"正文。{m.example}" for m in LEAD_MARKERS] + [f"（{m.example}" for m in LEAD_MARKERS]
    for s in lines:
        for begin in sorted({0, 1, max(0, len(s) - 160), max(0, len(s) - 20), len(s)}):
            for marker in LEAD_MARKERS:
                assert _tried_at_leads(marker, s, begin) == _searched(marker, s, begin), (marker.name, s, begin)


_TAIL_TEXT = (st.text(st.sampled_from("。！？!?…”」』）)】〕]（( \u3000完原标题：新华社北京1月3日电记者王某摄来源央视a1"), max_size=40)
              | st.sampled_from([m.example for m in LEAD_MARKERS]))


@given(st.lists(_TAIL_TEXT, max_size=4).map("".join), st.integers(0, 200))
def test_lead_positions_find_what_a_search_finds_in_any_text(s: str, begin: int) -> None:
    begin %= len(s) + 1
    for marker in LEAD_MARKERS:
        assert _tried_at_leads(marker, s, begin) == _searched(marker, s, begin), marker.name



def _searched_tails(match: _Matcher, s: str) -> list[_Hit]:
    """_Matcher.tails as it was before lead positions: every end marker searched for."""
    found: list[_Hit] = []
    end = len(s)
    while end > 0:
        hit = None
        part = s[:end]
        for marker in match.ends:
            if marker.last and part[-1] not in marker.last:
                continue
            m = marker.pattern.search(part, max(0, end - match.TAIL))
            if m and m.end() == end and m.start() < end:
                ok, source = match._source(marker, m)
                if ok:
                    hit = _Hit(marker, m.start(), m.end(), source)
                    break
        if hit is None:
            break
        found.append(hit)
        end = hit.start
        while end > 0 and part[end - 1] in " \t\u3000\xa0":
            end -= 1
    return found[::-1]


_CONFIG = SplitConfig()
_MATCH = _Matcher(marker_table(_CONFIG), _CONFIG)
# Several credits longer than TAIL together: each peeled credit needs lead positions of its own.
LONG_TAILS = [
    "正文" * 20 + "。（原标题：" + "标" * 80 + "）（本报记者 " + "王" * 39 + "）（本报记者 " + "李" * 39 + "）（完）",
    "正文" * 20 + "。（新华社北京1月3日电 记者" + "王" * 30 + "）（原标题：" + "标" * 70 + "）（本报记者 " + "李" * 35 + "）（完）",
    "正文。（本报记者 " + "王" * 40 + "）（本報記者 " + "李" * 40 + "）（原标题：" + "标" * 60 + "）（完）",
]
EXAMPLE_TAILS = ["正文。" + "".join(m.example for m in LEAD_MARKERS),
                 "正文。" + "".join(m.example for m in LEAD_MARKERS[::-1])]


@pytest.mark.parametrize("s", LONG_TAILS)
def test_long_tails_are_credits_longer_than_the_tail(s: str) -> None:
    hits = _MATCH.tails(s)
    assert len(hits) == 4 and hits[-1].end - hits[0].start > _Matcher.TAIL


@pytest.mark.parametrize("s", LONG_TAILS + EXAMPLE_TAILS)
def test_tails_find_what_searches_find(s: str) -> None:
    assert _MATCH.tails(s) == _searched_tails(_MATCH, s)


def test_tails_peel_every_credit_of_a_long_tail() -> None:
    names = [h.marker.name for h in _MATCH.tails(LONG_TAILS[0])]
    assert names == ["original_title_end", "reporter_credit", "reporter_credit", "xinhua_end"]


_CREDIT_TEXT = (st.text(st.sampled_from("。！？）)（( \u3000正文王标"), max_size=60)
                | st.sampled_from([m.example for m in LEAD_MARKERS])
                | st.integers(1, 120).map(lambda n: "（本报记者 " + "王" * n + "）")
                | st.integers(1, 120).map(lambda n: "（原标题：" + "标" * n + "）"))


@given(st.lists(_CREDIT_TEXT, max_size=8).map("".join))
def test_tails_find_what_searches_find_in_any_text(s: str) -> None:
    assert _MATCH.tails(s) == _searched_tails(_MATCH, s)

# Each issue example in a two-article text: (text of the first article, title, source, markers, text kept).
END_CASES = [
    ("標題\n…的戰場。 (汽車商業評論)", "標題", "汽車商業評論", ["title_line", "paren_source"], "…的戰場。"),
    ("标题\n超20亿元。（央视新闻）", "标题", "央视新闻", ["title_line", "paren_source"], "超20亿元。"),
    ("标题\n正文。（来源：界面）", "标题", "界面", ["title_line", "paren_source"], "正文。"),
    ("新华社北京5月4日电 正文。（完）", None, "新华社", ["agency_dateline", "xinhua_end"], "新华社北京5月4日电 正文。"),
    ("标题\n正文。（本报记者 鲁元珍 本报通讯员 王英轩）", "标题", "本报", ["title_line", "reporter_credit"], "正文。"),
    ("标题\n正文。（新华社桑给巴尔1月3日电 记者华洪立、林光耀）", "标题", "新华社", ["title_line", "dateline_credit"],
     "正文。"),
    ("标题\n正文。（本报约翰内斯堡1月28日电）", "标题", "本报", ["title_line", "dateline_credit"], "正文。"),
    ("本报北京1月31日电 正文。施亚磊摄（人民视觉）", None, "本报", ["agency_dateline", "photo_credit"],
     "本报北京1月31日电 正文。"),
    ("（中央社記者戴雅真台北29日電）正文。（譯者：何宏儒/核稿：劉學源）1150129", None, "中央社",
     ["cna_dateline", "translator_credit"], "（中央社記者戴雅真台北29日電）正文。"),
    ("标题\n正文。\n责任编辑：王某", "标题", None, ["title_line", "editor_line"], "正文。"),
    ("标题\n正文。\n责编：王某", "标题", None, ["title_line", "editor_line"], "正文。"),
    ("标题\n正文。\n编辑丨彭孝秋\n审核：李四\n校对：张三", "标题", None, ["title_line", "editor_line"], "正文。"),
    ("标题\n正文。\n来源：同花顺", "标题", "同花顺", ["title_line", "source_line"], "正文。"),
    ("标题\n正文。\n文章来源：证券时报", "标题", "证券时报", ["title_line", "source_line"], "正文。"),
    ("标题\n正文。\n本文来源：界面", "标题", "界面", ["title_line", "source_line"], "正文。"),
    ("标题\n正文。\n转自：财经网", "标题", "财经网", ["title_line", "source_line"], "正文。"),
    ("标题\n正文。\n本文来自微信公众号：量子位（ID：QbitAI），作者：梦晨", "标题", "量子位",
     ["title_line", "wechat_repost"], "正文。"),
    ("标题\n正文。\n免责声明：本文不构成投资建议。", "标题", None, ["title_line", "disclaimer"], "正文。"),
    ("标题\n正文。\n本内容来源于网络，观点仅代表作者本人，与本站无关。", "标题", None, ["title_line", "disclaimer"], "正文。"),
    ("标题\n正文。（原标题：跨国车企(上)拥抱中国）", "标题", None, ["title_line", "original_title_end"], "正文。"),
]
START_CASES = [
    ("新华社北京5月4日电 正文。", "新华社", "agency_dateline"),
    ("新華社北京１０月２２日電 正文。", "新華社", "agency_dateline"),
    ("中新社北京5月4日电（记者 王某）正文。", "中新社", "agency_dateline"),
    ("本报北京1月31日电 正文。", "本报", "agency_dateline"),
    ("本报讯（通讯员 李四 记者 王某）正文。", "本报", "newspaper_lead"),
    ("人民网北京5月4日电 正文。", "人民网", "agency_dateline"),
    ("央视网消息（新闻联播）：正文。", "央视网", "portal_prefix"),
    ("财联社5月4日电，正文。", "财联社", "agency_dateline"),
    ("（中央社記者戴雅真台北29日電）正文。", "中央社", "cna_dateline"),
    ("〔自由時報記者林相美／台北報導〕正文。", "自由時報", "ltn_dateline"),
    ("【明報專訊】正文。", "明報", "hk_bracket"),
    ("【on.cc東網專訊】正文。", "on.cc東網", "hk_bracket"),
    ("(星島日報報道)正文。", "星島日報", "paren_report"),
]


@pytest.mark.parametrize(("first", "title", "source", "markers", "kept"), END_CASES)
def test_end_markers_close_the_article_and_name_the_source(first: str, title: str | None, source: str | None,
                                                            markers: list[str], kept: str) -> None:
    text = first + "\n下一篇標題\n下一篇正文。"
    recs = describe(text)
    assert [r["title"] for r in recs] == [title, "下一篇標題"]
    a = recs[0]
    assert (a["source"], a["start_markers"] + a["end_markers"], a["text"]) == (source, markers, kept)
    assert "".join(c["text"] for c in a["credits"]) and all(c["text"] not in a["text"] for c in a["credits"])


@pytest.mark.parametrize(("line", "source", "marker"), START_CASES)
def test_start_markers_open_an_article_after_body_text(line: str, source: str, marker: str) -> None:
    text = f"上一篇標題\n上一篇正文沒有來源。\n\n下一篇標題\n{line}\n第二段。"
    recs = describe(text)
    assert [(r["title"], r["source"]) for r in recs] == [("上一篇標題", None), ("下一篇標題", source)]
    assert recs[1]["start_markers"] == ["title_line", marker]
    assert recs[1]["text"] == f"{line}\n第二段。"  # a dateline stays in the text
    untitled = describe(f"上一篇正文沒有來源。\n{line}")
    assert [r["source"] for r in untitled] == [None, source]


@pytest.mark.parametrize("head", ["作者｜黄楠", "文｜富充", "文/王某", "原标题：《跨国车企拥抱中国技术》"])
def test_head_lines_are_cut_and_open_an_article(head: str) -> None:
    recs = describe(f"上一篇\n正文沒有來源。\n標題\n{head}\n正文。（央视新闻）")
    assert [r["title"] for r in recs] == ["上一篇", "標題"]
    assert recs[1]["text"] == "正文。" and [c["text"] for c in recs[1]["credits"]] == [head, "（央视新闻）"]


def test_a_source_line_between_title_and_body_is_a_head_credit() -> None:
    recs = describe("標題一\n正文。（央视新闻）\n標題二\n来源：新华社\n正文二。\n責任編輯：王某")
    assert [(r["title"], r["source"], r["text"]) for r in recs] == [("標題一", "央视新闻", "正文。"),
                                                                     ("標題二", "新华社", "正文二。")]
    assert [c["text"] for c in recs[1]["credits"]] == ["来源：新华社", "責任編輯：王某"]


def test_markdown_sections_stay_inside_and_tags_carry_over() -> None:
    text = "#汽车 #AI\n# 第一篇\n## 小节\n正文。\n### 再小\n正文。\n# 第二篇\n正文。\n#科技\n標題\n正文。"
    recs = describe(text)
    assert [(r["title"], r["tags"]) for r in recs] == [("第一篇", ["汽车", "AI"]), ("第二篇", ["汽车", "AI"]),
                                                       ("標題", ["科技"])]
    assert recs[0]["text"] == "## 小节\n正文。\n### 再小\n正文。"


def test_blank_line_blocks() -> None:
    text = "\n\n標題一\n\n第一段。\n\n第二段。（央视新闻）\n\n\n標題二\n\n　　正文。 (虎嗅APP)\n\n"
    recs = describe(text)
    assert [(r["title"], r["source"], r["text"]) for r in recs] == [
        ("標題一", "央视新闻", "第一段。\n\n第二段。"), ("標題二", "虎嗅APP", "正文。")]


@pytest.mark.parametrize("body", [
    "他說(AI)很重要（上）,見（2025年）報告。後面還有字",
    "這份報告（上）顯示增長。（2025年）",
    "這是上篇。（上）",
    "文中寫道“來源：界面”並不可靠，（新華社）的說法有誤。後來",
    "據新华社北京5月4日电報道，車市回暖。",
])
def test_parentheses_and_quoted_sources_inside_text_are_not_markers(body: str) -> None:
    rec = one(f"標題\n{body}\n第二段。")
    assert rec["source"] is None and rec["end_markers"] == [] and rec["text"] == f"{body}\n第二段。"


def test_an_editor_line_quoted_in_a_sentence_is_text() -> None:
    text = "標題\n正文。\n责任编辑：王某说，这件事还要再查。\n第三段。"
    rec = one(text)
    assert rec["end_markers"] == [] and "责任编辑：王某说" in rec["text"]


# --- configuration ----------------------------------------------------------------------

def test_disable_keeps_the_line_in_the_text() -> None:
    text = "標題\n正文。\n责任编辑：王某"
    assert one(text)["text"] == "正文。"
    assert one(text, SplitConfig(disable=("editor_line",)))["text"] == "正文。\n责任编辑：王某"


def test_disabling_structure_markers() -> None:
    assert one("#車企\n正文。", SplitConfig(disable=("tag_line",)))["text"] == "#車企\n正文。"
    assert one("標題\n正文。", SplitConfig(disable=("title_line",)))["title"] is None


def test_user_marker_from_toml(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[split]\ndisable = ["paren_source"]\n\n[[split.markers]]\nname = "bracket_source"\n'
                   'position = "end"\npattern = \'(?<=。)【(?P<source>[^】]{2,12})】$\'\n', encoding="utf-8")
    config = load_config(cfg).split
    recs = describe("標題\n正文。【汽車報】\n標題二\n正文。（央视新闻）", config)
    assert [(r["source"], r["end_markers"]) for r in recs] == [("汽車報", ["bracket_source"]), (None, [])]
    assert marker_table(config).of("end")[0].name == "bracket_source"  # user markers go first


def test_a_user_marker_with_a_builtin_name_replaces_it() -> None:
    config = SplitConfig(markers=({"name": "editor_line", "position": "end_line", "pattern": "小编：.+"},))
    assert one("標題\n正文。\n小编：王某", config)["end_markers"] == ["editor_line"]
    assert [m.name for m in marker_table(config).markers].count("editor_line") == 1


@pytest.mark.parametrize(("spec", "message"), [
    ({"name": "bad", "position": "end", "pattern": "（[^）"}, "marker 'bad': invalid pattern '（[^）': "),
    ({"name": "bad", "position": "middle", "pattern": "x"}, "marker 'bad': unknown position 'middle'"),
    ({"name": "bad", "position": "end"}, "split.markers[0] 'bad': missing pattern"),
    ({"name": "bad", "position": "end", "pattern": "x", "colour": 1}, "split.markers[0] 'bad': unknown key(s) colour"),
    ({"name": "Bad Name", "position": "end", "pattern": "x"}, "name 'Bad Name' must be snake_case"),
    ({"name": "bad", "position": "end", "pattern": "x*"}, "matches the empty string"),
    ({"name": "bad", "position": "end", "pattern": "x", "captures": ["source"]}, "captures ['source'] are not"),
    ({"name": "md_heading", "position": "start", "pattern": "x"}, "built-in structure marker"),
])
def test_bad_user_markers_are_config_errors(spec: dict, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        SplitConfig(markers=(spec,))
    assert message in str(err.value)


def test_unknown_disable_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"split.disable names unknown marker\(s\): editor \(known markers: .*editor_line"):
        SplitConfig(disable=("editor",))


# --- properties ---------------------------------------------------------------------------

def _view(text: str) -> list[tuple]:
    return [(r["title"], r["source"], r["text"], r["tags"], r["start_markers"], r["end_markers"])
            for r in describe(text)]


def _resplit(text: str) -> None:
    segs = find_segments(text)
    again = "\n".join(text[s.start:s.end] for s in segs if s.kind != "gap")
    assert _view(again) == _view(text)


@given(st.lists(PIECES, max_size=30).map("".join))
def test_resplitting_the_split_pieces_gives_the_same_articles(text: str) -> None:
    _resplit(text)


def _streamed(pieces: list[str]) -> list[Segment]:
    """The segments of stream_segments, moved to offsets in the whole text; checks the blocks tile it."""
    out: list[Segment] = []
    pos = 0
    for offset, block, segs in stream_segments(pieces):
        assert offset == pos and block
        assert all(0 <= s.start <= s.end <= len(block) for s in segs)
        out.extend(s.shifted(offset) for s in segs)
        pos += len(block)
    assert pos == len("".join(pieces))
    return out


def _cut(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    return [text[a:b] for a, b in itertools.pairwise([0, *points, len(text)])]


LINES = st.sampled_from([
    "標題甲", "正文一句。", "正文。（汽車商業評論）", "正文 (虎嗅APP)", "（央视新闻）", "#車企", "#車企 #出海", "# 大標題",
    "## 小節", "新华社北京5月4日电 正文。", "责任编辑：王某", "来源：界面新闻", "作者｜黄楠", "文/王某", "", "　",
    "原标题：《跨国车企拥抱中国技术》", "車企低息戰火力全開", "（完）",
])


@given(st.lists(LINES, max_size=40).map("\n".join), st.lists(st.integers(0, 10**6), max_size=12))
def test_streamed_split_gives_the_segments_of_the_whole(text: str, cuts: list[int]) -> None:
    whole = [s for s in find_segments(text) if s.kind != "gap"]
    assert _streamed(_cut(text, cuts)) == whole
    assert _streamed(text.splitlines(True)) == whole


@given(st.lists(PIECES, max_size=30).map("".join), st.lists(st.integers(0, 10**6), max_size=8))
def test_streamed_split_of_any_concatenation(text: str, cuts: list[int]) -> None:
    assert _streamed(_cut(text, cuts)) == [s for s in find_segments(text) if s.kind != "gap"]


@pytest.mark.parametrize("pieces", [
    ["#車企\n#出海\n", "標題\n正文。（汽車商業評論）"],  # a tag line after a tag line adds to the tags
    ["標題\n正文。（汽車商業評論）\n\n责任编辑：王某\n", "標題\n正文。"],  # an editor line joins the last article
    ["# 大標題\n正文。\n", "## 小節\n正文。\n新华社北京5月4日电 正文。\n", "正文。"],
], ids=["tags", "editor", "headings"])
def test_streamed_split_where_a_piece_ends(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert _streamed(pieces) == [s for s in find_segments(text) if s.kind != "gap"]


def test_streamed_split_of_the_seeds_restarts_between_articles(trad_text: str, simp_text: str) -> None:
    for text in (trad_text, simp_text, trad_text + "\n" + simp_text):
        assert _streamed(text.splitlines(True)) == [s for s in find_segments(text) if s.kind != "gap"]
    # Settled as it goes, not all at the end: the eight articles of the Traditional seed, and
    # articles that only a dateline opens.
    assert len([b for b in stream_segments(trad_text.splitlines(True)) if b[2]]) > 2
    datelines = ["新华社北京5月4日电 正文。\n", "正文二。\n"] * 20
    assert len(list(stream_segments(datelines))) > 2


@given(st.integers(0, 2**32 - 1))
def test_labelled_concatenations_split_back_exactly(seed: int) -> None:
    from tests.benchmarks.bench_split import build

    [(text, truths)] = build(1, seed)
    recs = describe(text)
    assert [(r["start"], r["title"], r["source"], r["text"], tuple(r["tags"])) for r in recs] == \
        [(t.start, t.title, t.source, t.text, t.tags) for t in truths]
    _tiles(text)
    _resplit(text)
    assert _streamed(text.splitlines(True)) == [s for s in find_segments(text) if s.kind != "gap"]



def _articles(text: str) -> list[tuple[str | None, str | None, tuple[str, ...], str]]:
    return [(text[s.title[0]:s.title[1]] if s.title else None, s.source, s.markers,
             body_text(text, s).replace("\r\n", "\n").replace("\r", "\n"))
            for s in find_segments(text) if s.kind == "article"]


@given(st.lists(LINES, max_size=40).map("\n".join), st.lists(st.integers(0, 10**6), max_size=6))
def test_old_mac_and_windows_line_ends_split_like_newlines(text: str, cuts: list[int]) -> None:
    # A lone CR is a line end: the same segments at the same offsets (one character for one).
    mac = text.replace("\n", "\r")
    assert find_segments(mac) == find_segments(text)
    # (an empty line ends in CRLF: after a lone CR, its LF would make one CRLF of the two)
    mixed = "".join(line + (("\r", "\n", "\r\n")[n % 3] if line else "\r\n")
                    for n, line in enumerate(text.split("\n")))
    assert _streamed(_cut(mixed, cuts)) == [s for s in find_segments(mixed) if s.kind != "gap"]
    # CRLF: the same articles, and a cut credit line takes its whole line end with it.
    assert _articles(text.replace("\n", "\r\n")) == _articles(mixed) == _articles(text)


def test_a_credit_cut_inside_a_crlf_body_leaves_no_blank_line() -> None:
    text = "## 小節\r\n作者｜黄楠\r\n正文。"
    [art] = [s for s in find_segments(text) if s.kind == "article"]
    assert body_text(text, art) == "## 小節\r\n正文。"


@pytest.mark.parametrize("lead", ["\ufeff", "\u200b", "\ufeff\u3000"])
def test_a_bom_or_zero_width_space_before_a_marker_does_not_hide_it(lead: str) -> None:
    # What `cat` of files each starting with a BOM gives, or a copy from a web page.
    text = f"{lead}標題\n正文。（甲報）\n{lead}新华社北京5月4日电 正文。"
    arts = [s for s in find_segments(text) if s.kind == "article"]
    assert [(a.source, a.markers[0]) for a in arts] == [("甲報", "title_line"), ("新华社", "agency_dateline")]
    assert text[arts[0].title[0]:arts[0].title[1]] == "標題"  # type: ignore[index]


# --- the split command ------------------------------------------------------------------

def test_split_command_json_lines_for_the_seeds() -> None:
    import json

    from typer.testing import CliRunner

    from toolkit.cli import app

    from .conftest import SEEDS

    result = CliRunner().invoke(app, ["split", str(SEEDS)])
    assert result.exit_code == 0, result.stderr
    recs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["title"] for r in recs] == [*TITLES_000, "跨国车企拥抱中国技术"]
    assert [r["source"] for r in recs] == [*SOURCES_000, "新华社"]
    assert recs[-1]["start_markers"] == ["md_heading", "agency_dateline"] and recs[0]["end_markers"] == ["paren_source"]
    assert recs[0]["credits"] == [{"start": 3974, "end": 3983, "marker": "paren_source", "text": " (汽車商業評論)"}]


def test_split_preview_is_a_table_of_boundaries() -> None:
    from typer.testing import CliRunner

    from toolkit.cli import app

    from .conftest import SEEDS

    result = CliRunner().invoke(app, ["split", str(SEEDS), "--preview"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "start marker" in lines[1] and "end marker" in lines[1]
    rows = [line for line in lines if "000_79e19496e3b9640c.txt" in line]
    assert len(rows) == 8 and all(t in r and s in r for t, s, r in zip(TITLES_000, SOURCES_000, rows, strict=True))


def test_split_command_rejects_a_bad_pattern(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from toolkit.cli import app

    cfg = tmp_path / "c.toml"
    cfg.write_text('[[split.markers]]\nname = "mine"\nposition = "end"\npattern = "（[^）"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["split", "--config", str(cfg), "-"], input="x")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: marker 'mine': invalid pattern '（[^）': unterminated character set")


@given(st.text(st.sampled_from("甲 \t\u3000\xa0\ufeff\u200b\r\n"), max_size=40) | st.lists(PIECES, max_size=20).map("".join))
def test_line_table_is_each_lines_stripped_span(text: str) -> None:
    expected, pos = [], 0
    for raw in text.split("\n"):
        s = raw.strip(" \t\u3000\xa0\r\ufeff\u200b")
        lead = pos + (raw.find(s[0]) if s else 0)
        expected.append((lead, lead + len(s)))
        pos += len(raw) + 1
    starts, ends = _line_table(text)
    assert list(zip(starts, ends, strict=True)) == expected
    for piece in (1, 2, 7):  # a big text is read a piece at a time, each cut at a line end
        with mock.patch("toolkit.split._LINE_PIECE", piece):
            starts, ends = _line_table(text)
        assert list(zip(starts, ends, strict=True)) == expected


@given(st.text(st.sampled_from("ab\n\r中")))
def test_lines_are_the_split_lines(text: str) -> None:
    assert list(lines(text)) == text.split("\n")


@pytest.mark.parametrize("flags", [re.IGNORECASE, 0])
def test_an_end_marker_with_its_own_flags_is_found(flags: int) -> None:
    # The end markers are tried together first (one alternation): a marker compiled with other
    # flags than the rest must still match as it would alone.
    from toolkit.split import _END_LEAD, Marker, MarkerTable

    own = Marker("x_end", "end", re.compile(_END_LEAD + r"\((?P<source>end)\)$", flags), ("source",), lead=True)
    table = MarkerTable((*(m for m in marker_table().markers if m.position != "end"), own))  # the only end marker
    [seg] = [s for s in find_segments("標題\n正文一句。(END)", table=table) if s.kind == "article"]
    assert (seg.source, "x_end" in seg.markers) == (("END", True) if flags else (None, False))


_BODY = "正文" * 40 + "。"  # longer than any title
LONG_LINES = st.sampled_from([
    _BODY, _BODY + "（汽車商業評論）", _BODY + " (虎嗅APP)", "新华社北京5月4日电 " + _BODY, "# " + _BODY, "#" + _BODY,
    "標題" * 40, _BODY + "2025", "来源：" + _BODY, "责任编辑：王某" + _BODY, "#車企 #出海 " * 10,
    "原标题：《" + "跨国车企" * 15 + "》",
])


@given(st.lists(LINES | LONG_LINES, max_size=40).map("\n".join))
def test_gates_only_skip_work(text: str) -> None:
    # The gates (one alternation per position, and one for the lines no marker can take) only
    # spare regex calls: without them, every marker is tried on every line.
    with mock.patch("toolkit.split._gate", return_value=None):
        tried = find_segments(text)
    assert find_segments(text) == tried


def test_a_backreference_in_a_user_pattern_is_honoured() -> None:
    # In one alternation, \\1 of the second pattern would name the first pattern's group.
    from toolkit.split import MarkerTable

    own = (Marker("x_first", "start_line", re.compile(r"(甲)X")), Marker("x_twice", "start_line", re.compile(r"(乙)\1")))
    table = MarkerTable((*(m for m in marker_table().markers if m.position != "start_line"), *own))
    segs = [s for s in find_segments("標題\n正文一句。\n乙乙\n正文二句。", table=table) if s.kind == "article"]
    assert [s.markers for s in segs] == [("title_line",), ("x_twice",)]


def test_a_long_heading_of_a_user_pattern_opens_an_article() -> None:
    from toolkit.split import MarkerTable

    heading = Marker("md_heading", "structure", re.compile(r"=[ \t]+(?P<title>\S.*?)[ \t]*$"), ("title",))
    table = MarkerTable((*(m for m in marker_table().markers if m.name != "md_heading"), heading))
    text = "標題\n正文一句。\n= " + "長" * 80 + "\n正文二句。"
    segs = [s for s in find_segments(text, table=table) if s.kind == "article"]
    assert [(s.markers, text[s.title[0]:s.title[1]] if s.title else None) for s in segs] == [
        (("title_line",), "標題"), (("md_heading",), "長" * 80)]
