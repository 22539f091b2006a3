"""Align near-duplicate articles and render them for review.

`align` compares a kept article with one of its duplicates, first sentence by
sentence and then character by character inside changed sentences.  The
result (a list of `Row`) is rendered as a self-contained HTML page per
duplicate cluster (`render_cluster_page`), an index of clusters
(`render_index`) or plain/ANSI text (`render_terminal`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, groupby, pairwise
from operator import eq
from typing import NamedTuple, TypeVar
from urllib.parse import quote

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from .display import UNSAFE, shown

__all__ = [
    "ArticleView",
    "ClusterView",
    "Fold",
    "Folder",
    "MemberView",
    "Piece",
    "Row",
    "align",
    "align_each",
    "render_cluster_page",
    "render_index",
    "render_pair",
    "render_terminal",
    "split_sentences",
]

Fold = Callable[[str], str]
"""Maps one character to its script-folded form (e.g. Traditional -> Simplified).

It must be pure: `align` and `render_cluster_page` wrap it in a `Folder`, which asks it
once per character; pass them one `Folder` to share its answers across calls.
"""

MATCH_THRESHOLD = 60.0  # fuzz.ratio (0..100) at or above which two sentences are "the same sentence"

_V = TypeVar("_V")

_TERMINATORS = "。！？!?；"
_CLOSERS = "”’」』）"
_TRAILING_SPACE = " \t\r\n"  # not U+3000: it usually indents the *next* paragraph
# A sentence runs to a terminator (plus the terminators and closers right after it) or a
# newline, then takes the trailing space; the second branch is an unterminated tail.
_SENTENCE_RE = re.compile(
    f"[^{_TERMINATORS}\n]*(?:[{_TERMINATORS}][{_TERMINATORS}{_CLOSERS}]*|\n)[{_TRAILING_SPACE}]*"
    f"|[^{_TERMINATORS}\n]+"
)


class Piece(NamedTuple):
    """A run of characters on one side of a row.

    tag: "eq" (on both sides), "del" (left only), "ins" (right only) or
    "script" (differs from the other side only by script: fold(left) == fold(right)).

    A named tuple: a page holds hundreds of pieces, made faster than a frozen dataclass.
    """

    text: str
    tag: str


@dataclass(frozen=True, slots=True)
class Row:
    """One aligned sentence pair.

    kind: "equal", "changed", "deleted" (sentence only in left) or "inserted" (only in right).
    """

    kind: str
    left: tuple[Piece, ...]
    right: tuple[Piece, ...]


@dataclass(frozen=True, slots=True)
class ArticleView:
    """The parts of an article shown on review pages."""

    id: str
    title: str | None
    source: str | None
    text: str
    where: str = ""  # where it is in the input: file, line of a JSON Lines file, character span


@dataclass(frozen=True, slots=True)
class MemberView:
    """A duplicate compared with its cluster's keeper; rows = align(keeper.text, article.text)."""

    article: ArticleView
    similarity: float
    containment: float
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class ClusterView:
    """A duplicate cluster: the kept article, how it was chosen, and the duplicates."""

    cluster_id: str
    keeper: ArticleView
    rule: str
    members: tuple[MemberView, ...]


# --------------------------------------------------------------------------- alignment


def split_sentences(text: str) -> list[str]:
    """Split Chinese text into sentences, keeping every character (``''.join(result) == text``).

    A sentence ends after 。！？!?； or a newline.  Further terminators and closing
    quotes/brackets (”’」』）) right after the terminator, then trailing spaces and
    newlines, stay with the sentence.

    >>> split_sentences("他說：「好。」然後走了！！\\n\\n新段落")
    ['他說：「好。」', '然後走了！！\\n\\n', '新段落']
    >>> split_sentences("")
    []
    """
    return _SENTENCE_RE.findall(text)


def _identity(c: str) -> str:
    return c


class _Table(dict[int, _V]):
    """A ``str.translate`` table filled on demand: a miss asks ``answer`` about that character."""

    __slots__ = ("_answer",)

    def __init__(self, answer: Callable[[str], _V]) -> None:
        super().__init__()
        self._answer = answer

    def __missing__(self, code: int) -> _V:
        value = self[code] = self._answer(chr(code))
        return value


_UNASKED = 0xFFFFFFFF  # in Folder's code table: a character not asked about yet
_SEVERAL = 0xFFFFFFFE  # an answer of other than one character


class Folder:
    """A `Fold` that folds whole strings, each in one ``str.translate`` call.

    ``fold`` (one character to its folded form) is asked once per distinct character,
    when a string containing it is first folded.  Calling the folder folds every character
    of a string, `parts` many strings at once; ``one_to_one`` tells whether each answer so
    far was a single character.
    """

    __slots__ = ("_codes", "_fold", "_kept", "_keys", "_table", "one_to_one")

    def __init__(self, fold: Fold) -> None:
        self._fold = fold
        self._table: _Table[str] = _Table(self._ask)
        self._keys: _Table[str | None] = _Table(lambda c: None if c.isspace() else self._table[ord(c)])
        # The answers again as code points, and which characters are not whitespace, indexed by
        # code point: `parts` folds many strings in a few numpy passes.  Grown as code points come.
        self._codes = np.empty(0, dtype=np.uint32)
        self._kept = np.empty(0, dtype=bool)
        # True while every answer is one character: a folded string then lines up with its input.
        self.one_to_one = True

    def _ask(self, c: str) -> str:
        try:
            folded = self._fold(c)
        except LookupError as err:  # str.translate would read it as "leave the character alone"
            raise RuntimeError(f"the fold failed on {c!r}: {err!r}") from err
        if len(folded) != 1:
            self.one_to_one = False
        return folded

    def __call__(self, text: str) -> str:
        """``text`` folded character by character."""
        return text.translate(self._table)

    def key(self, text: str) -> str:
        """``text`` folded with whitespace dropped: what sentences are matched on."""
        return text.translate(self._keys)

    def parts(self, parts: Sequence[str]) -> tuple[list[str], list[str]]:
        """``[self(p) for p in parts]`` and ``[self.key(p) for p in parts]``, folded together."""
        codes = np.frombuffer("".join(parts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        folded = self._fold_codes(codes)
        if not self.one_to_one:  # folded text no longer lines up with its input
            return [self(p) for p in parts], [self.key(p) for p in parts]
        keep = self._kept[codes]
        bounds = [0, *accumulate(map(len, parts))]
        key_bounds = np.concatenate(([0], np.cumsum(keep)))[bounds].tolist()
        return _cut(_decode(folded), bounds), _cut(_decode(folded[keep]), key_bounds)

    def _fold_codes(self, codes: np.ndarray) -> np.ndarray:
        """Each code point's answer as a code point, asking about the characters not asked yet."""
        if codes.size and (top := int(codes.max())) >= self._codes.size:
            size = min(1 << top.bit_length(), 0x110000)  # a power of two: regrowth stays rare
            grown = self._codes.size
            self._codes = np.concatenate((self._codes, np.full(size - grown, _UNASKED, dtype=np.uint32)))
            self._kept = np.concatenate((self._kept, np.zeros(size - grown, dtype=bool)))
        folded = self._codes[codes]
        unasked = folded == _UNASKED
        if not unasked.any():
            return folded
        for code in np.unique(codes[unasked]).tolist():
            answer = self._table[code]
            self._codes[code] = ord(answer) if len(answer) == 1 else _SEVERAL
            self._kept[code] = not chr(code).isspace()
        return self._codes[codes]


def _decode(codes: np.ndarray) -> str:
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


def _cut(text: str, bounds: Sequence[int]) -> list[str]:
    return [text[start:end] for start, end in pairwise(bounds)]


def _as_folder(fold: Fold | None) -> Folder:
    return fold if isinstance(fold, Folder) else Folder(fold or _identity)


def _intern(*seqs: Iterable[Hashable]) -> list[list[int]]:
    # Small ints instead of str elements: rapidfuzz hashes arbitrary objects, and str hashes
    # vary between runs (PYTHONHASHSEED), so interning keeps alignment collision-free and stable.
    ids: dict[Hashable, int] = {}
    return [[ids.setdefault(x, len(ids)) for x in seq] for seq in seqs]


# Piece(text, tag) without the named tuple's Python-level __new__: a page makes thousands.
_piece = partial(tuple.__new__, Piece)


def _pieces(runs: Iterable[tuple[str, str]]) -> tuple[Piece, ...]:
    """Pieces of the non-empty (tag, text) runs, neighbours with the same tag joined."""
    out: list[Piece] = []
    tag, text = "", ""
    for run_tag, run_text in runs:
        if run_tag == tag:
            text += run_text
        elif run_text:
            if text:
                out.append(_piece((text, tag)))
            tag, text = run_tag, run_text
    if text:
        out.append(_piece((text, tag)))
    return tuple(out)


def _char_diff(x: str, y: str, fx: str, fy: str, fold: Folder) -> tuple[tuple[Piece, ...], tuple[Piece, ...]]:
    """Character-level pieces of two sentences; ``fx``, ``fy`` are ``fold(x)``, ``fold(y)``."""
    # Diffing the folded characters makes script variants line up as "equal"; the raw
    # characters then tell identical runs from script-only ones.
    left_folded: Sequence[Hashable] = fx
    right_folded: Sequence[Hashable] = fy
    if not fold.one_to_one:  # some character folds to several: diff the folded forms as tokens
        left_folded, right_folded = _intern(map(fold, x), map(fold, y))
    ops: list[tuple[str, str, str]] = []  # (tag, left text, right text); tag eq | script | edit

    def push_edit(left: str, right: str) -> None:
        if ops and ops[-1][0] == "edit":
            _, l0, r0 = ops.pop()
            left, right = l0 + left, r0 + right
        ops.append(("edit", left, right))
        # Absorb a short equal run squeezed between two edits (as diff-match-patch's semantic
        # cleanup does): scattered one-character matches like 的 make edits unreadable.
        while len(ops) >= 3 and ops[-2][0] == "eq" and ops[-3][0] == "edit":
            (_, l0, r0), (_, l1, r1), (_, l2, r2) = ops[-3:]
            if len(l1) > min(max(len(l0), len(r0)), max(len(l2), len(r2))):
                break
            ops[-3:] = [("edit", l0 + l1 + l2, r0 + r1 + r2)]

    # Only an edit merges or absorbs; equal and script runs are appended as they come.
    for op in Indel.opcodes(left_folded, right_folded):
        left, right = x[op.src_start : op.src_end], y[op.dest_start : op.dest_end]
        if op.tag != "equal":
            push_edit(left, right)
        elif left == right:
            ops.append(("eq", left, right))
        else:
            pos = 0
            for same, grp in groupby(map(eq, left, right)):
                end = pos + len(list(grp))
                ops.append(("eq" if same else "script", left[pos:end], right[pos:end]))
                pos = end
    return (
        _pieces([("del" if tag == "edit" else tag, left) for tag, left, _ in ops]),
        _pieces([("ins" if tag == "edit" else tag, right) for tag, _, right in ops]),
    )


def _pair_row(x: str, y: str, fx: str, fy: str, fold: Folder) -> Row:
    if x == y:
        side = (Piece(x, "eq"),)  # one tuple for both sides: equal, and compared at a glance
        return Row("equal", side, side)
    return Row("changed", *_char_diff(x, y, fx, fy, fold))


@dataclass(frozen=True, slots=True)
class _Sentences:
    """A text's sentences, each folded, and their keys (folded, whitespace dropped)."""

    raw: list[str]
    folded: list[str]
    keys: list[str]

    def cut(self, start: int, stop: int) -> _Sentences:
        return _Sentences(self.raw[start:stop], self.folded[start:stop], self.keys[start:stop])


def _sentences(text: str, fold: Folder) -> _Sentences:
    # Whitespace is ignored when matching: re-wrapped copies should still match.
    raw = split_sentences(text)
    return _Sentences(raw, *fold.parts(raw))


def _align_run(a: _Sentences, b: _Sentences, fold: Folder) -> list[Row]:
    """Rows for a run of sentences between two exact anchors."""
    cands = sorted(
        (-score, i, j)
        for i, x in enumerate(a.keys)
        for j, y in enumerate(b.keys)
        if (score := fuzz.ratio(x, y, score_cutoff=MATCH_THRESHOLD)) >= MATCH_THRESHOLD
    )
    # Greedy by best similarity, keeping pairs in order (no crossing, each sentence used once).
    pairs: list[tuple[int, int]] = []
    for _, i, j in cands:
        if all((i < p and j < q) or (i > p and j > q) for p, q in pairs):
            pairs.append((i, j))
    rows: list[Row] = []
    i0 = j0 = 0
    for i, j in [*sorted(pairs), (len(a.raw), len(b.raw))]:
        rows += [Row("deleted", (Piece(s, "del"),), ()) for s in a.raw[i0:i]]
        rows += [Row("inserted", (), (Piece(s, "ins"),)) for s in b.raw[j0:j]]
        if i < len(a.raw):
            rows.append(_pair_row(a.raw[i], b.raw[j], a.folded[i], b.folded[j], fold))
        i0, j0 = i + 1, j + 1
    return rows


def _align(a: _Sentences, b: _Sentences, fold: Folder) -> list[Row]:
    rows: list[Row] = []
    i = j = 0
    for op in Indel.opcodes(*_intern(a.keys, b.keys)):
        if op.tag == "equal":
            rows += _align_run(a.cut(i, op.src_start), b.cut(j, op.dest_start), fold)
            same_a, same_b = a.cut(op.src_start, op.src_end), b.cut(op.dest_start, op.dest_end)
            rows += [_pair_row(x, y, fx, fy, fold)
                     for x, y, fx, fy in zip(same_a.raw, same_b.raw, same_a.folded, same_b.folded, strict=True)]
            i, j = op.src_end, op.dest_end
    rows += _align_run(a.cut(i, len(a.raw)), b.cut(j, len(b.raw)), fold)
    return rows


def align(a: str, b: str, fold: Fold | None = None) -> list[Row]:
    """Align ``a`` (kept article) with ``b`` (duplicate) into rows of pieces.

    Sentences whose folded, whitespace-free text is identical anchor the alignment
    (LCS over sentences).  Between anchors, sentences pair up when fuzz.ratio of
    their folded text is >= 60, greedily by best similarity and in order; the rest
    become "deleted"/"inserted" rows.  Paired sentences that differ are diffed by
    character, with script-only differences tagged "script".  Joining all left
    pieces gives ``a``, all right pieces gives ``b``.

    >>> table = {"裡": "里"}
    >>> rows = align("車在這裡。出口增加。", "01.車在這里。出口增加。新句子。", lambda c: table.get(c, c))
    >>> [r.kind for r in rows]
    ['changed', 'equal', 'inserted']
    >>> [(p.tag, p.text) for p in rows[0].right]
    [('ins', '01.'), ('eq', '車在這'), ('script', '里'), ('eq', '。')]
    """
    f = _as_folder(fold)
    return _align(_sentences(a, f), _sentences(b, f), f)


def align_each(a: str, others: Iterable[str], fold: Fold | None = None) -> list[list[Row]]:
    """``[align(a, b, fold) for b in others]``, splitting and folding ``a`` once.

    >>> align_each("甲。", ["甲。", "乙。"]) == [align("甲。", "甲。"), align("甲。", "乙。")]
    True
    """
    f = _as_folder(fold)
    keeper = _sentences(a, f)
    return [_align(keeper, _sentences(b, f), f) for b in others]


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans CJK TC","Source Han Sans SC","PingFang SC","PingFang TC",
"Hiragino Sans GB","Microsoft YaHei","Microsoft JhengHei",sans-serif;line-height:1.6;margin:1.5em;
color:#222;background:#fff}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;text-align:left;
word-break:break-all;overflow-wrap:anywhere}
th{background:#f3f3f3}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.differs{background:#fff0b3}
td.differs-script{background:#fde7c7}
table.diff{table-layout:fixed}
table.diff col.gutter{width:2em}
table.diff td.text{white-space:pre-wrap}
table.diff td.gutter{text-align:center;font-weight:bold;color:#666}
tr.changed td.gutter{color:#b36b00;background:#fff5e0}
tr.deleted td.gutter{color:#b00;background:#fee}
tr.inserted td.gutter{color:#070;background:#efe}
td.empty{background:repeating-linear-gradient(45deg,#fafafa,#fafafa 6px,#f0f0f0 6px,#f0f0f0 12px)}
del{background:#fcc;color:#900;text-decoration:line-through}
ins{background:#cfc;color:#050;text-decoration:none}
mark.script{background:#ffd166;color:inherit;border-bottom:2px dotted #b36b00}
del.nl::before,ins.nl::before{content:"↵"}
.counts span{margin-right:1.2em}
.legend{margin:1em 0;padding:.5em;border:1px solid #ddd;background:#fafafa}
.legend span{margin-right:1.5em}
"""

_GUTTER = {"equal": "", "changed": "~", "deleted": "−", "inserted": "+"}
_KIND_TITLE = {
    "equal": "equal sentence",
    "changed": "changed sentence",
    "deleted": "sentence only in the kept article",
    "inserted": "sentence only in the duplicate",
}


def _e(text: object) -> str:
    return html.escape(shown(str(text)), quote=True)


_HTML_SPECIAL = re.compile(f"[&<>\"']|{UNSAFE.pattern}")


def _escape(text: str) -> str:
    """``html.escape`` of :func:`shown`, skipping both when nothing needs them (most text)."""
    return html.escape(shown(text)) if _HTML_SPECIAL.search(text) else text


def _document(title: str, body: Iterable[str]) -> str:
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n",
            *body,
            "</body>\n</html>\n",
        ]
    )


def _script_text(pieces: Iterable[Piece]) -> str:
    return "".join([p.text for p in pieces if p.tag == "script"])


def _cell(pieces: Sequence[Piece], other: Sequence[Piece], left: bool) -> str:
    """HTML for one side of a row; script marks name both variants (kept / duplicate)."""
    counterpart, pos, out = None, 0, []
    # One search of the whole side instead of one a piece: most sides need no escaping at all.
    escape = _escape if _HTML_SPECIAL.search("".join([p.text for p in pieces])) else str
    for p in pieces:
        raw, tag = p.text, p.tag
        text = escape(raw)
        if tag == "script":
            if counterpart is None:
                counterpart = _script_text(other)
            # html.escape maps each character on its own: escaped parts make the escaped pair.
            twin = _escape(counterpart[pos : pos + len(raw)])
            pos += len(raw)
            pair = f"{text} / {twin}" if left else f"{twin} / {text}"
            out.append(f'<mark class="script" title="script-only difference: {pair}">{text}</mark>')
        elif tag == "del" or tag == "ins":
            nl = ' class="nl"' if raw.isspace() and "\n" in raw else ""
            out.append(f"<{tag}{nl}>{text}</{tag}>")
        else:
            out.append(text)
    return "".join(out)


def _counts(rows: Sequence[Row]) -> dict[str, int]:
    counts = {kind: 0 for kind in _GUTTER}
    for row in rows:
        counts[row.kind] = counts.get(row.kind, 0) + 1
    counts["script"] = sum(len(p.text) for row in rows for p in row.right if p.tag == "script")
    return counts


def _differs_class(value: str | None, keeper: str | None, fold: Folder) -> str:
    if value == keeper:
        return ""
    if value is not None and keeper is not None and len(value) == len(keeper):
        folded = fold(value) == fold(keeper)
        if not fold.one_to_one:
            folded = all(fold(x) == fold(y) for x, y in zip(value, keeper, strict=True))
        if folded:
            return ' class="differs-script" title="differs from the keeper only by script"'
    return ' class="differs" title="differs from the keeper"'


def _or_dash(value: str | None) -> str:
    return "—" if value is None else _e(value)


def _row_head(kind: str) -> str:
    return (f'<tr class="{_e(kind)}"><td class="gutter" title="{_KIND_TITLE.get(kind, "")}">'
            f"{_GUTTER.get(kind, '?')}</td>")


_ROW_HEADS = {kind: _row_head(kind) for kind in _GUTTER}


def _member_section(n: int, total: int, keeper: ArticleView, m: MemberView) -> list[str]:
    c = _counts(m.rows)
    out = [
        f'<section class="member" id="member-{n}">\n',
        f"<h2>Duplicate {n} of {total}: {_e(m.article.id)}</h2>\n",
        '<p class="counts">',
        f"<span>sentences equal: <b>{c['equal']}</b></span>",
        f"<span>changed: <b>{c['changed']}</b></span>",
        f"<span>inserted: <b>{c['inserted']}</b></span>",
        f"<span>deleted: <b>{c['deleted']}</b></span>",
        f"<span>script-only characters: <b>{c['script']}</b></span></p>\n",
        '<table class="diff">\n<colgroup><col class="gutter"><col><col></colgroup>\n',
        f"<thead><tr><th></th><th>Kept: {_e(keeper.id)}</th><th>Duplicate: {_e(m.article.id)}</th></tr>"
        "</thead>\n<tbody>\n",
    ]
    for row in m.rows:
        if len(row.left) == 1 and row.left == row.right and row.left[0].tag == "eq":
            left = right = _escape(row.left[0].text)  # an equal row: both cells are its text
        else:
            left = _cell(row.left, row.right, True)
            right = _cell(row.right, row.left, False)
        out.append(
            f"{_ROW_HEADS.get(row.kind) or _row_head(row.kind)}"
            f'<td class="text{"" if row.left else " empty"}">{left}</td>'
            f'<td class="text{"" if row.right else " empty"}">{right}</td></tr>\n'
        )
    out.append("</tbody>\n</table>\n</section>\n")
    return out


def _member_link(n: int) -> str:
    return f'<a href="#member-{n}">duplicate {n}</a>'


# Duplicates a cluster page aligns; the rest are rows of its table (thousands of copies of one
# template would make a page of gigabytes).
PAGE_MEMBERS = 50


def render_cluster_page(cluster: ClusterView, fold: Fold | None = None) -> str:
    """Self-contained HTML page showing the keeper beside each duplicate, aligned.

    ``fold`` is used to tell script-only title/source differences from real ones
    in the summary table (the rows themselves were aligned beforehand).
    """
    f = _as_folder(fold)
    k = cluster.keeper
    aligned = min(len(cluster.members), PAGE_MEMBERS)
    body = [
        '<nav><a href="index.html">All clusters</a> · <a href="../report.html">Report</a></nav>\n',
        f"<header>\n<h1>Cluster {_e(cluster.cluster_id)}</h1>\n",
        f"<p>Kept article: <b>{_e(k.id)}</b>, chosen by rule <b>{_e(cluster.rule)}</b>; ",
        f"{len(cluster.members)} duplicate(s).</p>\n</header>\n",
        '<table class="summary">\n<thead><tr><th>role</th><th>id</th><th>in the input</th><th>title</th><th>source</th>',
        "<th>similarity</th><th>containment</th></tr></thead>\n<tbody>\n",
        f"<tr><td>kept</td><td>{_e(k.id)}</td><td>{_or_dash(k.where or None)}</td><td>{_or_dash(k.title)}</td>"
        f"<td>{_or_dash(k.source)}</td>",
        '<td class="num">—</td><td class="num">—</td></tr>\n',
    ]
    for n, m in enumerate(cluster.members, 1):
        a = m.article
        body.append(
            f"<tr><td>{_member_link(n) if n <= aligned else f'duplicate {n}'}</td><td>{_e(a.id)}</td>"
            f"<td>{_or_dash(a.where or None)}</td>"
            f"<td{_differs_class(a.title, k.title, f)}>{_or_dash(a.title)}</td>"
            f"<td{_differs_class(a.source, k.source, f)}>{_or_dash(a.source)}</td>"
            f'<td class="num">{m.similarity:.3f}</td><td class="num">{m.containment:.3f}</td></tr>\n'
        )
    body += [
        "</tbody>\n</table>\n",
        '<p class="legend"><b>Legend:</b> ',
        "<span>left = kept article, right = duplicate</span>",
        "<span><del>deleted</del> only in the kept article</span>",
        "<span><ins>inserted</ins> only in the duplicate</span>",
        '<span><mark class="script" title="script-only difference">裡</mark> ',
        "differs only by script (e.g. 裡 / 里)</span>",
        "<span>gutter: ~ changed, − deleted sentence, + inserted sentence</span>",
        "<span>highlighted title/source: differs from the kept article</span></p>\n",
    ]
    for n, m in enumerate(cluster.members[:aligned], 1):
        body += _member_section(n, len(cluster.members), k, m)
    if aligned < len(cluster.members):
        body.append(f'<p class="more">The first {aligned} duplicates are aligned above; the other '
                    f"{len(cluster.members) - aligned} are in the table at the top and in clusters.jsonl.</p>\n")
    return _document(f"Cluster {cluster.cluster_id}", body)


def render_index(
    clusters: Sequence[ClusterView], page_names: Sequence[str], title: str = "Duplicate clusters"
) -> str:
    """Self-contained HTML index of clusters; ``page_names[i]`` is the relative link for ``clusters[i]``."""
    if len(clusters) != len(page_names):
        raise ValueError(f"{len(clusters)} clusters but {len(page_names)} page names")
    body = [
        '<nav><a href="../report.html">Report</a></nav>\n',
        f"<h1>{_e(title)}</h1>\n<p>{len(clusters)} cluster(s).</p>\n",
        '<table class="index">\n<thead><tr><th>cluster</th><th>size</th><th>best similarity</th>',
        "<th>worst similarity</th><th>kept title</th><th>sources</th></tr></thead>\n<tbody>\n",
    ]
    for c, name in zip(clusters, page_names, strict=True):
        sims = [m.similarity for m in c.members]
        best, worst = (f"{max(sims):.3f}", f"{min(sims):.3f}") if sims else ("—", "—")
        sources = [c.keeper.source, *(m.article.source for m in c.members)]
        unique = list(dict.fromkeys(s for s in sources if s))
        body.append(
            f'<tr><td><a href="{_e(quote(name))}">{_e(c.cluster_id)}</a></td>'
            f'<td class="num">{1 + len(c.members)}</td>'
            f'<td class="num">{best}</td><td class="num">{worst}</td>'
            f"<td>{_or_dash(c.keeper.title)}</td><td>{_e(', '.join(unique)) or '—'}</td></tr>\n"
        )
    body.append("</tbody>\n</table>\n")
    return _document(title, body)


# --------------------------------------------------------------------------- terminal

_ANSI = {"del": "\x1b[9;31m", "ins": "\x1b[32m", "script": "\x1b[33m"}
_RESET = "\x1b[0m"
_PREFIX = {"equal": "  ", "changed": "~ ", "deleted": "- ", "inserted": "+ "}


def _unified(left: Sequence[Piece], right: Sequence[Piece]) -> list[tuple[str, str, str]]:
    """Interleave both sides into (tag, left text, right text) runs, deletions before insertions."""
    lc = [(p.tag, ch) for p in left for ch in p.text]
    rc = [(p.tag, ch) for p in right for ch in p.text]
    out: list[tuple[str, str, str]] = []
    i = j = 0
    while i < len(lc) or j < len(rc):
        if i < len(lc) and (lc[i][0] == "del" or j == len(rc)):
            tag, lt, rt = "del", lc[i][1], ""
            i += 1
        elif j < len(rc) and (rc[j][0] == "ins" or i == len(lc)):
            tag, lt, rt = "ins", "", rc[j][1]
            j += 1
        else:
            tag = "script" if "script" in (lc[i][0], rc[j][0]) else "eq"
            lt, rt = lc[i][1], rc[j][1]
            i += 1
            j += 1
        if out and out[-1][0] == tag:
            out[-1] = (tag, out[-1][1] + lt, out[-1][2] + rt)
        else:
            out.append((tag, lt, rt))
    return out


def _mark(tag: str, left: str, right: str, color: bool) -> str:
    left, right = shown(left), shown(right)
    if color:
        text = {"del": left, "ins": right, "script": f"{left}→{right}"}.get(tag, left)
        return f"{_ANSI[tag]}{text}{_RESET}" if tag in _ANSI else text
    plain = {"del": f"[-{left}-]", "ins": f"{{+{right}+}}", "script": f"<script:{left}→{right}>"}
    return plain.get(tag, left)


def render_terminal(rows: Sequence[Row], color: bool = False) -> str:
    """Plain-text rendering, one line per row (newlines shown as ⏎).

    Prefixes: "  " equal, "~ " changed, "- " deleted, "+ " inserted.  Inside changed rows
    [-deleted-], {+inserted+} and <script:kept→duplicate> mark the edits, or ANSI colours
    (red strikethrough, green, yellow) when ``color`` is true.
    """
    lines = []
    for row in rows:
        if row.kind == "changed":
            body = "".join(_mark(tag, lt, rt, color) for tag, lt, rt in _unified(row.left, row.right))
        else:
            body = shown("".join(p.text for p in row.left or row.right))
            if color and row.kind in ("deleted", "inserted"):
                body = f"{_ANSI['del' if row.kind == 'deleted' else 'ins']}{body}{_RESET}"
        lines.append(_PREFIX.get(row.kind, "? ") + body.replace("\n", "⏎"))  # text made safe in _mark and above
    return "\n".join(lines)



def render_pair(
    left: ArticleView, right: ArticleView, rows: Sequence[Row], similarity: float, containment: float,
    color: bool = False, ngram: int = 5,
) -> str:
    """``render_terminal`` under a header naming both articles and their similarity.

    >>> a = ArticleView("a:0", "標題", "中央社", "甲乙丙。")
    >>> print(render_pair(a, ArticleView("b:1", None, None, "甲丁丙。"), align(a.text, "甲丁丙。"), 0.5, 0.5))
    --- a:0  標題 (中央社)
    +++ b:1
    Jaccard 0.5000, containment 0.5000 (matching views, 5-gram shingles)
    ~ 甲[-乙-]{+丁+}丙。
    """
    def name(mark: str, a: ArticleView) -> str:
        extra = "".join(["  " + a.title if a.title else "", f" ({a.source})" if a.source else ""])
        return shown(f"{mark} {a.id}{extra}")

    head = [name("---", left), name("+++", right),
            f"Jaccard {similarity:.4f}, containment {containment:.4f} (matching views, {ngram}-gram shingles)"]
    body = render_terminal(rows, color)
    return "\n".join(head + ([body] if body else []))
