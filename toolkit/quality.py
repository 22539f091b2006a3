"""Quality signals per article and the filters built on them.

Definitions (all on the cleaned text; ratios over non-whitespace characters):

- ``chars``: length in characters.
- ``cjk_ratio``: CJK ideographs from every CJK block (not only U+4E00–U+9FA5).
- ``punct_ratio`` / ``digit_ratio``: Unicode punctuation (P*) / decimal digits.
- ``repeated_13gram``: share of 13-character windows that already occurred earlier
  in the article (ChineseWebText-style; an article pasted twice scores about 0.5).
- ``longest_line``: characters in the longest line.
- ``replacement_chars``: U+FFFD count; ``mojibake_markers``: 锟斤拷 / 烫烫烫 / 屯屯屯 runs.
- ``minority_chars``: characters found only in the script the article is not in.
- ``halfwidth_fixed``: ASCII punctuation made full-width by normalization.
- ``halfwidth_left``: ASCII , ; ! ? still glued to the next character outside numbers
  and URLs (``OTA,90%``): likely Chinese punctuation the normalizer left alone.
- ``boilerplate_lines``: credit, editor and source lines cut by the splitter.
- ``captions``: image-caption markers (▲).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

import numpy as np

from .config import QualityConfig
from .decode import histogram
from .dedup import window_hashes
from .normalize import protected_spans
from .tables import CJK_RANGES

_MOJIBAKE_RE = re.compile("锟斤拷|烫烫烫|屯屯屯")
# An ASCII , ; ! ? glued to the next character, not inside a number: Latin text puts a
# space after these, so such a mark in Chinese text is most likely Chinese punctuation
# the normalizer could not prove (OTA,90%). One pattern per mark, starting with the mark
# itself: the regex engine skips ahead to a literal fastest.
_HALFWIDTH_LEFT = {
    ",": re.compile(r",(?:(?<!\d,)(?=\S)|(?=[^\d\s]))"),
    **{m: re.compile(f"\\{m}(?=[^\\s!?;,.)'\"])") for m in ";!?"},
}


def halfwidth_left(text: str) -> int:
    """ASCII marks left in place that look like Chinese punctuation (outside URLs and numbers).

    >>> halfwidth_left("軟體的OTA,90%以上，1,000元 Hello, world! 見https://a.cn/?a=1,b;c 佔1%,Thor晶片")
    2
    """
    marks = [m for m in ",;!?" if m in text]
    if not marks:
        return 0
    spans = protected_spans(text)
    if not spans:
        return sum(len(_HALFWIDTH_LEFT[m].findall(text)) for m in marks)
    return sum(1 for mark in marks for m in _HALFWIDTH_LEFT[mark].finditer(text)
               if not any(a <= m.start() < b for a, b in spans))


def repeated_share(text: str, n: int = 13) -> float:
    """Share of n-character windows already seen earlier in the text.

    Each distinct window is new once, so the repeated ones are the windows minus the
    distinct windows, counted on the 64-bit window hashes dedup's shingles use.

    >>> unit = "".join(chr(0x4E00 + i) for i in range(200))
    >>> repeated_share(unit), repeated_share(unit * 2)
    (0.0, 0.4845)
    >>> repeated_share("短文")
    0.0
    """
    if len(text) - n + 1 <= 0:
        return 0.0
    return _repeated_share(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32), n)


def _repeated_share(codes: np.ndarray, n: int) -> float:
    """:func:`repeated_share` on the code points of a text."""
    total = len(codes) - n + 1
    if total <= 0:
        return 0.0
    h = window_hashes(codes, n)
    h.sort()
    distinct = 1 + int(np.count_nonzero(h[1:] != h[:-1]))
    return round((total - distinct) / total, 4)


_SPACE, _CJK, _PUNCT, _DIGIT = 1, 2, 4, 8


# Per flag combination (a row per table value): is it space, CJK, punctuation, a digit?
_HAS = np.array([[v & flag != 0 for flag in (_SPACE, _CJK, _PUNCT, _DIGIT)] for v in range(16)], dtype=np.int64)


@functools.cache
def _class_table() -> np.ndarray:
    """uint8 flags per code point; a lookup in numpy counts ten times faster than large regex classes."""
    table = np.zeros(0x110000, dtype=np.uint8)
    for c in range(0x20000):  # no space, punctuation or digit lies above the SMP
        ch = chr(c)
        if ch.isspace():
            table[c] |= _SPACE
        elif ch.isdecimal():
            table[c] |= _DIGIT
        elif unicodedata.category(ch).startswith("P"):
            table[c] |= _PUNCT
    for lo, hi in CJK_RANGES:
        table[lo:hi + 1] |= _CJK
    table[0x3007] |= _CJK  # 〇 is written as a hanzi numeral (二〇二五年) though it sits among the symbols
    return table


def signals(text: str, **extra: Any) -> dict[str, Any]:
    """Compute the quality signals of one article; ``extra`` adds counts known upstream.

    >>> s = signals("中文，English 123。")
    >>> s["chars"], s["cjk_ratio"], s["digit_ratio"]
    (15, 0.1429, 0.2143)
    """
    has_surrogates = False
    try:
        data = text.encode("utf-32-le")
    except UnicodeEncodeError:  # lone surrogates: classified, and repeated_share raises on them as it did
        data, has_surrogates = text.encode("utf-32-le", "surrogatepass"), True
    codes = np.frombuffer(data, dtype=np.uint32)
    # One pass counts every flag combination; each class is a sum over combinations.
    space, cjk, punct, digits = (int(x) for x in histogram(_class_table(), text)[:len(_HAS)] @ _HAS)
    n = (len(text) - space) or 1
    out: dict[str, Any] = {
        "chars": len(text),
        "cjk_ratio": round(cjk / n, 4),
        "punct_ratio": round(punct / n, 4),
        "digit_ratio": round(digits / n, 4),
        "repeated_13gram": repeated_share(text) if has_surrogates else _repeated_share(codes, 13),
        "longest_line": max(map(len, text.split("\n"))),
        "replacement_chars": text.count("\ufffd"),
        "mojibake_markers": len(_MOJIBAKE_RE.findall(text)) if any(c in text for c in "锟烫屯") else 0,
        "captions": text.count("▲"),
        "halfwidth_left": halfwidth_left(text),
    }
    out.update(extra)
    return out


def verdict(q: dict[str, Any], config: QualityConfig) -> str | None:
    """The first quality rule an article breaks, as a ``quality:<rule>`` code, or None.

    >>> verdict(signals("汽車OTA的熱度似乎在退潮，開展汽車OTA的品牌為92個。"), QualityConfig()) is None
    True
    >>> verdict(signals("hello world " * 5), QualityConfig())
    'quality:low_cjk'
    """
    if q["chars"] < config.min_chars:
        return "quality:too_short"
    if q["replacement_chars"] / max(q["chars"], 1) > config.max_replacement_ratio:
        return "quality:mojibake"
    if q["cjk_ratio"] < config.min_cjk_ratio:
        return "quality:low_cjk"
    if q["repeated_13gram"] > config.max_repeated_13gram:
        return "quality:repetitive"
    return None


_EXPLAIN = {
    "too_short": ("chars", "below", "min_chars"),
    "mojibake": ("replacement_chars", "above", "max_replacement_ratio"),
    "low_cjk": ("cjk_ratio", "below", "min_cjk_ratio"),
    "repetitive": ("repeated_13gram", "above", "max_repeated_13gram"),
}


def explain(rule: str, q: dict[str, Any], config: QualityConfig) -> str:
    """The removal detail for a ``quality:<rule>`` verdict: the signal and the threshold it crossed.

    >>> explain("quality:low_cjk", {"cjk_ratio": 0.05}, QualityConfig())
    'quality rule low_cjk: cjk_ratio 0.05 below min_cjk_ratio 0.2'
    >>> explain("quality:mojibake", {"replacement_chars": 9, "chars": 100}, QualityConfig())
    'quality rule mojibake: replacement_chars 9 of 100 characters, above max_replacement_ratio 0.05'
    """
    name = rule.split(":", 1)[1]
    signal, relation, setting = _EXPLAIN[name]
    value = q[signal]
    if name == "mojibake":
        value = f"{value} of {q['chars']} characters,"
    return f"quality rule {name}: {signal} {value} {relation} {setting} {getattr(config, setting)}"
