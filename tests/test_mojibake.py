"""Tests for toolkit.mojibake: exact repair of the recoverable kinds, flags for the rest, no false repairs."""

from __future__ import annotations

import doctest
import re

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import toolkit.mojibake
from toolkit.config import Config
from toolkit.decode import chinese_score, common_chars, lookup
from toolkit.mojibake import (
    _LATIN1_LETTER,
    _NOT_UTF8,
    _SINGLE_BYTE,
    _char_table,
    _from_gbk,
    _gbk_tokens,
    _latin_runs,
    repair,
    signals,
)
from toolkit.pipeline import process_file

from .test_decode import SIMPLIFIED, TRADITIONAL, representable

SEED_TEXT = {"traditional": TRADITIONAL, "simplified": SIMPLIFIED}
_UNDEFINED_IN_CP1252 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
# The regex searches _latin_runs and _gbk_tokens replace (slow to search), as references:
# runs of single-byte characters holding a Latin-1 letter, and whitespace-free tokens.
_LATIN_RUN = re.compile(f"[{_SINGLE_BYTE}]*[\\xa0-\\xff][{_SINGLE_BYTE}]*")
_TOKEN = re.compile("[^ \\t\\n\\r\\f\\v]+")


def as_cp1252(data: bytes) -> str:
    """Bytes read as Windows-1252 the way browsers do (its five undefined bytes as C1 controls)."""
    return "".join(chr(b) if b in _UNDEFINED_IN_CP1252 else bytes([b]).decode("cp1252") for b in data)


def as_latin1(data: bytes) -> str:
    return data.decode("latin-1")


# (name, bytes codec the text was saved in, how it was misread, the repair kind)
LATIN_KINDS = [
    ("utf8_as_latin1", "utf-8", as_latin1, "utf8_as_latin1"),
    ("utf8_as_cp1252", "utf-8", as_cp1252, "utf8_as_latin1"),
    ("gbk_as_latin1", "gbk", as_latin1, "gbk_as_latin1"),
    ("gb18030_as_cp1252", "gb18030", as_cp1252, "gbk_as_latin1"),
    ("big5_as_latin1", "big5", as_latin1, "big5_as_latin1"),
]


@pytest.mark.parametrize("seed", sorted(SEED_TEXT))
@pytest.mark.parametrize(("name", "codec", "misread", "kind"), LATIN_KINDS)
def test_seed_mojibake_read_as_latin1_is_repaired_exactly(
    seed: str, name: str, codec: str, misread: object, kind: str
) -> None:
    if codec == "big5" and seed == "simplified":
        pytest.skip("Simplified text is not representable in Big5")
    check = "big5hkscs" if codec == "big5" else codec
    text = representable(SEED_TEXT[seed], codec, check)
    damaged = misread(text.encode(codec))  # type: ignore[operator]
    assert damaged != text
    fixed, repairs = repair(damaged)
    assert fixed == text
    assert repairs and {r.kind for r in repairs} == {kind}
    for r in repairs:  # each record points at the repaired run and keeps the damaged one
        assert fixed[r.start:r.end] != r.before


def _clauses_read_as_gbk(text: str) -> list[tuple[str, str]]:
    """(original, UTF-8 bytes read as GBK) for the clauses whose bytes survive that reading."""
    out = []
    for clause in re.split(r"[，。、；：！？「」“”（）\s]+", text):
        if not clause or clause.isascii():
            continue
        data = clause.encode("utf-8")
        try:
            damaged = data.decode("gbk")
        except UnicodeDecodeError:
            continue  # a byte was lost: unrecoverable by definition
        if damaged.encode("gbk") == data:
            out.append((clause, damaged))
    return out


@pytest.mark.parametrize("seed", sorted(SEED_TEXT))
def test_seed_utf8_read_as_gbk_is_repaired_when_the_evidence_says_so(seed: str) -> None:
    pairs = _clauses_read_as_gbk(SEED_TEXT[seed])
    # A damaged clause that reads as well as its repair (common ideographs and neutral marks only)
    # is plausible Chinese: it is left alone rather than guessed.
    decidable = [(o, d) for o, d in pairs if chinese_score(d) < chinese_score(o)]
    ambiguous = [(o, d) for o, d in pairs if (o, d) not in decidable]
    assert len(decidable) >= 30 and len(ambiguous) <= 4
    fixed, repairs = repair(" ".join(d for _, d in decidable))
    assert fixed == " ".join(o for o, _ in decidable)
    assert len(repairs) == len(decidable) and {r.kind for r in repairs} == {"utf8_as_gbk"}
    for _, damaged in ambiguous:
        assert repair(damaged) == (damaged, [])


def test_utf8_read_as_gbk_with_a_lost_byte_is_flagged_not_guessed() -> None:
    # "汽车市场" in UTF-8 is 12 bytes; without its last byte GBK reading ends in U+FFFD.
    damaged = "汽车市场".encode()[:-1].decode("gbk", errors="replace")
    assert damaged.endswith("\ufffd")
    assert repair(damaged) == (damaged, [])
    flags = signals(damaged)
    assert flags["mojibake_suspect"] and flags["mojibake_fffd_ratio"] > 0


def test_kunjinkao_fixture_is_flagged_and_kept() -> None:
    paragraph = next(p for p in SIMPLIFIED.split("\n") if len(p) > 100)
    damaged = paragraph[:20] + "锟斤拷锟斤拷" + paragraph[22:]
    assert repair(damaged) == (damaged, [])
    flags = signals(damaged)
    assert (flags["mojibake_kunjinkao"], flags["mojibake_suspect"]) == (2, True)


def test_kunjinkao_article_goes_through_the_pipeline_kept_and_flagged() -> None:
    damaged = SIMPLIFIED.replace("新华社", "锟斤拷锟斤拷", 1)
    info, items = process_file(damaged.encode(), "bad.txt", 0, Config())
    assert info.reason is None and len(items) == 1
    [item] = items
    assert item.removal is None
    assert "锟斤拷锟斤拷" in item.doc.text
    assert item.doc.quality["mojibake_kunjinkao"] == 2 and item.doc.quality["mojibake_suspect"]
    assert all(step.fixer != "mojibake" for step in item.doc.steps)


@pytest.mark.parametrize(("text", "key", "count"),
                         [("烫烫烫烫烫烫中文", "mojibake_tang", 1), ("屯屯屯屯中文屯屯屯", "mojibake_tun", 2),
                          ("烫烫的汤", "mojibake_tang", 0)])
def test_uninitialised_memory_markers(text: str, key: str, count: int) -> None:
    flags = signals(text)
    assert flags[key] == count
    assert flags["mojibake_suspect"] == bool(count)


def test_latin1_density_and_rare_bursts() -> None:
    latin = signals(as_latin1("跨国车企的汽车市场".encode()))
    assert latin["mojibake_latin1_density"] > 0.9 and latin["mojibake_suspect"]
    paragraph = max(SIMPLIFIED.split("\n"), key=len)
    gbk = signals(paragraph.encode().decode("gbk", errors="replace"))
    assert gbk["mojibake_rare_cjk"] > 0.2 and gbk["mojibake_rare_bursts"] >= 1 and gbk["mojibake_suspect"]


@pytest.mark.parametrize("seed", sorted(SEED_TEXT))
def test_genuine_seeds_are_untouched_and_not_suspect(seed: str) -> None:
    assert repair(SEED_TEXT[seed]) == (SEED_TEXT[seed], [])
    flags = signals(SEED_TEXT[seed])
    assert not flags["mojibake_suspect"]
    assert flags["mojibake_rare_cjk"] < 0.01 and flags["mojibake_latin1_density"] < 0.01


@pytest.mark.parametrize("text", [
    "Café, naïve, Größe, Åland, Müßig, señor, £5, 50°C, ±3, ½ cup",
    "他说——“好”……《报告》‘引文’·注•",
    "Ã©tÃ©",  # UTF-8 mojibake of Latin text: out of scope (only CJK and punctuation results are accepted)
])
def test_no_false_repairs(text: str) -> None:
    assert repair(text) == (text, [])


def test_mixed_article_repairs_only_the_damaged_runs() -> None:
    damaged = "标题：" + as_latin1("跨国车企".encode()) + "，以及" + "简介：".encode("gbk").decode("latin-1") + "完"
    fixed, repairs = repair(damaged)
    assert fixed == "标题：跨国车企，以及简介：完"
    assert [(fixed[r.start:r.end], r.kind) for r in repairs] == [("跨国车企", "utf8_as_latin1"),
                                                                  ("简介：", "gbk_as_latin1")]


def test_file_level_repair_lets_the_splitter_see_the_markers() -> None:
    damaged = as_latin1(TRADITIONAL.encode())
    info, items = process_file(damaged.encode(), "moji.txt", 0, Config())
    _, clean_items = process_file(TRADITIONAL.encode(), "clean.txt", 0, Config())
    assert len(items) == len(clean_items) == 8 and info.encoding == "utf-8"
    assert [i.doc.text for i in items] == [i.doc.text for i in clean_items]
    assert all(any(s.fixer == "mojibake" and s.count > 0 for s in i.doc.steps) for i in items)
    repairs = repair(damaged)[1]
    assert repairs[0].before == as_latin1("#車企".encode())  # the tag line: not part of an article
    assert sum(s.count for i in items for s in i.doc.steps if s.fixer == "mojibake") == len(repairs) - 1


_COMMON = "".join(sorted(common_chars()))
_CHINESE = st.text(st.sampled_from(_COMMON) | st.sampled_from("，。：“”abc 123\n"), min_size=1)


@given(_CHINESE)
def test_any_chinese_text_survives_utf8_read_as_latin1(text: str) -> None:
    damaged = as_latin1(text.encode())
    assert repair(damaged)[0] == text


@given(_CHINESE)
def test_any_chinese_text_is_left_alone(text: str) -> None:
    assert repair(text) == (text, [])


@given(st.text())
def test_repair_never_raises_and_signals_are_well_formed(text: str) -> None:
    fixed, repairs = repair(text)
    assert (fixed == text) == (not repairs)
    flags = signals(fixed)
    assert 0.0 <= flags["mojibake_fffd_ratio"] <= 1.0 and 0.0 <= flags["mojibake_rare_cjk"] <= 1.0


def _rare_runs(text: str) -> list[int]:
    """Lengths of the runs of uncommon ideographs, one character at a time."""
    common = set(common_chars())
    runs, run = [], 0
    for ch in text + "a":
        if re.match("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]", ch) and ch not in common:
            run += 1
        elif run:
            runs.append(run)
            run = 0
    return runs


# Common and rare ideographs (rare: uncommon in Chinese, as UTF-8 read as GBK leaves them),
# Latin-1 letters and the markers, in runs of every length.
_SIGNAL_TEXT = st.lists(st.sampled_from(["的", "国", "中文", "鏂", "板", "崕绀", "璺ㄥ", "é", "Ã", "ÿ", "\xa0", "a",
                                         "\ufffd", "锟斤拷", "烫", "烫烫烫", "屯屯屯屯", " ", "\n"]),
                        max_size=60).map("".join)


@given(_SIGNAL_TEXT)
# Edges of the shortcuts: a burst of exactly three rare ideographs, two, each marker on its own.
@example("崕绀鏂")
@example("的崕绀的")
@example("屯屯屯")
@example("烫烫烫烫")
@example("锟斤拷")
@example("é的")
def test_signals_match_the_plain_counts(text: str) -> None:
    flags = signals(text)
    runs = _rare_runs(text)
    assert flags["mojibake_rare_bursts"] == sum(run >= 3 for run in runs)
    cjk = sum(bool(re.match("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]", ch)) for ch in text)
    assert flags["mojibake_rare_cjk"] == (round(sum(runs) / cjk, 4) if cjk else 0.0)
    latin1 = sum("\xa0" <= ch <= "\xff" for ch in text)
    assert flags["mojibake_latin1_density"] == (round(latin1 / (latin1 + cjk), 4) if latin1 + cjk else 0.0)
    assert flags["mojibake_kunjinkao"] == text.count("锟斤拷")
    assert flags["mojibake_tang"] == len(re.findall("烫{3,}", text))
    assert flags["mojibake_tun"] == len(re.findall("屯{3,}", text))


def test_doctests() -> None:
    failures, tried = doctest.testmod(toolkit.mojibake)
    assert (failures, tried > 0) == (0, True)


# --------------------------------------------------------------------------- the fast paths of repair

_DAMAGED_CLAUSES = [d for seed in SEED_TEXT.values() for _, d in _clauses_read_as_gbk(seed)]
_SEPARATORS = " \t\n\r\f\v\x1c\x85\u3000\xa0"  # only the ASCII ones end a token


def _not_utf8(code: int) -> bool:
    return bool(_char_table()[code] & _NOT_UTF8)


def test_not_utf8_characters_are_those_without_a_two_byte_utf8_compatible_gb18030_form() -> None:
    never = {0xC0, 0xC1, *range(0xF5, 0x100)}

    def fits(code: int) -> bool:
        try:
            data = chr(code).encode("gb18030")
        except UnicodeEncodeError:
            return False
        return len(data) == 2 and never.isdisjoint(data)

    expected = [not fits(code) for code in range(0x80, 0x110000)]
    assert ((_char_table()[0x80:] & _NOT_UTF8) != 0).tolist() == expected
    assert not (_char_table()[:0x80] & _NOT_UTF8).any()


@given(st.sampled_from(_DAMAGED_CLAUSES), st.sampled_from(_DAMAGED_CLAUSES),
       st.integers(0x80, 0x10FFFF).filter(_not_utf8) | st.integers(0x4E00, 0x9FFF).filter(_not_utf8))
def test_a_token_holding_a_not_utf8_character_is_never_utf8_read_as_gbk(left: str, right: str, code: int) -> None:
    assert _from_gbk(left + chr(code) + right) is None
    assert _from_gbk(left + chr(code)) is None and _from_gbk(chr(code) + right) is None


_MIXED = st.lists(st.sampled_from(_DAMAGED_CLAUSES) | st.text(st.sampled_from("中文，。abc1·é鏂板崕\ufffd" + _SEPARATORS)),
                  max_size=8).map("".join)


@given(_MIXED)
def test_gbk_tokens_keep_every_repairable_token_and_nothing_the_scan_skips(text: str) -> None:
    common = common_chars()
    tried = set(_gbk_tokens(lookup(_char_table(), text), []))
    tokens = {(m.start(), m.end()): m.group() for m in _TOKEN.finditer(text)}
    assert tried <= tokens.keys()
    for span, token in tokens.items():
        odd = any(ord(ch) > 0x7F and ch not in common for ch in token)
        if not odd:
            assert span not in tried
        elif _from_gbk(token) is not None:
            assert span in tried
    # a repaired run takes its token out
    for span in tried:
        assert span not in set(_gbk_tokens(lookup(_char_table(), text), [(span[0], span[0] + 1)]))


@given(st.text(st.sampled_from("ab1!~ \t\n" + "\x80\x81\x9f\xa0·éÿ" + "“”—…€" + "中，\u3000")))
def test_latin_runs_are_the_pattern_matches(text: str) -> None:
    kinds = lookup(_char_table(), text)
    letters = [i for i, ch in enumerate(text) if "\xa0" <= ch <= "\xff"]
    assert np.flatnonzero(kinds & _LATIN1_LETTER).tolist() == letters
    assert _latin_runs(text, letters) == [m.span() for m in _LATIN_RUN.finditer(text)]


# Damaged clauses of every kind between text and whitespace, where the pieces are cut.
_DAMAGED_FILE = st.lists(st.sampled_from(_DAMAGED_CLAUSES) | st.sampled_from(["¼ò½é£º公司", "è·¨å›½è½¦ä¼\x81", "他Ëµ"])
                         | st.text(st.sampled_from("中文，。abc1·é鏂板崕\ufffd" + _SEPARATORS), max_size=6),
                         min_size=1, max_size=12).flatmap(
    lambda parts: st.lists(st.sampled_from(" \n\t"), min_size=len(parts), max_size=len(parts)).map(
        lambda gaps: "".join(p + g for p, g in zip(parts, gaps, strict=True))))


@given(_DAMAGED_FILE, st.integers(1, 40))
def test_a_big_text_is_repaired_piece_by_piece_as_in_one_go(text: str, size: int) -> None:
    whole = repair(text)
    pieces = toolkit.mojibake._pieces(text, size)
    assert "".join(text[a:b] for a, b in pieces) == text
    assert all(text[b - 1] in " \t\n\r\f\v" for _, b in pieces[:-1])  # no token crosses a cut
    assert len(pieces) > 1 or not re.search(r"[ \t\n\r\f\v]", text[size:])  # cut wherever it can be
    original = toolkit.mojibake._PIECE
    try:
        toolkit.mojibake._PIECE = size
        assert repair(text) == whole
    finally:
        toolkit.mojibake._PIECE = original


def test_written_cantonese_is_not_taken_for_mojibake() -> None:
    # Big5-HKSCS decodes it correctly; its everyday characters are in neither level 1 set.
    from toolkit import mojibake

    text = "香港的冇嘢做，佢哋喺度食嘢，嘅嘢都係咁。" * 3
    assert mojibake.signals(text)["mojibake_suspect"] is False
    assert mojibake.signals("锟斤拷" + text)["mojibake_suspect"] is True  # real damage still shows


@pytest.mark.parametrize("text", ["版权所有\xa0©2024新华网，保留所有权利。", "误差约±\xa05%，数据来自统计局。",
                                  "气温25°\xa0左右。"])
def test_a_no_break_space_beside_a_symbol_is_not_mojibake(text: str) -> None:
    # Two bytes that GBK reads as one rare character (A0 A9 牘, B1 A0 睜): web text, not GBK read as Latin-1.
    assert toolkit.mojibake.repair(text) == (text, [])
