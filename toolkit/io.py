"""The only module that reads and writes files.

Inputs are discovered in a deterministic order; per-article results are spilled
to a temporary file so memory holds only the dedup state; every output is
written under a temporary name and renamed into place, so an interrupted run
never leaves a half-written file under a final name.
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from . import dedup, diff, report
from .config import Config
from .decode import Rejected, decode_bytes
from .errors import ConfigError, InputError, OutputError
from .pipeline import Corpus, Decisions, FileInfo, Processed, file_record, finalize, process_file
from .script import converter


@dataclass(frozen=True, slots=True)
class InputFile:
    rel: str  # path relative to its input root, "/"-separated
    path: Path | None  # None for standard input


def discover(inputs: Sequence[str]) -> list[InputFile]:
    """Expand files and directories (recursively, sorted); fail before any work on a missing path."""
    missing = [p for p in inputs if p != "-" and not os.path.lexists(p)]
    if missing:
        raise InputError(f"input not found: {', '.join(missing)}", "check the path; nothing was written")
    found: list[InputFile] = []
    for item in inputs:
        if item == "-":
            found.append(InputFile("<stdin>", None))
            continue
        path = Path(item)
        if path.is_dir():
            files = sorted((p for p in path.rglob("*") if not p.is_dir()), key=lambda p: p.relative_to(path).parts)
            found.extend(InputFile(p.relative_to(path).as_posix(), p) for p in files)
        else:
            found.append(InputFile(path.name, path))
    seen: dict[str, int] = {}
    unique = []
    for f in found:  # two roots holding the same relative path must not share ids
        n = seen.get(f.rel, 0)
        seen[f.rel] = n + 1
        unique.append(f if n == 0 else replace(f, rel=f"{f.rel}~{n + 1}"))
    return unique


def read_input(f: InputFile) -> bytes:
    data = sys.stdin.buffer.read() if f.path is None else f.path.read_bytes()
    if f.rel.endswith(".gz") or data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


@contextmanager
def atomic_file(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and rename it into place on success."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8", newline=None if "b" in mode else "\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def prepare_output(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "diffs").mkdir(exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".probe.", delete=True)
        probe.close()
    except OSError as err:
        raise OutputError(f"cannot write to output directory {out}: {err.strerror or err}",
                          "choose another --out or fix its permissions") from None


Progress = Callable[[int], None]


def run_clean(files: Sequence[InputFile], out: Path, config: Config, progress: Progress | None = None,
              warn: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the whole cleaning job over discovered inputs; returns the report data."""
    if config.encoding:
        try:
            "".encode(config.encoding)
        except LookupError:
            raise ConfigError(f"unknown encoding: {config.encoding}", "use a Python codec name such as gb18030") \
                from None
    prepare_output(out)
    corpus = Corpus(config)
    infos: list[FileInfo] = []
    file_removed: list[dict[str, Any]] = []
    ids: dict[int, str] = {}
    next_index = 0
    with tempfile.TemporaryFile(dir=out, prefix=".spill.") as spill:
        for f in files:
            try:
                data = read_input(f)
            except (OSError, EOFError, gzip.BadGzipFile) as err:
                msg = f"cannot read {f.rel}: {getattr(err, 'strerror', None) or err}"
                if warn:
                    warn(msg)
                info = FileInfo(f.rel, 0, None, None, None, None, False, 0, 0, "unreadable", msg)
                infos.append(info)
                file_removed.append(file_record(info))
                continue
            info, items = process_file(data, f.rel, next_index, config)
            infos.append(info)
            if info.reason:
                file_removed.append(file_record(info))
            for item in items:
                ids[item.doc.index] = item.doc.id
                corpus.add(item)
                slim = replace(item, detection=replace(item.detection, lexicon=frozenset()))
                pickle.dump(slim, spill, protocol=pickle.HIGHEST_PROTOCOL)
            next_index += len(items)
            if progress:
                progress(len(data))
        decisions = corpus.finish()
        wanted = decisions.removed.keys() | decisions.kept_clusters.keys()
        texts: dict[int, diff.ArticleView] = {}
        records: list[dict[str, Any]] = []
        spill.seek(0)
        with atomic_file(out / "corpus.jsonl") as kept_fh, atomic_file(out / "removed.jsonl") as removed_fh:
            for rec in file_removed:
                removed_fh.write(dumps(rec) + "\n")
            for item in _read_spill(spill):
                kept, rec = finalize(item, decisions, ids)
                (kept_fh if kept else removed_fh).write(dumps(rec) + "\n")
                records.append(report.summarize(rec, kept))
                if item.doc.index in wanted:
                    texts[item.doc.index] = diff.ArticleView(rec["id"], rec["title"], rec["source"], rec["text"])
    pages = _write_diffs(out, decisions, texts)
    summary = report.build(infos, records, decisions, pages, config)
    with atomic_file(out / "clusters.jsonl") as fh:
        for line in report.cluster_lines(decisions, ids, pages):
            fh.write(dumps(line) + "\n")
    with atomic_file(out / "report.json") as fh:
        fh.write(json.dumps(summary, ensure_ascii=False, sort_keys=True, indent=1) + "\n")
    with atomic_file(out / "report.md") as fh:
        fh.write(report.markdown(summary))
    return summary


def _read_spill(fh: IO[bytes]) -> Iterator[Processed]:
    while True:
        try:
            yield pickle.load(fh)
        except EOFError:
            return


def _char_folder() -> Callable[[str], str]:
    """Traditional→Simplified for one character, memoized for this run (OpenCC calls are costly)."""
    t2s = converter("t2s")
    memo: dict[str, str] = {}

    def fold(ch: str) -> str:
        if ch not in memo:
            memo[ch] = t2s.convert(ch)
        return memo[ch]

    return fold


def _write_diffs(out: Path, decisions: Decisions, texts: dict[int, diff.ArticleView]) -> dict[str, str]:
    """One self-contained page per cluster plus an index; returns cluster id -> page path."""
    _fold_char = _char_folder()
    views, names = [], []
    for c in decisions.clusters:
        keeper = texts[c.keeper]
        members = tuple(
            diff.MemberView(texts[m.index], m.similarity, m.containment,
                            tuple(diff.align(keeper.text, texts[m.index].text, _fold_char)))
            for m in c.members)
        view = diff.ClusterView(c.id, keeper, decisions.rule, members)
        name = f"{c.id}.html"
        with atomic_file(out / "diffs" / name) as fh:
            fh.write(diff.render_cluster_page(view, _fold_char))
        views.append(view)
        names.append(name)
    with atomic_file(out / "diffs" / "index.html") as fh:
        fh.write(diff.render_index(views, names))
    return {v.cluster_id: f"diffs/{n}" for v, n in zip(views, names, strict=True)}


def load_article(ref: str, run: Path, config: Config) -> diff.ArticleView:
    """Resolve an article reference for ``toolkit diff``.

    In order: an existing file (its whole decoded text); ``FILE:N`` for an existing FILE (its
    article N, numbered from 0 as in ids, split and cleaned as ``clean`` does); an id in a
    previous run's ``RUN/corpus.jsonl`` or ``RUN/removed.jsonl`` (its cleaned text).
    """
    path = Path(ref)
    if path.is_file():
        decoded = _decode_for_diff(path, config)
        return diff.ArticleView(ref, None, None, decoded)
    stem, sep, number = ref.rpartition(":")
    if sep and number.isdigit() and Path(stem).is_file():
        info, items = process_file(_read_for_diff(Path(stem)), Path(stem).name, 0, config)
        n = int(number)
        if n >= len(items):
            raise InputError(f"{stem} has {len(items)} article(s); there is no article {n}",
                             f"use {stem}:0 to {stem}:{max(0, len(items) - 1)}" if items else
                             f"it yields none: {info.detail or info.reason}")
        doc = items[n].doc
        return diff.ArticleView(ref, doc.title, doc.source, doc.text)
    needle = dumps(ref)
    for name in ("corpus.jsonl", "removed.jsonl"):
        try:
            with open(run / name, encoding="utf-8") as fh:
                for line in fh:
                    if f'"id":{needle}' in line:
                        rec = json.loads(line)
                        if rec.get("id") == ref:
                            return diff.ArticleView(ref, rec.get("title"), rec.get("source"), rec.get("text", ""))
        except FileNotFoundError:
            continue
        except OSError as err:
            raise InputError(f"cannot read {run / name}: {err.strerror or err}", "check --run") from None
    raise InputError(f"cannot find article {ref!r}: not a file, not FILE:N, and not an id in "
                     f"{run}/corpus.jsonl or {run}/removed.jsonl",
                     "give a file, FILE:N, or --run DIR holding the clean output")


def _read_for_diff(path: Path) -> bytes:
    try:
        return read_input(InputFile(path.name, path))
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise InputError(f"cannot read {path}: {getattr(err, 'strerror', None) or err}", "check the path") \
            from None


def _decode_for_diff(path: Path, config: Config) -> str:
    decoded = decode_bytes(_read_for_diff(path), config.encoding)
    if isinstance(decoded, Rejected):
        raise InputError(f"cannot decode {path}: {decoded.detail}", "try --encoding")
    return decoded.text


def run_diff(a: str, b: str, run: Path, config: Config, color: bool = False) -> str:
    """``toolkit diff``: the two articles aligned as on the diff pages, as terminal text."""
    try:
        left, right = load_article(a, run, config), load_article(b, run, config)
    except LookupError:
        raise ConfigError(f"unknown encoding: {config.encoding}", "use a Python codec name such as gb18030") \
            from None
    similarity, containment = dedup.text_similarity(left.text, right.text, config.dedup)
    rows = diff.align(left.text, right.text, _char_folder())
    return diff.render_pair(left, right, rows, similarity, containment, color, config.dedup.ngram)


__all__ = ["InputFile", "atomic_file", "discover", "load_article", "run_clean", "run_diff"]
