from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

import opencc
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit import script, tables
from toolkit.cli import app
from toolkit.config import Config, ScriptConfig, load_config
from toolkit.errors import ConfigError
from toolkit.models import Script, Variant
from toolkit.pipeline import Corpus, finalize, process_file
from toolkit.split import find_segments

from .conftest import SEEDS, SIMP, TRAD

runner = CliRunner()


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


# ---- clean --script: conversion modes and repair --------------------------------

def run_pipeline(files: dict[str, str], mode: str) -> list[dict[str, Any]]:
    """Run the per-file stages, the barrier and finalize, as io.run_clean does."""
    config = Config().with_overrides(script={"mode": mode})
    corpus = Corpus(config)
    items, ids, index = [], {}, 0
    for name, text in files.items():
        _, got = process_file(text.encode("utf-8"), name, index, config)
        index += len(got)
        for item in got:
            corpus.add(item)
            ids[item.doc.index] = item.doc.id
            items.append(item)
    decisions = corpus.finish()
    return [finalize(item, decisions, ids)[1] for item in items]


def script_steps(rec: dict[str, Any]) -> list[tuple[str, int]]:
    return [(s["fixer"], s["count"]) for s in rec["steps"] if s["fixer"].startswith("script:")]


@pytest.mark.parametrize(("mode", "source", "expected"), [
    ("keep", ("hant", "tw"), ()), ("repair", ("hans", "cn"), ()),
    ("hans", ("hant", "tw"), ("tw2sp",)), ("hans", ("hant", "hk"), ("hk2s",)), ("hans", ("hant", None), ("t2s",)),
    ("hans", ("hans", "cn"), ()),
    ("hant", ("hans", "cn"), ("s2t",)), ("hant", ("hant", "tw"), ("tw2t",)), ("hant", ("hant", None), ()),
    ("tw", ("hans", "cn"), ("s2twp",)), ("tw", ("hant", None), ("t2tw",)), ("tw", ("hant", "hk"), ("hk2t", "t2tw")),
    ("tw", ("hant", "tw"), ()),
    ("hk", ("hans", "cn"), ("s2hk",)), ("hk", ("hant", "tw"), ("tw2t", "t2hk")), ("hk", ("hant", "hk"), ()),
    ("tw", ("none", None), ()),
])
def test_conversion_picks_the_regional_configuration(
    mode: str, source: tuple[Script, Variant | None], expected: tuple[str, ...]
) -> None:
    assert script.conversion(mode, *source) == expected


def test_convert_counts_edits_not_shifted_positions() -> None:
    # U盘 → 隨身碟 changes the length; every later character must not count as changed.
    text, n = script.convert("U盘的数据", ["s2twp"])
    assert text == "隨身碟的資料" and n == 5  # U→隨 盘→身 +碟 数→資 据→料


def test_keep_mode_changes_nothing(trad_text: str, simp_text: str) -> None:
    recs = run_pipeline({"t.txt": trad_text, "s.txt": simp_text}, "keep")
    assert all(script_steps(r) == [] for r in recs)
    assert sum(len(r["mixed_spans"]) for r in recs) == 1


def test_repair_fixes_only_the_definite_span(trad_text: str, simp_text: str) -> None:
    keep = run_pipeline({"t.txt": trad_text, "s.txt": simp_text}, "keep")
    repair = run_pipeline({"t.txt": trad_text, "s.txt": simp_text}, "repair")
    changed = [(k, r) for k, r in zip(keep, repair, strict=True) if k["text"] != r["text"]]
    assert len(changed) == 1
    before, after = changed[0]
    assert before["text"].replace("TOP10里面", "TOP10裡面") == after["text"]
    assert script_steps(after) == [("script:repair", 1)]
    assert after["steps"][:-1] == before["steps"]  # the repair runs last, normalization unchanged
    # advisories (加征, 像征, the brand “乾崮”) stay as written
    assert "加征" in "".join(r["text"] for r in repair) and "“乾崮”" in "".join(r["text"] for r in repair)


def test_repair_maps_raw_offsets_through_normalization() -> None:
    # The title line is cut and half-width commas widen: offsets in the raw article are not
    # offsets in the text. 这 is Simplified-only (definite); 里 has evidence (裡面 elsewhere).
    raw = "標題一行\n\n我們在這裡,那些車 ,TOP10里面還有很多  品牌,这些品牌在裡面。\n(測試社)\n"
    [rec] = run_pipeline({"a.txt": raw}, "repair")
    assert rec["text"].startswith("我們在這裡，那些車 ,TOP10裡面還有很多  品牌，這些品牌在裡面。")
    assert rec["title"] == "標題一行"  # the title line is cut: text offsets differ from raw ones
    assert [(s["text"], s["reason"]) for s in rec["mixed_spans"]] == [
        ("里", "evidence_in_document"), ("这", "simplified_only")]
    assert script_steps(rec) == [("script:repair", 2)]
    # spans keep their raw-article offsets (the output contract)
    assert [raw[s["start"]:s["end"]] for s in rec["mixed_spans"]] == ["里", "这"]


@given(st.lists(st.sampled_from(["我們", "這個", "这个", "裡面", "里面", "國家", "国家", "，", ",", " ", "\n", "车", "好"]),
                max_size=40))
def test_repair_changes_only_definite_span_characters(parts: list[str]) -> None:
    raw = "我們這裡的國家。" + "".join(parts)
    d = script.detect(raw)
    text = raw  # no normalization: offsets are the same
    d = script.locate(d, raw, text)
    spans, advisories = script.resolve(d)
    repaired, n = script.repair(text, spans, d)
    assert len(repaired) == len(text)
    at_spans = {s.start + k for s in spans for k in range(s.end - s.start)}
    changed = {i for i, (a, b) in enumerate(zip(text, repaired, strict=True)) if a != b}
    assert changed <= at_spans and len(changed) == n
    assert not changed & {a.start for a in advisories}


@pytest.mark.parametrize("mode", ["repair", "hant", "tw", "hk"])
def test_stray_words_are_repaired_whole_in_traditional_targets(mode: str) -> None:
    # No OpenCC chain between Traditional standards converts a Simplified character: the
    # definite strays of a Traditional article are repaired in every mode that keeps it
    # Traditional, and an ambiguous character touching one goes with it (范围 → 範圍, not 范圍).
    raw = "標題\n\n這是政治驅動的后来發展，蔚小理范围擴大，皇后也准备好了，這個很大。（測試社）\n"
    [rec] = run_pipeline({"a.txt": raw}, mode)
    assert "後來發展" in rec["text"] and "範圍擴大" in rec["text"] and "準備好了" in rec["text"]
    assert "皇后" in rec["text"]  # a phrase OpenCC knows is no candidate
    assert [(s["text"], s["reason"]) for s in rec["mixed_spans"]] == [
        ("后", "next_to_stray"), ("来", "simplified_only"), ("范", "next_to_stray"), ("围", "simplified_only"),
        ("准", "next_to_stray"), ("备", "simplified_only")]


def test_an_outlet_named_in_its_own_script_in_a_credit_is_no_stray() -> None:
    # 汽車商業評論 ends a short Simplified article: its four Traditional-only characters neither
    # outvote the article's three Simplified-only ones nor become spans.
    [rec] = run_pipeline({"a.txt": "标题\n\n这是简体文章。（汽車商業評論）\n"}, "keep")
    assert (rec["script"], rec["source"], rec["mixed_spans"]) == ("hans", "汽車商業評論", [])
    assert rec["credits"][0]["text"] == "（汽車商業評論）"  # kept as written


@pytest.mark.parametrize("raw", [
    "标题\n\n这是简体文章。（汽車商業評論）\n",
    "標題\n\n這是繁體文章的正文內容。\n责任编辑：张三\n",
])
def test_detect_leaves_credits_out_as_clean_does(raw: str) -> None:
    [rec] = run_pipeline({"a.txt": raw}, "keep")
    [article] = script.detect_files([("a.txt", raw.encode("utf-8"))])["files"][0]["articles"]
    assert (article["script"], article["mixed_spans"]) == (rec["script"], []) and rec["mixed_spans"] == []


def test_a_simplified_article_loses_its_traditional_strays_in_hans_mode() -> None:
    raw = "标题\n\n这是一个測試的文章，我们在這裡写了很多内容。（测试社）\n"
    [rec] = run_pipeline({"a.txt": raw}, "hans")
    assert rec["script"] == "hans" and "测试的文章" in rec["text"] and "这里" in rec["text"]


def test_whole_article_modes_convert_with_regional_phrasing(trad_text: str, simp_text: str) -> None:
    hans = run_pipeline({"t.txt": trad_text}, "hans")
    assert all(script_steps(r)[0][0] == "script:tw2sp" for r in hans)
    assert all(script.label(r["text"])[0] == "hans" for r in hans)
    assert "信息" in "".join(r["text"] for r in hans)  # 資訊 → 信息: Taiwan phrasing reversed
    [tw] = run_pipeline({"s.txt": simp_text}, "tw")
    assert script_steps(tw)[0][0] == "script:s2twp"
    assert (script.detect(tw["text"]).script, script.detect(tw["text"]).variant) == ("hant", "tw")
    # the label describes the input article; the conversion is in steps
    assert (tw["script"], tw["variant"]) == ("hans", "cn")
    [hk] = run_pipeline({"s.txt": simp_text}, "hk")
    assert script_steps(hk)[0][0] == "script:s2hk" and script.detect(hk["text"]).variant == "hk"


def test_script_mode_from_toml_and_bad_mode(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[script]\nmode = "repair"\n')
    assert load_config(cfg).script.mode == "repair"
    with pytest.raises(ConfigError, match=r"script.mode must be one of keep, repair, hans, hant, tw, hk"):
        ScriptConfig(mode="simplified")


def test_clean_script_flag(tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = runner.invoke(app, ["clean", str(SEEDS), "--out", str(out), "--script", "repair", "-q"])
    assert result.exit_code == 0
    texts = "".join(json.loads(line)["text"] for line in (out / "corpus.jsonl").read_text().splitlines())
    assert "TOP10裡面" in texts and "TOP10里面" not in texts
    bad = runner.invoke(app, ["clean", str(SEEDS), "--out", str(out), "--script", "trad"])
    assert bad.exit_code == 2
    assert bad.stderr.strip() == ("Error: script.mode must be one of keep, repair, hans, hant, tw, hk, got 'trad' "
                                  "(use --script keep|repair|hans|hant|tw|hk)")


# ---- toolkit detect ---------------------------------------------------------------

def test_detect_command_table_and_json(tmp_path: Path) -> None:
    (tmp_path / "en.txt").write_text("Hello world.\n")
    (tmp_path / "empty.txt").write_text("")
    result = runner.invoke(app, ["detect", str(SEEDS), str(tmp_path)])
    assert result.exit_code == 0
    out = result.stdout
    assert "span       2304  evidence_in_corpus     銷量,TOP10[里→裡]面還有JAECO" in out
    assert "advisory   1163  quoted_name            截至目前,华为“[乾→干]崮”智驾品牌已覆" in out
    assert "empty.txt: empty" in out
    assert out.rstrip().endswith("10 articles in 4 files (hans 1, hant 8, none 1): 1 mixed-script spans, 6 advisories")
    data = json.loads(runner.invoke(app, ["detect", "--json", str(SEEDS)]).stdout)
    arts = [a for f in data["files"] for a in f["articles"]]
    assert [(a["script"], a["variant"]) for a in arts] == [("hant", "tw")] * 8 + [("hans", "cn")]
    [span] = [s for a in arts for s in a["mixed_spans"]]
    assert (span["text"], span["suggest"], span["context"]) == ("里", "裡", "銷量,TOP10[里→裡]面還有JAECO")
    assert arts[7]["id"] == "000_79e19496e3b9640c:7"


def test_detect_missing_path_is_usage_error() -> None:
    result = runner.invoke(app, ["detect", "no/such.txt"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: input not found: no/such.txt")


# ---- labels on little or odd evidence ----------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("們", "hant"), ("们", "hans"),  # one character that exists in one script only is enough
    ("台北", "none"),  # 台 is valid in both: no evidence
    ("們们", "none"),  # a tie says nothing
    ("2025 OTA", "none"), ("", "none"),
])
def test_short_articles_get_a_label_only_with_evidence(text: str, expected: str) -> None:
    d = script.detect(text)
    assert d.script == expected
    if expected == "none":
        assert d.candidates == () and script.resolve(d) == ((), ())


def test_min_evidence_setting_withholds_thin_labels() -> None:
    assert script.detect("們", min_evidence=2).script == "none"
    assert script.detect("我們這個", min_evidence=2).script == "hant"


def test_rare_characters_are_counted_as_unknown_and_never_evidence() -> None:
    d = script.detect("𪚥𠀀㐀")
    assert d.script == "none" and d.counts["unknown"] == 3 and d.counts["cjk"] == 3


def test_quoted_run_with_one_script_characters_is_a_word_not_a_name() -> None:
    # “反向合资” in Traditional text: 资 exists in Simplified only, so the quotes hold a stray.
    d = script.detect("中國汽車市場的“反向合资”潮湧，這是新的趨勢。")
    spans, advisories = script.resolve(d)
    assert [(s.text, s.reason) for s in spans] == [("资", "simplified_only")] and advisories == ()
    # A quoted run of shared characters only may be a brand that uses them on purpose.
    d = script.detect("截至目前，华为“乾崮”智驾品牌已覆盖多个车型。")
    assert [(s.text, s.reason) for s in script.resolve(d)[1]] == [("乾", "quoted_name")]


def test_a_surname_opening_a_clause_is_a_name_not_a_stray() -> None:
    # 於北 (位於北部) is in the article, yet ，于北辰表示 names a person: it is never repaired.
    text = "國民黨立委出席座談，于北辰表示，國防預算應優先用在人員培訓。他說，新竹科學園區位於北部。"
    spans, advisories = script.resolve(script.detect(text))
    assert spans == () and [(a.start, a.reason) for a in advisories] == [(10, "surname")]
    # After an ideograph it is the preposition, a stray when its words are attested.
    text = "園區位于北部，交通便利。另一園區位於北部。"
    assert [(s.text, s.reason) for s in script.resolve(script.detect(text))[0]] == [("于", "evidence_in_document")]


@functools.cache
def converted_seed(config: str) -> str:
    source = SEEDS / ("000_79e19496e3b9640c.txt" if config in ("t2s", "tw2sp") else "004_14352a4bf9531335.txt")
    return script.converter(config).convert(source.read_text(encoding="utf-8"))


@pytest.mark.parametrize("config", ["t2s", "tw2sp", "s2twp", "s2hk", "s2t"])
@given(data=st.data())
def test_machine_converted_slices_have_no_definite_spans(config: str, data: st.DataObject) -> None:
    # OpenCC output is correct text in its script: any slice of it must give no definite span.
    text = converted_seed(config)
    start = data.draw(st.integers(0, len(text) - 1))
    piece = text[start:start + data.draw(st.integers(1, 400))]
    d = script.detect(piece)
    assert script.resolve(d, {d.script: d.lexicon})[0] == ()


def test_detect_unknown_encoding_is_usage_error() -> None:
    result = runner.invoke(app, ["detect", str(SEEDS), "--encoding", "nonsense"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: unknown encoding: nonsense (use a Python codec name such as gb18030)"
    assert result.stdout == ""


# ---- the flag-table fast paths against a per-character reference ----------------------

def _class_sample() -> str:
    classes = tables.classes()
    picked = {c for chars in classes.values() for c in sorted(chars)[::max(1, len(chars) // 12)]}
    astral = {c for chars in classes.values() for c in chars if ord(c) > 0xFFFF}
    return "".join(sorted(picked | set(sorted(astral)[:8]))) + "𠀀𪚥㐀\uf900裡面這里的。，a1 \n「」"


CLASS_SAMPLE = _class_sample()
RARE = ((0x3400, 0x4DBF), (0xF900, 0xFAFF), (0x20000, 0x3134F))


def reference_counts(text: str) -> dict[str, int]:
    classes = tables.classes()
    known = frozenset().union(*classes.values())
    return {
        "simplified_only": sum(c in classes["s_only"] for c in text),
        "traditional_only": sum(c in classes["t_only"] for c in text),
        "cjk": len(tables.CJK_RE.findall(text)),
        "unknown": sum(any(a <= ord(c) <= b for a, b in RARE) and c not in known for c in text),
    }


def reference_lexicon(text: str, label: Script) -> frozenset[str]:
    if label == "none":
        return frozenset()
    targets = tables.classes()["hant_targets" if label == "hant" else "hans_targets"]
    words: set[str] = set()
    for i, c in enumerate(text):
        if c in targets:
            words.update(script._words(text, i, c))
    return frozenset(words)


@given(st.text(alphabet=st.sampled_from(CLASS_SAMPLE), max_size=80))
def test_flag_table_agrees_with_a_per_character_reference(text: str) -> None:
    counts = script.label(text)[1]
    assert {k: counts[k] for k in ("simplified_only", "traditional_only", "cjk", "unknown")} == reference_counts(text)
    classes = tables.classes()
    hk = sum(c in classes["hk_only"] for c in text) - sum(c in classes["not_hk"] for c in text)
    assert script.variant_of(text, "hant")[1]["hk_evidence"] == hk
    for label in ("hans", "hant", "none"):
        assert script.lexicon(text, label) == reference_lexicon(text, label)  # type: ignore[arg-type]
    assert script.lexicon("裡面", "hant") == {"裡面"}  # a target at both ends of the text


# ---- fold's t2s fast path against plain OpenCC ------------------------------------------

def test_committed_fold_keys_match_installed_opencc() -> None:
    committed = json.loads(tables.FOLD_KEYS_FILE.read_text(encoding="utf-8"))
    assert {k: v for k, v in committed.items() if not k.startswith("_")} == tables.build_fold_keys()


def plain_fold(text: str) -> str:
    return script.converter("t2s").convert(text)


def test_fold_fast_path_agrees_with_opencc_on_every_key() -> None:
    # Each changing key alone, inside Simplified text and cut short: a key the flag table
    # misses is returned unconverted by the fast path.
    for key in tables.fold_keys()["t2s"]:
        for text in (key, f"我们{key}。", f"a{key[:-1]}", key[1:] + "的"):
            assert script.fold(text, "none", None) == plain_fold(text), text


def test_fold_fast_path_is_taken_on_simplified_text(trad_text: str, simp_text: str) -> None:
    # Folded text holds no changing key (the Simplified seed does: a brand's 乾).
    for raw, _ in seed_detections(trad_text, simp_text):
        folded = plain_fold(raw)
        assert not script._t2s_changes(folded) and script.fold(folded, "hans", "cn") == folded
    assert script._t2s_changes("我們") and script._t2s_changes("一目瞭然") and not script._t2s_changes("一目了然")
    with pytest.raises(UnicodeEncodeError):  # OpenCC rejects a lone surrogate; the fast path must not hide it
        script.fold("我们\ud800", "hans", "cn")


def test_fold_agrees_with_opencc_on_the_seeds(trad_text: str, simp_text: str) -> None:
    for text in (trad_text, simp_text):
        for raw in [text] + [raw for raw, _ in seed_detections(text)]:
            for label in (("hans", "cn"), ("hant", None), ("none", None)):
                assert script.fold(raw, *label) == plain_fold(raw)  # type: ignore[arg-type]


def _fold_pieces() -> list[str]:
    keys = tables.fold_keys()["t2s"]
    phrases = [k for k in keys if len(k) > 1]
    picked = [*keys[::40], *phrases] + [k[:-1] for k in phrases] + [k[1:] for k in phrases]
    return sorted(set(picked)) + list("我们这里的一大不年是了，。「」a1 \n\x00𠀀𪚥\uf900\U0002f800")


FOLD_PIECES = _fold_pieces()


@given(st.lists(st.sampled_from(FOLD_PIECES), max_size=12), st.text(max_size=6))
def test_fold_fast_path_agrees_with_opencc(parts: list[str], noise: str) -> None:
    text = "".join(parts) + noise
    try:
        expected = plain_fold(text)
    except UnicodeEncodeError:  # a lone surrogate: the fast path must not hide the error
        with pytest.raises(UnicodeEncodeError):
            script.fold(text, "none", None)
        return
    assert script.fold(text, "none", None) == expected


# ---- merged OpenCC dictionary groups against the stock configs ----------------------------

def test_committed_flat_configs_match_installed_opencc() -> None:
    manifest, files = tables.build_flat()
    committed = json.loads(tables.FLAT_MANIFEST.read_text(encoding="utf-8"))
    assert {k: v for k, v in committed.items() if not k.startswith("_")} == manifest
    assert {p.name: p.read_text(encoding="utf-8") for p in tables.FLAT_DIR.iterdir() if p != tables.FLAT_MANIFEST} \
        == files
    # Every config is in use here, so the tests below compare the merged groups, not stock with stock.
    assert all(tables.flat_config(config) == tables.FLAT_DIR / f"{config}.json" for config in tables.FLAT_CONFIGS)


@functools.cache
def stock(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@functools.cache
def flat_pieces(config: str) -> list[str]:
    """Keys, their prefixes and suffixes, and values of every dictionary a config reads."""
    share, _ = tables._opencc_dirs()
    files = sorted(set(tables._dict_files(json.loads((share / f"{config}.json").read_text(encoding="utf-8")))))
    pieces: set[str] = set()
    for f in files:
        table = tables.read_table(f.removesuffix(".ocd2"))
        for key, values in list(table.items())[::7]:
            pieces.update((key, key[:-1], key[1:], *values))
    return sorted(pieces - {""}) + list("，。「」a1 \n𠀀\uf900")


@pytest.mark.parametrize("config", tables.FLAT_CONFIGS)
def test_flat_converters_agree_with_stock_opencc(config: str) -> None:
    pieces = flat_pieces(config)
    text = "".join(pieces[(i * 7919) % len(pieces)] for i in range(20000))
    assert script.converter(config).convert(text) == stock(config).convert(text)
    for piece in pieces:
        assert script.converter(config).convert(piece) == stock(config).convert(piece), piece


@given(st.sampled_from(tables.FLAT_CONFIGS), st.data())
def test_flat_converters_agree_with_stock_opencc_on_joined_pieces(config: str, data: st.DataObject) -> None:
    text = "".join(data.draw(st.lists(st.sampled_from(flat_pieces(config)), max_size=10)))
    assert script.converter(config).convert(text) == stock(config).convert(text)


def test_merged_group_converts_as_opencc_group(tmp_path: Path) -> None:
    # OpenCC itself runs a short-circuit group of small dictionaries and their merge. The first
    # dictionary holds a prefix of a later key (甲 of 甲乙: 甲乙 is never used) and a key a later one
    # repeats (丙: the first value wins); a later key no earlier one starts wins (乙丙丁).
    _, tool = tables._opencc_dirs()
    tables_ = [{"甲": ["A"], "丙": ["C"]}, {"甲乙": ["X"], "丙": ["Z"], "乙丙丁": ["Y"]}, {"丁": ["D"], "乙": ["B"]}]
    members = []
    for k, table in enumerate(tables_):
        txt = tmp_path / f"d{k}.txt"
        txt.write_text(tables._text_dict(table), encoding="utf-8")
        subprocess.run([str(tool), "-i", str(txt), "-o", str(tmp_path / f"d{k}.ocd2"), "-f", "text", "-t", "ocd2"],
                       check=True, capture_output=True)
        members.append({"type": "ocd2", "file": str(tmp_path / f"d{k}.ocd2")})
    group = tmp_path / "group.json"
    group.write_text(json.dumps({"name": "g", "conversion_chain": [
        {"dict": {"type": "group", "match_policy": "short_circuit", "dicts": members}}]}), encoding="utf-8")
    merged_txt = tmp_path / "merged.txt"
    merged_txt.write_text(tables._text_dict(tables.merge_group(tables_)), encoding="utf-8")
    merged = tmp_path / "merged.json"
    merged.write_text(json.dumps({"name": "m", "conversion_chain": [
        {"dict": {"type": "text", "file": str(merged_txt)}}]}), encoding="utf-8")
    text = "甲乙丙丁，乙丙丁甲，丙乙丁。甲乙"
    assert opencc.OpenCC(str(group)).convert(text) == "AY，YA，CBD。AB"  # never X: 甲 matched first
    assert opencc.OpenCC(str(merged)).convert(text) == opencc.OpenCC(str(group)).convert(text)


def test_stock_opencc_when_the_dictionaries_differ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = json.loads(tables.FLAT_MANIFEST.read_text(encoding="utf-8"))
    assert tables.flat_config("tw2sp") is not None
    manifest["tw2sp"]["TSPhrases.ocd2"] = "0" * 64  # another release's dictionary
    changed = tmp_path / "manifest.json"
    changed.write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setattr(tables, "FLAT_MANIFEST", changed)
    assert tables.flat_config("tw2sp") is None and tables.flat_config("t2s") is not None
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    for broken in ("missing.json", "broken.json", "list.json"):
        (tmp_path / "broken.json").write_text("{", encoding="utf-8")
        monkeypatch.setattr(tables, "FLAT_MANIFEST", tmp_path / broken)
        assert tables.flat_config("tw2sp") is None
    assert tables.flat_config("s2t") is None  # not merged: a union group of nearly a megabyte
    monkeypatch.setattr(script, "converter", functools.cache(script.converter.__wrapped__))
    assert script.converter("tw2sp").config.endswith("share/opencc/tw2sp.json")
    assert script.converter("tw2sp").convert("軟體資訊") == "软件信息"


def test_a_committed_dictionary_missing_gives_the_stock_converter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flat = tmp_path / "opencc"
    flat.mkdir()
    for f in tables.FLAT_DIR.iterdir():
        if not f.name.startswith("TSPhrases"):
            (flat / f.name).write_bytes(f.read_bytes())
    monkeypatch.setattr(tables, "FLAT_DIR", flat)
    monkeypatch.setattr(tables, "FLAT_MANIFEST", flat / "manifest.json")
    monkeypatch.setattr(script, "converter", functools.cache(script.converter.__wrapped__))
    assert tables.flat_config("tw2sp") == flat / "tw2sp.json"
    assert script.converter("tw2sp").config.endswith("share/opencc/tw2sp.json")
    assert script.converter("tw2sp").convert("軟體資訊") == "软件信息"


def _configs_run() -> list[str]:
    """Every OpenCC configuration the toolkit runs: round trips, folds and whole-article conversions."""
    labels: list[tuple[Script, Variant | None]] = [("hans", "cn"), ("hans", None), ("hant", "tw"), ("hant", "hk"),
                                                   ("hant", None)]
    chains = {c for mode in script.MODES for s, v in labels for c in script.conversion(mode, s, v)}
    trips = {c for pair in script.ROUND_TRIPS.values() for c in pair}
    return sorted(chains | trips | set(script.FOLDS.values()) | {"t2s"})


@pytest.mark.parametrize("config", _configs_run())
def test_a_nul_does_not_cut_a_conversion(config: str) -> None:
    # OpenCC's chains of several steps drop the text after a NUL.
    a, b = "軟體資訊在這裡。", "软件信息在这里。"
    convert = script.converter(config).convert
    assert convert(f"{a}\x00{b}\x00") == f"{convert(a)}\x00{convert(b)}\x00"


@pytest.mark.parametrize("mode", ["tw", "hans"])
def test_an_article_with_a_nul_is_converted_whole(mode: str) -> None:
    # A few stray NULs in long text decode as text; converting the article must keep what follows one.
    text = (TRAD if mode == "hans" else SIMP).read_text(encoding="utf-8")
    at = text.index("。", len(text) // 3) + 1
    config = Config(script=ScriptConfig(mode=mode))
    _, plain = process_file(text.encode(), "x.txt", 0, config)
    _, with_nul = process_file(f"{text[:at]}\x00{text[at:]}".encode(), "x.txt", 0, config)
    assert [i.doc.text.replace("\x00", "") for i in with_nul] == [i.doc.text for i in plain]
    assert any(s.fixer.startswith("script:") for i in with_nul for s in i.doc.steps)
