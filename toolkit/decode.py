"""Turn the bytes of one input file into text without losing or silently mangling a byte.

Decision order, first match wins:

1. no bytes -> ``Rejected("empty")``;
2. an explicit ``encoding`` -> that codec, strictly, else with ``errors="replace"``;
3. a BOM (UTF-32 before UTF-16; UTF-8 -> ``utf-8-sig``, BOM removed);
4. NUL or over 2 % control bytes -> UTF-16/32 without BOM if a strict decode reads as text
   (a last unit cut short is one U+FFFD), else on to step 5 if a strict UTF-8, GB18030 or Big5
   reading is Chinese despite them, else ``Rejected("binary")`` (a few stray NULs in long text
   are kept as text);
5. strict UTF-8;
5a. UTF-8 Chinese but for a few bad bytes -> line by line, UTF-8 with U+FFFD where no other
   reading of a line is Chinese (chardet would guess from the bad bytes alone);
6. chardet (modern encodings; only UTF-8/GB18030/Big5-HKSCS below 64 bytes), mapped to a
   superset codec and verified by a strict decode; GB18030 and Big5-HKSCS decode each
   other's bytes, so the one giving more common Chinese characters wins; a weak answer's
   reading must be Chinese, and one that is not clearly so gives way to step 7 when that
   reads better;
7. line by line: strict UTF-8, else the best-scoring GB18030 / Big5-HKSCS / CP950 reading
   -> method ``"mixed"`` when lines differ;
8. the same per line with ``errors="replace"`` where nothing is strict, rejected as
   ``"undecodable"`` when over 5 % of the characters are U+FFFD or the result does not
   read as Chinese, unless a strict GB18030 or Big5 reading of the whole file exists: that
   one loses nothing.

The module is pure: no I/O, no printing, no mutable module state.
"""

from __future__ import annotations

import codecs
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import NamedTuple

import chardet
import numpy as np

from .tables import CJK_RANGES, CJK_RE

_text: ModuleType | None
try:  # the text kernels (toolkit/_text.c), built where a compiler is
    from . import _text
except ImportError:
    _text = None

__all__ = [
    "CJK_FLAG", "COMMON_FLAG", "UTF8_PLAIN", "Decoded", "Rejected", "Undecided", "best_chinese", "chinese_reading",
    "chinese_score", "common_chars", "count_matches", "decode_bytes", "flag_table", "strict_parts", "utf8_parts",
]


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from one file, with how the encoding was decided.

    ``detected`` and ``confidence`` are chardet's own answer, kept even when verification
    chose another codec; ``encoding`` is the codec actually used.  Method ``"chardet"``
    means statistical detection (chardet plus this module's checks), ``"mixed"`` means
    per-line codecs listed in ``line_encodings`` as ``(first line index, codec)`` runs.

    >>> Decoded("中文", "utf-8", None, 1.0, "utf8", True, 0).line_encodings
    ()
    """

    text: str
    encoding: str
    detected: str | None
    confidence: float | None
    method: str
    strict: bool
    replacements: int
    line_encodings: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Rejected:
    """A file that is not turned into text: ``reason`` is a stable code, ``detail`` a sentence.

    >>> Rejected("empty", "file is empty (0 bytes)", 0).reason
    'empty'
    """

    reason: str
    detail: str
    size: int


_GB18030 = "gb18030"
_BIG5 = ("big5hkscs", "cp950")  # HKSCS adds Hong Kong characters; CP950 adds the euro sign
_CHINESE = (_GB18030, *_BIG5)
_UTF8 = "utf-8"
_UTF8_FFFD = "\ufffd".encode()
_UTF8_SIG = "utf-8-sig"

# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, tuple[str, ...]], ...] = (
    (codecs.BOM_UTF32_LE, ("utf-32", "utf-16")),  # FF FE 00 00 may also be UTF-16-LE + U+0000
    (codecs.BOM_UTF32_BE, ("utf-32",)),
    (codecs.BOM_UTF8, (_UTF8_SIG,)),
    (codecs.BOM_UTF16_LE, ("utf-16",)),
    (codecs.BOM_UTF16_BE, ("utf-16",)),
)

# Below this size chardet is restricted to the encodings a Chinese corpus really uses.
_SHORT_INPUT = 64
_SHORT_CANDIDATES = (_UTF8, _GB18030, "big5hkscs")

# Control bytes that never occur in ASCII-compatible text; ESC (ISO-2022) and SUB (DOS EOF) are tolerated.
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\v\f\r\x1a\x1b") + b"\x7f"
_BINARY_CONTROL_SHARE = 0.02
_MAX_REPLACEMENT_SHARE = 0.05
_MIN_TEXT_SHARE = 0.95  # share of text-like characters a BOM-less UTF-16/32 reading needs
_MIN_CHINESE_SCORE = 0.5  # below this a GB/Big5 reading chardet did not name is not trusted
_CONFIDENT = 0.5  # chardet confidence at which a non-Chinese answer wins outright
_CLEARLY_CHINESE = 0.95  # Chinese news text scores 0.99 and more; below this, lines may read better
_BETTER_BY_LINES = 0.05
_FEW_CJK = 4  # ideographs that make bytes with many control bytes Chinese text (a few random bytes read as some)

_GB_NAMES = frozenset(
    {
        "gb2312",
        "gbk",
        "gb18030",
        "euc-cn",
        "euccn",
        "cp936",
        "ms936",
        "windows-936",
        "x-gbk",
        "hz",
        "hz-gb-2312",
        "chinese",
        "csgb2312",
        "csgbk",
        "csgb18030",
    }
)
_BIG5_NAMES = frozenset({"cp950", "ms950", "windows-950", "csbig5", "cn-big5", "x-x-big5"})

# Punctuation shared by Simplified and Traditional text; it says nothing about GB vs Big5. So do the
# box-drawing characters and shapes of tables and bullets in either script (┌─┐ │ ■).
_NEUTRAL_RANGES = (
    (0xA0, 0xA0),
    (0xB7, 0xB7),
    (0x2010, 0x206F),
    (0x2500, 0x25FF),
    (0x3000, 0x303F),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFF60),
    (0xFFE0, 0xFFEF),
)
# Other characters plausible in a Chinese corpus: Latin, Greek, Cyrillic, symbols, kana, bopomofo,
# Hangul, emoji, variation selectors. Not U+FEFF, U+FE0F or the zero-width marks: binary bytes FF FE,
# 0F FE or 0B 20 read as those in UTF-16.
_TEXTLIKE_RANGES = (
    (0xA1, 0x24F),
    (0x370, 0x4FF),
    (0x2100, 0x27BF),
    (0x3040, 0x312F),
    (0x3130, 0x318F),
    (0x31A0, 0x31BF),
    (0x3200, 0x33FF),
    (0xAC00, 0xD7AF),
    (0x1F000, 0x1FAFF),
    (0xE0100, 0xE01EF),
)


_ASCII_TEXT = ((0x20, 0x7E), (0x09, 0x0D))


class _Stats(NamedTuple):
    chars: int  # all characters
    textlike: int  # printable ASCII, whitespace, neutral punctuation, CJK and the ranges above
    cjk: int  # CJK ideographs
    common: int  # CJK ideographs in the common set

    @property
    def text_share(self) -> float:
        return self.textlike / self.chars if self.chars else 0.0


def _is_cjk(ch: str) -> bool:
    return CJK_RE.fullmatch(ch) is not None


# Written Cantonese in everyday Hong Kong text, in neither level 1 (Big5-HKSCS encodes them all):
# without them, a correctly decoded Cantonese article reads as rare characters, that is as mojibake.
_CANTONESE = "冇嘢佢哋喺嘅咗啲嚟咁睇啱乜噉嗰揾搵攰嘥諗嘞吖嗱喎㗎嚿啫"


@functools.cache
def common_chars() -> frozenset[str]:
    """GB2312 level 1 (3755 Simplified) plus Big5 level 1 (5401 Traditional) characters, and
    the everyday characters of written Cantonese."""
    chars: set[str] = set(_CANTONESE)
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            _add_cjk(chars, bytes((lead, trail)), _GB18030)
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            if (lead << 8 | trail) <= 0xC67E:
                _add_cjk(chars, bytes((lead, trail)), "big5hkscs")
    return frozenset(chars)


def _add_cjk(chars: set[str], pair: bytes, codec: str) -> None:
    try:
        ch = pair.decode(codec)
    except UnicodeDecodeError:
        return
    if len(ch) == 1 and _is_cjk(ch):  # gb18030 maps the unused D7FA..D7FE to private use
        chars.add(ch)


def count_matches(pattern: re.Pattern[str], text: str) -> int:
    return pattern.subn("", text)[1]  # counts at C speed without a list of matches


def chinese_score(text: str) -> float:
    """Share of judged characters (non-ASCII, not neutral punctuation) that are common Chinese ones.

    Readings in the wrong family produce kana, bopomofo, symbols and rare characters, so this
    is how GB18030 and Big5 bytes, which decode each other without error, are told apart.
    """
    return _share(*_common_judged(text))


def _common_judged(text: str) -> tuple[int, int]:
    """The two counts :func:`chinese_score` divides: common Chinese characters, judged ones."""
    flags = _flags(text)
    return int(np.count_nonzero(flags & _COMMON)), int(np.count_nonzero(flags & _JUDGED))


def _share(common: int, judged: int) -> float:
    return common / judged if judged else 0.0


def _stats(text: str) -> _Stats:
    flags = _flags(text)
    count = np.count_nonzero
    return _Stats(len(text), int(count(flags & _TEXTLIKE)), int(count(flags & _CJK)), int(count(flags & _COMMON)))


# Per-code-point flags looked up in numpy: regexes with these large classes scan ten times slower.
_TEXTLIKE, _CJK, _COMMON, _JUDGED = 1, 2, 4, 8
CJK_FLAG, COMMON_FLAG = _CJK, _COMMON


@functools.cache
def flag_table() -> np.ndarray:
    """uint8 flags for every code point: text-like, CJK ideograph, common Chinese, judged by the score."""
    table = np.zeros(0x110000, dtype=np.uint8)
    for lo, hi in _ASCII_TEXT + _NEUTRAL_RANGES + CJK_RANGES + _TEXTLIKE_RANGES:
        table[lo:hi + 1] |= _TEXTLIKE
    for lo, hi in CJK_RANGES:
        table[lo:hi + 1] |= _CJK
    table[[ord(ch) for ch in common_chars()]] |= _COMMON
    table[0x80:] |= _JUDGED
    for lo, hi in _NEUTRAL_RANGES:
        table[lo:hi + 1] &= ~np.uint8(_JUDGED)
    return table


def _flags(text: str) -> np.ndarray:
    return lookup(flag_table(), text)


_CHUNK = 1 << 20  # characters looked up at a time: a lookup takes 13 bytes a character at once


def histogram(table: np.ndarray, text: str) -> np.ndarray:
    """How many characters of ``text`` have each value of ``table`` (uint8 over all code points):
    256 int64 counts. One pass of the text kernel where it is built."""
    out = np.empty(256, dtype=np.int64)
    if _text is not None:
        _text.histogram(text, table, out)
        return out
    out[:] = 0
    for start in range(0, len(text), _CHUNK):  # bounded temporaries for a big file
        out += np.bincount(lookup(table, text[start:start + _CHUNK]), minlength=256)
    return out


def lookup(table: np.ndarray, text: str) -> np.ndarray:
    """``table``'s entry for every character of ``text`` (a table over all code points)."""
    if len(text) > _CHUNK:  # a whole big file: bounded temporaries
        return np.concatenate([lookup(table, text[i:i + _CHUNK]) for i in range(0, len(text), _CHUNK)])
    return table.take(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32))


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError):
        return None


def _lenient(data: bytes, codec: str) -> tuple[str, int]:
    """Decode with U+FFFD for bad bytes; return the text and how many U+FFFD decoding inserted."""
    text = data.decode(codec, errors="replace")
    if codecs.lookup(codec).name == _UTF8:
        # In UTF-8, U+FFFD is EF BF BD, and a lead byte like EF never continues another
        # sequence: each such run decodes to one U+FFFD, whatever comes before it.
        genuine = data.count(_UTF8_FFFD)
    else:  # "ignore" resumes exactly where "replace" does, so it shows the U+FFFD already in the data
        genuine = data.decode(codec, errors="ignore").count("\ufffd")
    return text, text.count("\ufffd") - genuine


def _codecs_for(answer: str | None) -> tuple[str, ...]:
    """Python codecs to try for a chardet answer, supersets first; () when unusable."""
    if not answer:
        return ()
    name = answer.strip().lower().replace("_", "-")
    if name in _GB_NAMES or name.startswith("gb"):
        return (_GB18030,)  # never Python's gb2312: it maps two punctuation marks differently
    if "big5" in name or name in _BIG5_NAMES:
        return _BIG5
    try:
        info = codecs.lookup(name)
    except LookupError:
        return ()
    if not getattr(info, "_is_text_encoding", True):
        return ()
    return (info.name,)


# What chardet reads of an input (it also notes whether there was more): set here, not left to
# its default, so that a big file's head gives the answer its whole bytes would.
DETECT_BYTES = 200_000


def _detect(data: bytes) -> tuple[str | None, float | None]:
    """chardet's answer and confidence, or (None, None) if it has none or fails.

    Only called once strict UTF-8 has failed, so "utf-8" serves as the no-match sentinel: a
    real "utf-8" answer is impossible, and any other sentinel could be mistaken for one.
    """
    try:
        if len(data) < _SHORT_INPUT:
            result = chardet.detect(
                data, prefer_superset=True, include_encodings=_SHORT_CANDIDATES, no_match_encoding=_UTF8
            )
            if result.get("encoding") not in (None, _UTF8):
                return result["encoding"], _confidence(result.get("confidence"))
        # Modern encodings only: DOS, Mac and EBCDIC code pages fit damaged or random bytes by accident.
        result = chardet.detect(
            data,
            prefer_superset=True,
            encoding_era=chardet.EncodingEra.MODERN_WEB,
            max_bytes=DETECT_BYTES,
            no_match_encoding=_UTF8,
        )
    except Exception:  # a detector bug must not take the run down; treat it as "no answer"
        return None, None
    encoding = result.get("encoding")
    if not encoding or encoding == _UTF8:
        return None, None
    return encoding, _confidence(result.get("confidence"))


def _confidence(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _text_share_if_plausible(text: str) -> float | None:
    """Share of text-like characters, or None when a wide decode reads as random code points."""
    stats = _stats(text)
    if stats.text_share < _MIN_TEXT_SHARE:
        return None
    if stats.cjk and stats.common / stats.cjk < _MIN_CHINESE_SCORE:
        return None
    return stats.text_share


def _wide(data: bytes) -> tuple[str, str, int] | None:
    """The best BOM-less UTF-32/16 reading that looks like text, as (codec, text, replacements):
    strict, but for a last unit cut short (a file cut at an odd byte), which is one U+FFFD."""
    best: tuple[float, str, str, int] | None = None
    for codec in ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"):
        cut = len(data) % (4 if "32" in codec else 2)
        text = _strict(data[:len(data) - cut], codec)
        if text is None:
            continue
        share = _text_share_if_plausible(text)
        if share is not None and (best is None or share > best[0]):
            best = (share, codec, text + "\ufffd" * bool(cut), int(bool(cut)))
    return best[1:] if best else None


def _from_wide(wide: tuple[str, str, int], detected: str | None, confidence: float | None) -> Decoded:
    codec, text, bad = wide
    return Decoded(text, codec, detected, confidence, "chardet", not bad, bad)


_FAMILIES = ((_GB18030,), _BIG5)


def best_chinese(data: bytes, prefer: tuple[str, ...]) -> tuple[str, str, float] | None:
    """The strict GB18030 or Big5 reading with the higher score, as (codec, text, score)."""
    texts: dict[str, str] = {}
    for family in _FAMILIES:
        for codec in family:
            text = _strict(data, codec)
            if text is not None:  # the first strict codec of a family is its reading
                texts[codec] = text
                break
    if not texts:
        return None
    scores = {codec: chinese_score(text) for codec, text in texts.items()}
    codec = _pick(scores, prefer)
    return codec, texts[codec], scores[codec]


def _pick(scores: dict[str, float], prefer: tuple[str, ...]) -> str:
    """The reading with the best score, a preferred codec on a tie, else the first."""
    return max(scores, key=lambda codec: (scores[codec], codec in prefer))


class _Lines(NamedTuple):
    text: str
    replacements: int
    runs: tuple[tuple[int, str], ...]
    main_codec: str  # codec that decoded the most bytes


def _by_lines(data: bytes, prefer: tuple[str, ...], bom: bool, damaged_utf8: bool = False) -> _Lines:
    """Decode each b"\\n"-separated line on its own (b"\\n" is never part of a multibyte character).

    ``damaged_utf8``: the file is UTF-8 with a few bad bytes, so a line no strict reading makes
    Chinese is UTF-8 with U+FFFD (see :func:`_decode_line`)."""
    parts = data.split(b"\n")
    texts: list[str] = []
    used: list[str | None] = []  # None: pure ASCII, reads the same in every candidate
    total = 0
    previous = prefer[0] if prefer else None
    for index, part in enumerate(parts):
        if part.isascii():
            texts.append(part.decode("ascii"))
            used.append(None)
            continue
        utf8 = _UTF8_SIG if bom and index == 0 else _UTF8
        if utf8 == _UTF8_SIG and _strict(part, utf8) is None:
            # The BOM says UTF-8 but the line is not: the BOM is no part of another codec's text.
            part, utf8 = part[len(codecs.BOM_UTF8):], _UTF8
        codec, text, bad = _decode_line(part, utf8, previous, damaged_utf8)
        texts.append(text)
        used.append(codec)
        total += bad
        previous = codec
    resolved = _fill_neutral(used, prefer)
    runs: list[tuple[int, str]] = []
    weight: Counter[str] = Counter()
    for index, codec in enumerate(resolved):
        if not runs or runs[-1][1] != codec:
            runs.append((index, codec))
        weight[codec] += len(parts[index])
    return _Lines("\n".join(texts), total, tuple(runs), weight.most_common(1)[0][0])


def _decode_line(part: bytes, utf8: str, previous: str | None, damaged_utf8: bool = False) -> tuple[str, str, int]:
    """(codec, text, replacements) for one non-ASCII line: strict UTF-8, else the best-scoring reading.

    A damaged UTF-8 line can still decode strictly as GB18030 into rare characters, so when no
    strict reading scores as Chinese, the lenient readings (UTF-8 with a U+FFFD) compete too; in
    a file that is UTF-8 but for a few bytes (``damaged_utf8``), UTF-8 with U+FFFD is the reading.
    A line cut short, ``\\xe4\\xb8`` at the end of a file, would otherwise become 涓.
    """
    text = _strict(part, utf8)
    if text is not None:
        return utf8, text, 0
    order = (utf8, *_CHINESE)
    readings: list[tuple[tuple[float, int, bool, int], str, str, int]] = []
    for rank, codec in enumerate(order):
        decoded = _strict(part, codec)
        if decoded is not None:
            readings.append(((chinese_score(decoded), 0, codec == previous, -rank), codec, decoded, 0))
    if damaged_utf8:
        text, bad = _lenient(part, utf8)
        # A UTF-8 line with a bad byte, or a few bytes no other reading makes clearly Chinese.
        if _wide_chars(text) >= 2 * bad or not any(
                score >= _MIN_CHINESE_SCORE and _common_judged(decoded)[1] >= 2
                for (score, *_), _, decoded, _ in readings):
            return utf8, text, bad
    if not readings or max(reading[0][0] for reading in readings) < _MIN_CHINESE_SCORE:
        strict = {reading[1] for reading in readings}
        for rank, codec in enumerate(order):
            if codec not in strict:
                decoded, bad = _lenient(part, codec)
                readings.append(((chinese_score(decoded), -bad, codec == previous, -rank), codec, decoded, bad))
    _, codec, text, bad = max(readings, key=lambda reading: reading[0])
    return codec, text, bad


def _fill_neutral(used: list[str | None], prefer: tuple[str, ...]) -> list[str]:
    """Give pure-ASCII lines the codec of the line before (or after, at the start)."""
    first = next((codec for codec in used if codec is not None), prefer[0] if prefer else _UTF8)
    resolved: list[str] = []
    current = first
    for codec in used:
        if codec is not None:
            current = codec
        resolved.append(current)
    return resolved


def _family(codec: str) -> str:
    return _UTF8 if codec in (_UTF8, _UTF8_SIG) else codec


def _too_damaged(replacements: int, chars: int) -> bool:
    return chars == 0 or replacements / chars > _MAX_REPLACEMENT_SHARE


def _undecodable(size: int, codec: str, replacements: int, chars: int) -> Rejected:
    return Rejected(
        "undecodable",
        f"no encoding decodes it cleanly; the best reading, {codec}, has {replacements} "
        f"U+FFFD in {chars} characters ({size} bytes)",
        size,
    )


# A lone surrogate, which no UTF-8 output can hold.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _override(data: bytes, encoding: str) -> Decoded | Rejected:
    codec = codecs.lookup(encoding).name  # LookupError for an unknown name is the caller's to report
    try:
        text, bad = data.decode(encoding), 0
    except UnicodeError:
        try:
            text, bad = _lenient(data, encoding)
        except LookupError:
            raise
        except Exception:  # a codec without "replace" support (e.g. idna) must not crash the run
            return Rejected(
                "undecodable", f"the requested codec {codec} cannot decode it ({len(data)} bytes)", len(data)
            )
    # utf-7, unicode_escape and the like decode "+2AA-" or "\\ud800" to a lone surrogate: each is a
    # character lost like a bad byte, counted as a U+FFFD.
    text, lone = _LONE_SURROGATE.subn("\ufffd", text)
    return Decoded(text, codec, None, None, "override", not bad and not lone, bad + lone)


def _from_lines(lines: _Lines, detected: str | None, confidence: float | None, bom: bool) -> Decoded:
    strict = lines.replacements == 0
    if len({_family(codec) for _, codec in lines.runs}) > 1:
        return Decoded(
            lines.text, "mixed", detected, confidence, "mixed", strict, lines.replacements, lines.runs
        )
    codec = lines.main_codec
    if bom and _family(codec) == _UTF8:
        return Decoded(lines.text, _UTF8_SIG, None, 1.0, "bom", strict, lines.replacements)
    return Decoded(lines.text, codec, detected, confidence, "chardet", strict, lines.replacements)


def _count_controls(data: bytes, chunk: int = 1 << 20) -> int:
    """Control bytes in ``data``, counted a chunk at a time: no copy of a big file at once."""
    return sum(len(part) - len(part.translate(None, _CONTROL_BYTES))
               for part in (data[k:k + chunk] for k in range(0, len(data), chunk)))


def decode_bytes(data: bytes, encoding: str | None = None) -> Decoded | Rejected:
    """Decode one file's bytes, detecting the encoding unless ``encoding`` is given.

    Never raises, except ``LookupError`` for an unknown ``encoding`` name.

    >>> decode_bytes("简介：中国汽车市场".encode("gbk")).encoding
    'gb18030'
    >>> decode_bytes("簡介：中國汽車市場".encode("big5")).text
    '簡介：中國汽車市場'
    >>> decode_bytes(b"\\xef\\xbb\\xbfabc")
    Decoded(text='abc', encoding='utf-8-sig', detected=None, confidence=1.0, method='bom', \
strict=True, replacements=0, line_encodings=())
    >>> decode_bytes(b"").reason
    'empty'
    """
    data = bytes(data)
    size = len(data)
    if not size:
        return Rejected("empty", "file is empty (0 bytes)", 0)
    if encoding is not None:
        return _override(data, encoding)

    utf8_bom = data.startswith(codecs.BOM_UTF8)
    found = _by_bom(data)
    if found is not None:
        return found

    controls = _count_controls(data)
    has_nul = b"\x00" in data
    if has_nul or controls / size > _BINARY_CONTROL_SHARE:
        # Wide text has NULs (ASCII) or control bytes (CJK low bytes); binary has them too.
        wide = _wide(data)
        if wide is not None:
            return _from_wide(wide, *_detect(data))
        if controls / size > _BINARY_CONTROL_SHARE and not _chinese_despite_controls(data):
            what = "contains NUL bytes" if has_nul else f"has {controls / size:.0%} control bytes"
            return Rejected("binary", f"{what} and no text encoding fits ({size} bytes)", size)

    if utf8_bom:
        # The BOM says UTF-8 but the body is not: keep UTF-8 where it is, decode the rest per line.
        lines = _by_lines(data, (), bom=True)
        if _too_damaged(lines.replacements, len(lines.text)):
            return _undecodable(size, lines.main_codec, lines.replacements, len(lines.text))
        return _from_lines(lines, None, None, bom=True)

    text = _strict(data, _UTF8)
    if text is not None:
        return Decoded(text, _UTF8, None, 1.0, "utf8", True, 0)
    return _by_detection(data)


class Undecided(Exception):
    """Bytes decoded as they come turned out not to be what the streamed decoding assumed
    (not plain UTF-8 after all, or a file that changed between passes): decode them whole."""


UTF8_PLAIN = Decoded("", _UTF8, None, 1.0, "utf8", True, 0)  # how plain UTF-8 is decoded, without its text


def utf8_parts(chunks: Iterable[bytes]) -> Iterator[str]:
    """The text of ``chunks`` decoded as they come, a part a chunk, when they are plain UTF-8
    (no BOM, no NUL, few control bytes: a big file's usual case), as :func:`decode_bytes`
    decodes them whole (see :data:`UTF8_PLAIN`). Anything else raises :class:`Undecided` as
    soon as it is known, at the latest after the last part.

    >>> list(utf8_parts([b"\\xe4\\xb8", b"\\xad\\xe6\\x96\\x87"]))
    ['', '中文']
    >>> list(utf8_parts([b"\\xd6\\xd0"]))
    Traceback (most recent call last):
    toolkit.decode.Undecided
    """
    decoder = codecs.getincrementaldecoder(_UTF8)()
    size = controls = 0
    started = False  # some text has come
    for chunk in chunks:
        if b"\x00" in chunk:
            raise Undecided
        size += len(chunk)
        controls += _count_controls(chunk)
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError:
            raise Undecided from None
        # Of the BOMs only UTF-8's is valid UTF-8 without a NUL; it decodes to U+FEFF.
        if text and not started:
            if text.startswith("\ufeff"):
                raise Undecided
            started = True
        yield text
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise Undecided from None
    if not size or controls / size > _BINARY_CONTROL_SHARE:
        raise Undecided  # empty or binary-looking: the whole-file path decides


class _Survey(NamedTuple):
    """What a pass over a file's bytes found, for the codecs that decoded all of them strictly."""

    counts: dict[str, tuple[int, int]]  # codec -> (common Chinese characters, judged characters)
    binary: bool  # a NUL or over 2 % control bytes
    utf8: bool  # strict UTF-8 throughout


def _survey(chunks: Iterable[bytes], tried: tuple[str, ...]) -> _Survey:
    """Decode ``chunks`` strictly with each codec of ``tried`` at once, counting what
    :func:`chinese_score` counts; a codec is dropped at its first error. Nothing is kept of the
    text. Stops early once every codec has failed."""
    decoders = {codec: codecs.getincrementaldecoder(codec)() for codec in (_UTF8, *tried)}
    counts = dict.fromkeys(tried, (0, 0))
    size = controls = 0
    nul = False

    def feed(chunk: bytes, final: bool) -> None:
        for codec, decoder in list(decoders.items()):
            try:
                text = decoder.decode(chunk, final)
            except UnicodeDecodeError:
                del decoders[codec]
                continue
            if codec in counts and text:
                (common, judged), (more, judged_more) = counts[codec], _common_judged(text)
                counts[codec] = (common + more, judged + judged_more)

    for chunk in chunks:
        size += len(chunk)
        nul = nul or b"\x00" in chunk
        controls += _count_controls(chunk)
        feed(chunk, False)
        if nul or len(decoders) <= (_UTF8 in decoders):
            break  # binary-looking, or no codec of ``tried`` left: the answer is known
    else:
        feed(b"", True)
    return _Survey({codec: counts[codec] for codec in tried if codec in decoders},
                   nul or controls / max(size, 1) > _BINARY_CONTROL_SHARE, _UTF8 in decoders)


def _head(chunks: Iterable[bytes]) -> bytes:
    """The first DETECT_BYTES + 1 bytes: what chardet reads, and whether there is more."""
    head = bytearray()
    for chunk in chunks:
        head += chunk[:DETECT_BYTES + 1 - len(head)]
        if len(head) > DETECT_BYTES:
            break
    return bytes(head)


def chinese_reading(read: Callable[[], Iterable[bytes]]) -> Decoded | None:
    """How :func:`decode_bytes` decodes a file that is GB18030 or Big5 throughout (a legacy
    dump's usual case), without its text (:func:`strict_parts` gives that); its bytes are never
    held whole: ``read()`` gives the file's bytes in chunks from the start, and is called once for
    each pass. None for any other file (decode those whole).

    chardet reads the head first: unless it names GB18030 or Big5 (a damaged UTF-8 file, say),
    nothing more is read. Then a pass finds the codecs that decode every byte strictly and counts
    their common Chinese characters, keeping no text; the answer is the codec
    :func:`best_chinese` would pick. A family's second codec (CP950) gets a pass of its own only
    when the first fails.

    >>> chunks = ["簡介：中國汽車市場".encode("big5")[k:k + 3] for k in range(0, 18, 3)]
    >>> decoded = chinese_reading(lambda: chunks)
    >>> decoded.encoding, "".join(strict_parts(chunks, decoded.encoding))
    ('big5hkscs', '簡介：中國汽車市場')
    >>> chinese_reading(lambda: [b"plain ASCII is UTF-8"]) is None
    True
    """
    head = _head(read())
    if not head or any(head.startswith(bom) for bom, _ in _BOMS):
        return None  # the whole-file path decides these
    detected, confidence = _detect(head)  # as of the whole bytes: chardet reads no further
    answer = _codecs_for(detected)
    if not answer or answer[0] not in _CHINESE:
        return None
    survey = _survey(read(), tuple(family[0] for family in _FAMILIES))
    if survey.binary or survey.utf8 or not survey.counts:
        return None
    counts = dict(survey.counts)
    scores: dict[str, float] = {}
    for family in _FAMILIES:
        # The family's first codec that decodes strictly is its reading, as in best_chinese.
        for backup in family[1:]:
            if any(c in counts for c in family):
                break
            counts.update(_survey(read(), (backup,)).counts)
        reading = next((c for c in family if c in counts), None)
        if reading is not None:
            scores[reading] = _share(*counts[reading])  # chinese_score of the whole text
    if not scores or max(scores.values()) < _CLEARLY_CHINESE:
        return None  # a guess, or two codecs in one file: decoded whole, line by line
    return Decoded("", _pick(scores, answer), detected, confidence, "chardet", True, 0)


def strict_parts(chunks: Iterable[bytes], codec: str) -> Iterator[str]:
    """The text of ``chunks`` in ``codec``, a part a chunk; :class:`Undecided` if they do not
    decode strictly (a file that changed since it was surveyed)."""
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        for chunk in chunks:
            yield decoder.decode(chunk)
        yield decoder.decode(b"", True)
    except UnicodeDecodeError:
        raise Undecided from None


def _by_bom(data: bytes) -> Decoded | None:
    """Decode by BOM; None without a BOM, or when the body does not fit it (UTF-8 BOM: per line later)."""
    for bom, bom_codecs in _BOMS:
        if not data.startswith(bom):
            continue
        for codec in bom_codecs:
            text = _strict(data, codec)
            if text is not None:
                return Decoded(text, codec, None, 1.0, "bom", True, 0)
        if bom != codecs.BOM_UTF8:
            # A UTF-16/32 BOM with a damaged body, often a truncated last code unit.
            text, bad = _lenient(data, bom_codecs[0])
            readable = _text_share_if_plausible(text.replace("\ufffd", "")) is not None
            if readable and not _too_damaged(bad, len(text)):
                return Decoded(text, bom_codecs[0], None, 1.0, "bom", False, bad)
        return None
    return None


def _chinese_despite_controls(data: bytes) -> bool:
    """Whether bytes with many control bytes are still Chinese text: a short article with a stray
    backspace or NUL. Its strict UTF-8 reading holds Chinese (binary data is seldom valid UTF-8
    beyond a few bytes, and then not as Chinese), or its strict GB18030 / Big5 reading is clearly
    Chinese (binary bytes read that way give rare characters)."""
    text = _strict(data, _UTF8)
    if text is not None:
        stats = _stats(text)
        return stats.cjk >= _FEW_CJK and stats.common / stats.cjk >= _MIN_CHINESE_SCORE
    best = best_chinese(data, ())
    return best is not None and best[2] >= _CLEARLY_CHINESE and _stats(best[1]).cjk >= _FEW_CJK


def _nearly_utf8(data: bytes) -> bool:
    """Whether ``data`` (not strict UTF-8) is UTF-8 Chinese text but for a few bad bytes: at least
    two characters decoded for each U+FFFD (a CESU-8 character gives six). A GB or Big5 file
    decoded as UTF-8 gives four or more U+FFFD for each character."""
    text, bad = _lenient(data, _UTF8)
    return _wide_chars(text) >= 2 * bad and chinese_score(text) >= _MIN_CHINESE_SCORE


def _wide_chars(text: str) -> int:
    """Characters of ``text`` that are neither ASCII nor U+FFFD."""
    return len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")


def _by_detection(data: bytes) -> Decoded | Rejected:
    """Steps 6-8 for bytes that are neither BOM-marked, binary nor strict UTF-8."""
    detected, confidence = _detect(data)
    if _nearly_utf8(data):  # chardet would guess from the few bad bytes: Cyrillic, or GB18030 for a cut end
        return _from_lines(_by_lines(data, (_UTF8,), bom=False, damaged_utf8=True), detected, confidence, bom=False)
    answer = _codecs_for(detected)
    if answer and answer[0].startswith(("utf-16", "utf-32")):
        wide = _wide(data)
        if wide is not None:
            return _from_wide(wide, detected, confidence)
        answer = ()

    # A confident non-Chinese answer (Korean, Japanese, Latin) that decodes strictly wins.
    chinese_answer = bool(answer) and answer[0] in _CHINESE
    other = None
    if answer and not chinese_answer:
        text = _strict(data, answer[0])
        other = None if text is None else (answer[0], text)
    if other is not None and (confidence or 0.0) >= _CONFIDENT:
        return Decoded(other[1], other[0], detected, confidence, "chardet", True, 0)

    # GB18030 and Big5 decode each other's bytes without error: the score decides.
    best = best_chinese(data, answer if chinese_answer else ())
    # chardet's Chinese answer stands unless it was a guess and its reading is not Chinese (Big5
    # with one character outside Big5-HKSCS reads strictly only as GB18030 noise).
    named = chinese_answer and (confidence or 0.0) >= _CONFIDENT
    if best is not None and (named or best[2] >= _MIN_CHINESE_SCORE):
        if best[2] < _CLEARLY_CHINESE:  # a GBK article then a Big5 one: each whole reading is half noise
            lines = _by_lines(data, answer if chinese_answer else (), bom=False)
            if not lines.replacements and chinese_score(lines.text) > best[2] + _BETTER_BY_LINES:
                return _from_lines(lines, detected, confidence, bom=False)
        return Decoded(best[1], best[0], detected, confidence, "chardet", True, 0)

    lines = _by_lines(data, answer if chinese_answer else (), bom=False)
    damaged = _too_damaged(lines.replacements, len(lines.text))
    if not damaged and chinese_score(lines.text) >= _MIN_CHINESE_SCORE:
        return _from_lines(lines, detected, confidence, bom=False)
    if other is not None:  # a weak non-Chinese answer still beats Chinese-looking noise
        return Decoded(other[1], other[0], detected, confidence, "chardet", True, 0)
    if lines.replacements == 0:  # strict everywhere: nothing lost, even if it reads poorly
        return _from_lines(lines, detected, confidence, bom=False)
    if best is not None:  # a strict whole reading loses nothing either (a formula of rare symbols)
        return Decoded(best[1], best[0], detected, confidence, "chardet", True, 0)
    return _undecodable(len(data), lines.main_codec, lines.replacements, len(lines.text))
