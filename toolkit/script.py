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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

import opencc
from rapidfuzz.distance import Levenshtein

from .models import Script, Span, Variant
from .tables import CJK_CLASS, classes

_CJK_RE = re.compile(f"[{CJK_CLASS}]")
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
# How an article is folded to Simplified for matching (dedup): regional phrasing included.
FOLDS: dict[tuple[str, str | None], str] = {
    ("hant", "tw"): "tw2sp",
    ("hant", "hk"): "hk2s",
}


@cache
def converter(config: str) -> opencc.OpenCC:
    """An OpenCC converter, built once per process (loading dictionaries is slow)."""
    return opencc.OpenCC(config)


_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")


@cache
def _class_res(*names: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    chars = sorted(set().union(*(classes()[n] for n in names)))
    bmp = "".join(c for c in chars if ord(c) <= 0xFFFF)
    # sre scans a BMP-only class as a bitmap; one astral member makes every
    # character a linear search (hundreds of times slower), so keep two patterns.
    return re.compile("[" + re.escape(bmp) + "]"), re.compile("[" + re.escape("".join(chars)) + "]")


def _class_re(text: str, *names: str) -> re.Pattern[str]:
    """The pattern for a union of classes, the fast BMP one when ``text`` allows."""
    bmp, full = _class_res(*names)
    return full if _ASTRAL_RE.search(text) else bmp


def _count(text: str, *names: str) -> int:
    return len(_class_re(text, *names).findall(text))


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
    """
    s_only, t_only = _count(text, "s_only"), _count(text, "t_only")
    counts = {"simplified_only": s_only, "traditional_only": t_only, "cjk": len(_CJK_RE.findall(text))}
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
    if script == "hans":
        return "cn", {}
    if script != "hant":
        return None, {}
    tw = _count(text, "tw_only") - _count(text, "not_tw")
    hk = _count(text, "hk_only") - _count(text, "not_hk")
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


def _name_like(text: str, i: int, suggest: str) -> str | None:
    # A short quoted run is usually a brand or title (华为“乾崮”).
    left = max((text.rfind(q, max(0, i - 4), i) for q in _OPEN_QUOTES), default=-1)
    if left >= 0:
        right = [text.find(q, i + 1, i + 5) for q in _CLOSE_QUOTES]
        if any(r >= 0 for r in right):
            return "quoted_name"
    # A suggestion outside the common plane means the "correct" form is rare in practice.
    if any(ord(c) > 0xFFFF or 0x3400 <= ord(c) <= 0x4DBF for c in suggest):
        return "rare_form"
    return None


def _words(text: str, i: int, ch: str) -> tuple[str, ...]:
    """The two CJK bigrams around position i, with ch in place of text[i]."""
    out = []
    if i > 0 and _CJK_RE.match(text[i - 1]):
        out.append(text[i - 1] + ch)
    if i + 1 < len(text) and _CJK_RE.match(text[i + 1]):
        out.append(ch + text[i + 1])
    return tuple(out)


def lexicon(text: str, script: Script) -> frozenset[str]:
    """Bigrams of ``text`` that contain a character an ambiguous stray would become.

    >>> sorted(lexicon("TOP10裡面還有", "hant"))
    ['裡面']
    """
    if script == "none":
        return frozenset()
    targets = _class_re(text, "hant_targets" if script == "hant" else "hans_targets")
    words: set[str] = set()
    for m in targets.finditer(text):
        words.update(_words(text, m.start(), m.group()))
    return frozenset(words)


def detect(text: str, min_evidence: int = 1) -> Detection:
    """Label one article and list candidate strays (offsets into ``text``).

    >>> d = detect("兩年前那些車企，TOP10里面還有很多品牌在這裡。")
    >>> d.script, d.variant, [(c.text, c.suggest, c.kind) for c in d.candidates]
    ('hant', 'tw', [('里', '裡', 'ambiguous')])
    """
    script, counts = label(text, min_evidence)
    variant, vcounts = variant_of(text, script)
    counts.update(vcounts)
    candidates: list[Candidate] = []
    if script != "none":
        minority = ("s_only", "s_ambiguous") if script == "hant" else ("t_only", "t_ambiguous")
        only = classes()[minority[0]]
        suspects = [m.start() for m in _class_re(text, *minority).finditer(text)]
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
                    name_like=_name_like(text, i, suggest),
                ))
    counts["candidates"] = len(candidates)
    return Detection(script, variant, counts, tuple(candidates), lexicon(text, script))


def resolve(
    detection: Detection, corpus: Mapping[str, Iterable[str]] | None = None
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
    seen = set(corpus.get(detection.script, ())) if corpus else set()
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
    return _merge(definite), tuple(advisory)


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
    return converter(FOLDS.get((script, variant), "t2s")).convert(text)
