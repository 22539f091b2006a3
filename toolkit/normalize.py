"""Text-quality normalization: small named fixers, each change counted.

Each fixer is ``str -> (str, count)`` with a doctest. :func:`normalize` runs the
chain until nothing changes (every fixer only removes characters or turns an
ASCII mark full-width, so this ends), which makes cleaning idempotent; the
recorded steps replay from the raw article with :func:`replay`. Output stays
NFC, never NFKC: NFKC would turn ，：；！？（） into ASCII.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import cache
from types import ModuleType

import numpy as np

from .config import NormalizeConfig
from .models import Step
from .tables import CJK_CLASS

Fixer = Callable[[str], tuple[str, int]]

_text: ModuleType | None
try:  # the C kernel for fullwidth_punct's marks (toolkit/_text.c), built where a compiler is
    from . import _text
except ImportError:  # pragma: no cover - the regexes give the same result
    _text = None

_IDEO = CJK_CLASS
# Characters that make an ASCII mark next to them Chinese punctuation: ideographs,
# CJK punctuation, full-width forms, curly quotes, ellipsis and dashes. The full-width
# digits ０-９ are the only context characters str.isdigit accepts (a test checks), kept
# apart because 1,000 and 10:30 keep their mark between two digits.
_CTX_DIGITS = "\uff10-\uff19"
_CTX_NODIGIT = _IDEO + "\u3001-\u303f\uff01-\uff0f\uff1a-\uff60\u2018\u2019\u201c\u201d\u2026\u2014"
_CTX = _CTX_NODIGIT + _CTX_DIGITS
_CTX_RE = re.compile(f"[{_CTX}]")
_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
# Two patterns, not one alternation: an address can run into a URL ("a@b.cnhttps://..."), and
# one scan would resume after the address and miss the URL.
# A URL ends where another one starts: two glued URLs are two, each with its own parentheses.
_URL = re.compile(r"(?:https?://|www\.)(?:(?!https?://)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%])+", re.ASCII)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
_ODD_SPACES = "\u00a0\u1680\u2000-\u200a\u202f\u205f"
_ODD_SPACE = re.compile(f"[{_ODD_SPACES}]")
_INVISIBLES = "\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0b-\x1f\x7f-\x9f"
_INVISIBLE = re.compile(f"[{_INVISIBLES}]")
_TERMINAL = "。！？!?…；;：:”’」』）)》〉】〕]\"'—.．"
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.、)）]|[（(]\d{1,3}[)）])\s*")


def nfc(text: str) -> tuple[str, int]:
    """Compose to NFC (never NFKC, which would flatten Chinese punctuation).

    >>> nfc("e\\u0301，")
    ('é，', 1)
    """
    if unicodedata.is_normalized("NFC", text):
        return text, 0
    out = unicodedata.normalize("NFC", text)
    return out, max(1, len(text) - len(out))


def line_endings(text: str) -> tuple[str, int]:
    """CRLF and lone CR become LF.

    >>> line_endings("a\\r\\nb\\rc")
    ('a\\nb\\nc', 2)
    """
    n = text.count("\r")
    return (text.replace("\r\n", "\n").replace("\r", "\n"), n) if n else (text, 0)


def invisible_chars(text: str) -> tuple[str, int]:
    """Remove zero-width characters, soft hyphens and C0/C1 controls (not newline or tab).

    A zero-width joiner inside an emoji sequence stays: 👨‍👩‍👧 is one emoji, not three.

    >>> invisible_chars("中\\u200b文\\x07")
    ('中文', 2)
    >>> invisible_chars("👨\\u200d👩\\u200d👧 中\\u200d文") == ("👨\\u200d👩\\u200d👧 中文", 1)
    True
    """
    if "\u200d" not in text:
        return _INVISIBLE.subn("", text)
    removed = 0

    def repl(m: re.Match[str]) -> str:
        nonlocal removed
        i = m.start()
        if m.group() == "\u200d" and 0 < i < len(text) - 1 and _joins_emoji(text[i - 1], text[i + 1]):
            return m.group()
        removed += 1
        return ""

    return _INVISIBLE.sub(repl, text), removed


def _joins_emoji(before: str, after: str) -> bool:
    """Whether a zero-width joiner between these two characters is part of an emoji sequence
    (👨‍👩‍👧, ❤️‍🔥, 🏃‍♀️): pictographs and dingbats, or the emoji presentation selector before it."""
    def emoji(c: str) -> bool:
        o = ord(c)
        return 0x1F000 <= o <= 0x1FAFF or 0x2600 <= o <= 0x27BF

    return (emoji(before) or before == "\ufe0f") and emoji(after)


def odd_spaces(text: str) -> tuple[str, int]:
    """NBSP and other odd spaces become a space, or go between two CJK characters.

    >>> odd_spaces("1.\\xa0墨西哥 中\\u3000文 中\\xa0文")
    ('1. 墨西哥 中\\u3000文 中文', 2)
    """
    def repl(m: re.Match[str]) -> str:
        s, i = m.string, m.start()
        between = i > 0 and i + 1 < len(s) and _IDEO_RE.match(s[i - 1]) and _IDEO_RE.match(s[i + 1])
        return "" if between else " "

    return _ODD_SPACE.subn(repl, text)


_IDEO_RE = re.compile(f"[{_IDEO}]")


def protected_spans(text: str) -> list[tuple[int, int]]:
    """URLs and e-mail addresses, whose ASCII punctuation is never touched.

    >>> t = "(見https://a.cn/x?a=(1),2)。寫信給a.b@c.cn,謝謝"
    >>> [t[a:b] for a, b in protected_spans(t)]
    ['https://a.cn/x?a=(1),2', 'a.b@c.cn']
    >>> t = "寫信a@b.cnhttps://a.cn/x?b=(3)中"
    >>> [t[a:b] for a, b in protected_spans(t)]
    ['a@b.cnhttps://a.cn/x?b=(3)']
    """
    spans: list[tuple[int, int]] = []
    # Every match holds one of these; a one-character test first is quickest.
    if "@" not in text and ("/" not in text or "://" not in text) and ("w" not in text or "www." not in text):
        return spans
    for m in sorted((*_URL.finditer(text), *_EMAIL.finditer(text)), key=lambda m: m.start()):
        start, end = m.span()
        # Trailing punctuation belongs to the sentence, and so does a ")" that closes
        # a parenthesis opened before the URL: (見https://a.cn/x).
        while end > start and (text[end - 1] in ".,;:!?" or (
                text[end - 1] == ")" and text.count(")", start, end) > text.count("(", start, end))):
            end -= 1
        if spans and start <= spans[-1][1]:  # overlapping or touching: one protected run
            start, end = spans[-1][0], max(end, spans[-1][1])
            spans.pop()
        spans.append((start, end))
    return spans


_CALL = re.compile(r"(?<![A-Za-z0-9_.])[a-z_][A-Za-z0-9_.]*\Z", re.ASCII)


def _next_to(mark: str, chars: str) -> str:
    """Regex: ``mark`` with one of ``chars`` before or after it; but a closing quote after a
    mark that follows a Latin letter ends an English quotation: “Think different,” (a digit
    does not: 增長了7,” is Chinese prose).

    It starts with the mark itself, a literal the regex engine skips ahead to quickly.
    """
    return f"\\{mark}(?:(?<=[{chars}]\\{mark})|(?=[{chars}])(?!(?<=[A-Za-z]\\{mark})[”’]))"


# The marks ,:;!? that their neighbours alone decide, found in C: ;!? next to a context
# character, ,: next to a context character that is not a digit (never 1,000)...
_BY_NEIGHBOUR = {m: re.compile(_next_to(m, _CTX if m in ";!?" else _CTX_NODIGIT)) for m in ",:;!?"}
# ...and the other ,: next to a context character, a full-width digit, for Python to decide.
_NEAR_DIGIT = {m: re.compile(f"\\{m}(?<![{_CTX_NODIGIT}]\\{m})(?![{_CTX_NODIGIT}])"
                             f"(?:(?<=[{_CTX_DIGITS}]\\{m})|(?=[{_CTX_DIGITS}]))") for m in ",:"}


def fullwidth_punct(text: str) -> tuple[str, int]:
    """ASCII ,:;!?() used as Chinese punctuation become full-width.

    A mark is Chinese punctuation when a CJK character or CJK punctuation is next
    to it; numbers (``1,000``, ``10:30``), URLs, e-mail and runs of Latin text stay.
    Parentheses change as a pair.

    >>> fullwidth_punct("期,OTA 個;2025 體制(RCE)創新 2.0 10:30 1,000 Hello, world!")[0]
    '期，OTA 個；2025 體制（RCE）創新 2.0 10:30 1,000 Hello, world!'
    >>> fullwidth_punct("見 https://a.cn/x?a=1,2 吧")[1]
    0
    >>> fullwidth_punct("呼叫f(x, y)後,Stellantis(14%)和雷諾")[0]
    '呼叫f(x, y)後，Stellantis（14%）和雷諾'
    >>> fullwidth_punct("２,3 ２,a 1:２")
    ('２,3 ２，a 1:２', 1)
    """
    # Every decision reads the input text and every change is one character for one, so
    # the commas changed at once by a regex and the other marks changed by position agree.
    protected = protected_spans(text)
    if _text is not None:  # the same decisions in C
        return _text.fullwidth(text, _mark_table(), [b for span in protected for b in span])
    starts = [a for a, _ in protected]

    def free(i: int) -> bool:  # not inside a URL or an e-mail address
        k = bisect_right(starts, i) - 1
        return k < 0 or i >= protected[k][1]

    changed: dict[int, str] = {}
    if "(" in text or ")" in text:
        _parentheses(text, free if protected else None, changed)
    out, count = text, 0
    for mark, pattern in _BY_NEIGHBOUR.items():
        if mark not in text:
            continue
        if mark == "," and not protected:
            out, count = pattern.subn("，", text)
            continue
        for m in pattern.finditer(text):
            if not protected or free(m.start()):
                changed[m.start()] = _FULL[mark]
    size = len(text)
    for mark, pattern in _NEAR_DIGIT.items():
        for m in pattern.finditer(text) if mark in text else ():
            i = m.start()
            if not (0 < i < size - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()) and free(i):
                changed[i] = _FULL[mark]
    if not changed:
        return out, count
    pieces, last = [], 0
    for i in sorted(changed):
        pieces.append(out[last:i])
        pieces.append(changed[i])
        last = i + 1
    pieces.append(out[last:])
    return "".join(pieces), count + len(changed)


# Bits of the C kernel's class table (toolkit/_text.c): a character that makes a mark next to it
# Chinese punctuation (not a full-width digit), a full-width digit, an ASCII letter, a closing
# quote, an ideograph.
_CONTEXT, _WIDE_DIGIT, _LATIN, _CLOSE_QUOTE, _IDEOGRAPH = 1, 2, 4, 8, 16


def _class_bytes(bits: Iterable[tuple[int, str]]) -> bytes:
    """One byte per code point for the C kernel: the bits of the regex classes (the inside of
    ``[...]``) that hold it."""
    every = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    table = np.zeros(0x110000, dtype=np.uint8)
    for bit, chars in bits:
        found = re.sub(f"[^{chars}]+", "", every)
        table[np.frombuffer(found.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)] |= bit
    return table.tobytes()


@cache
def _mark_table() -> bytes:
    """Those bits, from the regex classes the Python path uses."""
    return _class_bytes(((_CONTEXT, _CTX_NODIGIT), (_WIDE_DIGIT, _CTX_DIGITS), (_LATIN, "A-Za-z"),
                         (_CLOSE_QUOTE, "”’"), (_IDEOGRAPH, _IDEO)))


def _positions(text: str, chars: str) -> list[int]:
    """Where the given characters occur in ``text``, in order (str.find outruns a regex scan)."""
    out = []
    for ch in chars:
        i = text.find(ch)
        while i >= 0:
            out.append(i)
            i = text.find(ch, i + 1)
    return sorted(out)


def _parentheses(text: str, free: Callable[[int], bool] | None, changed: dict[int, str]) -> None:
    """Add to ``changed`` the parentheses of ``text`` that are Chinese punctuation."""
    size = len(text)
    ctx = _CTX_RE.match

    def cjk_next_to(i: int) -> bool:
        return bool((i > 0 and ctx(text, i - 1)) or (i + 1 < size and ctx(text, i + 1)))

    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    lone: list[int] = []
    last = 0
    for i in _positions(text, "()"):
        if stack and text.find("\n", last, i) >= 0:  # a parenthesis never spans lines
            lone.extend(stack)
            stack.clear()
        last = i
        if free is not None and not free(i):
            continue
        if text[i] == "(":
            stack.append(i)
        elif stack:
            pairs.append((stack.pop(), i))
        else:
            lone.append(i)
    lone.extend(stack)
    # "](" opens the target of a Markdown link, [官網](https://mi.com): syntax, not prose.
    link = "](" in text
    for a, b in pairs:
        if link and a > 0 and text[a - 1] == "]":
            continue
        # A lower-case identifier glued to "(" is a call, f(x, y), even with Chinese after
        # it; a capitalized name is prose: Stellantis(14%)和. Checked last: it is the slow test.
        if (a > 0 and ctx(text, a - 1)) or _IDEO_RE.search(text, a, b) or (
                (cjk_next_to(a) or cjk_next_to(b)) and not _CALL.search(text, max(0, a - 64), a)):
            changed[a], changed[b] = "（", "）"
    for i in lone:
        if cjk_next_to(i) and not (link and text[i] == "(" and i > 0 and text[i - 1] == "]"):
            changed[i] = _FULL[text[i]]


_MARK_THEN_SPACE, _SPACE_THEN_MARK = "，。、；：！？（「『《〈【", "，。、；：！？）」』》〉】"
# A whole run of spaces and tabs after a mark of the first kind or before one of the
# second. Each pattern starts with a character, not a lookbehind, so the engine skips
# ahead to it; to a literal space (on text without tabs) fastest.
_SPACE_BY_PUNCT = re.compile(f"[ \t](?:(?<=[{_MARK_THEN_SPACE}][ \t])[ \t]*|[ \t]*(?=[{_SPACE_THEN_MARK}]))")
_SPACE_BY_PUNCT_NO_TAB = re.compile(f" (?:(?<=[{_MARK_THEN_SPACE}] ) *| *(?=[{_SPACE_THEN_MARK}]))")


def space_by_cjk_punct(text: str) -> tuple[str, int]:
    """Spaces next to full-width punctuation go: the mark carries its own spacing.

    >>> space_by_cjk_punct("革新。 車載 ，好")
    ('革新。車載，好', 2)
    """
    if "\t" in text:
        return _SPACE_BY_PUNCT.subn("", text)
    return _SPACE_BY_PUNCT_NO_TAB.subn("", text) if " " in text else (text, 0)


# [ \t]+ and  +, spelled to start with one character the engine can skip ahead to.
_TRAILING = re.compile(r"[ \t][ \t]*(?=\n|$)")
_TRAILING_NO_TAB = re.compile(r"  *(?=\n|$)")
_BLANK_RUN = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def trailing_spaces(text: str) -> tuple[str, int]:
    """Spaces and tabs at the end of lines (and of the text) go.

    >>> trailing_spaces("甲 \\n乙\\t")
    ('甲\\n乙', 2)
    """
    if "\t" in text:
        return _TRAILING.subn("", text)
    return _TRAILING_NO_TAB.subn("", text) if " " in text else (text, 0)


def blank_lines(text: str) -> tuple[str, int]:
    """Runs of blank lines collapse to one blank line; leading/trailing blank lines go.

    >>> blank_lines("\\n甲\\n\\n\\n\\n乙\\n")
    ('甲\\n\\n乙', 2)
    """
    out, n = _BLANK_RUN.subn("\n\n", text)
    stripped = out.strip("\n")
    return stripped, n + (1 if stripped != out else 0)


# Full-width marks that close a clause or a bracket: a line never starts with one.
_NO_LINE_START = frozenset("，、。．；：？！）」』》〉】〕”’")
_PARAGRAPH_BREAK = re.compile(r"(\n(?:[ \t]*\n)*)")
# A line break after a character that is neither terminal punctuation nor whitespace, or
# after whitespace: every paragraph join has one (it starts with a literal, so the scan
# is quick; most articles have none).
_TERMINAL_CLASS = "".join(re.escape(ch) for ch in _TERMINAL)
_JOIN_HINT = re.compile(f"\\n(?:(?<![{_TERMINAL_CLASS}\\s]\\n)|(?<=[^\\S\\n]\\n))")


def _is_structure(line: str) -> bool:
    return line.lstrip().startswith("#") or bool(_LIST_ITEM.match(line))


def make_join_paragraphs(min_chars: int) -> Fixer:
    """Re-join a paragraph broken mid-sentence (long, no terminal punctuation, next starts CJK).

    Builds the fixer ``join_paragraphs``. Conservative: the previous paragraph has at least ``min_chars`` characters and
    no terminal punctuation, the next starts with an ideograph, and neither is a
    heading or a list item. A paragraph that starts with a mark no line may start with (，、。
    and closing brackets) joins the one before it whatever its length.

    >>> join = make_join_paragraphs(5)
    >>> join("這些不僅能滿足中國客\\n\\n户需求。\\n\\n# 標題\\n\\n正文")
    ('這些不僅能滿足中國客户需求。\\n\\n# 標題\\n\\n正文', 1)
    >>> join("短行\\n\\n正文")  # too short: a heading or a caption
    ('短行\\n\\n正文', 0)
    >>> join("第一段已經結束。\\n\\n第二段")[1], join("1. 列表項目沒有句號\\n\\n正文")[1]
    (0, 0)
    >>> join("正式落成\\n，全面启用")
    ('正式落成，全面启用', 1)
    """

    def join_paragraphs(text: str) -> tuple[str, int]:
        if not _JOIN_HINT.search(text):
            return text, 0
        parts = _PARAGRAPH_BREAK.split(text)
        out = [parts[0]]
        count = 0
        for k in range(1, len(parts), 2):
            prev, sep, nxt = out[-1].rsplit("\n", 1)[-1], parts[k], parts[k + 1]
            mid_sentence = nxt[:1] in _NO_LINE_START and prev.strip() != ""  # "，" starts no line
            if (prev.rstrip()[-1:] not in _TERMINAL and not _is_structure(prev) and not _is_structure(nxt)
                    and (mid_sentence or (len(prev.strip()) >= min_chars and nxt[:1] and _IDEO_RE.match(nxt[:1])))):
                out[-1] = out[-1].rstrip() + nxt
                count += 1
            else:
                out.extend((sep, nxt))
        return "".join(out), count

    join_paragraphs.__doc__ = make_join_paragraphs.__doc__
    return join_paragraphs


_CAPTION_LINE = re.compile(r"^[ \t]*▲[^\n]*\n?", re.M)


def captions(text: str) -> tuple[str, int]:
    """Remove image-caption lines (▲ …); inline captions are only reported.

    >>> captions("正文。\\n▲ 圖為工廠\\n下文")
    ('正文。\\n下文', 1)
    """
    return _CAPTION_LINE.subn("", text) if "▲" in text else (text, 0)


def count_captions(text: str) -> int:
    """Image-caption markers anywhere in the text.

    >>> count_captions("佈局。▲部分車企在華研發佈局大眾")
    1
    """
    return text.count("▲")


FIXERS: tuple[str, ...] = (
    "nfc", "line_endings", "invisible_chars", "odd_spaces", "fullwidth_punct",
    "space_by_cjk_punct", "trailing_spaces", "blank_lines", "join_paragraphs", "captions",
)


# Fixers that leave none of their characters behind (each is deleted, or replaced by a
# newline or a space, outside every set here), characters no fixer produces (nfc neither: no
# canonical decomposition holds one; tests check both). Once such a fixer ran, or its
# characters are missing, it finds nothing for the rest of the chain; one scan tells which of
# them have characters to act on at all. invisible_chars and odd_spaces match exactly these sets.
_ONCE = {"line_endings": "\r", "invisible_chars": _INVISIBLES, "odd_spaces": _ODD_SPACES}
_ONCE_EACH = {name: re.compile(f"[{chars}]") for name, chars in _ONCE.items()}
_ONCE_ANY = re.compile(f"[{''.join(_ONCE.values())}]")


@cache
def _once_table() -> bytes:
    """For the C kernel: bit k marks the characters of the k-th fixer of _ONCE."""
    return _class_bytes((1 << k, chars) for k, chars in enumerate(_ONCE.values()))


def _idle_once(text: str) -> set[str]:
    """The fixers of _ONCE that find none of their characters in ``text``."""
    if _text is not None:
        found = _text.present(text, _once_table())
        return {name for k, name in enumerate(_ONCE) if not found >> k & 1}
    chars = "".join(set(_ONCE_ANY.findall(text)))
    return {name for name, pattern in _ONCE_EACH.items() if not pattern.search(chars)}


@cache
def _chain(config: NormalizeConfig) -> tuple[tuple[str, Fixer], ...]:
    """:func:`build_chain`, built once per configuration."""
    return tuple(build_chain(config))


def build_chain(config: NormalizeConfig) -> list[tuple[str, Fixer]]:
    """The fixers to run, in order, as configured."""
    table: dict[str, Fixer] = {
        "nfc": nfc, "line_endings": line_endings, "invisible_chars": invisible_chars,
        "odd_spaces": odd_spaces, "fullwidth_punct": fullwidth_punct,
        "space_by_cjk_punct": space_by_cjk_punct, "trailing_spaces": trailing_spaces,
        "blank_lines": blank_lines, "join_paragraphs": make_join_paragraphs(config.join_min_chars),
        "captions": captions,
    }
    skip = set(config.disable) | (set() if config.remove_captions else {"captions"})
    return [(name, table[name]) for name in FIXERS if name not in skip]


def normalize(text: str, config: NormalizeConfig | None = None,
              only: Iterable[str] | None = None) -> tuple[str, tuple[Step, ...]]:
    """Run the fixer chain to a fixed point; return the text and the non-zero steps.

    >>> normalize("期,OTA\\xa0升級 ")
    ('期，OTA 升級', (Step(fixer='odd_spaces', count=1), Step(fixer='fullwidth_punct', count=1), \
Step(fixer='trailing_spaces', count=1)))
    """
    config = config or NormalizeConfig()
    try:
        chain = list(_chain(config))
    except TypeError:  # a configuration built by hand with a list in it: not hashable
        chain = build_chain(config)
    if only is not None:
        wanted = set(only)
        chain = [(n, f) for n, f in chain if n in wanted]
    counts = dict.fromkeys((n for n, _ in chain), 0)
    # Cycle through the chain and stop once every fixer in a row has left the text
    # alone: after the last change only the fixers before it (and itself) run again,
    # not the whole chain. Each change shrinks the text or widens a mark, so this ends.
    quiet = 0
    idle: set[str] | None = None  # fixers of _ONCE that would find nothing
    for k in range(16 * len(chain)):
        if quiet == len(chain):
            break
        name, fixer = chain[k % len(chain)]
        if name not in _ONCE:
            text, n = fixer(text)
        else:
            if idle is None:
                idle = _idle_once(text)
            n = 0
            if name not in idle:
                text, n = fixer(text)
                idle.add(name)
        counts[name] += n
        quiet = 0 if n else quiet + 1
    return text, tuple(Step(name, n) for name, n in counts.items() if n)


def replay(raw: str, steps: Iterable[Step], config: NormalizeConfig | None = None) -> str:
    """Re-apply exactly the recorded normalization fixers to an article body.

    Steps that are not fixers (``mojibake``, ``cut_credits``, ``script:*``) are skipped here;
    :func:`toolkit.pipeline.replay` replays a whole record.

    >>> raw = "期,OTA\\xa0升級 "
    >>> replay(raw, normalize(raw)[1]) == normalize(raw)[0]
    True
    """
    return normalize(raw, config, only=[s.fixer for s in steps if s.fixer in FIXERS])[0]
