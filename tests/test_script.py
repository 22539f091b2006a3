from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from toolkit import script, tables
from toolkit.split import find_segments


def seed_detections(*texts: str) -> list[tuple[str, script.Detection]]:
    out = []
    for text in texts:
        for seg in find_segments(text):
            if seg.kind == "article":
                raw = text[seg.start:seg.end]
                out.append((raw, script.detect(raw)))
    return out


def corpus_lexicon(dets: list[tuple[str, script.Detection]]) -> dict[str, set[str]]:
    lex: dict[str, set[str]] = {}
    for _, d in dets:
        lex.setdefault(d.script, set()).update(d.lexicon)
    return lex


def test_committed_classes_match_installed_opencc() -> None:
    committed = json.loads(tables.DATA_FILE.read_text(encoding="utf-8"))
    assert {k: v for k, v in committed.items() if not k.startswith("_")} == tables.build()


def test_classes_put_the_documented_characters_where_they_belong() -> None:
    c = tables.classes()
    assert {"们", "这", "发", "国"} <= c["s_only"] and {"們", "這", "發", "國"} <= c["t_only"]
    assert {"里", "征", "干", "后"} <= c["s_ambiguous"]
    assert {"周", "升", "借", "面"} <= c["s_variant"]
    assert {"乾", "於", "徵"} <= c["t_ambiguous"] and {"瞭", "藉", "覆"} <= c["t_variant"]
    assert set("秘吃核床灶峰裡為台才") <= c["regional"]
    assert not set("秘吃核床灶峰台") & (c["s_only"] | c["s_ambiguous"])


def test_seed_labels(trad_text: str, simp_text: str) -> None:
    dets = seed_detections(trad_text, simp_text)
    assert [(d.script, d.variant) for _, d in dets] == [("hant", "tw")] * 8 + [("hans", "cn")]


def test_seeds_have_exactly_the_one_real_stray(trad_text: str, simp_text: str) -> None:
    dets = seed_detections(trad_text, simp_text)
    lex = corpus_lexicon(dets)
    spans = [(i, raw, s) for i, (raw, d) in enumerate(dets) for s in script.resolve(d, lex)[0]]
    assert len(spans) == 1
    i, raw, span = spans[0]
    assert i == 7 and raw.rstrip().endswith("(虎嗅APP)")
    assert (span.text, span.suggest) == ("里", "裡")
    assert raw[span.start - 5:span.end + 1] == "TOP10里面"


def test_shared_and_regional_characters_are_never_spans(trad_text: str, simp_text: str) -> None:
    dets = seed_detections(trad_text, simp_text)
    lex = corpus_lexicon(dets)
    flagged = {s.text for _, d in dets for s in script.resolve(d, lex)[0]}
    assert not flagged & set("台周升峰秘借吃核床灶乾征")


def test_uncertain_cases_are_advisories(trad_text: str, simp_text: str) -> None:
    dets = seed_detections(trad_text, simp_text)
    lex = corpus_lexicon(dets)
    advisories = {(raw[a.start - 1:a.end], a.reason) for raw, d in dets for a in script.resolve(d, lex)[1]}
    assert ("加征", "ambiguous_no_evidence") in advisories
    assert ("像征", "ambiguous_no_evidence") in advisories
    assert ("“乾", "quoted_name") in advisories


def test_stray_needs_evidence_without_it_is_advisory() -> None:
    d = script.detect("兩年前那些車企，TOP10里面還有很多品牌在這裡。")
    assert script.resolve(d)[0] == ()
    assert [s.text for s in script.resolve(d, {"hant": {"裡面"}})[0]] == ["里"]
    assert script.resolve(d, {"hans": {"裡面"}})[0] == ()  # evidence must be in the same script


def test_simplified_only_character_in_traditional_text_is_definite() -> None:
    d = script.detect("我們這裡的國家發展很快，但是这个問題還在。")
    spans, _ = script.resolve(d)
    # adjacent strays merge into one span
    assert [(s.text, s.suggest, s.reason) for s in spans] == [("这个", "這個", "simplified_only")]


def test_identity_phrases_are_protected() -> None:
    d = script.detect("他們走了萬里路，又跑了十公里，這是一場遠征。")
    assert d.script == "hant" and d.candidates == ()


def test_no_chinese_gives_none() -> None:
    d = script.detect("Hello, world 123")
    assert (d.script, d.variant, d.candidates) == ("none", None, ())


@given(st.text(max_size=200))
def test_detect_never_crashes_and_offsets_are_valid(text: str) -> None:
    d = script.detect(text)
    for c in d.candidates:
        assert text[c.start] == c.text


def test_rare_astral_characters_are_classified_like_any_other() -> None:
    # Ext-B forms take a slower pattern; the answer must not change.
    c = tables.classes()
    astral = sorted(ch for ch in c["t_only"] if ord(ch) > 0xFFFF)
    if astral:
        assert script.label("我們這裡" + astral[0])[1]["traditional_only"] == 4
    assert script.label("我們這裡")[1]["traditional_only"] == 3  # 們 這 裡
