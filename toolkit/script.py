"""Script detection: Simplified / Traditional / none, the regional variant, and
where the minority script sits.

Two layers. :func:`detect` is per article and pure: it labels the article from
characters that exist in one script only, then finds *candidate* strays by a
round trip through the other script (OpenCC's phrase tables protect identity
phrases such as 萬里, 公里, 遠征). :func:`resolve` decides each candidate with
evidence from the corpus: an ambiguous character (里, 征, 乾) is a definite
stray only when the word it should be (裡面) is written in the majority script
elsewhere in the article or corpus; otherwise it is an advisory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from types import MappingProxyType
from typing import Any

import numpy as np
import opencc
from rapidfuzz.distance import Levenshtein

from .config import Config
from .decode import Rejected, decode_bytes
from .display import shown
from .models import Script, Span, Variant
from .split import find_segments
from .tables import CJK_CLASS, CJK_RANGES, CJK_RE, classes, flat_config, fold_keys

_OPEN_QUOTES = "“「『《〈\"'"
_CLOSE_QUOTES = "”」』》〉\"'"

# (to the other script, back to the majority script) for each label.
ROUND_TRIPS: dict[tuple[str, str | None], tuple[str, str]] = {
    ("hant", "tw"): ("tw2s", "s2tw"),
    ("hant", "hk"): ("hk2s", "s2hk"),
    ("hant", None): ("t2s", "s2t"),
    ("hans", "cn"): ("s2t", "t2s"),
    ("hans", None): ("s2t", "t2s"),
}
# What ``clean --script`` may do: keep and repair leave the script alone (repair fixes
# definite strays); the others convert whole articles to one (script, variant).
MODES = ("keep", "repair", "hans", "hant", "tw", "hk")
TARGETS: dict[str, tuple[Script, Variant | None]] = {
    "hans": ("hans", "cn"), "hant": ("hant", None), "tw": ("hant", "tw"), "hk": ("hant", "hk"),
}
# How an article is folded to Simplified for matching (dedup): regional phrasing included.
FOLDS: dict[tuple[str, str | None], str] = {
    ("hant", "tw"): "tw2sp",
    ("hant", "hk"): "hk2s",
}


class Converter:
    """An OpenCC converter that keeps NUL characters.

    OpenCC's chains of more than one step (``tw2s``, ``tw2sp``, ``s2tw``, ``s2twp``, ``hk2s``...)
    drop text at a NUL. No dictionary key holds one, so converting the text between NULs is
    the same conversion.
    """

    __slots__ = ("_convert", "config")

    def __init__(self, cc: opencc.OpenCC) -> None:
        self.config: str = cc.config
        self._convert: Callable[[str], str] = cc.convert

    def convert(self, text: str) -> str:
        if "\x00" not in text:
            return self._convert(text)
        return "\x00".join([self._convert(part) for part in text.split("\x00")])


@cache
def converter(config: str) -> Converter:
    """An OpenCC converter, built once per process (loading dictionaries is slow).

    Built from :func:`toolkit.tables.flat_config` when the installed dictionaries are those
    the merged groups were made from: the same conversion, about twice as fast.
    """
    flat = flat_config(config)
    if flat is not None:
        try:
            return Converter(opencc.OpenCC(str(flat)))
        except (OSError, RuntimeError):  # a committed file missing or unreadable: the stock config converts the same
            pass
    return Converter(opencc.OpenCC(config))


# One bit per character class, looked up for a whole article at once: a numpy table
# indexed by code point replaces a regex scan per class (and an astral-safe pattern).
_BITS = {name: 1 << k for k, name in enumerate((
    "s_only", "t_only", "s_ambiguous", "t_ambiguous", "tw_only", "not_tw", "hk_only", "not_hk",
    "hant_targets", "hans_targets", "cjk", "unknown",
    # For fold's t2s fast path: a one-character key of t2s that changes text (or a lone
    # surrogate, which OpenCC rejects), and the second / first character of a longer one
    # (adjacent bits: _t2s_changes shifts t2s_first onto t2s_second).
    "t2s_key", "t2s_second", "t2s_first"))}
# Rare blocks (every CJK block but the unified one: Extension A, compatibility ideographs,
# Extensions B-H): most of their characters are in no OpenCC table, so they say nothing about
# the script.
_RARE_RANGES = tuple(r for r in CJK_RANGES if r != (0x4E00, 0x9FFF))


@cache
def _flag_table() -> np.ndarray:
    table = np.zeros(0x110000, dtype=np.uint16)
    for a, b in CJK_RANGES:
        table[a:b + 1] |= _BITS["cjk"]
    for a, b in _RARE_RANGES:
        table[a:b + 1] |= _BITS["unknown"]
    known = classes()
    for name, chars in known.items():
        codes = np.fromiter(map(ord, chars), dtype=np.int64, count=len(chars))
        table[codes] &= ~np.uint16(_BITS["unknown"])  # a character an OpenCC table knows
        if name in _BITS:
            table[codes] |= _BITS[name]
    keys = fold_keys()["t2s"]
    for name, picked in (("t2s_key", [k for k in keys if len(k) == 1]),
                         ("t2s_first", [k[0] for k in keys if len(k) > 1]),
                         ("t2s_second", [k[1] for k in keys if len(k) > 1])):
        table[np.fromiter(map(ord, picked), dtype=np.int64, count=len(picked))] |= _BITS[name]
    table[0xD800:0xE000] |= _BITS["t2s_key"]
    table.setflags(write=False)  # shared by every call in the process
    return table


def _flags(text: str) -> np.ndarray:
    """The class bits of every character of ``text`` (index i is ``text[i]``)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    return _flag_table().take(codes)  # take: the same lookup as [codes], without fancy indexing's overhead


def _mask(names: tuple[str, ...]) -> int:
    bits = 0
    for name in names:
        bits |= _BITS[name]
    return bits


def _in(flags: np.ndarray, *names: str) -> np.ndarray:
    """Which characters belong to any of the classes ``names``."""
    return (flags & _mask(names)) != 0


def _count(flags: np.ndarray, *names: str) -> int:
    return int(np.count_nonzero(flags & _mask(names)))  # the masked flags are nonzero where _in is true


def _where(flags: np.ndarray, *names: str) -> list[int]:
    return _in(flags, *names).nonzero()[0].tolist()  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A character that the round trip changes: a possible stray."""

    start: int
    text: str
    suggest: str
    kind: str  # "only" (exists in the minority script only) | "ambiguous"
    # Majority-script words that confirm it: every CJK bigram around the character,
    # with the suggestion in its place, must be written somewhere (one side is not
    # enough: 像征性 is a typo of 象徵性, not a stray 征).
    evidence: tuple[str, ...]
    name_like: str | None  # why it may be a proper noun, or None
    at: int | None = None  # offset in the cleaned text, set by :func:`locate` (repair mode)


@dataclass(frozen=True, slots=True)
class Detection:
    script: Script
    variant: Variant | None
    counts: dict[str, int]
    candidates: tuple[Candidate, ...]
    lexicon: frozenset[str]  # majority-script words with an evidence character


def label(text: str, min_evidence: int = 1) -> tuple[Script, dict[str, int]]:
    """Label from unambiguous characters only.

    >>> label("我們這裡")[0], label("我们这里")[0], label("OK 123")[0]
    ('hant', 'hans', 'none')
    >>> label("𠀀𪚥們")[1]["unknown"], label("𠀀𪚥們")[0]
    (2, 'hant')
    """
    return _label(_flags(text), min_evidence)


def _label(flags: np.ndarray, min_evidence: int) -> tuple[Script, dict[str, int]]:
    s_only, t_only = _count(flags, "s_only"), _count(flags, "t_only")
    counts = {"simplified_only": s_only, "traditional_only": t_only, "cjk": _count(flags, "cjk"),
              "unknown": _count(flags, "unknown")}
    if s_only + t_only < min_evidence or s_only == t_only:
        return "none", counts
    return ("hant" if t_only > s_only else "hans"), counts


# Phrase evidence (資訊, 軟體) costs two whole-text conversions, so it is read only
# when the characters do not decide, and only on this many leading characters.
PHRASE_SAMPLE = 4000


def variant_of(text: str, script: Script) -> tuple[Variant | None, dict[str, int]]:
    """Regional standard: Taiwan / Hong Kong forms, then Taiwan phrasing when forms do not decide.

    >>> variant_of("使用者的資訊在晶片裡", "hant")[0]
    'tw'
    >>> variant_of("軟體", "hant")[0]
    'tw'
    """
    return _variant(text, _flags(text), script)


def _variant(text: str, flags: np.ndarray, script: Script) -> tuple[Variant | None, dict[str, int]]:
    if script == "hans":
        return "cn", {}
    if script != "hant":
        return None, {}
    tw = _count(flags, "tw_only") - _count(flags, "not_tw")
    hk = _count(flags, "hk_only") - _count(flags, "not_hk")
    tw_phrases = 0
    if tw <= max(hk, 0) and hk <= max(tw, 0):  # the forms leave it open
        sample = text[:PHRASE_SAMPLE]
        plain, phrased = converter("tw2s").convert(sample), converter("tw2sp").convert(sample)
        tw_phrases = (sum(a != b for a, b in zip(plain, phrased, strict=True)) if len(plain) == len(phrased)
                      else Levenshtein.distance(plain, phrased))
        tw += tw_phrases
    counts = {"tw_evidence": tw, "hk_evidence": hk, "tw_phrases": tw_phrases}
    if tw > max(hk, 0):
        return "tw", counts
    if hk > max(tw, 0):
        return "hk", counts
    return None, counts


def _aligned(a: str, b: str) -> list[int | None]:
    """For each index of a, the index of the same character slot in b (None if none)."""
    if len(a) == len(b):
        return list(range(len(a)))
    out: list[int | None] = [None] * len(a)
    for op in Levenshtein.opcodes(a, b):
        if op.tag == "equal" or (op.tag == "replace" and op.src_end - op.src_start == op.dest_end - op.dest_start):
            for k in range(op.src_end - op.src_start):
                out[op.src_start + k] = op.dest_start + k
    return out

# A clause boundary: OpenCC's phrases never cross these, so converting a clause on
# its own gives the same result as converting it inside the whole text.
_BOUNDARY_RE = re.compile(f"[^{CJK_CLASS}]")
# How far a window reaches for a clause boundary on each side of a suspect character.
WINDOW = 24


def _windows(text: str, suspects: list[int]) -> list[tuple[int, int]]:
    """Merged [start, end) windows around the suspects, cut at clause boundaries."""
    out: list[tuple[int, int]] = []
    for i in suspects:
        lo = max(0, i - WINDOW)
        left = [m.end() for m in _BOUNDARY_RE.finditer(text, lo, i)]
        start = left[-1] if left else lo
        m = _BOUNDARY_RE.search(text, i + 1, min(len(text), i + 1 + WINDOW))
        end = m.start() if m else min(len(text), i + 1 + WINDOW)
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _round_trip(text: str, suspects: list[int], there: str, back: str) -> Iterator[tuple[int, str, int | None]]:
    """For each suspect: (its offset, the converted window, its slot in that window).

    Only short windows around the suspects go through OpenCC, all in one call per
    direction (joined by newlines, which no phrase crosses); a whole-text round trip
    would cost most of the detection time on clean text.
    """
    windows = _windows(text, suspects)
    pieces = [text[a:b] for a, b in windows]
    converted = converter(back).convert(converter(there).convert("\n".join(pieces))).split("\n")
    if len(converted) != len(pieces):  # a window held a newline-like character: go piece by piece
        converted = [converter(back).convert(converter(there).convert(p)) for p in pieces]
    k = 0
    for (a, b), piece, conv in zip(windows, pieces, converted, strict=True):
        where = _aligned(piece, conv)
        while k < len(suspects) and suspects[k] < b:
            yield suspects[k], conv, where[suspects[k] - a]
            k += 1


# Common surnames that are also Simplified forms of other characters (于 於, 余 餘, 范 範, 干 幹,
# 岳 嶽, 党 黨, 郁 鬱, 朴 樸): Traditional text writes the surname unchanged.
_SURNAMES = frozenset("于余范干岳党郁朴")


def _name_like(text: str, i: int, suggest: str, one_script: frozenset[str] = frozenset()) -> str | None:
    # A short quoted run is usually a brand or title that may use a shared character on
    # purpose (华为“乾崮”), unless it also holds characters of one script only: in “國家队”
    # or “反向合资” the quotes hold a word with a stray, not a name.
    left = max((text.rfind(q, max(0, i - 4), i) for q in _OPEN_QUOTES), default=-1)
    if left >= 0:
        right = [r for q in _CLOSE_QUOTES if (r := text.find(q, i + 1, i + 5)) >= 0]
        if right and not one_script.intersection(text[left + 1:min(right)]):
            return "quoted_name"
    # A surname that Traditional text writes the same way, opening a clause before two more
    # ideographs, is usually a name (，于北辰表示), not a stray preposition (位于北部).
    if (text[i] in _SURNAMES and (i == 0 or not CJK_RE.match(text[i - 1]))
            and i + 3 <= len(text) and all(CJK_RE.match(c) for c in text[i + 1:i + 3])):
        return "surname"
    # A suggestion outside the common plane means the "correct" form is rare in practice.
    if any(ord(c) > 0xFFFF or 0x3400 <= ord(c) <= 0x4DBF for c in suggest):
        return "rare_form"
    return None


def _words(text: str, i: int, ch: str) -> tuple[str, ...]:
    """The two CJK bigrams around position i, with ch in place of text[i]."""
    out = []
    if i > 0 and CJK_RE.match(text[i - 1]):
        out.append(text[i - 1] + ch)
    if i + 1 < len(text) and CJK_RE.match(text[i + 1]):
        out.append(ch + text[i + 1])
    return tuple(out)


def lexicon(text: str, script: Script) -> frozenset[str]:
    """Bigrams of ``text`` that contain a character an ambiguous stray would become.

    >>> sorted(lexicon("TOP10裡面還有", "hant"))
    ['裡面']
    """
    return _lexicon(text, _flags(text), script)


def _lexicon(text: str, flags: np.ndarray, script: Script) -> frozenset[str]:
    if script == "none":
        return frozenset()
    # The bigrams _words gives for each target at i, found for all targets at once: text[i-1:i+1]
    # where text[i-1] is CJK and text[i:i+2] where text[i+1] is CJK, that is text[j:j+2] where
    # one of the two is a target and the other CJK.
    target = _in(flags, "hant_targets" if script == "hant" else "hans_targets")
    cjk = _in(flags, "cjk")
    at = ((target[1:] & cjk[:-1]) | (target[:-1] & cjk[1:])).nonzero()[0]
    return frozenset([text[j:j + 2] for j in at.tolist()])


def without(raw: str, cut: Iterable[tuple[int, int]]) -> str:
    """``raw`` with the ``cut`` spans (in order) blanked, one space a character, so offsets hold:
    detection leaves out the credit lines the splitter cuts, since an outlet's name in its own
    script, （汽車商業評論） ending a Simplified article, is no evidence of the article's script
    and no stray.

    >>> without("正文。 (汽車)", [(3, 8)])
    '正文。     '
    """
    out: list[str] = []
    last = 0
    for a, b in cut:
        a = max(a, last)  # overlapping spans are blanked once
        if b > a:
            out += (raw[last:a], " " * (b - a))
            last = b
    return "".join(out) + raw[last:] if out else raw


def detect(text: str, min_evidence: int = 1) -> Detection:
    """Label one article and list candidate strays (offsets into ``text``).

    >>> d = detect("兩年前那些車企，TOP10里面還有很多品牌在這裡。")
    >>> d.script, d.variant, [(c.text, c.suggest, c.kind) for c in d.candidates]
    ('hant', 'tw', [('里', '裡', 'ambiguous')])
    """
    flags = _flags(text)
    script, counts = _label(flags, min_evidence)
    variant, vcounts = _variant(text, flags, script)
    counts.update(vcounts)
    candidates: list[Candidate] = []
    if script != "none":
        minority = ("s_only", "s_ambiguous") if script == "hant" else ("t_only", "t_ambiguous")
        only = classes()[minority[0]]
        one_script = _one_script()
        suspects = _where(flags, *minority)
        if suspects:
            there, back = ROUND_TRIPS.get((script, variant), ROUND_TRIPS[(script, None)])
            for i, converted, j in _round_trip(text, suspects, there, back):
                if j is None or converted[j] == text[i]:
                    continue  # a phrase protects it, or the slot moved
                suggest = converted[j]
                candidates.append(Candidate(
                    start=i, text=text[i], suggest=suggest,
                    kind="only" if text[i] in only else "ambiguous",
                    evidence=_words(converted, j, suggest),
                    name_like=_name_like(text, i, suggest, one_script),
                ))
    counts["candidates"] = len(candidates)
    return Detection(script, variant, counts, tuple(candidates), _lexicon(text, flags, script))


@cache
def _one_script() -> frozenset[str]:
    return classes()["s_only"] | classes()["t_only"]


def resolve(
    detection: Detection, corpus: Mapping[str, Container[str]] | None = None
) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """Split candidates into definite strays and advisories.

    ``corpus`` maps a script label to the words written in that script anywhere in
    the corpus (the union of every article's :attr:`Detection.lexicon`).

    >>> d = detect("兩年前那些車企，TOP10里面還有很多品牌在這裡。")
    >>> resolve(d)[0], [s.reason for s in resolve(d)[1]]
    ((), ['ambiguous_no_evidence'])
    >>> [(s.text, s.suggest, s.reason) for s in resolve(d, {"hant": {"裡面"}})[0]]
    [('里', '裡', 'evidence_in_corpus')]
    """
    seen: Container[str] = corpus.get(detection.script, ()) if corpus else ()  # a set: no copy per article
    definite: list[Span] = []
    advisory: list[Span] = []
    for c in detection.candidates:
        if c.name_like:
            advisory.append(Span(c.start, c.start + 1, c.text, c.suggest, c.name_like))
        elif c.kind == "only":
            reason = "simplified_only" if detection.script == "hant" else "traditional_only"
            definite.append(Span(c.start, c.start + 1, c.text, c.suggest, reason))
        elif c.evidence and all(w in detection.lexicon for w in c.evidence):
            definite.append(Span(c.start, c.start + 1, c.text, c.suggest, "evidence_in_document"))
        elif c.evidence and all(w in seen or w in detection.lexicon for w in c.evidence):
            definite.append(Span(c.start, c.start + 1, c.text, c.suggest, "evidence_in_corpus"))
        else:
            advisory.append(Span(c.start, c.start + 1, c.text, c.suggest, "ambiguous_no_evidence"))
    # An ambiguous character touching a definite stray belongs to the same stray word: 范围 is
    # 範圍, not 范圍. Its suggestion came from OpenCC converting the two together.
    edges = {s.start for s in definite} | {s.end for s in definite}
    while edges:
        joined = [a for a in advisory if a.reason == "ambiguous_no_evidence" and (a.start in edges or a.end in edges)]
        advisory = [a for a in advisory if a not in joined]
        definite += [replace(a, reason="next_to_stray") for a in joined]
        edges = {a.start for a in joined} | {a.end for a in joined}
    return _merge(sorted(definite, key=lambda s: s.start)), tuple(advisory)


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    """Join adjacent one-character strays of the same reason into one span (这里 → 這裡)."""
    out: list[Span] = []
    for s in spans:
        if out and out[-1].end == s.start and out[-1].reason == s.reason:
            last = out[-1]
            out[-1] = Span(last.start, s.end, last.text + s.text, last.suggest + s.suggest, last.reason)
        else:
            out.append(s)
    return tuple(out)


def fold(text: str, script: Script, variant: Variant | None) -> str:
    """Fold an article to Simplified for matching, with regional phrasing reversed."""
    config = FOLDS.get((script, variant), "t2s")
    # Traditional articles nearly always hold a key of their fold: the check is for the others.
    if script != "hant" and config == "t2s" and not _t2s_changes(text):
        return text
    return converter(config).convert(text)


@cache
def _t2s_phrases() -> Mapping[str, tuple[str, ...]]:
    """The t2s keys longer than one character that change text, by their first two characters."""
    out: dict[str, tuple[str, ...]] = {}
    for key in fold_keys()["t2s"]:
        if len(key) > 1:
            out[key[:2]] = (*out.get(key[:2], ()), key)
    return MappingProxyType(out)  # shared by every call in the process


def _t2s_changes(text: str) -> bool:
    """Whether ``text`` holds a key of OpenCC's t2s dictionaries that changes text.

    When it does not, t2s returns ``text`` unchanged: each step (normalization, then the
    conversion) scans by maximal match, copying a character where no key starts and
    writing a key's default value where one does; with no key whose value differs
    anywhere in the text, every step writes back what it read. False positives only
    cost the OpenCC call.
    """
    flags = _flags(text)
    if _count(flags, "t2s_key"):
        return True
    # Where a longer key may start: a t2s_first character before a t2s_second one (the
    # t2s_first bit shifted right is the t2s_second bit).
    phrases = _t2s_phrases()
    for i in _in((flags[:-1] >> 1) & flags[1:], "t2s_second").nonzero()[0].tolist():
        keys = phrases.get(text[i:i + 2])
        if keys and any(text.startswith(key, i) for key in keys):
            return True
    return False


def conversion(mode: str, script: Script, variant: Variant | None) -> tuple[str, ...]:
    """The OpenCC configurations, in order, that take an article to the mode's target.

    Empty when there is nothing to convert: mode keep or repair, an article already
    in the target, or an article labelled ``none`` (no evidence of its script).
    Regional phrasing goes both ways (s2twp / tw2sp); between two Traditional
    standards the way is through OpenCC's standard forms.

    >>> conversion("tw", "hans", "cn"), conversion("hans", "hant", "tw"), conversion("hk", "hant", "tw")
    (('s2twp',), ('tw2sp',), ('tw2t', 't2hk'))
    >>> conversion("hans", "hans", "cn"), conversion("repair", "hant", "tw"), conversion("hant", "none", None)
    ((), (), ())
    """
    target = TARGETS.get(mode)
    if target is None or script == "none" or (script, variant) == target:
        return ()
    if mode == "hans":
        return () if script == "hans" else (FOLDS.get((script, variant), "t2s"),)
    if script == "hans":
        return ({"hant": "s2t", "tw": "s2twp", "hk": "s2hk"}[mode],)
    to_standard = {"tw": ("tw2t",), "hk": ("hk2t",)}.get(variant or "", ())
    return to_standard + {"hant": (), "tw": ("t2tw",), "hk": ("t2hk",)}[mode]


def repairs(mode: str, script: Script) -> bool:
    """Whether an article's definite strays are written in its script: with ``repair``, and with a
    whole-article mode for an article already in the target's script (the OpenCC chain between
    two Traditional standards, or none, leaves a Simplified stray as it is).

    >>> repairs("repair", "hans"), repairs("hk", "hant"), repairs("hans", "hans"), repairs("hans", "hant")
    (True, True, True, False)
    """
    target = TARGETS.get(mode)
    return mode == "repair" or (target is not None and target[0] == script)


def convert(text: str, configs: Iterable[str]) -> tuple[str, int]:
    """Apply OpenCC configurations in order; return the text and how many characters changed.

    >>> convert("软件信息", ["s2twp"])
    ('軟體資訊', 4)
    """
    out = text
    for config in configs:
        out = converter(config).convert(out)
    # Edit distance, not a position-wise count: a phrase may change length (U盘 → 隨身碟)
    # and shift everything after it.
    return (text, 0) if out == text else (out, Levenshtein.distance(text, out))


def locate(detection: Detection, raw: str, text: str) -> Detection:
    """Map each candidate from its offset in the raw article to its offset in ``text``.

    ``text`` is the article after splitting and normalization (title and credits
    cut, punctuation widened, paragraphs joined); an alignment of the two carries
    the offsets over. A candidate whose character is not found there gets None.

    >>> raw = "標題\\n\\n他在這裡，TOP10里面還有。"
    >>> d = locate(detect(raw), raw, "他在這裡,TOP10里面還有。")
    >>> [(c.start, c.at) for c in d.candidates]
    [(14, 10)]
    """
    if not detection.candidates:
        return detection
    where = _aligned(raw, text)
    located = []
    for c in detection.candidates:
        j = where[c.start]
        located.append(replace(c, at=j if j is not None and text[j] == c.text else None))
    return replace(detection, candidates=tuple(located))


def repair(text: str, spans: Iterable[Span], detection: Detection) -> tuple[str, int]:
    """Write each definite span's suggestion into ``text`` where :func:`locate` found it.

    Only definite spans are passed in; advisories (proper nouns, no evidence) never are.
    Returns the text and the number of characters replaced.
    """
    spans = tuple(spans)
    if not spans:
        return text, 0
    at = {c.start: c.at for c in detection.candidates}
    chars = list(text)
    n = 0
    for span in spans:
        for k, (old, new) in enumerate(zip(span.text, span.suggest, strict=True)):
            j = at.get(span.start + k)
            if j is not None and chars[j] == old:
                chars[j] = new
                n += 1
    return ("".join(chars), n) if n else (text, 0)


# ---- `toolkit detect`: a report per file and per article ------------------------

CONTEXT = 8  # characters of context shown on each side of a span


def _context(raw: str, span: Span) -> str:
    """The span in a little context on one line: 那些車企，TOP10[里→裡]面還有很多."""
    left = raw[max(0, span.start - CONTEXT):span.start]
    right = raw[span.end:span.end + CONTEXT]
    return " ".join(f"{left}[{span.text}→{span.suggest}]{right}".split())


def _span_json(raw: str, span: Span) -> dict[str, Any]:
    return {**span.to_json(), "context": _context(raw, span)}


def detect_files(files: Iterable[tuple[str, bytes | Rejected]], config: Config | None = None) -> dict[str, Any]:
    """Decode, split and detect every article of ``files`` ((name, bytes) pairs, or (name, why
    it was not read)).

    Spans are resolved with evidence from all the files together, as ``clean`` does.
    Returns ``{"files": [...], "totals": {...}}``; a file that cannot be read or decoded has
    a ``reason`` and no articles.
    """
    from .pipeline import file_id  # local import: pipeline imports this module

    config = config or Config()
    found: list[tuple[dict[str, Any], list[tuple[str, str | None, Detection]]]] = []
    corpus: dict[str, set[str]] = {}
    for name, data in files:
        decoded = data if isinstance(data, Rejected) else decode_bytes(data, config.encoding)
        if isinstance(decoded, Rejected):
            found.append(({"file": name, "encoding": None, "reason": decoded.reason, "detail": decoded.detail}, []))
            continue
        text = decoded.text
        articles = []
        for seg in find_segments(text, config.split):
            if seg.kind != "article":
                continue
            raw = text[seg.start:seg.end]
            d = detect(without(raw, ((c.start - seg.start, c.end - seg.start) for c in seg.credits)),
                       config.script.min_evidence)
            corpus.setdefault(d.script, set()).update(d.lexicon)
            articles.append((raw, text[seg.title[0]:seg.title[1]] if seg.title else None, d))
        found.append(({"file": name, "encoding": decoded.encoding}, articles))
    out_files = []
    totals: dict[str, Any] = {"files": len(found), "articles": 0, "mixed_spans": 0, "advisories": 0,
                              "scripts": {}}
    for info, articles in found:
        rows = []
        for n, (raw, title, d) in enumerate(articles):
            spans, advisories = resolve(d, corpus)
            rows.append({
                "id": f"{file_id(info['file'])}:{n}", "article": n, "title": title, "script": d.script, "variant": d.variant, "chars": len(raw),
                "counts": {k: v for k, v in d.counts.items()},
                "mixed_spans": [_span_json(raw, s) for s in spans],
                "advisories": [_span_json(raw, s) for s in advisories],
            })
            totals["articles"] += 1
            totals["mixed_spans"] += len(spans)
            totals["advisories"] += len(advisories)
            totals["scripts"][d.script] = totals["scripts"].get(d.script, 0) + 1
        out_files.append({**info, "articles": rows})
    totals["scripts"] = dict(sorted(totals["scripts"].items()))
    return {"files": out_files, "totals": totals}


def detect_table(report: Mapping[str, Any]) -> str:
    """The :func:`detect_files` report as plain text for people."""
    lines = []
    for f in report["files"]:
        if "reason" in f:
            lines.append(f"{f['file']}: {f['reason']} ({f['detail']})")
            continue
        lines.append(f"{f['file']} ({f['encoding']}): {len(f['articles'])} articles")
        for a in f["articles"]:
            c = a["counts"]
            label = a["script"] + (f"/{a['variant']}" if a["variant"] else "")
            title = (a["title"] or "")[:24]
            lines.append(f"  #{a['article']:<3} {label:<9} simplified-only {c['simplified_only']:>5}  "
                         f"traditional-only {c['traditional_only']:>5}  cjk {c['cjk']:>6}  "
                         f"spans {len(a['mixed_spans'])}  advisories {len(a['advisories'])}  {title}")
            for s in a["mixed_spans"]:
                lines.append(f"       span     {s['start']:>6}  {s['reason']:<22} {s['context']}")
            for s in a["advisories"]:
                lines.append(f"       advisory {s['start']:>6}  {s['reason']:<22} {s['context']}")
    t = report["totals"]
    scripts = ", ".join(f"{k} {v}" for k, v in t["scripts"].items()) or "none"
    lines.append(f"{t['articles']} articles in {t['files']} files ({scripts}): "
                 f"{t['mixed_spans']} mixed-script spans, {t['advisories']} advisories")
    return shown("\n".join(lines)) + "\n"  # titles and contexts come from the input
