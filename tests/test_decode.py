"""Tests for toolkit.decode: exact round trips, mixed files, rejections, and crash safety."""

from __future__ import annotations

import codecs
import doctest
import random
import warnings
from collections.abc import Callable, Iterable
from dataclasses import replace
from itertools import islice
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import toolkit.decode
from toolkit.decode import Decoded, Rejected, decode_bytes

SEEDS = Path(__file__).parent.parent / "seeds"
TRADITIONAL = (SEEDS / "000_79e19496e3b9640c.txt").read_text(encoding="utf-8")
SIMPLIFIED = (SEEDS / "004_14352a4bf9531335.txt").read_text(encoding="utf-8")


def representable(text: str, encode_with: str, decode_with: str) -> str:
    """The paragraphs of ``text`` that survive encode_with -> decode_with unchanged."""

    def survives(paragraph: str) -> bool:
        try:
            return paragraph.encode(encode_with).decode(decode_with) == paragraph
        except UnicodeError:
            return False

    kept = [p for p in text.split("\n") if survives(p)]
    assert len(kept) >= len(text.split("\n")) // 2, "fixture too small to mean anything"
    return "\n".join(kept)


def decoded(data: bytes, encoding: str | None = None) -> Decoded:
    result = decode_bytes(data, encoding)
    assert isinstance(result, Decoded), result
    return result


# (seed, bytes codec, codec for the representable check, expected encoding, expected method)
ROUND_TRIPS = [
    ("traditional", "gb18030", "gb18030", "gb18030", "chardet"),
    ("traditional", "gbk", "gbk", "gb18030", "chardet"),
    ("traditional", "big5", "big5hkscs", "big5hkscs", "chardet"),
    ("traditional", "big5hkscs", "big5hkscs", "big5hkscs", "chardet"),
    ("simplified", "gb18030", "gb18030", "gb18030", "chardet"),
    ("simplified", "gbk", "gbk", "gb18030", "chardet"),
]
WIDE = [
    ("utf-16-le", b"", "utf-16-le", "chardet"),
    ("utf-16-be", b"", "utf-16-be", "chardet"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16", "bom"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16", "bom"),
    ("utf-32-le", codecs.BOM_UTF32_LE, "utf-32", "bom"),
    ("utf-8", codecs.BOM_UTF8, "utf-8-sig", "bom"),
]
SEED_TEXT = {"traditional": TRADITIONAL, "simplified": SIMPLIFIED}


@pytest.mark.parametrize(("seed", "codec", "check_with", "encoding", "method"), ROUND_TRIPS)
def test_seed_round_trips_through_legacy_codecs(
    seed: str, codec: str, check_with: str, encoding: str, method: str
) -> None:
    text = representable(SEED_TEXT[seed], codec, check_with)
    result = decoded(text.encode(codec))
    assert result.text == text
    assert (result.encoding, result.method, result.strict, result.replacements) == (encoding, method, True, 0)
    assert result.detected is not None


@pytest.mark.parametrize("seed", sorted(SEED_TEXT))
@pytest.mark.parametrize(("codec", "bom", "encoding", "method"), WIDE)
def test_seed_round_trips_through_unicode_codecs(
    seed: str, codec: str, bom: bytes, encoding: str, method: str
) -> None:
    text = SEED_TEXT[seed]
    result = decoded(bom + text.encode(codec))
    assert result.text == text  # BOM removed, nothing else touched
    assert (result.encoding, result.method, result.strict) == (encoding, method, True)


@pytest.mark.parametrize("seed", sorted(SEED_TEXT))
def test_plain_utf8_is_a_strong_signal(seed: str) -> None:
    result = decoded(SEED_TEXT[seed].encode("utf-8"))
    assert result == Decoded(SEED_TEXT[seed], "utf-8", None, 1.0, "utf8", True, 0)


HK_SENTENCE = "佢哋冇嘢食，我哋去邊度？香港嘅茶餐廳好正。"  # HKSCS characters: not in Big5 or CP950


def test_hkscs_characters_with_the_traditional_seed() -> None:
    text = representable(TRADITIONAL, "big5hkscs", "big5hkscs") + "\n" + HK_SENTENCE
    with pytest.raises(UnicodeEncodeError):
        HK_SENTENCE.encode("cp950")
    result = decoded(text.encode("big5hkscs"))
    assert (result.text, result.encoding, result.strict) == (text, "big5hkscs", True)


def test_short_hkscs_file() -> None:
    result = decoded(HK_SENTENCE.encode("big5hkscs"))
    assert (result.text, result.encoding) == (HK_SENTENCE, "big5hkscs")


@pytest.mark.parametrize(("text", "codec", "encoding"),
                         [("简介：中国汽车市场好", "gbk", "gb18030"), ("簡介：中國汽車市場好", "big5", "big5hkscs")])
def test_ten_character_files(text: str, codec: str, encoding: str) -> None:
    assert len(text) == 10
    result = decoded(text.encode(codec))
    assert (result.text, result.encoding, result.strict) == (text, encoding, True)


@pytest.mark.parametrize("seed", sorted(SEED_TEXT))
def test_utf32_be_with_bom(seed: str) -> None:
    text = SEED_TEXT[seed]
    result = decoded(codecs.BOM_UTF32_BE + text.encode("utf-32-be"))
    assert (result.text, result.encoding, result.method) == (text, "utf-32", "bom")


def test_half_big5_half_utf8_traditional_seed() -> None:
    text = representable(TRADITIONAL, "big5", "big5hkscs")
    lines = text.split("\n")
    half = len(lines) // 2
    data = "\n".join(lines[:half]).encode("big5") + b"\n" + "\n".join(lines[half:]).encode("utf-8")
    result = decoded(data)
    assert result.text == text
    assert (result.encoding, result.method, result.strict, result.replacements) == ("mixed", "mixed", True, 0)
    first_utf8 = next(i for i in range(half, len(lines)) if not lines[i].isascii())
    assert result.line_encodings == ((0, "big5hkscs"), (first_utf8, "utf-8"))


def test_short_gbk_file() -> None:
    text = "简介：中国汽车市场"
    result = decoded(text.encode("gbk"))
    assert (result.text, result.encoding, result.method) == (text, "gb18030", "chardet")


def test_short_big5_file() -> None:
    text = "簡介：中國汽車市場"
    data = text.encode("big5")
    assert data.decode("gb18030") != text  # the trap: Big5 bytes are valid GB18030 too
    result = decoded(data)
    assert (result.text, result.encoding, result.method) == (text, "big5hkscs", "chardet")


@pytest.mark.parametrize(
    ("text", "codec"), [("臺灣", "big5"), ("台湾", "gbk"), ("汽車", "big5"), ("，", "gbk")]
)
def test_two_byte_pairs_pick_the_right_family(text: str, codec: str) -> None:
    assert decoded(text.encode(codec)).text == text


def test_gb_punctuation_uses_gb18030_not_gb2312() -> None:
    # Python's gb2312 turns A1A4/A1AA into U+30FB/U+2015; GBK text means U+00B7/U+2014.
    text = "标题：中国·汽车——市场"
    data = text.encode("gbk")
    assert data.decode("gb2312") != text
    result = decoded(data)
    assert (result.text, result.encoding) == (text, "gb18030")


def test_cp950_only_character_falls_back_from_big5hkscs() -> None:
    text = "價格€"
    result = decoded(text.encode("cp950"))
    assert (result.text, result.encoding) == (text, "cp950")


def test_half_gbk_half_utf8() -> None:
    lines = SIMPLIFIED.split("\n")
    half = len(lines) // 2
    data = "\n".join(lines[:half]).encode("gbk") + b"\n" + "\n".join(lines[half:]).encode("utf-8")
    result = decoded(data)
    assert result.text == SIMPLIFIED
    assert (result.encoding, result.method, result.strict, result.replacements) == ("mixed", "mixed", True, 0)
    # Pure-ASCII lines read the same in both codecs and stay in the run before them.
    first_utf8 = next(i for i in range(half, len(lines)) if not lines[i].isascii())
    assert result.line_encodings == ((0, "gb18030"), (first_utf8, "utf-8"))


def test_big5_and_utf8_lines() -> None:
    paragraphs = [p for p in representable(TRADITIONAL, "big5", "big5hkscs").split("\n") if not p.isascii()]
    lines = paragraphs[:9]
    codecs_used = ["big5"] * 3 + ["utf-8"] * 3 + ["big5"] * 3
    data = b"\n".join(line.encode(codec) for line, codec in zip(lines, codecs_used, strict=True))
    result = decoded(data)
    assert result.text == "\n".join(lines)
    assert (result.encoding, result.method, result.strict) == ("mixed", "mixed", True)
    assert result.line_encodings == ((0, "big5hkscs"), (3, "utf-8"), (6, "big5hkscs"))


def test_ascii_lines_join_the_neighbouring_run() -> None:
    data = "Title\n\n中文内容一\n".encode("gbk") + "中文内容二\n".encode()
    result = decoded(data)
    assert result.text == "Title\n\n中文内容一\n中文内容二\n"
    assert result.line_encodings == ((0, "gb18030"), (3, "utf-8"))


def test_utf8_bom_with_gbk_lines() -> None:
    data = codecs.BOM_UTF8 + "第一行中文\n".encode() + "第二行是国标码\n第三行\n".encode("gbk")
    result = decoded(data)
    assert result.text == "第一行中文\n第二行是国标码\n第三行\n"
    assert (result.method, result.line_encodings) == ("mixed", ((0, "utf-8-sig"), (1, "gb18030")))


def test_damaged_utf8_keeps_the_rest_and_counts_the_damage() -> None:
    cut = SIMPLIFIED.index("。") + 1
    data = SIMPLIFIED[:cut].encode() + b"\xff" + SIMPLIFIED[cut:].encode()
    result = decoded(data)
    assert result.text == SIMPLIFIED[:cut] + "\ufffd" + SIMPLIFIED[cut:]
    assert (result.encoding, result.strict, result.replacements) == ("utf-8", False, 1)


def test_damaged_utf8_line_is_not_replaced_by_a_strict_gb_misreading() -> None:
    # "中文测试" in UTF-8 with one continuation byte broken: still valid GB18030 ("涓梨枃娴嬭瘯").
    damaged = bytes.fromhex("E4B8C0E69687E6B58BE8AF95")
    assert damaged.decode("gb18030")
    lines = SIMPLIFIED.split("\n")
    half = len(lines) // 2
    data = "\n".join(lines[:half]).encode("gbk") + b"\n" + "\n".join(lines[half:]).encode() + b"\n" + damaged
    result = decoded(data)
    assert result.text == SIMPLIFIED + "\n\ufffd\ufffd文测试"
    assert (result.method, result.strict, result.replacements) == ("mixed", False, 2)


def test_truncated_utf16_with_bom() -> None:
    text = "中文测试" * 20
    result = decoded(text.encode("utf-16") + b"A")
    assert (result.text, result.encoding, result.method) == (text + "\ufffd", "utf-16", "bom")
    assert (result.strict, result.replacements) == (False, 1)


def test_confident_korean_is_not_read_as_gb() -> None:
    # EUC-KR Hangul occupies the GB2312 level-1 byte range, so only chardet can tell them apart.
    text = "대한민국의 수도는 서울입니다. 한국어는 한글로 씁니다. 오늘 날씨가 좋습니다."
    result = decoded(text.encode("euc-kr"))
    assert (result.text, result.encoding) == (text, "cp949")


def test_empty() -> None:
    assert decode_bytes(b"") == Rejected("empty", "file is empty (0 bytes)", 0)


@pytest.mark.parametrize(
    "data",
    [
        b"abc\x00def",
        b"\x00" * 64,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        random.Random(0).randbytes(4096),
    ],
)
def test_binary(data: bytes) -> None:
    result = decode_bytes(data)
    assert isinstance(result, Rejected)
    assert (result.reason, result.size) == ("binary", len(data))
    assert result.detail.endswith(f"({len(data)} bytes)")


def test_control_bytes_without_nul_are_binary() -> None:
    data = bytes(range(1, 9)) * 8 + b"text"
    result = decode_bytes(data)
    assert isinstance(result, Rejected)
    assert result.reason == "binary"


@pytest.mark.parametrize("text, codec", [
    ("今天天气很好，我们出去玩了。\x08\n", "utf-8"),  # 1 control byte in 44
    ("今天北京天气很好\x00ABC尾巴\n", "gb18030"),
    ("今天臺北天氣很好\x00ABC尾巴\n", "big5hkscs"),
    ("今天北京天气很好，我们出去玩了。" + "\x00" * 50 + "完。\n", "utf-8"),
])
def test_a_short_chinese_file_with_a_stray_control_byte_is_text(text: str, codec: str) -> None:
    # Over 2% of the bytes are control bytes, but a text encoding fits: the README's "binary" is not.
    result = decoded(text.encode(codec))
    assert (result.text, result.encoding, result.strict) == (text, codec, True)


@pytest.mark.parametrize("data", [b"\x00\x01\x02\x03" * 100, bytes(range(256)) * 4, b"\x01\x02" + "中文".encode()])
def test_control_heavy_bytes_without_chinese_stay_binary(data: bytes) -> None:
    result = decode_bytes(data)
    assert isinstance(result, Rejected) and result.reason == "binary"


@pytest.mark.parametrize("text", ["韩国首尔（서울）今天天气很好。\n", "首尔（서울특별시）。\n"])
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_bomless_wide_text_with_hangul_is_text(text: str, codec: str) -> None:
    assert (decoded(text.encode(codec)).text, decoded(text.encode(codec)).encoding) == (text, codec)


def test_a_strict_reading_is_kept_when_nothing_reads_better() -> None:
    # Rare symbols read poorly as Chinese in GB18030 and in Big5, and lines do no better with U+FFFD.
    text = "公式 α²+β²=γ² 成立，∑∫√∞。\n"
    result = decoded(text.encode("gb18030"))
    assert (result.text, result.encoding, result.strict) == (text, "gb18030", True)


def test_a_table_drawn_in_box_characters_is_read_with_its_article() -> None:
    # GBK box drawing reads as Big5 ideographs too; it says nothing about GB against Big5.
    text = ("据新华社报道，今年一季度全国经济运行总体平稳，主要指标如下表所示。\n┌──────┬──────┐\n│ 指标 │ 增长率 │\n"
            "├──────┼──────┤\n│ 国内生产总值 │ 5.3% │\n└──────┴──────┘\n■ 以上数据来源于国家统计局。\n")
    result = decoded(text.encode("gb18030"))
    assert (result.text, result.encoding) == (text, "gb18030")


def test_undecodable() -> None:
    data = b"\x81"
    result = decode_bytes(data)
    assert isinstance(result, Rejected)
    assert (result.reason, result.size) == ("undecodable", 1)


def test_override_strict() -> None:
    result = decoded("中文".encode("gbk"), encoding="GBK")
    assert result == Decoded("中文", "gbk", None, None, "override", True, 0)


def test_override_with_wrong_codec_counts_replacements() -> None:
    data = "中文".encode("gbk")
    result = decoded(data, encoding="utf-8")
    assert result.text == "\ufffd" * 4
    assert (result.method, result.strict, result.replacements) == ("override", False, 4)
    assert (result.detected, result.confidence) == (None, None)


@pytest.mark.parametrize("data, codec", [(b"Hello +2AA- world", "utf-7"), (b"Hello \\ud800 world", "unicode_escape"),
                                         (b"Hello \\udc00 world", "raw_unicode_escape")])
def test_an_override_that_gives_a_lone_surrogate_counts_it_as_a_replacement(data: bytes, codec: str) -> None:
    # No output can hold a lone surrogate: it is a character lost, like a bad byte.
    result = decoded(data, encoding=codec)
    assert (result.text, result.strict, result.replacements) == ("Hello \ufffd world", False, 1)


def test_override_does_not_count_genuine_replacement_characters() -> None:
    data = "a\ufffdb".encode() + b"\xff"
    result = decoded(data, encoding="utf-8")
    assert (result.text, result.replacements) == ("a\ufffdb\ufffd", 1)


@pytest.mark.parametrize("name", ["no-such-codec", "rot13"])
def test_unknown_or_non_text_override_raises_lookup_error(name: str) -> None:
    with pytest.raises(LookupError):
        decode_bytes(b"abc", encoding=name)


def test_no_warnings_from_chardet() -> None:
    samples = [b"\x81\x30", "中文".encode("gbk"), "中文".encode("big5"), b"\xe9t\xe9" * 30]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = [decode_bytes(sample) for sample in samples]
    assert [type(r).__name__ for r in results] == ["Rejected", "Decoded", "Decoded", "Decoded"]


def test_doctests() -> None:
    failures, tried = doctest.testmod(toolkit.decode)
    assert (failures, tried > 0) == (0, True)


# Text a file could hold: no surrogates, no control characters (control-heavy bytes are binary by design).
_TEXT = st.text(
    st.characters(exclude_categories=["Cs", "Cc"]) | st.sampled_from("\t\n\r"),
    min_size=1,
)


@given(_TEXT.filter(lambda s: not s.startswith("\ufeff")))
def test_any_text_round_trips_through_utf8(text: str) -> None:
    result = decoded(text.encode("utf-8"))
    assert (result.text, result.encoding, result.method) == (text, "utf-8", "utf8")


@given(_TEXT)
def test_any_text_round_trips_through_utf8_with_bom(text: str) -> None:
    result = decoded(text.encode("utf-8-sig"))
    assert (result.text, result.encoding, result.method) == (text, "utf-8-sig", "bom")


@given(st.text(st.characters(exclude_categories=["Cs"]), min_size=1))
def test_any_text_round_trips_through_gb18030_override(text: str) -> None:
    result = decoded(text.encode("gb18030"), encoding="gb18030")
    assert (result.text, result.strict, result.replacements) == (text, True, 0)


@settings(max_examples=500)
@given(st.binary())
def test_random_bytes_never_raise(data: bytes) -> None:
    check_invariants(data, decode_bytes(data))


def test_fixed_seed_random_bytes_never_raise() -> None:
    rng = random.Random(0)
    for _ in range(10_000):
        data = rng.randbytes(rng.randrange(201))
        check_invariants(data, decode_bytes(data))


def check_invariants(data: bytes, result: Decoded | Rejected) -> None:
    if isinstance(result, Rejected):
        assert result.size == len(data)
        assert result.reason in {"empty", "binary", "undecodable"}
        return
    assert result.strict == (result.replacements == 0)
    assert (result.method == "mixed") == bool(result.line_encodings)
    if result.strict and result.method in {"utf8", "chardet"}:
        assert data.decode(result.encoding) == result.text


@given(st.text(st.characters(codec="utf-8") | st.sampled_from("中文，「」ÃÂ¼\ufffd"), max_size=60),
       st.integers(1, 7))
def test_lookup_in_chunks_is_a_lookup(text: str, chunk: int) -> None:
    # Big texts are looked up a chunk at a time (bounded memory); the result must not show it.
    table = toolkit.decode.flag_table()
    whole = table[[ord(ch) for ch in text]] if text else table[:0]
    original = toolkit.decode._CHUNK
    toolkit.decode._CHUNK = chunk
    try:
        got = toolkit.decode.lookup(table, text)
    finally:
        toolkit.decode._CHUNK = original
    assert got.dtype == table.dtype
    assert got.tolist() == whole.tolist()


@given(st.binary(max_size=80), st.integers(1, 9))
def test_control_bytes_counted_in_chunks_are_all_counted(data: bytes, chunk: int) -> None:
    controls = [b for b in data if (b < 0x20 and b not in b"\t\n\v\f\r\x1a\x1b") or b == 0x7F]
    assert toolkit.decode._count_controls(data, chunk) == len(controls)


_UTF8_PIECES = st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20).map(str.encode)
                        | st.sampled_from([b"\xef\xbb\xbf", b"\x00", b"\x01\x02", b"\xff\xfe", b"\xe4\xb8", b"\xd6\xd0"]),
                        max_size=8).map(b"".join)


# UTF-16 of common characters whose code units are two printable ASCII bytes, and 一 (00 4E): valid
# UTF-8 with a single NUL, which decode_bytes reads as UTF-16.
@example("丢两严並丧个丫中丰串临丸丹为主丽举乃久么义之乌乍乎乏乐乒乓乔乖乘乙九乞也习乡书乩一".encode("utf-16-le"), 3)
@given(_UTF8_PIECES, st.integers(1, 9))
def test_utf8_decoded_as_read_is_decoded_whole(data: bytes, chunk: int) -> None:
    got = _utf8_as_read(data[k:k + chunk] for k in range(0, len(data), chunk))
    if got is not None:
        assert got == decode_bytes(data)


@given(st.text(st.characters(codec="utf-8", exclude_characters="\ufeff", exclude_categories=["Cc"]), min_size=1),
       st.integers(1, 9))
def test_plain_utf8_is_decoded_as_read(text: str, chunk: int) -> None:
    data = text.encode("utf-8")
    got = _utf8_as_read(data[k:k + chunk] for k in range(0, len(data), chunk))
    assert got == decode_bytes(data) and got is not None and got.text == text


def _utf8_as_read(chunks: Iterable[bytes]) -> Decoded | None:
    """What the streamed path decodes of plain UTF-8 chunks, joined; None where it gives up."""
    try:
        return replace(toolkit.decode.UTF8_PLAIN, text="".join(toolkit.decode.utf8_parts(chunks)))
    except toolkit.decode.Undecided:
        return None


def _chinese_as_read(read: Callable[[], Iterable[bytes]]) -> Decoded | None:
    """What the streamed path decodes of a GB18030 or Big5 file read by ``read``, joined; None where it gives up."""
    decoded = toolkit.decode.chinese_reading(read)
    if decoded is None:
        return None
    return replace(decoded, text="".join(toolkit.decode.strict_parts(read(), decoded.encoding)))


def _chunked(data: bytes, chunk: int) -> list[bytes]:
    return [data[k:k + chunk] for k in range(0, len(data), chunk)]


class _Passes:
    """``read`` for the streamed decoders: the bytes in chunks, counting the passes over them."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self.data, self.chunk, self.count = data, chunk, 0

    def __call__(self) -> list[bytes]:
        self.count += 1
        return _chunked(self.data, self.chunk)


_HANZI = "中文汽車市場价格裡面里后後發发麵，。、「」（）€"


def _legacy(text: str) -> st.SearchStrategy[bytes]:
    return st.sampled_from(("gb18030", "big5hkscs", "cp950")).map(lambda codec: text.encode(codec, "ignore"))


_LEGACY_PIECES = st.lists(st.text(st.sampled_from(_HANZI + "ab1 \n"), max_size=12).flatmap(_legacy)
                          | st.sampled_from([b"\xef\xbb\xbf", b"\x00", b"\x01\x02", b"\xff\xfe", b"\x80", b"\xa3\xe1",
                                             b"\x81\x30", b"\xe4\xb8\xad"]),
                          max_size=10).map(b"".join)


@example("價格一百元€，中國汽車市場".encode("cp950") * 3, 5)  # Big5-HKSCS fails: CP950 gets its own pass
@given(_LEGACY_PIECES, st.integers(1, 9))
def test_chinese_decoded_as_read_is_decoded_whole(data: bytes, chunk: int) -> None:
    read = _Passes(data, chunk)
    got = _chinese_as_read(read)
    if got is not None:
        assert got == decode_bytes(data) and read.count <= 4  # head, survey, CP950, decoding


@pytest.mark.parametrize("codec", ["gb18030", "big5hkscs"])
def test_a_big_legacy_file_is_decoded_as_read(codec: str) -> None:
    text = (SIMPLIFIED if codec == "gb18030" else TRADITIONAL).replace("\u00a0", " ") * 40
    data = text.encode(codec)
    assert len(data) > toolkit.decode.DETECT_BYTES  # chardet sees the head only, as it would of the whole
    got = _chinese_as_read(lambda: _chunked(data, 4097))
    assert got is not None and got.text == text and got == decode_bytes(data)


def test_legacy_read_as_it_comes_leaves_binary_looking_bytes_to_the_whole_file_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever chardet answers, bytes with many control bytes are not decoded as read: the whole
    file decides whether they are binary or Chinese despite them."""
    monkeypatch.setattr(toolkit.decode, "_detect", lambda data: ("GB18030", 0.99))
    text = SIMPLIFIED[:400]
    data = text.encode("gb18030")
    # A control byte every 15 characters: about 3 % of the bytes, and valid GB18030.
    controls = b"\x01".join(text[k:k + 15].encode("gb18030") for k in range(0, len(text), 15))
    assert decoded(controls).text == "\x01".join(text[k:k + 15] for k in range(0, len(text), 15))
    assert _chinese_as_read(lambda: _chunked(controls, 7)) is None
    binary = random.Random(0).randbytes(4096)
    assert decode_bytes(binary).reason == "binary"  # type: ignore[union-attr]
    assert _chinese_as_read(lambda: _chunked(binary, 7)) is None
    assert _chinese_as_read(lambda: _chunked(data, 7)) == decode_bytes(data)


def test_damaged_utf8_is_left_to_the_whole_file_path_after_its_head() -> None:
    data = (SIMPLIFIED * 40).encode("utf-8") + b"\xff"
    read = _Passes(data, 4097)
    assert _chinese_as_read(read) is None and read.count == 1
    assert decode_bytes(data).strict is False  # type: ignore[union-attr]


def test_utf8_parts_come_as_read_and_a_late_surprise_is_undecided() -> None:
    parts = toolkit.decode.utf8_parts(iter(["中文\n".encode(), b"\xff"]))
    assert next(parts) == "中文\n"  # before the next chunk is read
    with pytest.raises(toolkit.decode.Undecided):
        next(parts)
    parts = toolkit.decode.utf8_parts(iter(["中文\n".encode(), b"\x01" * 10]))  # binary-looking, known at the end
    assert list(islice(parts, 2)) == ["中文\n", "\x01" * 10]
    with pytest.raises(toolkit.decode.Undecided):
        next(parts)


A_SIMP = "新华社北京5月4日电 中国汽车市场保持稳定增长，新能源汽车销量继续攀升，多家企业发布新车型。（完）\n"
B_TRAD = "新華社台北5月4日電 台灣汽車市場保持穩定成長，電動車銷量持續攀升，多家企業發表新車款。（完）\n"


@pytest.mark.parametrize(("data", "bad"), [
    pytest.param("中国汽车市场稳定增长".encode()[:9] + b"\xff" + "中国汽车市场稳定增长".encode()[9:], 1, id="short-ff"),
    pytest.param("中国汽车市场稳定增长".encode() + b"\xe4\xb8", 1, id="short-cut-end"),
    pytest.param(A_SIMP.encode() * 2 + b"\xe4\xb8", 1, id="cut-last-line"),
    pytest.param(A_SIMP.encode()[:60] + b"\xc0\xaf\xe0\x80\xaf" + A_SIMP.encode()[60:], 5, id="overlong"),
    pytest.param(A_SIMP.encode()[:60] + b"\xed\xa0\xbd\xed\xb8\x80" + A_SIMP.encode()[60:], 6, id="cesu-8"),
])
def test_utf8_with_a_few_bad_bytes_is_utf8_with_replacements(data: bytes, bad: int) -> None:
    # chardet guesses from the bad bytes alone (Cyrillic, Arabic, or GB18030 for a cut character).
    got = decode_bytes(data)
    assert isinstance(got, Decoded), got
    assert (got.encoding, got.strict, got.replacements) == ("utf-8", False, bad)
    assert got.text.replace("\ufffd", "") == data.decode("utf-8", "ignore")


def test_a_big5_file_with_a_character_outside_big5_is_not_read_as_gb18030() -> None:
    data = B_TRAD.encode("big5") * 3 + "佢哋喺度食嘢，價格為".encode("big5hkscs") + "€100。\n".encode("cp950")
    got = decode_bytes(data)
    assert isinstance(got, Decoded) and not got.strict and got.replacements == 2
    assert got.text.startswith(B_TRAD * 3 + "佢哋喺度食嘢，價格為")


def test_a_gbk_article_then_a_big5_one_is_a_mixed_file() -> None:
    got = decode_bytes(A_SIMP.encode("gbk") + B_TRAD.encode("big5"))
    assert isinstance(got, Decoded) and got.strict
    assert got.text == A_SIMP + B_TRAD
    assert got.line_encodings == ((0, "gb18030"), (1, "big5hkscs"))


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_bomless_wide_text_cut_at_an_odd_byte_keeps_its_text(codec: str) -> None:
    got = decode_bytes(A_SIMP.encode(codec) + b"A")
    assert isinstance(got, Decoded), got
    assert (got.encoding, got.text, got.strict, got.replacements) == (codec, A_SIMP + "\ufffd", False, 1)


@pytest.mark.parametrize("lines", [["汽车市场观察\n", A_SIMP], [A_SIMP]])
def test_a_utf8_bom_before_a_gbk_body_is_dropped_not_read_as_gbk(lines: list[str]) -> None:
    got = decode_bytes(codecs.BOM_UTF8 + "".join(lines).encode("gbk"))
    assert isinstance(got, Decoded), got
    assert (got.text, got.encoding, got.strict) == ("".join(lines), "gb18030", True)


UTF8_PIECES = [b"\xef\xbf\xbd", b"\xef", b"\xbf", b"\xbd", b"\xef\xbf", b"\xe4\xb8", b"\xe4\xb8\xad", b"\xf0\x9f",
               b"\xf0\x9f\x98\x80", b"a", b"\n", b"\xed\xa0\x80", b"\xc0\xaf", b"\xff", b"\x80", b"\xe0\x80"]


@given(st.lists(st.sampled_from(UTF8_PIECES), max_size=16).map(b"".join))
def test_lenient_utf8_counts_the_replacements_decoding_inserts(data: bytes) -> None:
    # The U+FFFD already in UTF-8 data are its EF BF BD runs: no second decode needed to tell them.
    text, bad = toolkit.decode._lenient(data, "utf-8")
    assert text == data.decode("utf-8", errors="replace")
    assert bad == text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")


_HISTOGRAM_TABLE = np.random.default_rng(7).integers(0, 256, 0x110000, dtype=np.uint8)


@given(st.text(st.characters() | st.sampled_from("中文\U00020000\ud800\udfff\n"), max_size=200))
def test_histogram_counts_each_table_value(text: str) -> None:
    # Every code point, astral ones and lone surrogates included, in C and in numpy.
    expected = np.bincount([_HISTOGRAM_TABLE[ord(c)] for c in text], minlength=256)
    assert np.array_equal(toolkit.decode.histogram(_HISTOGRAM_TABLE, text), expected)
    with mock.patch.object(toolkit.decode, "_text", None):
        assert np.array_equal(toolkit.decode.histogram(_HISTOGRAM_TABLE, text), expected)


def test_histogram_of_a_text_longer_than_a_lookup_chunk() -> None:
    text = "中文" * (toolkit.decode._CHUNK // 2 + 3)
    expected = np.bincount(_HISTOGRAM_TABLE[[ord("中"), ord("文")]], weights=[len(text) // 2] * 2, minlength=256)
    with mock.patch.object(toolkit.decode, "_text", None):
        assert np.array_equal(toolkit.decode.histogram(_HISTOGRAM_TABLE, text), expected)
    assert np.array_equal(toolkit.decode.histogram(_HISTOGRAM_TABLE, text), expected)


@pytest.mark.skipif(toolkit.decode._text is None, reason="the C kernel is not built")
def test_the_histogram_kernel_refuses_buffers_that_do_not_fit() -> None:
    kernel = toolkit.decode._text
    assert kernel is not None
    out = np.full(256, 99, dtype=np.int64)
    kernel.histogram("中中文", _HISTOGRAM_TABLE, out)  # counts from zero, whatever out held
    assert np.array_equal(out, np.bincount(_HISTOGRAM_TABLE[[ord("中"), ord("中"), ord("文")]], minlength=256))
    longer = np.concatenate((_HISTOGRAM_TABLE, [0])).astype(np.uint8)
    for table, counts in ((_HISTOGRAM_TABLE[:-1], out), (longer, out), (_HISTOGRAM_TABLE, out[:255]),
                          (_HISTOGRAM_TABLE, np.empty(257, dtype=np.int64)), (_HISTOGRAM_TABLE, out.astype(np.int32))):
        with pytest.raises(ValueError, match="one byte per code point"):
            kernel.histogram("中", table, counts)
    with pytest.raises(TypeError):
        kernel.histogram("中", _HISTOGRAM_TABLE, out.tobytes())  # read-only
