"""Mojibake: detection signals for every article, and repair of the losslessly recoverable kinds.

Kinds seen in Chinese data and what happens to them:

- ``utf8_as_latin1``: UTF-8 bytes read as Latin-1 or cp1252 (``è·¨å›½`` = 跨国): repaired.
- ``gbk_as_latin1`` / ``big5_as_latin1``: GB18030/GBK or Big5 bytes read as Latin-1 or cp1252 and
  saved as UTF-8 (``¼ò½é£º`` = 简介：): repaired; a short run that reads as Chinese both ways takes
  the family most of the text's runs decided on.
- ``utf8_as_gbk``: UTF-8 bytes read as GBK (``璺ㄥ浗`` = 跨国): repaired when every byte survived,
  i.e. the text re-encodes to bytes that are valid UTF-8.
- ``锟斤拷`` (U+FFFD read as GBK), ``烫烫烫`` / ``屯屯屯`` (uninitialised memory), U+FFFD itself and
  UTF-8-as-GBK runs that lost a byte: the bytes are gone, so these are only counted, never guessed.

A repair is accepted only when the round trip is exact (the repaired text encodes back to the same
bytes, which decode back to the damaged run) and the result reads as Chinese by the same
common-character score the decoder uses.  ftfy was considered: it repairs only UTF-8 read as
single-byte code pages and states it cannot handle GB18030/GBK, the kinds most common here.

The module is pure: no I/O, no mutable module state.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .decode import (
    CJK_FLAG,
    COMMON_FLAG,
    best_chinese,
    chinese_score,
    count_matches,
    flag_table,
    histogram,
    lookup,
)
from .tables import CJK_RE

__all__ = ["Repair", "repair", "signals"]

# cp1252 gives 0x80-0x9F printable characters (€ ‚ ƒ …); Latin-1 gives C1 controls there.
# Mapping both back to their byte covers text read either way ("sloppy" cp1252).
_CP1252_HIGH = {ch: b for b in range(0x80, 0xA0) if (ch := bytes([b]).decode("cp1252", "ignore"))}
_TO_BYTES = str.maketrans({ch: chr(b) for ch, b in _CP1252_HIGH.items()})
# Characters that one byte each could have produced: ASCII but space and DEL, 80-FF, and cp1252's
# 0x80-0x9F characters. A run of them holding a Latin-1 letter is a candidate (`_latin_runs`):
# every lead byte of UTF-8 and almost every one of GBK/Big5 reads as one. Runs of ASCII or of
# cp1252 punctuation only (the “” and — of Chinese prose) are skipped.
_SINGLE_BYTE_CHARS = frozenset(map(chr, (*range(0x21, 0x7F), *range(0x80, 0x100)))) | frozenset(_CP1252_HIGH)
_SINGLE_BYTE = "".join(map(re.escape, sorted(_SINGLE_BYTE_CHARS)))  # a regex character class body
_NOT_SINGLE_BYTE = re.compile(f"[^{_SINGLE_BYTE}]")
_LATIN1 = re.compile("[\\xa0-\\xff]")
# Bits of _char_table, per code point.
_SPACE, _NOT_UTF8, _ODD, _LATIN1_LETTER = 1, 2, 4, 8

_MIN_SCORE = 0.9  # share of judged characters that must be common Chinese ones after a repair
_MIN_LATIN1_SHARE = 0.5  # GB/Big5 bytes read as Latin-1 are almost all A0-FF letters

_MARKERS = {"kunjinkao": re.compile("锟斤拷"), "tang": re.compile("烫{3,}"), "tun": re.compile("屯{3,}")}
_MARKER_TEXT = {"kunjinkao": "锟斤拷", "tang": "烫烫烫", "tun": "屯屯屯"}  # in every match: a quick test first
_RARE_BURST = 3  # consecutive uncommon CJK characters that count as a burst


def _latin_runs(text: str, letters: Iterable[int]) -> list[tuple[int, int]]:
    """Maximal runs of single-byte characters holding a Latin-1 letter, grown from the ``letters``
    (their positions); a test checks them against the regex search this replaces."""
    spans: list[tuple[int, int]] = []
    end = 0
    for start in letters:
        if start < end:
            continue
        while start > end and text[start - 1] in _SINGLE_BYTE_CHARS:
            start -= 1
        after = _NOT_SINGLE_BYTE.search(text, start)
        end = after.start() if after else len(text)
        spans.append((start, end))
    return spans


@functools.cache
def _char_table() -> np.ndarray:
    """uint8 bits per code point, for `repair` to judge a whole text in numpy.

    ``_SPACE``: ASCII whitespace, which ends a token. ``_ODD``: not ASCII and not a common
    ideograph. ``_LATIN1_LETTER``: U+00A0-U+00FF. ``_NOT_UTF8``: a character whose GB18030 form
    is not two bytes that UTF-8 can hold, so no token holding it is UTF-8 read as GBK: UTF-8
    never has C0, C1 or F5-FF, and the four-byte form (every astral character) puts a byte
    above 7F between two ASCII bytes, where no multibyte sequence fits.
    """
    table = np.zeros(0x110000, dtype=np.uint8)
    table[[ord(ch) for ch in " \t\n\r\f\v"]] = _SPACE
    table[0x80:][(flag_table()[0x80:] & COMMON_FLAG) == 0] |= _ODD
    table[0xA0:0x100] |= _LATIN1_LETTER
    table[0x80:] |= _NOT_UTF8
    never = {0xC0, 0xC1, *range(0xF5, 0x100)}
    for code in range(0x80, 0x10000):
        try:
            data = chr(code).encode("gb18030")
        except UnicodeEncodeError:
            continue
        if len(data) == 2 and never.isdisjoint(data):
            table[code] &= ~np.uint8(_NOT_UTF8)
    return table


@dataclass(frozen=True, slots=True)
class Repair:
    """One repaired run: ``start``/``end`` in the repaired text, the damaged ``before`` and its ``kind``."""

    start: int
    end: int
    before: str
    kind: str


def _from_single_bytes(run: str, prefer: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """(repaired text, kind) for a run of Latin-1/cp1252 characters, or None."""
    high = [ch for ch in run if ord(ch) > 0x7F]
    if len(high) < 2 or not _LATIN1.search(run):  # one byte is never a whole CJK character
        return None
    data = run.translate(_TO_BYTES).encode("latin-1")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    # Strict UTF-8 over several high bytes is a strong signal; still ask for a result beyond
    # Latin-1 (CJK, general punctuation) so accented words are never touched. A UTF-8 reading
    # into accented Latin letters (Ã© -> é) is Latin mojibake: out of scope, left alone. Other
    # short UTF-8 readings may be GBK pairs (CB B5 is 说 and U+02F5), so GB and Big5 are tried.
    if any(ord(ch) >= 0x800 for ch in text) and text.encode("utf-8") == data:
        return text, "utf8_as_latin1"
    if text and all(ord(ch) < 0x250 for ch in text):
        return None
    if sum(0xA0 <= ord(ch) <= 0xFF for ch in high) / len(high) < _MIN_LATIN1_SHARE:
        return None
    # One character from two bytes, one of them A0: GB2312 and Big5 never use that byte, but web
    # text puts a no-break space beside ©, ± or ° (版权所有 ©2024, 约± 5%), which GBK reads as 牘, 睜.
    if len(high) == 2 and "\xa0" in high:
        return None
    best = best_chinese(data, prefer)
    if best is None:
        return None
    codec, text, score = best
    if score < _MIN_SCORE or not count_matches(CJK_RE, text) or text.encode(codec) != data:
        return None
    return text, "gbk_as_latin1" if codec == "gb18030" else "big5_as_latin1"


def _from_gbk(token: str) -> str | None:
    """The repaired text of a token that is UTF-8 read as GBK, or None."""
    try:
        data = token.encode("gb18030")
        text = data.decode("utf-8")
    except UnicodeError:
        return None
    if text == token or text.isascii() or chinese_score(text) < _MIN_SCORE or chinese_score(text) <= chinese_score(token):
        return None
    return text if text.encode("utf-8").decode("gb18030") == token else None


def _gbk_tokens(kinds: np.ndarray, repaired: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of the whitespace-free tokens worth trying as UTF-8 read as GBK; ``kinds`` are the
    text's `_char_table` bits, ``repaired`` the runs already repaired (not candidates again).

    ASCII whitespace never sits inside a multibyte character, so a token is a whole run of the
    original bytes. UTF-8 read as GBK leaves characters outside the common set (rare ideographs,
    kana, Cyrillic, symbols), so a token needs an ``_ODD`` character; one with a ``_NOT_UTF8``
    character cannot be repaired. All tokens are judged at once: few are left to try.
    """
    if not (kinds & _ODD).any():
        return []
    judge = kinds & (_ODD | _NOT_UTF8)
    for a, b in repaired:
        judge[a:b] |= _NOT_UTF8
    # Tokens start and end where the whitespace does; between them there is only whitespace,
    # which adds no bit to a token's reduction.
    space = np.concatenate(([True], (kinds & _SPACE).astype(bool), [True]))
    edges = np.flatnonzero(space[1:] != space[:-1])  # nonzero is several times faster on booleans
    starts, ends = edges[0::2], edges[1::2]
    tried = np.bitwise_or.reduceat(judge, starts) == _ODD
    return list(zip(starts[tried].tolist(), ends[tried].tolist(), strict=True))


_PIECE = 1 << 20  # characters judged at a time: tables of a whole big file take several bytes a character
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]")  # where a token ends (`_SPACE`)


def _pieces(text: str, size: int) -> list[tuple[int, int]]:
    """Consecutive spans of about ``size`` characters tiling ``text``, each cut just after
    ASCII whitespace: no token of `_gbk_tokens` crosses a cut (a text without any stays whole)."""
    out, start = [], 0
    while len(text) - start > size:
        space = _WHITESPACE.search(text, start + size)
        if space is None:
            break
        out.append((start, space.end()))
        start = space.end()
    out.append((start, len(text)))
    return out


def repair(text: str) -> tuple[str, list[Repair]]:
    """Repair the losslessly recoverable mojibake in ``text``; return the text and what was repaired.

    >>> repair("¼ò½é£º公司")[0]
    '简介：公司'
    >>> repair("è·¨å›½è½¦ä¼\\x81")[0]
    '跨国车企'
    >>> fixed, done = repair("新华社 鏂板崕绀� 璺ㄥ浗杞︿紒")
    >>> fixed, [r.kind for r in done]
    ('新华社 鏂板崕绀� 跨国车企', ['utf8_as_gbk'])
    >>> repair("他Ëµ")[0]  # GBK CB B5 is also valid UTF-8 (U+02F5)
    '他说'
    >>> repair("Café ——“好”")
    ('Café ——“好”', [])
    """
    fixed, repairs, _ = repair_weighed(text)
    return fixed, repairs


Weight = dict[str, int]  # characters of single-byte runs that read as GB18030 or as Big5
_FAMILIES = ("gb18030", "big5hkscs")


def preferred(weight: Weight) -> tuple[str, ...]:
    """The family that a short run's tie goes to: the one with more weight, if any."""
    return (max(weight, key=lambda codec: weight[codec]),) if any(weight.values()) else ()


def summed(weights: Iterable[Weight]) -> Weight:
    """The weight of the pieces of a text, from theirs."""
    return {codec: sum(w[codec] for w in weights) for codec in _FAMILIES}


def repair_weighed(text: str, prefer: tuple[str, ...] | None = None) -> tuple[str, list[Repair], Weight]:
    """:func:`repair`, with the ties of short runs going to ``prefer`` (by default, to
    :func:`preferred` of the text's own weight), and that weight.

    Runs and tokens never cross a line end: repairing a text's lines in several pieces, each
    with :func:`preferred` of the weights of all the pieces, gives the repair of the whole.
    """
    found: list[tuple[int, int, str, str]] = []  # (start, end, repaired, kind) in the input
    table, pieces = _char_table(), _pieces(text, _PIECE)
    whole = lookup(table, text) if len(pieces) == 1 else None  # a small text: one lookup for both passes

    def kinds(a: int, b: int) -> np.ndarray:
        return whole if whole is not None else lookup(table, text[a:b])

    letters = [i for a, b in pieces for i in (np.flatnonzero((kinds(a, b) & _LATIN1_LETTER) != 0) + a).tolist()]
    runs = _latin_runs(text, letters)
    first = [_from_single_bytes(text[a:b]) for a, b in runs]
    # GB and Big5 bytes decode each other: ties on a short run go to the text's main family.
    weight = dict.fromkeys(_FAMILIES, 0)
    for (a, b), got in zip(runs, first, strict=True):
        if got is not None and got[1] != "utf8_as_latin1":
            weight["gb18030" if got[1] == "gbk_as_latin1" else "big5hkscs"] += b - a
    if prefer is None:
        prefer = preferred(weight)
    for (a, b), got in zip(runs, first, strict=True):
        if got is not None and got[1] != "utf8_as_latin1" and prefer:
            got = _from_single_bytes(text[a:b], prefer)
        if got is not None:
            found.append((a, b, *got))
    repaired = sorted((a, b) for a, b, _, _ in found)
    first_open = 0  # the first repaired run that does not end before the current piece
    for a, b in pieces:
        while first_open < len(repaired) and repaired[first_open][1] <= a:
            first_open += 1
        inside = []
        for x, y in repaired[first_open:]:
            if x >= b:
                break
            inside.append((max(x, a) - a, min(y, b) - a))
        for start, end in _gbk_tokens(kinds(a, b), inside):
            fixed = _from_gbk(text[a + start:a + end])
            if fixed is not None:
                found.append((a + start, a + end, fixed, "utf8_as_gbk"))
    if not found:
        return text, [], weight
    found.sort()
    kept: list[tuple[int, int, str]] = []  # (start, end) of text kept, then the repaired run after it
    repairs: list[Repair] = []
    pos = length = 0
    for start, end, fixed, kind in found:
        length += start - pos
        repairs.append(Repair(length, length + len(fixed), text[start:end], kind))
        length += len(fixed)
        kept.append((pos, start, fixed))
        pos = end
    kept.append((pos, len(text), ""))
    return _assemble(text, kept), repairs, weight


def _assemble(text: str, kept: list[tuple[int, int, str]]) -> str:
    """The kept spans of ``text``, each followed by its string."""
    if len(text) <= _PIECE:
        return "".join(part for a, b, after in kept for part in (text[a:b], after))
    # A big text grows a piece at a time: slices of it all at once would be a second copy
    # beside the result (CPython extends a string nothing else refers to in place).
    out = ""
    for a, b, after in kept:
        for k in range(a, b, _PIECE):
            out += text[k:min(k + _PIECE, b)]
        out += after
    return out


def _bursts(at: np.ndarray) -> int:
    """Runs of at least ``_RARE_BURST`` consecutive positions in the sorted positions ``at``.

    >>> _bursts(np.array([0, 1, 2, 5, 6, 8, 9, 10, 11]))
    2
    """
    k = _RARE_BURST - 1
    if len(at) <= k:
        return 0
    # A run of enough starts where the position k further on is k higher and the one
    # before is not the position just before.
    long_enough = at[k:] - at[:-k] == k
    first = np.ones(len(long_enough), dtype=bool)
    first[1:] = at[1:-k] - at[:-k - 1] != 1
    return int(np.count_nonzero(long_enough & first))


# Bits of _signal_table, per code point.
_S_CJK, _S_RARE, _S_LATIN1, _S_MARK = 1, 2, 4, 8


@functools.cache
def _signal_table() -> np.ndarray:
    """uint8 bits per code point for `signals`: CJK ideograph, uncommon one, Latin-1 letter
    (U+00A0-U+00FF), first character of a marker (锟 烫 屯)."""
    flags = flag_table()
    table = np.zeros(0x110000, dtype=np.uint8)
    table[(flags & CJK_FLAG) != 0] |= _S_CJK
    table[(flags & (CJK_FLAG | COMMON_FLAG)) == CJK_FLAG] |= _S_RARE
    table[0xA0:0x100] |= _S_LATIN1
    table[[ord(text[0]) for text in _MARKER_TEXT.values()]] |= _S_MARK
    table.setflags(write=False)  # shared by every call in the process
    return table


def _counts(text: str) -> tuple[int, int, int, int]:
    """How many characters of ``text`` have each bit of `_signal_table`: CJK, rare, Latin-1, marker."""
    # One count of each of the 16 bit combinations; each bit's count is a sum over them.
    cjk, rare, latin1, marked = (int(x) for x in histogram(_signal_table(), text)[:16] @ _BIT_OF)
    return cjk, rare, latin1, marked


# Per bit combination (a row per value): has it each of the four bits?
_BIT_OF = np.array([[v & bit != 0 for bit in (_S_CJK, _S_RARE, _S_LATIN1, _S_MARK)] for v in range(16)], dtype=np.int64)


def signals(text: str) -> dict[str, Any]:
    """Mojibake signals of one article, for its quality record.

    - ``mojibake_fffd_ratio``: U+FFFD per character (bytes lost on decoding);
    - ``mojibake_kunjinkao`` / ``_tang`` / ``_tun``: runs of 锟斤拷, 烫烫烫, 屯屯屯;
    - ``mojibake_latin1_density``: Latin-1-supplement letters (U+00A0-U+00FF) over those plus CJK;
    - ``mojibake_rare_cjk``: share of CJK ideographs outside the common set (real text: under 1 %;
      UTF-8 read as GBK: over half);
    - ``mojibake_rare_bursts``: runs of three or more uncommon ideographs;
    - ``mojibake_suspect``: any of the above points at damage left after repair.

    >>> s = signals("锟斤拷锟斤拷中文")
    >>> s["mojibake_kunjinkao"], s["mojibake_suspect"]
    (2, True)
    >>> signals("普通的中文新闻。")["mojibake_suspect"]
    False
    """
    chars = len(text)
    cjk, rare, latin1, marked = _counts(text)
    out: dict[str, Any] = {
        "mojibake_fffd_ratio": round(text.count("\ufffd") / chars, 4) if chars else 0.0,
        **{f"mojibake_{name}": count_matches(pattern, text) if marked and _MARKER_TEXT[name] in text else 0
           for name, pattern in _MARKERS.items()},
        "mojibake_latin1_density": round(latin1 / (latin1 + cjk), 4) if latin1 + cjk else 0.0,
        "mojibake_rare_cjk": round(rare / cjk, 4) if cjk else 0.0,
        # Fewer rare ideographs than a burst holds (most articles): no need to find where they are.
        "mojibake_rare_bursts": _bursts(np.flatnonzero((lookup(_signal_table(), text) & _S_RARE) != 0))
        if rare >= _RARE_BURST else 0,
    }
    out["mojibake_suspect"] = bool(
        out["mojibake_fffd_ratio"] or out["mojibake_kunjinkao"] or out["mojibake_tang"] or out["mojibake_tun"]
        or (latin1 >= 4 and out["mojibake_latin1_density"] >= 0.3)
        or (cjk >= 10 and out["mojibake_rare_cjk"] >= 0.2)
    )
    return out
