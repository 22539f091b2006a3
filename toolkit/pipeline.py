"""Compose the stages. No I/O here: ``io.py`` feeds bytes in and writes records out.

Per file (streams, no shared state): decode → split → script → normalize →
quality → matching view. Then a barrier over the whole corpus (:class:`Corpus`)
collects the dedup index and the script lexicon; :func:`finalize` turns each
spilled record into its final corpus or removed line.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any, NamedTuple

from . import dedup, mojibake, script
from .config import Config
from .decode import Decoded, Rejected, decode_bytes
from .models import Document, Origin, Removal, Span, Step
from .normalize import normalize
from .normalize import replay as replay_fixers
from .quality import explain, signals, verdict
from .split import Segment, body_text, find_segments, line_pieces, lines, stream_segments

SCHEMA = 1
CONTEXT = 12  # characters of raw text kept on each side of a script candidate for the report


@dataclass(frozen=True, slots=True)
class FileInfo:
    """What happened to one input file."""

    file: str
    size: int
    encoding: str | None
    detected: str | None
    confidence: float | None
    method: str | None
    strict: bool
    replacements: int
    articles: int
    reason: str | None = None
    detail: str | None = None
    line_encodings: tuple[tuple[int, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]
        out["line_encodings"] = [list(x) for x in self.line_encodings]
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 4)
        return out


@dataclass(frozen=True, slots=True)
class Processed:
    """One article after the streaming stages, before the corpus-wide barrier."""

    doc: Document
    detection: script.Detection
    removal: Removal | None
    view: str
    # Raw-article text around each script candidate, for the report: (start, before, after).
    context: tuple[tuple[int, str, str], ...] = ()


def file_id(rel: str) -> str:
    """A readable id stem: the relative path without its last suffix."""
    path = PurePosixPath(rel)
    return str(path.with_suffix("")) if path.suffix else str(path)


def file_record(info: FileInfo, stem: str | None = None) -> dict[str, Any]:
    """The removed.jsonl line for a file that yielded no articles."""
    origin = Origin(info.file, info.encoding or "", info.detected, info.confidence, 0, 0, info.method or "")
    doc = Document(id=f"{stem or file_id(info.file)}:file", text="", origin=origin, index=-1)
    return record(doc, Removal(info.reason or "empty", info.detail or "", None))


_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def is_jsonl(rel: str) -> bool:
    """JSON Lines input, by name: ``.jsonl`` / ``.ndjson``, optionally gzip'd.

    >>> is_jsonl("dump/news.jsonl.gz"), is_jsonl("news.txt.gz")
    (True, False)
    """
    name = rel.lower().removesuffix(".gz")
    return name.endswith(_JSONL_SUFFIXES)


def process_file(data: bytes, rel: str, first_index: int, config: Config,
                 stem: str | None = None) -> tuple[FileInfo, list[Processed]]:
    """Decode and split one file, and run the per-article stages on each article.

    Article ids are ``<stem>:<n>``; ``stem`` defaults to :func:`file_id` of ``rel``.
    """
    info, tasks = file_tasks(data, rel, first_index, config, stem)
    return info, [run_task(t, config) for t in tasks]


@dataclass(frozen=True, slots=True)
class ArticleTask:
    """One article segment of ``text``, ready for the per-article stages (:func:`run_task`)."""

    text: str
    seg: Segment
    doc_id: str
    origin: Origin
    index: int
    repaired: int  # mojibake repairs inside the segment
    meta: dict[str, Any] | None = None

    def detached(self) -> ArticleTask:
        """The same task holding only its own part of the text (to be pickled apart from its file)."""
        seg = self.seg
        spans = [(seg.start, seg.end), *(s for s in (seg.title, seg.body) if s),
                 *((c.start, c.end) for c in seg.credits)]
        lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
        if lo == 0 and hi == len(self.text):
            return self

        return replace(self, text=self.text[lo:hi], seg=seg.shifted(-lo))


Task = ArticleTask | Processed  # a Processed is a record already decided (a bad JSON Lines line)


def run_task(task: Task, config: Config) -> Processed:
    return task if isinstance(task, Processed) else _article(task, config)


def task_size(task: Task) -> int:
    """Characters of article text: the measure by which a file's tasks are batched."""
    return task.seg.end - task.seg.start if isinstance(task, ArticleTask) else len(task.doc.text)


def file_tasks(data: bytes, rel: str, first_index: int, config: Config,
               stem: str | None = None) -> tuple[FileInfo, list[Task]]:
    """Decode and split one file into its articles, without running the per-article stages."""
    info, decoded = decode_file(data, rel, config)
    decoded, repaired_at = repair_file(rel, decoded)
    return split_file(info, decoded, repaired_at, first_index, config, stem)


def decode_file(data: bytes, rel: str, config: Config) -> tuple[FileInfo, Decoded | None]:
    """Decode one file: its record so far, and its text (None when it cannot be decoded)."""
    decoded = decode_bytes(data, config.encoding)
    if isinstance(decoded, Rejected):
        return FileInfo(rel, len(data), None, None, None, None, False, 0, 0, decoded.reason, decoded.detail), None
    return decoded_info(rel, len(data), decoded), decoded


def decoded_info(rel: str, size: int, decoded: Decoded) -> FileInfo:
    """The record of a file of ``size`` bytes decoded as ``decoded``, before it is split."""
    return FileInfo(rel, size, decoded.encoding, decoded.detected, decoded.confidence, decoded.method,
                    decoded.strict, decoded.replacements, 0, line_encodings=decoded.line_encodings)


def repair_file(rel: str, decoded: Decoded | None) -> tuple[Decoded | None, list[int]]:
    """A text file's mojibake repaired (JSON Lines are repaired record by record): the text,
    and where its repairs start."""
    if decoded is None or is_jsonl(rel):
        return decoded, []
    text, repairs = mojibake.repair(decoded.text)
    return replace(decoded, text=text), [r.start for r in repairs]


def split_file(info: FileInfo, decoded: Decoded | None, repaired_at: list[int], first_index: int, config: Config,
               stem: str | None = None) -> tuple[FileInfo, list[Task]]:
    """Split a file decoded by :func:`decode_file` and repaired by :func:`repair_file` into its
    articles (apart, so that a caller can let the bytes, then the damaged text, go first)."""
    if decoded is None:
        return info, []
    rel = info.file
    stem = stem or file_id(rel)
    out: list[Task]
    if is_jsonl(rel):
        out = list(_jsonl_records(decoded.text, decoded, rel, first_index, config, stem))
    else:
        text = decoded.text
        segments = find_segments(text, config.split)
        out = list(_text_tasks(decoded, rel, stem, 0, text, segments, 0, first_index, repaired_at))
        tail = _Tail()
        tail.see(0, text, segments)
        if (tags := tail.record(decoded, rel, f"{stem}:{len(out)}", first_index + len(out))) is not None:
            out.append(tags)
    return counted(info, len(out)), out


def counted(info: FileInfo, articles: int) -> FileInfo:
    """A split file's record, with its count of articles."""
    info = replace(info, articles=articles)
    if not articles:
        info = replace(info, reason="empty", detail="the file holds no article text")
    return info


def _text_tasks(decoded: Decoded, rel: str, stem: str, offset: int, text: str, segments: Iterable[Segment],
                before: int, first_index: int, repaired_at: list[int]) -> Iterator[ArticleTask]:
    """The tasks of the articles among ``segments`` of ``text``, which starts at ``offset`` in its
    file's text after ``before`` articles; ``first_index``: the index of the file's first article;
    ``repaired_at``: where the file text's mojibake repairs start, in order."""
    for n, seg in enumerate((s for s in segments if s.kind == "article"), before):
        start, end = offset + seg.start, offset + seg.end
        origin = Origin(rel, decoded.encoding, decoded.detected, decoded.confidence, start, end, decoded.method)
        repaired = bisect_left(repaired_at, end) - bisect_left(repaired_at, start)
        yield ArticleTask(text, seg, f"{stem}:{n}", origin, first_index + n, repaired)


@dataclass
class Streaming:
    """What :func:`stream_tasks` found, once its tasks are all taken."""

    prefer: tuple[str, ...] | None = None  # mojibake ties go to this family (None: each piece's own)
    articles: int = 0
    weights: list[mojibake.Weight] = field(default_factory=list)  # the pieces' that have any

    def settled(self) -> bool:
        """Whether the pieces' mojibake was repaired as in the whole text: a piece with a tie to
        break broke it as the whole text would have."""
        whole = self._whole()
        return self.prefer is not None or all(mojibake.preferred(w) == whole for w in self.weights)

    def again(self) -> Streaming:
        """A new run over the same text, with each tie going where the whole text sends it."""
        return Streaming(self._whole())

    def _whole(self) -> tuple[str, ...]:
        return mojibake.preferred(mojibake.summed(self.weights))


def stream_tasks(parts: Iterable[str], decoded: Decoded, rel: str, config: Config, stem: str,
                 found: Streaming) -> Iterator[Task]:
    """The tasks that :func:`split_file` makes of a file's text (decoded as ``decoded`` says), from
    its text given in ``parts``, as the articles are settled: no more than a few pieces and an
    article of the text are held at once. Once the tasks are all taken, ``found`` holds their
    count, and whether a second run is needed (:meth:`Streaming.settled`).

    A text file's mojibake is repaired a piece of whole lines at a time (no repair crosses a line
    end); JSON Lines are repaired record by record, as always.
    """
    if is_jsonl(rel):
        line = 0
        for piece in line_pieces(parts):
            for task in _jsonl_records(piece, decoded, rel, found.articles, config, stem, line):
                found.articles += 1
                yield task
            line += piece.count("\n")
        return
    repaired_at: list[int] = []

    def repaired() -> Iterator[str]:
        size = 0
        for piece in line_pieces(parts):
            text, repairs, weight = mojibake.repair_weighed(piece, found.prefer)
            if any(weight.values()):
                found.weights.append(weight)
            repaired_at.extend(size + r.start for r in repairs)
            size += len(text)
            yield text

    tail = _Tail()
    for offset, text, segments in stream_segments(repaired(), config.split):
        for task in _text_tasks(decoded, rel, stem, offset, text, segments, found.articles, 0, repaired_at):
            found.articles += 1
            yield task
        tail.see(offset, text, segments)
    if (tags := tail.record(decoded, rel, f"{stem}:{found.articles}", found.articles)) is not None:
        found.articles += 1
        yield tags


def _article(task: ArticleTask, config: Config) -> Processed:
    """One article segment through the per-article stages."""
    text, seg = task.text, task.seg
    raw = text[seg.start:seg.end]
    doc = Document(
        id=task.doc_id, text=body_text(text, seg), origin=task.origin, index=task.index,
        title=text[seg.title[0]:seg.title[1]] if seg.title else None,
        source=seg.source, marker=seg.markers, tags=seg.tags,
        removed_lines=tuple(Span(c.start - seg.start, c.end - seg.start, text[c.start:c.end], "", c.marker)
                            for c in seg.credits),
        steps=(Step("mojibake", task.repaired),) if task.repaired else (), meta=task.meta,
    )
    return process_article(doc, raw, config)


def _jsonl_records(block: str, decoded: Decoded, rel: str, first_index: int, config: Config,
                   stem: str, lines_before: int = 0) -> Iterator[Task]:
    """One JSON object per line of ``block`` (its file's lines after the first ``lines_before``):
    its text field is split like a text file; the other fields are ``meta``.

    Ids are ``<file>:<line>``, or ``<file>:<line>.<k>`` when a record holds several articles.
    Bad lines become removed records (``invalid_json``, ``missing_text``) holding the line as text.
    """
    field_name = config.input.text_field
    index = first_index

    def origin(line_no: int, start: int, end: int) -> Origin:
        return Origin(rel, decoded.encoding, decoded.detected, decoded.confidence, start, end, decoded.method,
                      line=line_no)

    def rejected(line_no: int, text: str, reason: str, detail: str, meta: dict[str, Any] | None = None) -> Processed:
        return _rejected(f"{stem}:{line_no}", text, origin(line_no, 0, len(text)), index, reason, detail, meta)

    for line_no, line in enumerate(lines(block), lines_before + 1):
        if not line.strip():
            continue  # blank lines are not records
        problem = None
        try:
            # A BOM opening a line: files that each began with one, concatenated.
            obj = json.loads(line.removeprefix("\ufeff"), parse_constant=_reject_constant,
                             parse_float=_finite_float, object_pairs_hook=_unique_keys)
            if _SURROGATE_ESCAPE.search(line):
                json.dumps(obj, ensure_ascii=False).encode("utf-8")  # lone surrogates cannot be written out
        except (ValueError, RecursionError) as err:
            problem = f"line {line_no}: not valid JSON ({err})"
        if problem is None and not isinstance(obj, dict):
            problem = f"line {line_no}: a JSON {type(obj).__name__}, not an object"
        if problem is not None:
            yield rejected(line_no, line, "invalid_json", problem)
            index += 1
            continue
        text = obj.get(field_name)
        meta = {k: v for k, v in obj.items() if k != field_name}
        if not isinstance(text, str):
            what = "has no" if field_name not in obj else f"has a {type(text).__name__}, not a string, as its"
            yield rejected(line_no, line, "missing_text", f"line {line_no}: the record {what} field '{field_name}'",
                           meta)
            index += 1
            continue
        text, repairs = mojibake.repair(text)
        repaired_at = [r.start for r in repairs]
        segments = find_segments(text, config.split)
        segs = [s for s in segments if s.kind == "article"]
        if not segs:
            if any(s.kind == "tag" for s in segments):  # as a text file of tag lines only
                yield rejected(line_no, text, "tags_only", f"line {line_no}: the record holds tag lines only: {_gist(text)}",
                               meta)
            else:
                yield rejected(line_no, text, "empty", f"line {line_no}: the record has no article text", meta)
            index += 1
            continue
        for k, seg in enumerate(segs):
            doc_id = f"{stem}:{line_no}" if len(segs) == 1 else f"{stem}:{line_no}.{k}"
            repaired = bisect_left(repaired_at, seg.end) - bisect_left(repaired_at, seg.start)
            yield ArticleTask(text, seg, doc_id, origin(line_no, seg.start, seg.end), index, repaired, meta)
            index += 1
        tail = _Tail()
        tail.see(0, text, segments)
        if (tags := tail.record(decoded, rel, f"{stem}:{line_no}.{len(segs)}", index, line_no, meta)) is not None:
            yield tags
            index += 1


def _rejected(doc_id: str, text: str, origin: Origin, index: int, reason: str, detail: str,
              meta: dict[str, Any] | None = None) -> Processed:
    """A record decided before the per-article stages: removed for ``reason``, its text kept."""
    doc = Document(id=doc_id, text=text, origin=origin, index=index, meta=meta,
                   quality=signals(text, minority_chars=0, halfwidth_fixed=0, boilerplate_lines=0,
                                   mixed_candidates=0, **mojibake.signals(text)))
    return Processed(doc, script.detect(""), Removal(reason, detail), "")


@dataclass
class _Tail:
    """Tag segments after the last article of a file so far: (start, end, text), offsets in the file."""

    tags: list[tuple[int, int, str]] = field(default_factory=list)

    def see(self, offset: int, text: str, segments: Iterable[Segment]) -> None:
        for s in segments:
            if s.kind == "article":
                self.tags.clear()
            elif s.kind == "tag":
                self.tags.append((offset + s.start, offset + s.end, text[s.start:s.end]))

    def record(self, decoded: Decoded, rel: str, doc_id: str, index: int, line: int | None = None,
               meta: dict[str, Any] | None = None) -> Processed | None:
        """The removed record of the tags no article followed, if any."""
        if not self.tags:
            return None
        text = "\n".join(t for _, _, t in self.tags)
        origin = Origin(rel, decoded.encoding, decoded.detected, decoded.confidence, self.tags[0][0],
                        self.tags[-1][1], decoded.method, line=line)
        return _rejected(doc_id, text, origin, index, "tags_only", f"tag line(s) with no article after them: {_gist(text)}",
                         meta)


def _gist(text: str) -> str:
    """The start of a text on one line, for a removal's detail."""
    return text.replace("\n", " ")[:80]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(literal: str) -> float:
    # 1e400 parses to inf, which no JSON output can hold: the line is rejected whole, as Infinity is.
    value = float(literal)
    if value in (math.inf, -math.inf):
        raise ValueError(f"{literal} is too large for a number")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys and drops the other's value without a word.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {key!r} appears twice in one object")
            seen.add(key)
    return obj


def process_article(doc: Document, raw: str, config: Config) -> Processed:
    """Script detection on the raw article, then normalization and quality on its text."""
    detection = script.detect(script.without(raw, ((s.start, s.end) for s in doc.removed_lines)),
                              config.script.min_evidence)
    body, label = doc.text, (detection.script, detection.variant)
    converted: tuple[Step, ...] = ()
    if chain := script.conversion(config.script.mode, detection.script, detection.variant):
        body, n = script.convert(body, chain)
        label = script.TARGETS[config.script.mode]
        converted = (Step("script:" + "+".join(chain), n),) if n else ()
    cleaned, steps = normalize(body, config.normalize)
    steps = converted + steps
    if script.repairs(config.script.mode, detection.script):  # spans are decided in settle; find them in the text
        detection = script.locate(detection, raw, cleaned)
    minority = detection.counts["simplified_only" if detection.script == "hant" else "traditional_only"] \
        if detection.script != "none" else 0
    halfwidth = sum(s.count for s in steps if s.fixer == "fullwidth_punct")
    q = signals(cleaned, minority_chars=minority, halfwidth_fixed=halfwidth,
                boilerplate_lines=sum(s.start == 0 or raw[s.start - 1] == "\n" for s in doc.removed_lines),
                mixed_candidates=len(detection.candidates), **mojibake.signals(cleaned))
    # mojibake repair ran on the whole file, then the splitter cut the credits: both come first
    cut = (Step("cut_credits", len(doc.removed_lines)),) if doc.removed_lines else ()
    doc = replace(doc, text=cleaned, steps=(*doc.steps, *cut, *steps), quality=q, script=detection.script,
                  variant=detection.variant)
    removal = None
    if not cleaned.strip():
        removal = Removal("empty", "nothing left after cleaning")
    elif (rule := verdict(q, config.quality)) is not None:
        removal = Removal(rule, explain(rule, q, config.quality))
    view = dedup.matching_view(script.fold(cleaned, *label)) if removal is None else ""
    context = tuple((c.start, raw[max(0, c.start - CONTEXT):c.start], raw[c.start + 1:c.start + 1 + CONTEXT])
                    for c in detection.candidates)
    return Processed(doc, detection, removal, view, context)


def damaged(item: Processed) -> bool:
    """Whether an article's text looks damaged (U+FFFD, 锟斤拷, mojibake left after repair): the
    keep rule "longest" prefers any sound copy to it."""
    return bool(item.doc.quality.get("mojibake_suspect"))


@dataclass
class Corpus:
    """The barrier: everything that needs the whole corpus (dedup, script evidence)."""

    config: Config
    views: MutableMapping[int, bytes] | None = None  # where dedup keeps views (default: memory, compressed)
    index: dedup.DedupIndex = field(init=False)
    lexicon: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = dedup.DedupIndex(self.config.dedup, {} if self.views is None else self.views,
                                      compress=self.views is None)

    def add(self, item: Processed) -> None:
        self.add_words(item.detection.script, item.detection.lexicon)
        if item.removal is None:
            self.index.add(item.doc.index, item.view, len(item.doc.text), damaged(item))

    def add_words(self, script_label: str, words: Iterable[str]) -> None:
        self.lexicon.setdefault(script_label, set()).update(words)

    def add_prepared(self, index: int, prepared: dedup.Prepared, length: int, damaged: bool = False) -> None:
        self.index.add_prepared(index, prepared, length, damaged)

    def finish(self, run: dedup.Mapper = map) -> Decisions:
        """The corpus-wide decisions; ``run`` (``map`` or a pool's) verifies the dedup candidates."""
        clusters = self.index.finish(run)
        return Decisions(clusters, dedup.removals(clusters), {c.keeper: c for c in clusters},
                         {k: frozenset(v) for k, v in self.lexicon.items()}, self.config.dedup.keep)


@dataclass(frozen=True)
class Decisions:
    clusters: list[dedup.Cluster]
    removed: dict[int, tuple[dedup.Cluster, dedup.Member]]
    kept_clusters: dict[int, dedup.Cluster]
    lexicon: dict[str, frozenset[str]]
    rule: str  # the keep rule that chose every cluster's kept article


def replay(body: str, steps: Iterable[Step], config: Config | None = None) -> str:
    """An article's text again from its split body and its recorded steps.

    In the recorded order: ``mojibake`` and ``cut_credits`` happened before the body was cut
    (nothing to redo), ``script:<configs>`` converts, then the normalization fixers run.
    ``script:repair`` comes last and is not replayed here: it rewrites each of ``mixed_spans``.
    """
    config = config or Config()
    steps = list(steps)
    for step in steps:
        if step.fixer.startswith("script:") and step.fixer != "script:repair":
            body = script.convert(body, tuple(step.fixer.removeprefix("script:").split("+")))[0]
    return replay_fixers(body, steps, config.normalize)


def settle(item: Processed, lexicon: Mapping[str, frozenset[str]]) -> tuple[bool, dict[str, Any]]:
    """Resolve script spans with corpus evidence: (kept?, JSON record) before dedup.

    An article with no script candidates settles the same with any lexicon, so its record can
    be made before the barrier (:class:`Settled`).
    """
    spans, advisories = script.resolve(item.detection, lexicon)
    # Only located candidates are repaired (see script.repairs).
    text, n = script.repair(item.doc.text, spans, item.detection)
    steps = (*item.doc.steps, Step("script:repair", n)) if n else item.doc.steps  # it runs last
    doc = replace(item.doc, text=text, steps=steps, mixed_spans=spans, advisories=advisories,
                  quality=dict(item.doc.quality, minority_spans=len(spans)))
    return item.removal is None, record(doc, item.removal)


def deduplicate(rec: dict[str, Any], index: int, decisions: Decisions, ids: dict[int, str]) -> bool:
    """Apply the dedup decisions to article ``index``'s record, in place; False if it is removed as a copy."""
    if index in decisions.removed:
        cluster, member = decisions.removed[index]
        keeper = ids[cluster.keeper]
        rec["cluster"] = cluster.id
        rec.update(_removal_fields(Removal(member.reason, f"duplicate of {keeper}, kept by rule '{decisions.rule}'",
                                           keeper, member.similarity, member.containment, decisions.rule)))
        return False
    if index in decisions.kept_clusters:
        rec["cluster"] = decisions.kept_clusters[index].id
    return True


def finalize(item: Processed, decisions: Decisions, ids: dict[int, str]) -> tuple[bool, dict[str, Any]]:
    """Resolve script spans with corpus evidence and apply dedup: (kept?, JSON record)."""
    kept, rec = settle(item, decisions.lexicon)
    return deduplicate(rec, item.doc.index, decisions, ids) and kept, rec


class Settled(NamedTuple):
    """An article with no script candidates, finished before the barrier as if in no cluster:
    only dedup can change it, and only a clustered article's record is made again."""

    local: int  # its index in its file
    kept: bool
    at: int  # where its JSON record (UTF-8, with its newline) is in the lines file beside the spill
    size: int  # bytes of that line
    row: dict[str, Any]  # its report row


def record(doc: Document, removal: Removal | None) -> dict[str, Any]:
    """The output line for one article (keys sorted when serialized)."""
    out: dict[str, Any] = {
        "id": doc.id,
        "text": doc.text,
        "title": doc.title,
        "source": doc.source,
        "tags": list(doc.tags),
        "marker": list(doc.marker),
        "script": doc.script,
        "variant": doc.variant,
        "mixed_spans": [s.to_json() for s in doc.mixed_spans],
        "advisories": [s.to_json() for s in doc.advisories],
        "credits": [{"start": s.start, "end": s.end, "text": s.text, "kind": s.reason} for s in doc.removed_lines],
        "origin": doc.origin.to_json(),
        "steps": [s.to_json() for s in doc.steps],
        "quality": doc.quality,
        "cluster": doc.cluster,
    }
    if doc.meta is not None:
        out["meta"] = doc.meta
    if removal is not None:
        out.update(_removal_fields(removal))
    return out


def _removal_fields(removal: Removal) -> dict[str, Any]:
    out: dict[str, Any] = {"reason": removal.reason, "detail": removal.detail}
    if removal.duplicate_of is not None:
        out.update(duplicate_of=removal.duplicate_of, similarity=removal.similarity,
                   containment=removal.containment, keep_rule=removal.rule)
    return out

