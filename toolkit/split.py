"""Split concatenated articles at source-attribution markers.

The pure core :func:`find_segments` returns segments that tile the input
exactly (articles, tag lines and the gaps between them), so nothing is lost.
Every marker kind is a named entry of one declarative table, :data:`MARKERS`,
that a config can extend or trim (:func:`marker_table`).

Positions (what a match means):

- ``start``: opens an article at the start of a line (a dateline); the line stays in the text.
  After body text it starts a new article.
- ``start_line``: a whole line at the head of an article (a byline); cut from the text.
  After body text it starts a new article.
- ``end``: a credit at the end of a line, after a sentence end or alone on its line
  (``（央视新闻）``); cut from the text; it closes the article.
- ``end_line``: a whole line after the body (an editor line); cut from the text; it closes
  the article, or joins the article that just closed.
- ``structure``: layout (title lines, ``#`` headings, tag lines); built in, can be disabled.

A ``source`` group names the outlet; other groups are informative.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import repeat
from typing import Any

import numpy as np

from .config import SplitConfig
from .errors import ConfigError

POSITIONS = ("start", "start_line", "end", "end_line", "structure")
USER_POSITIONS = POSITIONS[:-1]

# Characters that end a sentence, with closing quotes/brackets: an end credit follows one.
_TERMINAL = "。！？!?…”」』）)】〕\\]"
_WS = "[ \\t\\u3000\\xa0]"
_END_LEAD = rf"(?:^|(?<=[{_TERMINAL}])){_WS}*"
_TERMINAL_RE = re.compile(f"[{_TERMINAL}]")
_LP, _RP = "[（(]", "[）)]"
_D = "[0-9０-９]"
_DATE = rf"{_D}{{1,2}}月{_D}{{1,2}}日"
_AGENCY = ("新华社|新華社|中新社|中新网|中新網|中国新闻网|中國新聞網|人民网|人民網|本报|本報|"
           "财联社|財聯社|央视网|央視網|光明网|光明網|澎湃新闻|澎湃新聞|中央社")
_PORTAL = "央视网|央視網|人民网|人民網|新华网|新華網|中新网|中新網|环球网|環球網|光明网|光明網|澎湃新闻|界面新闻"
# Parenthesized words that close a sentence but name no source: series parts, years, figures.
_NOT_SOURCE = rf"(?!(?:上|中|下|续|續|完|待续|待續|图|圖|注|附|[0-9０-９年月日\-/.～~ ]+){_RP})"


@dataclass(frozen=True, slots=True)
class Marker:
    """One kind of marker: a named regular expression with a position.

    ``captures`` lists the named groups the pattern fills (``source`` is the outlet).
    """

    name: str
    position: str
    pattern: re.Pattern[str]
    captures: tuple[str, ...] = ()
    example: str = ""
    # For "end" markers: the characters a match can end with, a cheap gate before the
    # regex runs (most paragraphs end in 。 and skip every pattern); empty means any.
    last: str = ""
    # The pattern starts with _END_LEAD: a match starts at the start of the line or right after
    # a sentence end, so only those positions are tried (a search tries every one: slow).
    lead: bool = False

    def __post_init__(self) -> None:
        missing = set(self.captures) - set(self.pattern.groupindex)
        if self.position not in POSITIONS or missing:
            raise ValueError(f"marker {self.name}: bad position or captures {sorted(missing)}")


def _m(name: str, position: str, pattern: str, captures: tuple[str, ...] = (), example: str = "",
       last: str = "") -> Marker:
    return Marker(name, position, re.compile(pattern), captures, example, last, pattern.startswith(_END_LEAD))


_PAREN_END = ")）"



# The table. Order matters within a position: the first match wins, so specific
# kinds come before general ones (a dateline credit before a plain "(source)").
MARKERS: tuple[Marker, ...] = (
    # --- end of article: credits at the end of the last paragraph ---
    _m("xinhua_end", "end", rf"{_END_LEAD}{_LP}[完]{_RP}$", (), "…举行。（完）", _PAREN_END),
    _m("original_title_end", "end", rf"{_END_LEAD}{_LP}原[标標][题題]{_WS}*[：:]{_WS}*"
       rf"(?P<original_title>[^\n]{{1,80}}){_RP}$", ("original_title",), "（原标题：…）", _PAREN_END),
    _m("dateline_credit", "end", rf"{_END_LEAD}{_LP}(?P<source>{_AGENCY})[^（）()\n，,。0-9０-９]{{0,12}}?"
       rf"{_DATE}[电電](?:{_WS}*(?P<reporter>[^（）()\n]{{1,40}}))?{_RP}$",
       ("source", "reporter"), "（新华社桑给巴尔1月3日电 记者华洪立、林光耀）", _PAREN_END),
    _m("reporter_credit", "end", rf"{_END_LEAD}{_LP}(?P<source>本报|本報)?(?:特约|特約)?(?:记者|記者|通讯员|通訊員)"
       rf"{_WS}*(?P<reporter>[^（）()\n]{{1,40}}){_RP}$", ("source", "reporter"), "（本报记者 鲁元珍 本报通讯员 王英轩）",
       _PAREN_END),
    _m("translator_credit", "end", rf"{_END_LEAD}{_LP}(?P<staff>(?:譯者|译者|編輯|编辑|核稿|責任編輯|责任编辑)"
       rf"{_WS}*[：:][^（）()\n]{{1,40}}){_RP}(?:{_D}{{7}})?$", ("staff",), "（譯者：何宏儒/核稿：劉學源）1150129",
       _PAREN_END + "0123456789０１２３４５６７８９"),
    _m("photo_credit", "end", rf"{_END_LEAD}(?:本报记者|本報記者|记者|記者)?{_WS}*"
       rf"(?P<photographer>[\u4e00-\u9fff·]{{2,8}}){_WS}*[摄攝](?:{_LP}(?P<agency>[^（）()\n]{{1,12}}){_RP})?$",
       ("photographer", "agency"), "施亚磊摄（人民视觉）", _PAREN_END + "摄攝"),
    _m("paren_source", "end", rf"{_END_LEAD}{_LP}(?:(?:文章|本文)?[来來]源{_WS}*[：:]{_WS}*)?{_NOT_SOURCE}"
       rf"(?P<source>[^（）()\n，,。；;：:]{{2,40}}){_RP}$", ("source",), "…的戰場。 (汽車商業評論)", _PAREN_END),
    # --- end of article: whole lines after the body ---
    _m("editor_line", "end_line", r"(?:责任编辑|責任編輯|责编|責編|编辑|編輯|审核|審核|校对|校對|主编|主編|"
       rf"终审|終審|监制|監製|值班编辑|值班編輯){_WS}*[：:丨|｜]{_WS}*(?P<editor>[^。！？!?，,；;\n]{{1,40}})$",
       ("editor",), "责任编辑：王某"),
    _m("wechat_repost", "end_line", rf"本文[来來]自(?:微信)?公[众眾][号號]{_WS}*[：:]?{_WS}*[“\"「]?"
       rf"(?P<source>[^“”\"「」（）()，,。\s]{{1,30}})[”\"」]?{_WS}*(?:{_LP}ID[：:][^）)\n]*{_RP})?"
       r"[^\n]{0,80}$", ("source",), "本文来自微信公众号：量子位（ID：QbitAI），作者：梦晨"),
    _m("disclaimer", "end_line", r"(?:(?:免责|免責|版权|版權)(?:声明|聲明)[：:]|"
       r"本(?:内容|內容|文|站)[^\n]{0,12}?(?:来源于|來源於|转载自|轉載自)(?:网络|網絡|網路)|"
       r"[（(]?(?:本文|文中|文章)?(?:观点|觀點)仅代表作者|(?:观点|觀點)僅代表作者)[^\n]*$",
       (), "免责声明：…"),
    _m("source_line", "end_line", r"(?:文章|本文|新闻|新聞|内容|內容)?(?:[来來]源|转自|轉自|转载自|轉載自)"
       rf"{_WS}*[：:丨|｜]{_WS}*(?P<source>[^\s，,。；;：:]{{1,30}})(?:{_WS}+[^。！？!?\n]{{0,40}})?$",
       ("source",), "来源：同花顺"),
    # --- start of article: datelines and prefixes (kept in the text) ---
    _m("agency_dateline", "start", rf"(?P<source>{_AGENCY})[^\s，,。0-9０-９（）()]{{0,12}}?{_DATE}[电電讯訊]",
       ("source",), "新华社北京5月4日电"),
    _m("newspaper_lead", "start", rf"(?P<source>本报|本報)[讯訊](?:{_LP}[^）)\n]{{0,40}}{_RP})?",
       ("source",), "本报讯（记者 王某）"),
    _m("cna_dateline", "start", rf"{_LP}(?P<source>中央社)[^（）()\n]{{0,30}}?[电電]{_RP}",
       ("source",), "（中央社記者戴雅真台北29日電）"),
    _m("ltn_dateline", "start", r"[〔［\[](?P<source>自由時報|自由时报)[^〔〕［］\[\]\n]{0,30}[〕］\]]",
       ("source",), "〔自由時報記者林相美／台北報導〕"),
    _m("hk_bracket", "start", r"【(?P<source>[^【】\n]{1,16}?)(?:專訊|专讯|報道|报道|[讯訊])】",
       ("source",), "【明報專訊】"),
    _m("paren_report", "start", rf"{_LP}(?P<source>[^（）()\n，,。]{{2,12}}?)(?:報道|报道|專訊|专讯){_RP}",
       ("source",), "(星島日報報道)"),
    _m("portal_prefix", "start", rf"(?P<source>{_PORTAL})消息(?:{_LP}[^）)\n]{{1,12}}{_RP})?",
       ("source",), "央视网消息（新闻联播）："),
    # --- start of article: whole head lines (cut from the text) ---
    _m("original_title", "start_line", rf"原[标標][题題]{_WS}*[：:]{_WS}*《(?P<original_title>[^\n]{{1,80}})》$",
       ("original_title",), "原标题：《…》"),
    _m("byline", "start_line", rf"(?:作者|文|撰文|编译|編譯|记者|記者){_WS}*[｜|/／丨:：]{_WS}*"
       rf"(?P<author>[^。！？!?，,；;\n]{{1,30}})$", ("author",), "作者｜黄楠"),
    # --- structure ---
    _m("md_heading", "structure", r"#[ \t]+(?P<title>\S.*?)[ \t]*$", ("title",), "# 标题"),
    _m("md_section", "structure", r"#{2,6}[ \t]+\S", (), "## 小节 (stays inside the article)"),
    _m("tag_line", "structure", r"(?:#[^\s#][^\s#]{0,23}[ \t]*)+$", (), "#車企"),
    _m("title_line", "structure", r"[^\n]+(?<![。，,；;：:])$", (), "a short line before the body"),
)
_BUILTIN = {m.name: m for m in MARKERS}
_USER_KEYS = {"name", "position", "pattern", "captures", "example"}


@dataclass(frozen=True, slots=True)
class MarkerTable:
    """The markers in force for one config, grouped by position."""

    markers: tuple[Marker, ...]

    def of(self, position: str) -> tuple[Marker, ...]:
        return tuple(m for m in self.markers if m.position == position)

    def structure(self, name: str) -> re.Pattern[str] | None:
        found = [m for m in self.markers if m.name == name and m.position == "structure"]
        return found[0].pattern if found else None

    def position(self, name: str) -> str | None:
        return next((m.position for m in self.markers if m.name == name), None)


def _user_marker(spec: Any, index: int) -> Marker:
    where = f"split.markers[{index}]"
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{where} must be a table with name, position and pattern",
                          'e.g. [[split.markers]] name = "my_credit" position = "end" pattern = "..."')
    unknown = sorted(set(spec) - _USER_KEYS)
    missing = sorted({"name", "position", "pattern"} - set(spec))
    if unknown or missing:
        raise ConfigError(f"{where} {spec.get('name', '')!r}: "
                          + (f"unknown key(s) {', '.join(unknown)}" if unknown else f"missing {', '.join(missing)}"),
                          f"keys: {', '.join(sorted(_USER_KEYS))}")
    name, position, pattern = spec["name"], spec["position"], spec["pattern"]
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ConfigError(f"{where}: name {name!r} must be snake_case", 'e.g. name = "my_credit"')
    if position not in USER_POSITIONS:
        raise ConfigError(f"marker {name!r}: unknown position {position!r}", f"use one of {', '.join(USER_POSITIONS)}")
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"marker {name!r}: pattern must be a non-empty string", "write a Python regular expression")
    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise ConfigError(f"marker {name!r}: invalid pattern {pattern!r}: {err}",
                          "fix the regular expression (Python re syntax; in TOML use '...' literal strings)") from None
    if compiled.match(""):
        raise ConfigError(f"marker {name!r}: pattern {pattern!r} matches the empty string",
                          "a marker must match some text")
    captures = spec.get("captures", tuple(compiled.groupindex))
    if not isinstance(captures, list | tuple) or set(captures) - set(compiled.groupindex):
        raise ConfigError(f"marker {name!r}: captures {captures!r} are not all named groups of the pattern",
                          "name a group with (?P<source>...)")
    return Marker(name, position, compiled, tuple(captures), str(spec.get("example", "")))


def marker_table(config: SplitConfig | None = None) -> MarkerTable:
    """The built-in markers, minus ``config.disable``, plus ``config.markers``.

    A user marker with a built-in name replaces it in place; a new one goes before
    the built-ins of its position, so it wins over the general patterns.

    >>> [m.name for m in marker_table(SplitConfig(disable=("editor_line",))).of("end_line")]
    ['wechat_repost', 'disclaimer', 'source_line']
    """
    config = config or SplitConfig()
    user = [_user_marker(spec, i) for i, spec in enumerate(config.markers)]
    names = [m.name for m in user]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"split.markers defines {', '.join(dupes)} more than once", "give each marker its own name")
    for m in user:
        if m.name in _BUILTIN and _BUILTIN[m.name].position == "structure":
            raise ConfigError(f"marker {m.name!r} is a built-in structure marker and cannot be redefined",
                              f'disable it instead: [split] disable = ["{m.name}"]')
    known = set(_BUILTIN) | set(names)
    unknown = sorted(set(config.disable) - known)
    if unknown:
        raise ConfigError(f"split.disable names unknown marker(s): {', '.join(unknown)}",
                          f"known markers: {', '.join(sorted(known))}")
    by_name = {m.name: m for m in user}
    table = [by_name.pop(m.name, m) for m in MARKERS]
    for m in reversed(list(by_name.values())):
        first = next((i for i, t in enumerate(table) if t.position == m.position), len(table))
        table.insert(first, m)
    return MarkerTable(tuple(m for m in table if m.name not in config.disable))


@dataclass(frozen=True, slots=True)
class Credit:
    """A piece of text cut from an article (a credit, byline or editor line)."""

    start: int
    end: int
    marker: str
    line: bool  # a whole line (rather than the tail of a paragraph)


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of the input. Segments returned together tile the text exactly."""

    kind: str  # "article" | "tag" | "gap"
    start: int
    end: int
    title: tuple[int, int] | None = None  # span of the title text
    body: tuple[int, int] | None = None  # span of the article text (title and credits excluded)
    source: str | None = None
    markers: tuple[str, ...] = ()  # marker kinds in the order they matched
    tags: tuple[str, ...] = ()
    credits: tuple[Credit, ...] = ()  # cut from the body, in text order

    def shifted(self, by: int) -> Segment:
        """The same segment with every offset moved by ``by``."""
        def move(span: tuple[int, int] | None) -> tuple[int, int] | None:
            return None if span is None else (span[0] + by, span[1] + by)

        return replace(self, start=self.start + by, end=self.end + by, title=move(self.title), body=move(self.body),
                       credits=tuple(replace(c, start=c.start + by, end=c.end + by) for c in self.credits))


@dataclass
class _Draft:
    tags: tuple[str, ...]
    title: tuple[int, int] | None = None
    title_line: int | None = None
    lines: list[int] = field(default_factory=list)  # body lines
    markers: list[str] = field(default_factory=list)
    source_start: str | None = None
    source_end: str | None = None
    end_credits: list[Credit] = field(default_factory=list)  # paragraph tails
    credit_lines: list[tuple[int, str]] = field(default_factory=list)  # (line, marker)
    closed: bool = False
    has_body: bool = False  # memo: a body line that is not a section heading was seen


# Stripped from both ends of a line before markers are matched: spaces, the CR of CRLF, and the
# BOM or zero-width space that `cat` of BOM-headed files or a web copy leaves at a line start.
_STRIP = " \t\u3000\xa0\r\ufeff\u200b"

_LONE_CR = re.compile(r"\r(?!\n)")


def line_breaks(text: str) -> str:
    """``text`` with each lone CR (old Mac line ends) made LF, so that the splitter sees its lines:
    one character for one, so every offset into the result is an offset into ``text``.

    >>> line_breaks("a\\rb\\r\\nc")
    'a\\nb\\r\\nc'
    """
    return _LONE_CR.sub("\n", text) if "\r" in text else text


def _line_table(text: str) -> tuple[array[int], array[int]]:
    """Where each line's stripped text starts and ends (equal for a blank line).

    Offsets in two machine-word arrays, not the lines themselves: a big file's lines would
    take several times the text's own memory as strings and tuples. Found with numpy a piece
    of about :data:`_LINE_PIECE` characters at a time.
    """
    starts, ends = array("q"), array("q")
    pos = 0
    while True:
        cut = text.find("\n", pos + _LINE_PIECE)
        piece = text[pos:] if cut < 0 else text[pos:cut]  # whole lines: the next piece starts after the cut
        first, last = _piece_lines(piece)
        starts.frombytes((first + pos).tobytes())
        ends.frombytes((last + pos).tobytes())
        if cut < 0:
            return starts, ends
        pos = cut + 1


_LINE_PIECE = 1 << 20
_STRIP_CODES = np.array(sorted(map(ord, _STRIP)), dtype=np.uint32)


def _piece_lines(text: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_line_table` of ``text`` as int64 arrays."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    breaks = np.flatnonzero(codes == 10)
    starts = np.concatenate(([0], breaks + 1)).astype(np.int64)
    ends = np.append(breaks, len(text)).astype(np.int64)
    # A line is its own stripped span unless it starts or ends with a character to strip.
    full = np.flatnonzero(ends > starts)
    edged = full[np.isin(codes[starts[full]], _STRIP_CODES) | np.isin(codes[ends[full] - 1], _STRIP_CODES)]
    for i in edged.tolist():
        a = int(starts[i])
        raw = text[a:int(ends[i])]
        s = raw.strip(_STRIP)
        lead = a + (raw.find(s[0]) if s else 0)
        starts[i], ends[i] = lead, lead + len(s)
    return starts, ends


def lines(text: str) -> Iterator[str]:
    """``text.split("\\n")`` one line at a time: a big file's lines are never all held at once.

    >>> list(lines("a\\n\\nb")), list(lines(""))
    (['a', '', 'b'], [''])
    """
    pos = 0
    while (end := text.find("\n", pos)) >= 0:
        yield text[pos:end]
        pos = end + 1
    yield text[pos:]


_QUOTES = " \t\u3000\xa0“”\"'「」『』《》"


def _clean_source(source: str | None) -> str | None:
    if source is None:
        return None
    source = source.strip(_QUOTES)
    return source or None


@dataclass(frozen=True, slots=True)
class _Hit:
    marker: Marker
    start: int  # offsets into the stripped line
    end: int
    source: str | None


# A backreference or a conditional names a group by number or name; in one alternation of several
# patterns, with named groups made plain, it would name another group.
_GROUP_REF = re.compile(r"\\[1-9]|[(][?]P=|[(][?][(]")


def _gate(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One alternation of ``patterns``: a line that fails it fails them all, so most lines
    cost one regex call instead of one per pattern.  None where it cannot be made exactly."""
    if not patterns or len({p.flags for p in patterns}) > 1 or any(_GROUP_REF.search(p.pattern) for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{re.sub(r'[(][?]P<[^>]+>', '(?:', p.pattern)})" for p in patterns),
                          patterns[0].flags)
    except re.error:  # e.g. a pattern's own global flags, (?i), which may only start a whole pattern
        return None


def _lead_positions(s: str, begin: int) -> list[int]:
    """Where a match of a pattern starting with _END_LEAD can start in ``s``, from ``begin`` on:
    the start of the line, or right after a sentence end."""
    after = (t.end() for t in _TERMINAL_RE.finditer(s, max(0, begin - 1)))
    return [0, *after] if begin == 0 else list(after)


class _Matcher:
    """Applies a marker table to stripped lines."""

    # End credits are short: search only the tail of a long paragraph.
    TAIL = 160

    def __init__(self, table: MarkerTable, config: SplitConfig) -> None:
        self.starts = table.of("start")
        self.start_lines = table.of("start_line")
        self.ends = table.of("end")
        self.end_lines = table.of("end_line")
        self.max_source = config.max_source_chars
        # None when some end marker has no cheap gate
        self.end_last = None if any(not m.last for m in self.ends) else "".join(m.last for m in self.ends)
        self.gates = {id(group): _gate([m.pattern for m in group])
                      for group in (self.starts, self.start_lines, self.end_lines)}
        # Where no end marker matches, the alternation of them all fails too: one call per
        # candidate start rules it out for every marker (a paragraph ends in several sentences).
        self.end_gate = _gate([m.pattern for m in self.ends]) if all(m.lead for m in self.ends) else None
        # One call of this gate tells that no marker or heading can take a line; with a last
        # character no end credit ends with (and no "#"), the line is plain text.
        heading = table.structure("md_heading")
        self.quiet = None if self.end_last is None else _gate(
            [m.pattern for m in (*self.starts, *self.start_lines, *self.end_lines)]
            + ([heading] if heading is not None else []))

    def _source(self, marker: Marker, m: re.Match[str]) -> tuple[bool, str | None]:
        if "source" not in marker.pattern.groupindex:
            return True, None
        source = _clean_source(m["source"])
        return (source is None or len(source) <= self.max_source), source

    def first(self, markers: tuple[Marker, ...], s: str, whole: bool) -> _Hit | None:
        gate = self.gates.get(id(markers))
        if gate is not None and not gate.match(s):
            return None
        for marker in markers:
            m = marker.pattern.match(s)
            if m and (not whole or m.end() == len(s)):
                ok, source = self._source(marker, m)
                if ok:
                    return _Hit(marker, m.start(), m.end(), source)
        return None

    def start(self, s: str) -> _Hit | None:
        return self.first(self.starts, s, whole=False)

    def start_line(self, s: str) -> _Hit | None:
        return self.first(self.start_lines, s, whole=True)

    def end_line(self, s: str, tails: list[_Hit] | None = None) -> _Hit | None:
        hit = self.first(self.end_lines, s, whole=True)
        if hit is None:  # a tail credit alone on its line counts as a credit line
            tails = self.tails(s) if tails is None else tails
            if tails and tails[0].start == 0:
                source = next((t.source for t in tails if t.source), None)
                hit = _Hit(tails[0].marker, 0, len(s), source)
        return hit

    def tails(self, s: str) -> list[_Hit]:
        """End credits at the end of ``s``, peeled from the right (returned left to right)."""
        found: list[_Hit] = []
        end = len(s)
        # Most paragraphs end in 。, which no end marker ends with: one test rules them all out,
        # as it does the text left of a credit.
        while end > 0 and (self.end_last is None or s[end - 1] in self.end_last):
            hit = None
            part = s[:end]
            begin = max(0, end - self.TAIL)
            leads: list[int] | None = None  # where an _END_LEAD match can start, from begin on
            for marker in self.ends:
                if marker.last and part[-1] not in marker.last:
                    continue
                if marker.lead:
                    if leads is None:
                        leads = _lead_positions(part, begin)
                        if self.end_gate is not None:
                            leads = [p for p in leads if self.end_gate.match(part, p)]
                    m = next(filter(None, map(marker.pattern.match, repeat(part), leads)), None)
                else:
                    m = marker.pattern.search(part, begin)
                if m and m.end() == end and m.start() < end:
                    ok, source = self._source(marker, m)
                    if ok:
                        hit = _Hit(marker, m.start(), m.end(), source)
                        break
            if hit is None:
                break
            found.append(hit)
            end = hit.start
            while end > 0 and part[end - 1] in " \t\u3000\xa0":
                end -= 1
        return found[::-1]

    def any(self, s: str) -> bool:
        return bool(self.start(s) or self.start_line(s) or self.end_line(s) or self.tails(s))


def find_segments(text: str, config: SplitConfig | None = None, table: MarkerTable | None = None) -> list[Segment]:
    """Split ``text`` into articles, tag lines and gaps that tile it exactly.

    >>> text = "#車企\\n標題一\\n正文一。 (甲報)\\n標題二\\n正文二。（乙報）"
    >>> segs = find_segments(text)
    >>> "".join(text[s.start:s.end] for s in segs) == text
    True
    >>> [(text[s.title[0]:s.title[1]], text[s.body[0]:s.body[1]], s.source, s.tags)
    ...  for s in segs if s.kind == "article"]
    [('標題一', '正文一。', '甲報', ('車企',)), ('標題二', '正文二。', '乙報', ('車企',))]
    """
    segments, _, _ = _segments(text, config or SplitConfig(), table, ())
    return _fill_gaps(text, segments)


def _segments(text: str, config: SplitConfig, table: MarkerTable | None,
              tags: tuple[str, ...]) -> tuple[list[Segment], int, tuple[str, ...]]:
    """The article and tag segments of ``text`` (sorted, without gaps), with ``tags`` active at
    its start; and the last restart: the start of a line from which splitting afresh, with the
    tags returned, gives the same segments as going on (0 when there is none but the start).

    A restart is a line that leaves the splitter in the same state whatever came before it:
    a heading, a tag line after a line that is not one, a line that a start marker makes open
    a new article, or any line when no article is open and no credit line may join the last.
    Everything before it is settled then: the splitter looks ahead only to the next nonblank
    line, and changes no closed article but the one a credit line joins.
    """
    text = line_breaks(text)  # the segments' offsets hold for the text as given
    table = table or marker_table(config)
    match = _Matcher(table, config)
    heading_re = table.structure("md_heading")
    section_re = table.structure("md_section")
    tag_re = table.structure("tag_line")
    title_re = table.structure("title_line")
    starts, ends = _line_table(text)
    count = len(starts)
    quiet = match.quiet  # inside an open article, a plain line that cannot be a title is body text
    end_last, max_title = match.end_last or "", config.max_title_chars  # read only with that gate

    def line(i: int) -> str:
        return text[starts[i]:ends[i]]

    drafts: list[_Draft] = []
    tag_lines: dict[int, tuple[str, ...]] = {}
    active_tags = tags
    restart, restart_tags = 0, tags
    last_was_tag = False
    cur: _Draft | None = None
    attach: _Draft | None = None  # the article a following credit line may still join

    def next_nonblank(i: int) -> int | None:
        for j in range(i + 1, count):
            if ends[j] > starts[j]:
                return j
        return None

    def heading(s: str) -> re.Match[str] | None:
        return heading_re.match(s) if heading_re is not None else None

    def is_tag(s: str) -> bool:
        return tag_re is not None and s.startswith("#") and bool(tag_re.match(s)) and heading(s) is None \
            and not (section_re is not None and section_re.match(s))

    def is_section(s: str) -> bool:
        return section_re is not None and bool(section_re.match(s))

    def is_title_like(i: int, plain: bool = False) -> bool:
        """``plain``: line i is known to be one no marker can take."""
        s = line(i)
        if title_re is None or len(s) > config.max_title_chars or not title_re.match(s):
            return False
        if s.startswith("#") or (not plain and match.any(s)):
            return False
        j = next_nonblank(i)
        if j is None:
            return False
        nxt = line(j)
        return not (is_tag(nxt) or heading(nxt))

    def opens_next(i: int) -> bool:
        """A title line followed by a start marker: the head of the next article."""
        j = next_nonblank(i)
        if j is None:
            return False
        nxt = line(j)
        return bool(match.start(nxt) or match.start_line(nxt))

    def open_draft() -> _Draft:
        d = _Draft(tags=active_tags)
        drafts.append(d)
        return d

    def has_body(d: _Draft) -> bool:
        """Whether the article already has a line that is not a section heading."""
        if not d.has_body:
            d.has_body = any(not is_section(line(j)) for j in d.lines)
        return d.has_body

    def set_title(d: _Draft, i: int, start: int, end: int, marker: str) -> None:
        d.title = (start, end)
        d.title_line = i
        d.markers.append(marker)

    for i in range(count):
        at = starts[i]
        if ends[i] == at:
            continue
        s = line(i)
        # No marker, heading or tag can take the line, and no end credit can end it.
        plain = quiet is not None and s[0] != "#" and s[-1] not in end_last and not quiet.match(s)
        if plain and cur is not None and not cur.closed \
                and (len(s) > max_title or title_re is None or not title_re.match(s)):
            cur.lines.append(i)  # nothing else to update: a tag line or a credit would have closed it
            continue
        tags_before = active_tags
        if is_tag(s):
            if not last_was_tag:
                restart, restart_tags = _line_start(text, at), tags_before
            attach = None
            found = tuple(t for t in re.split(r"[#\s]+", s) if t)
            active_tags = (active_tags + found) if last_was_tag else found
            tag_lines[i] = found
            last_was_tag = True
            if cur is not None:
                cur.closed = True
            continue
        last_was_tag = False
        joinable, attach = attach, None
        h = None if plain else heading(s)
        if h:
            restart, restart_tags = _line_start(text, at), tags_before
            if cur is not None:
                cur.closed = True
            cur = open_draft()
            set_title(cur, i, at + h.start("title"), at + h.end("title"), "md_heading")
            continue
        tails = [] if plain else match.tails(s)
        credit = None if plain else match.end_line(s, tails)
        if (cur is None or cur.closed) and not (credit and joinable is not None):
            restart, restart_tags = _line_start(text, at), tags_before
        # A credit line belongs to the open article, or to the one that just ended
        # with only blank lines in between.
        target = cur if cur is not None and not cur.closed and cur.lines else joinable
        if credit and cur is not None and not cur.closed and not cur.lines and cur.title is not None \
                and credit.source is not None:
            # 来源：… between a title and its body (a portal layout): a head credit
            cur.credit_lines.append((i, credit.marker.name))
            cur.markers.append(credit.marker.name)
            cur.source_start = cur.source_start or credit.source
            continue
        if credit and target is not None:
            target.credit_lines.append((i, credit.marker.name))
            target.markers.append(credit.marker.name)
            target.source_end = target.source_end or credit.source
            target.closed = True
            cur = attach = target
            continue
        head = None if plain else match.start_line(s)
        opening = None if head or plain else match.start(s)
        if cur is not None and not cur.closed and (
                head or opening or (is_title_like(i, plain) and opens_next(i))) and has_body(cur):
            cur.closed = True  # a dateline, byline or titled dateline after body text opens a new article
            restart, restart_tags = _line_start(text, at), tags_before
        if cur is None or cur.closed:
            cur = open_draft()
            if not head and not opening and is_title_like(i, plain):
                set_title(cur, i, at, at + len(s), "title_line")
                continue
        if head:
            cur.credit_lines.append((i, head.marker.name))
            cur.markers.append(head.marker.name)
            cur.source_start = cur.source_start or head.source
            continue
        if opening and not has_body(cur):
            cur.markers.append(opening.marker.name)
            cur.source_start = opening.source or cur.source_start
        cur.lines.append(i)
        if tails:
            for hit in tails:
                cur.end_credits.append(Credit(at + hit.start, at + hit.end, hit.marker.name, False))
                cur.markers.append(hit.marker.name)
                cur.source_end = cur.source_end or hit.source
            cur.closed = True
            attach = cur

    segments: list[Segment] = []
    for d in drafts:
        body_lines = d.lines
        credit_idx = [j for j, _ in d.credit_lines]
        first = min([*body_lines, *credit_idx, *([d.title_line] if d.title_line is not None else [])])
        last_line = max([*body_lines, *credit_idx, first])
        start, end = starts[first], ends[last_line]
        credits = [Credit(starts[j], ends[j], name, True) for j, name in d.credit_lines]
        credits.extend(d.end_credits)
        if body_lines:
            body_start = starts[body_lines[0]]
            body_end = d.end_credits[0].start if d.end_credits else ends[body_lines[-1]]
        else:
            body_start = body_end = end
        segments.append(Segment(
            kind="article", start=start, end=end, title=d.title, body=(body_start, body_end),
            source=d.source_end or d.source_start, markers=tuple(dict.fromkeys(d.markers)),
            tags=d.tags, credits=tuple(sorted(credits, key=lambda c: c.start)),
        ))
    for i, found in tag_lines.items():
        segments.append(Segment(kind="tag", start=starts[i], end=ends[i], tags=found))
    return sorted(segments, key=lambda s: s.start), restart, restart_tags


def _line_start(text: str, at: int) -> int:
    """Where the line holding offset ``at`` starts."""
    return text.rfind("\n", 0, at) + 1


def stream_segments(pieces: Iterable[str], config: SplitConfig | None = None,
                    table: MarkerTable | None = None) -> Iterator[tuple[int, str, list[Segment]]]:
    """:func:`find_segments` of the concatenated ``pieces`` without holding them all: blocks
    ``(offset, text, segments)`` that tile the whole text, each with its article and tag
    segments (offsets in the block), as soon as they are settled.

    A block ends at the last restart (see :func:`_segments`) of the text read so far. Pieces
    are cut at line ends first, so a restart is always a whole line. With no restart, the text
    waits until it has doubled before it is split again: a file of one long article costs a few
    splits, not one a piece.

    >>> pieces = ["標題一\\n正文一。 (甲報)\\n\\n標題二\\n", "正文二。（乙報）"]
    >>> [(offset, [(s.title, s.source) for s in segs]) for offset, _, segs in stream_segments(pieces)]
    [(0, [((0, 3), '甲報')]), (15, [((0, 3), '乙報')])]
    """
    config = config or SplitConfig()
    table = table or marker_table(config)
    waiting: list[str] = []
    size = offset = retry = 0
    tags: tuple[str, ...] = ()
    for piece in line_pieces(pieces):
        waiting.append(piece)
        size += len(piece)
        if size < retry:
            continue
        text = "".join(waiting)
        segments, restart, after = _segments(text, config, table, tags)
        if restart == 0:
            waiting, retry = [text], 2 * size
            continue
        yield offset, text[:restart], [s for s in segments if s.start < restart]
        offset, tags = offset + restart, after
        waiting, size, retry = [text[restart:]], size - restart, 0
    text = "".join(waiting)
    if text:
        yield offset, text, _segments(text, config, table, tags)[0]


# Characters of text a streamed file is split (and repaired) at a time: a few megabytes of tables.
PIECE_CHARS = 1 << 20


def line_pieces(pieces: Iterable[str], size: int = PIECE_CHARS) -> Iterator[str]:
    """The text of ``pieces`` again, in pieces that end at a line end (but the last), each cut at
    the first line end after ``size`` characters if there is one.

    >>> list(line_pieces(["甲\\n乙", "丙", "丁\\n戊\\n", "己"]))
    ['甲\\n', '乙丙丁\\n戊\\n', '己']
    >>> list(line_pieces(["甲\\n乙\\n丙\\n丁"], size=2))
    ['甲\\n乙\\n', '丙\\n', '丁']
    """
    tail: list[str] = []
    held = 0  # characters in tail
    for piece in pieces:
        pos = 0
        while True:
            end = piece.find("\n", pos + max(size - held, 0))
            if end < 0 and (end := piece.rfind("\n", pos)) < 0:
                break
            yield "".join((*tail, piece[pos:end + 1])) if tail else piece[pos:end + 1]
            tail, held, pos = [], 0, end + 1
        if pos < len(piece):
            tail.append(piece[pos:])
            held += len(piece) - pos
    if tail:
        yield "".join(tail)


def _fill_gaps(text: str, segments: Sequence[Segment]) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    for seg in segments:
        if seg.start > pos:
            out.append(Segment(kind="gap", start=pos, end=seg.start))
        out.append(seg)
        pos = seg.end
    if pos < len(text):
        out.append(Segment(kind="gap", start=pos, end=len(text)))
    return out


def body_text(text: str, seg: Segment) -> str:
    """The article text: the body span minus credits inside it, trailing space trimmed."""
    assert seg.body is not None
    b0, b1 = seg.body
    parts, pos = [], b0
    for c in seg.credits:
        if b0 <= c.start < b1:
            parts.append(text[pos:c.start])
            pos = max(pos, c.end)
            # a cut line takes its line end with it: LF, CRLF or a lone CR
            if c.line and pos < b1 and text[pos] in "\r\n":
                pos += 2 if text.startswith("\r\n", pos) else 1
    parts.append(text[pos:b1])
    return "".join(parts).rstrip(" \t\u3000\xa0\r\n")


_STARTS = ("start", "start_line", "structure")


def describe(text: str, config: SplitConfig | None = None, table: MarkerTable | None = None) -> list[dict[str, Any]]:
    """One record per article, for ``toolkit split``: where it starts, which markers opened
    and closed it, its title, source, tags, the credits cut from it, and its text.

    >>> [(r["line"], r["start_markers"], r["end_markers"], r["title"], r["source"])
    ...  for r in describe("標題\\n正文。（央视新闻）\\n新华社北京5月4日电 正文。\\n责任编辑：王某")]
    [(1, ['title_line'], ['paren_source'], '標題', '央视新闻'), (3, ['agency_dateline'], ['editor_line'], None, '新华社')]
    """
    config = config or SplitConfig()
    table = table or marker_table(config)
    out: list[dict[str, Any]] = []
    lined = line_breaks(text)
    for seg in find_segments(text, config, table):
        if seg.kind != "article":
            continue
        positions = {name: table.position(name) for name in seg.markers}
        out.append({
            "index": len(out),
            "line": lined.count("\n", 0, seg.start) + 1,
            "start": seg.start,
            "end": seg.end,
            "start_markers": [n for n in seg.markers if positions[n] in _STARTS],
            "end_markers": [n for n in seg.markers if positions[n] not in _STARTS],
            "title": text[seg.title[0]:seg.title[1]] if seg.title else None,
            "source": seg.source,
            "tags": list(seg.tags),
            "credits": [{"start": c.start, "end": c.end, "marker": c.marker, "text": text[c.start:c.end]}
                        for c in seg.credits],
            "text": body_text(text, seg),
        })
    return out
