from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from toolkit.split import body_text, find_segments

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
