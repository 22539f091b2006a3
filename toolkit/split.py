"""Split concatenated articles at source-attribution markers.

The pure core :func:`find_segments` returns segments that tile the input
exactly (articles, tag lines and the gaps between them), so nothing is lost.
Markers live in one declarative table, :data:`MARKERS`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .config import SplitConfig

# Chinese and ASCII characters that end a sentence, with closing quotes/brackets.
_TERMINAL = "。！？!?…”」』）)】〕\\]"


@dataclass(frozen=True, slots=True)
class Marker:
    """One kind of source-attribution marker.

    ``position`` is "end" (closes an article: the credit is cut from the text),
    "start" (opens an article's first paragraph: kept in the text), or
    "credit_line" (a whole line after the body, cut from the text).
    The ``source`` group, when present, names the outlet.
    """

    name: str
    position: str
    pattern: re.Pattern[str]


MARKERS: tuple[Marker, ...] = (
    # …的戰場。 (汽車商業評論) / 超20亿元。（央视新闻） / （来源：界面） / （完）
    Marker("paren_source", "end", re.compile(
        rf"(?<=[{_TERMINAL}])[ \t\u3000\xa0]?[（(](?:(?:文章|本文)?[来來]源[：:]\s*)?"
        r"(?P<source>[^（）()\n，,。；;：:]{1,24})[）)][ \t\u3000\xa0]*$")),
    # 责任编辑：王某 / 编辑丨彭孝秋 / 审核：… / 校对：…
    Marker("editor_line", "credit_line", re.compile(
        r"^[ \t\u3000]*(?:责任编辑|責任編輯|责编|責編|编辑|編輯|审核|審核|校对|校對)[ \t]*[：:丨|][^\n]{0,40}$")),
    # 来源：同花顺 / 文章来源：… / 本文来源：… / 转自：…
    Marker("source_line", "credit_line", re.compile(
        r"^[ \t\u3000]*(?:文章|本文)?(?:[来來]源|转自|轉自)[ \t]*[：:][ \t]*(?P<source>[^\s，,。]{1,24})[ \t]*$")),
    # 新华社北京5月4日电 / 新華社北京１０月２２日電 / 本报北京1月31日电
    Marker("agency_dateline", "start", re.compile(
        r"^[ \t\u3000]*(?P<source>新华社|新華社|中新社|中新網|中新网|人民网|人民網|本报|本報|央视网|央視網|财联社|財聯社)"
        r"[^\s，,。0-9０-９]{0,12}?[0-9０-９]{1,2}月[0-9０-９]{1,2}日[电電]")),
    # 央视网消息（新闻联播）：
    Marker("portal_prefix", "start", re.compile(
        r"^[ \t\u3000]*(?P<source>央视网|央視網|人民网|人民網|新华网|新華網)消息")),
)

_TAG_LINE = re.compile(r"^[ \t]*(?:#[^\s#][^\s#]{0,23}[ \t]*)+$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<title>\S.*?)[ \t]*$")
_SENTENCE_END = re.compile(r"[。，,；;：:]$")


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of the input. Segments returned together tile the text exactly."""

    kind: str  # "article" | "tag" | "gap"
    start: int
    end: int
    title: tuple[int, int] | None = None  # span of the title text
    body: tuple[int, int] | None = None  # span of the article text (title and credits excluded)
    source: str | None = None
    markers: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    credits: tuple[tuple[int, int, str], ...] = ()  # (start, end, marker name) cut from the body


@dataclass
class _Draft:
    tags: tuple[str, ...]
    title: tuple[int, int] | None = None
    title_line: int | None = None
    lines: list[int] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    source_start: str | None = None
    source_end: str | None = None
    end_credit: tuple[int, int, str] | None = None
    credit_lines: list[int] = field(default_factory=list)
    closed: bool = False


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end-without-newline) for every line."""
    out = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _match(position: str, line: str) -> tuple[Marker, re.Match[str]] | None:
    for marker in MARKERS:
        if marker.position == position:
            m = marker.pattern.search(line)
            if m:
                return marker, m
    return None


def _clean_source(source: str | None) -> str | None:
    if source is None:
        return None
    source = source.strip(" \t\u3000\xa0")
    return None if source in ("", "完") else source


def find_segments(text: str, config: SplitConfig | None = None) -> list[Segment]:
    """Split ``text`` into articles, tag lines and gaps that tile it exactly.

    >>> text = "#車企\\n標題一\\n正文一。 (甲報)\\n標題二\\n正文二。（乙報）"
    >>> segs = find_segments(text)
    >>> "".join(text[s.start:s.end] for s in segs) == text
    True
    >>> [(text[s.title[0]:s.title[1]], text[s.body[0]:s.body[1]], s.source, s.tags)
    ...  for s in segs if s.kind == "article"]
    [('標題一', '正文一。', '甲報', ('車企',)), ('標題二', '正文二。', '乙報', ('車企',))]
    """
    config = config or SplitConfig()
    lines = _lines(text)
    drafts: list[_Draft] = []
    tag_lines: dict[int, tuple[str, ...]] = {}
    active_tags: tuple[str, ...] = ()
    last_was_tag = False
    cur: _Draft | None = None
    attach: _Draft | None = None  # the article a following credit line may still join

    def line_text(i: int) -> str:
        return text[lines[i][0]:lines[i][1]]

    def next_nonblank(i: int) -> int | None:
        for j in range(i + 1, len(lines)):
            if line_text(j).strip():
                return j
        return None

    def is_title_like(i: int) -> bool:
        s = line_text(i).strip()
        if not s or len(s) > config.max_title_chars or _SENTENCE_END.search(s):
            return False
        if _match("end", s) or _match("credit_line", s) or _match("start", s):
            return False
        j = next_nonblank(i)
        if j is None:
            return False
        nxt = line_text(j)
        heading = _HEADING.match(nxt)
        return not (_TAG_LINE.match(nxt) or (heading and len(heading["hashes"]) == 1))

    def open_draft() -> _Draft:
        d = _Draft(tags=active_tags)
        drafts.append(d)
        return d

    def has_body(d: _Draft) -> bool:
        """Whether the article already has a line that is not a section heading."""
        return any(not _HEADING.match(line_text(j)) for j in d.lines)

    for i in range(len(lines)):
        s = line_text(i)
        if not s.strip():
            continue
        if _TAG_LINE.match(s) and not _HEADING.match(s):
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
        heading = _HEADING.match(s)
        if heading and len(heading["hashes"]) == 1:
            if cur is not None:
                cur.closed = True
            cur = open_draft()
            cur.title = (lines[i][0] + heading.start("title"), lines[i][0] + heading.end("title"))
            cur.title_line = i
            cur.markers.append("md_heading")
            continue
        credit = _match("credit_line", s)
        # A credit line belongs to the open article, or to the one that just ended
        # with only blank lines in between.
        target = cur if cur is not None and not cur.closed and cur.lines else joinable
        if credit and target is not None:
            target.credit_lines.append(i)
            target.markers.append(credit[0].name)
            if "source" in credit[0].pattern.groupindex and credit[1]["source"]:
                target.source_end = target.source_end or _clean_source(credit[1]["source"])
            target.closed = True
            cur = attach = target
            continue
        opening = _match("start", s)
        if cur is not None and not cur.closed and opening and has_body(cur):
            cur.closed = True  # a dateline after body text opens a new article
        if cur is None or cur.closed:
            cur = open_draft()
            if is_title_like(i):
                cur.title = (lines[i][0] + len(s) - len(s.lstrip()), lines[i][0] + len(s.rstrip()))
                cur.title_line = i
                cur.markers.append("title_line")
                continue
        if opening and not has_body(cur):
            cur.markers.append(opening[0].name)
            cur.source_start = _clean_source(opening[1]["source"])
        cur.lines.append(i)
        closing = _match("end", s)
        if closing:
            marker, m = closing
            cur.end_credit = (lines[i][0] + m.start(), lines[i][0] + m.end(), marker.name)
            cur.markers.append(marker.name)
            cur.source_end = _clean_source(m["source"])
            cur.closed = True
            attach = cur

    segments: list[Segment] = []
    for d in drafts:
        body_lines = d.lines
        first = d.title_line if d.title_line is not None else (body_lines or d.credit_lines or [0])[0]
        last_line = max([*body_lines, *d.credit_lines, first])
        start, end = lines[first][0], lines[last_line][1]
        credits = [(lines[j][0], lines[j][1], "credit_line") for j in d.credit_lines]
        if d.end_credit:
            credits.append(d.end_credit)
        if body_lines:
            body_start = lines[body_lines[0]][0]
            body_end = d.end_credit[0] if d.end_credit else lines[body_lines[-1]][1]
        else:
            body_start = body_end = end
        segments.append(Segment(
            kind="article", start=start, end=end, title=d.title, body=(body_start, body_end),
            source=d.source_end or d.source_start, markers=tuple(dict.fromkeys(d.markers)),
            tags=d.tags, credits=tuple(sorted(credits)),
        ))
    for i, found in tag_lines.items():
        segments.append(Segment(kind="tag", start=lines[i][0], end=lines[i][1], tags=found))
    return _fill_gaps(text, sorted(segments, key=lambda s: s.start))


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
    """The article text: the body span minus credit lines inside it, trailing space trimmed."""
    assert seg.body is not None
    b0, b1 = seg.body
    parts, pos = [], b0
    for c0, c1, _ in seg.credits:
        if b0 <= c0 < b1:
            parts.append(text[pos:c0])
            pos = max(pos, c1)
    parts.append(text[pos:b1])
    return "".join(parts).rstrip(" \t\u3000\xa0\n")
