"""The only module that reads and writes files.

Inputs are discovered in a deterministic order; per-article results are spilled
to a temporary file so memory holds only the dedup state; every output is
written under a temporary name and renamed into place, so an interrupted run
never leaves a half-written file under a final name.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import pickle
import shutil
import stat
import sys
import tempfile
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import IO, Any

import orjson

from . import dedup, diff, report, workers
from .config import Config
from .decode import (
    UTF8_PLAIN,
    Decoded,
    Rejected,
    Undecided,
    chinese_reading,
    decode_bytes,
    strict_parts,
    utf8_parts,
)
from .display import shown_name
from .errors import ConfigError, InputError, OutputError
from .pipeline import (
    ArticleTask,
    Corpus,
    Decisions,
    FileInfo,
    Processed,
    Settled,
    Streaming,
    Task,
    counted,
    damaged,
    decode_file,
    decoded_info,
    deduplicate,
    file_id,
    file_record,
    file_tasks,
    repair_file,
    run_task,
    settle,
    split_file,
    stream_tasks,
    task_size,
)
from .script import converter


@dataclass(frozen=True, slots=True)
class InputFile:
    rel: str  # path relative to its input root, "/"-separated
    path: Path | None  # None for standard input
    error: str | None = None  # why it cannot be read, when known at discovery (a directory not listable)
    stem: str = ""  # the id stem of its articles, unique in the run (see discover)


def discover(inputs: Sequence[str], skip: Path | None = None,
             notice: Callable[[str], None] | None = None) -> list[InputFile]:
    """Expand files and directories (recursively, sorted); fail before any work on a missing path.

    The directory ``skip`` (the run's output) is left out of the directories walked, so that a
    second run does not read the first one's corpus and reports as input. Hidden entries under
    a directory (``.git``, ``.DS_Store``, ``._name`` copies) are left out too, and ``notice`` is
    told how many; an input named on its own is always read.
    """
    missing = [p for p in inputs if p != "-" and not os.path.lexists(p)]
    if missing:
        raise InputError(f"input not found: {', '.join(missing)}", "check the path; nothing was written")
    try:
        skipped = os.stat(skip) if skip is not None else None
    except OSError:
        skipped = None  # not made yet: nothing of it to read
    found: list[InputFile] = []
    for item in inputs:
        if item == "-":
            found.append(InputFile("<stdin>", None))
            continue
        path = Path(item)
        if path.is_dir():
            hidden: list[str] = []
            entries = sorted(_walk(path, skipped, hidden), key=lambda e: e[0].relative_to(path).parts)
            if hidden and notice:
                notice(f"skipped {len(hidden)} hidden entr{'y' if len(hidden) == 1 else 'ies'} under {item} "
                       f"({_first_few(sorted(hidden))}); name one as an input to read it")
            found.extend(InputFile(p.relative_to(path).as_posix() if p != path else path.name, p, error)
                         for p, error in entries)
        else:
            found.append(InputFile(path.name, path))
    found = _named(_once(found, notice), notice)
    # Ids are <stem>:<n>; two roots holding one relative path, or a.txt beside a.md, must not
    # share them: a later stem that is taken gets ~2, ~3... (the file name itself is kept).
    stems: set[str] = set()
    unique = []
    for f in found:
        stem = base = file_id(f.rel)
        n = 1
        while stem in stems:
            n += 1
            stem = f"{base}~{n}"
        stems.add(stem)
        unique.append(replace(f, stem=stem))
    return unique


def _once(found: list[InputFile], notice: Callable[[str], None] | None) -> list[InputFile]:
    """Each file once, at its first place: a file named twice (or inside two roots given) would
    otherwise be read twice and removed as a duplicate of itself."""
    def identity(f: InputFile) -> tuple[object, ...]:
        if f.path is None:
            return ("stdin",)
        if f.error is not None:  # reported, not read: a link to a directory is not that directory
            return ("error", str(f.path))
        try:
            st = os.stat(f.path)
        except OSError:
            return ("path", str(f.path))  # reported as unreadable later, once
        return (st.st_dev, st.st_ino)

    seen: set[tuple[object, ...]] = set()
    out, again = [], []
    for f in found:
        key = identity(f)
        if key in seen:
            again.append(f.rel if f.path is None else str(f.path))
            continue
        seen.add(key)
        out.append(f)
    if again and notice:
        notice(f"{len(again)} input(s) given more than once, read once: {_first_few(again)}")
    return out


def _named(found: list[InputFile], notice: Callable[[str], None] | None) -> list[InputFile]:
    """Names that are not UTF-8, or that hold control characters, recorded with those escaped
    (:func:`display.shown_name`): the outputs are UTF-8 and safe to print."""
    names = [shown_name(f.rel) for f in found]
    odd = [name for f, name in zip(found, names, strict=True) if name != f.rel]
    if not odd:
        return found
    if notice:
        notice(f"{len(odd)} file name{'' if len(odd) == 1 else 's'} not valid UTF-8 or holding control characters "
               f"({_first_few(odd)}): recorded with the bytes escaped")
    return [replace(f, rel=name) if name != f.rel else f for f, name in zip(found, names, strict=True)]


def _first_few(names: Sequence[str]) -> str:
    return ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")


def _walk(root: Path, skip: os.stat_result | None = None,
          hidden: list[str] | None = None) -> Iterator[tuple[Path, str | None]]:
    """Every non-directory entry under ``root``, plus each directory that cannot be listed;
    the directory ``skip`` (by device and inode) is not entered, and the names of hidden
    entries (starting with a dot), which are left out, go to ``hidden``.

    A directory that cannot be listed is yielded with its error, so it is reported as
    unreadable instead of silently contributing nothing (``rglob`` skips it). Symbolic links
    to directories are not followed (loops) and are reported the same way.
    """
    failed: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=failed.append):
        base = Path(dirpath)
        if skip is not None:
            dirnames[:] = [d for d in dirnames if not _same(base / d, skip)]
        if hidden is not None:
            hidden.extend((base / n).relative_to(root).as_posix() for n in (*dirnames, *filenames) if n.startswith("."))
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            filenames = [f for f in filenames if not f.startswith(".")]
        yield from ((base / name, None) for name in filenames)
        yield from ((base / name, "a link to a directory (not followed)")
                    for name in dirnames if (base / name).is_symlink())
    for err in failed:
        if err.filename is not None:
            yield Path(err.filename), f"cannot list directory: {err.strerror or err}"


def _same(path: Path, st: os.stat_result) -> bool:
    try:
        here = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (st.st_dev, st.st_ino)


_GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


def _gzipped(f: InputFile, head: bytes) -> bool:
    """Whether an input is gunzipped before decoding: by its name or by its first bytes."""
    return f.rel.endswith(".gz") or head.startswith(b"\x1f\x8b")


def _stdin() -> IO[bytes]:
    """Standard input's bytes; OSError when the process has none."""
    if sys.stdin is None:
        raise OSError("standard input is closed")
    return sys.stdin.buffer


def read_input(f: InputFile) -> bytes:
    """The bytes of one input, gunzipped; OSError for anything but a readable regular file."""
    if f.error is not None:
        raise OSError(f.error)
    if f.path is not None and not stat.S_ISREG(f.path.stat().st_mode):
        raise OSError(f"not a regular file: {f.rel}")  # a FIFO or device would block or never end
    data = _stdin().read() if f.path is None else f.path.read_bytes()
    if _gzipped(f, data[:2]):
        try:
            data = gzip.decompress(data)
        except _GZIP_ERRORS as err:
            raise OSError(f"not a readable gzip file ({err})") from None
    return data


# A regular file at least this big on disk is decoded, split and cut into batches as it is read
# (and gunzipped as it is read) when it is plain UTF-8, GB18030 or Big5: neither its bytes nor
# its text are ever held whole.
STREAM_BYTES = 1 << 25
_READ = 1 << 22


class _Reader:
    """A file's bytes (gunzipped) from the start, a chunk at a time, as often as asked; ``size``
    counts the last pass's."""

    def __init__(self, path: Path, zipped: bool) -> None:
        self.path, self.zipped, self.size = path, zipped, 0

    def __call__(self) -> Iterator[bytes]:
        self.size = 0
        with gzip.open(self.path, "rb") if self.zipped else open(self.path, "rb") as fh:
            while chunk := fh.read(_READ):
                self.size += len(chunk)
                yield chunk


def _streamable(f: InputFile, config: Config) -> _Reader | None:
    """A reader for a big regular file that may be decoded as it is read; None for any other input
    (read it with :func:`read_input`)."""
    if f.path is None or f.error is not None or config.encoding is not None:
        return None
    info = f.path.stat()
    if not stat.S_ISREG(info.st_mode) or info.st_size < STREAM_BYTES:
        return None
    with open(f.path, "rb") as fh:
        head = fh.read(3)
    if head == codecs.BOM_UTF8:
        return None  # for the whole-file path, before a wasted pass
    return _Reader(f.path, _gzipped(f, head))


def _readings(read: _Reader) -> Iterator[tuple[Decoded, Callable[[], Iterator[str]]]]:
    """The decodings of a big file to try in turn, each with its text in parts (as often as asked):
    plain UTF-8, which may turn out :class:`Undecided` as late as its last part, then GB18030 or
    Big5, decided by the passes :func:`chinese_reading` makes."""
    yield UTF8_PLAIN, lambda: utf8_parts(read())
    decoded = chinese_reading(read)
    if decoded is not None:
        yield decoded, lambda: strict_parts(read(), decoded.encoding)


def cannot_read(f: InputFile, err: OSError) -> str:
    """The one-line message for an input that could not be read."""
    return f"cannot read {f.rel}: {err.strerror or err}"


_SYNCS = 16  # concurrent fsyncs share the file system's journal commits


class Staging:
    """Files written under temporary names beside their final paths, then put in place together:
    synced at once (concurrent fsyncs share the file system's journal commits), then renamed.

    As a context manager it commits on success and removes its temporary files on an error, so
    an interrupted run never leaves a half-written file under a final name.
    """

    def __init__(self) -> None:
        self._files: list[tuple[str, Path]] = []  # (temporary name, final path), not yet renamed

    @contextmanager
    def open(self, path: Path, mode: str = "w") -> Iterator[IO[Any]]:
        """A new file to be put in place as ``path`` by :meth:`commit`."""
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        self._files.append((tmp, path))
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8",
                       newline=None if "b" in mode else "\n") as fh:
            yield fh

    def commit(self) -> None:
        """Sync every file written, then rename each into place; on an error, remove the files
        not yet in place."""
        self.sync()
        self.place()

    def sync(self) -> None:
        """Sync every file written (on an error, remove them all)."""
        try:
            if len(self._files) > 1:
                with ThreadPoolExecutor(max_workers=min(len(self._files), _SYNCS)) as syncs:
                    list(syncs.map(_fsync, [tmp for tmp, _ in self._files]))
            else:
                for tmp, _ in self._files:
                    _fsync(tmp)
        except BaseException:
            self.discard()
            raise

    def place(self) -> None:
        """Rename each file into place, in the order opened (on an error, remove the rest)."""
        try:
            while self._files:
                tmp, path = self._files[0]
                os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are meant to be shared
                os.replace(tmp, path)
                self._files.pop(0)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Remove the temporary files not yet put in place."""
        for tmp, _ in self._files:
            with suppress(OSError):
                os.unlink(tmp)
        self._files.clear()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def _fsync(name: str) -> None:
    fd = os.open(name, os.O_RDONLY)  # syncs the file, whichever descriptor wrote it
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_file(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and rename it into place on success."""
    with Staging() as staging, staging.open(path, mode) as fh:
        yield fh


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _line(rec: dict[str, Any]) -> bytes:
    """A record as its output line: UTF-8 JSON with its newline, as :func:`dumps` writes it.

    orjson writes the same bytes several times faster, for every value our own fields hold (floats
    rounded to four places, strings, ints, lists, dicts); it writes some floats of its own way
    (``1e-05`` as ``0.00001``), so a record with a JSON Lines input's fields takes json's path.
    """
    if rec.get("meta") is None:
        try:
            return orjson.dumps(rec, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
        except orjson.JSONEncodeError:  # what it refuses (a lone surrogate) fails below as it always did
            pass
    return (dumps(rec) + "\n").encode("utf-8")


# What a run writes in its output directory before putting it in place: a run that was killed
# leaves these behind, and the next run into the directory removes them.
_LEFTOVERS = (".spill.*", ".diffs.*", ".corpus.jsonl.*.tmp", ".removed.jsonl.*.tmp", ".clusters.jsonl.*.tmp",
              ".report.*.tmp")


@contextmanager
def claimed_output(out: Path) -> Iterator[None]:
    """The output directory, made if needed, for this run alone: a second run into it fails
    while this one holds it (an advisory lock, freed when the process ends however it ends).
    What an interrupted run left there is removed first."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".probe.", delete=True)
        probe.close()
    except OSError as err:
        raise OutputError(f"cannot write to output directory {out}: {err.strerror or err}",
                          "choose another --out or fix its permissions") from None
    held = os.open(out, os.O_RDONLY)  # the directory itself is locked: no lock file is left
    try:
        if sys.platform != "win32":  # no advisory locks there: runs are not kept apart
            import fcntl

            try:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise OutputError(f"another toolkit clean is writing to {out}",
                                  "wait for it to end, or choose another --out") from None
        for pattern in _LEFTOVERS:
            for left in out.glob(pattern):
                if left.is_dir():
                    shutil.rmtree(left, ignore_errors=True)
                else:
                    left.unlink(missing_ok=True)
        yield
    finally:
        os.close(held)


Progress = Callable[[int], None]


# A file whose articles hold more text than this (in characters) is cut into batches of about
# this size, each run by whichever worker is free, instead of whole by the worker that read it.
BATCH_CHARS = 1 << 21


@dataclass(frozen=True, slots=True)
class _Job:
    """One input file for a worker. Standard input is copied by the parent to a file beside the spill."""

    file: InputFile
    config: Config
    spill: str
    batch_chars: int
    copied: bool = False  # the file is standard input's copy, removed once read


@dataclass(frozen=True, slots=True)
class _Batch:
    """Consecutive articles of a big file, pickled in ``tasks``, for any worker."""

    tasks: str
    config: Config
    spill: str
    first: int  # index in its file of its first article
    size: int  # its share of the file's bytes, for the progress bar


@dataclass(frozen=True, slots=True)
class _Done:
    """What a worker hands back for a file or a batch: small, no article text (that is in the spill file)."""

    file: InputFile | None  # set on a file's first result only (a batch's file came before it)
    info: FileInfo | None
    warning: str | None
    size: int
    first: int  # index in its file of the first article here
    ids: tuple[str, ...]
    prepared: tuple[tuple[int, int, bool, dedup.Prepared], ...]  # (index in file, cleaned length, damaged, dedup data)
    words: tuple[tuple[str, frozenset[str]], ...]  # script evidence words, by script
    spill: str | None = None  # the articles, when there are any
    batches: tuple[_Batch, ...] = ()  # the file's articles are in these, to be run next


def _job(f: InputFile, config: Config, spill: str, batch_chars: int) -> _Job:
    """Standard input is copied to a file here, a chunk at a time (workers have none, and a big
    one is then decoded as it is read like any file); a failure is the worker's to report."""
    if f.path is not None:
        return _Job(f, config, spill, batch_chars)
    try:
        stdin = _stdin()
        copy = Path(spill + ".stdin")
        with open(copy, "wb") as fh:
            shutil.copyfileobj(stdin, fh, _READ)
        return _Job(replace(f, path=copy), config, spill, batch_chars, copied=True)
    except OSError as err:
        return _Job(replace(f, error=str(err.strerror or err)), config, spill, batch_chars)


def _work(job: _Job) -> _Done:
    """Read, decode and split one file; process its articles here, or cut them into batches."""
    f, config = job.file, job.config
    try:
        streamed = _streamed(job)
        if streamed is not None:
            return streamed
        info, decoded = decode_file(read_input(f), f.rel, config)
    except OSError as err:
        msg = cannot_read(f, err)
        info = FileInfo(f.rel, _size_on_disk(f), None, None, None, None, False, 0, 0, "unreadable", msg)
        return _Done(f, info, msg, 0, 0, (), (), ())
    finally:
        if job.copied and f.path is not None:
            f.path.unlink(missing_ok=True)
    size = info.size
    # A codec the user forced that does not fit: the file is kept as asked, and they are told.
    warning = (f"{f.rel}: --encoding {info.encoding} put U+FFFD for {info.replacements} undecodable byte "
               f"sequence(s); check the encoding") if info.method == "override" and info.replacements else None
    decoded, repaired_at = repair_file(f.rel, decoded)  # a damaged text is let go before splitting
    info, tasks = split_file(info, decoded, repaired_at, 0, config, f.stem)
    del decoded
    groups = list(_groups(tasks, job.batch_chars))
    if len(groups) <= 1:
        return replace(_run(tasks, config, job.spill, 0, size), file=f, info=info, warning=warning)
    del tasks
    return _Done(f, info, warning, 0, 0, (), (), (), None, _batches(job, _written(job, groups), size))


def _size_on_disk(f: InputFile) -> int:
    """The size of an input that could not be read (a corrupt gzip file), where it can be known."""
    try:
        return f.path.stat().st_size if f.path is not None else 0
    except OSError:
        return 0


def _streamed(job: _Job) -> _Done | None:
    """:func:`_work` of a big file decoded, split and cut into batches as it is read; None when
    it is not plain UTF-8, GB18030 or Big5 (decode it whole).

    The batches are handed out only once the whole file is read: a file can still turn out not
    to be what its reading assumed (a bad byte near its end), and then nothing has been run.
    With one worker too, so the batches are never bigger than :data:`BATCH_CHARS`.
    """
    read = _streamable(job.file, job.config)
    if read is None:
        return None
    f, config = job.file, job.config
    stem = f.stem or file_id(f.rel)
    try:
        for decoded, parts in _readings(read):
            found = Streaming()
            while True:  # twice at most: see Streaming.settled
                made: list[str] = []  # files written so far, removed if this reading fails
                try:
                    tasks = stream_tasks(parts(), decoded, f.rel, config, stem, found)
                    written = _written(job, _groups(tasks, min(job.batch_chars, BATCH_CHARS)), made)
                except Undecided:
                    _remove(made)
                    break  # not this reading after all
                except BaseException:
                    _remove(made)
                    raise
                if found.settled():
                    info = counted(decoded_info(f.rel, read.size, decoded), found.articles)
                    return _Done(f, info, None, 0 if written else read.size, 0, (), (), (), None,
                                 _batches(job, written, read.size))
                _remove(made)
                found = found.again()
    except _GZIP_ERRORS:
        return None  # read_input reports it
    return None


def _remove(paths: Iterable[str]) -> None:
    for path in paths:
        with suppress(FileNotFoundError):
            os.unlink(path)


def _groups(tasks: Iterable[Task], limit: int) -> Iterator[list[Task]]:
    """Consecutive runs of tasks of at most ``limit`` characters (a bigger task alone), each as
    soon as it is complete."""
    group: list[Task] = []
    size = 0
    for task in tasks:
        n = task_size(task)
        if group and size + n > limit:
            yield group
            group, size = [], 0
        group.append(task)
        size += n
    if group:
        yield group


def _written(job: _Job, groups: Iterable[list[Task]], made: list[str] | None = None) -> list[tuple[str, int, int]]:
    """Each group pickled to a file of its own as it comes, holding only its own part of the
    text: (path without ``.tasks``, index in its file of its first task, characters); each path
    is added to ``made`` before it is written."""
    out = []
    first = 0
    for k, group in enumerate(groups):
        path = f"{job.spill}.{k}"
        if made is not None:
            made.append(path + ".tasks")
        with open(path + ".tasks", "wb") as fh:
            pickle.dump([t.detached() if isinstance(t, ArticleTask) else t for t in group], fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        out.append((path, first, sum(map(task_size, group))))
        first += len(group)
    return out


def _batches(job: _Job, written: list[tuple[str, int, int]], size: int) -> tuple[_Batch, ...]:
    """The batches of the groups :func:`_written` wrote, sharing the file's ``size`` in bytes
    (for the progress bar) by their characters."""
    total, taken = sum(chars for _, _, chars in written) or 1, 0
    out = []
    for k, (path, first, chars) in enumerate(written):
        share = size - taken if k == len(written) - 1 else size * chars // total
        out.append(_Batch(path + ".tasks", job.config, path, first, share))
        taken += share
    return tuple(out)


def _run_batch(batch: _Batch) -> _Done:
    with open(batch.tasks, "rb") as fh:
        tasks: list[Task] = pickle.load(fh)
    os.unlink(batch.tasks)
    return _run(tasks, batch.config, batch.spill, batch.first, batch.size)


def _run(tasks: Iterable[Task], config: Config, spill: str, first: int, size: int) -> _Done:
    """The per-article stages over ``tasks``; each article is spilled as soon as it is done."""
    words: dict[str, set[str]] = {}
    ids: list[str] = []
    preparer: dedup.Preparer[tuple[int, int, bool]] = dedup.Preparer(config.dedup)  # tags: (index, length, damaged)
    with open(spill, "wb") as fh, open(_lines(spill), "wb") as lines:
        for task in tasks:
            item = run_task(task, config)
            ids.append(item.doc.id)
            words.setdefault(item.detection.script, set()).update(item.detection.lexicon)
            if item.removal is None:
                preparer.add((item.doc.index, len(item.doc.text), damaged(item)), item.view)
            pickle.dump(_spilled(item, lines), fh, protocol=pickle.HIGHEST_PROTOCOL)
    preparer.flush()
    prepared = [(*tag, p) for tag, p in preparer.done]
    return _Done(None, None, None, size, first, tuple(ids), tuple(prepared),
                 tuple((k, frozenset(v)) for k, v in sorted(words.items())), spill if ids else None)


def _spilled(item: Processed, lines: IO[bytes]) -> Processed | Settled:
    """What the second phase needs of an article: with no script candidates, its report row and
    where its finished line is in ``lines`` (only dedup can change them); otherwise the article
    without its matching view."""
    if item.detection.candidates:
        return replace(item, view="")
    kept, rec = settle(item, {})
    line = _line(rec)
    at = lines.tell()
    lines.write(line)
    return Settled(item.doc.index, kept, at, len(line), report.summarize(rec, kept, ()))


def _lines(spill: str) -> str:
    """The file beside a spill that holds its settled articles' lines, copied from to the outputs."""
    return spill + ".lines"


Mapper = dedup.Mapper


class _Later:
    """A job run in this process when its result is asked for (``--jobs 1``), like a future."""

    __slots__ = ("arg", "fn")

    def __init__(self, fn: Callable[[Any], Any], arg: Any) -> None:
        self.fn, self.arg = fn, arg

    def result(self) -> Any:
        return self.fn(self.arg)


@dataclass(frozen=True, slots=True)
class _Pool:
    map: Mapper  # order-keeping
    submit: Callable[[Callable[[Any], Any], Any], Any]  # returns something with .result()
    size: int


@contextmanager
def _workers(count: int) -> Iterator[_Pool]:
    """``count`` worker processes (this process for 1), for every phase."""
    if count <= 1:
        yield _Pool(map, _Later, 1)
        return
    with ProcessPoolExecutor(max_workers=count, mp_context=workers.context(),
                             initializer=workers.die_with, initargs=(os.getpid(),)) as pool:
        try:
            yield _Pool(pool.map, pool.submit, count)
        except BaseException:
            pool.shutdown(cancel_futures=True)  # a failed run does not wait for the jobs queued ahead
            raise


def _ahead(pool: _Pool) -> Mapper:
    """An order-keeping map over ``pool`` that takes its arguments as it goes: a few jobs a worker
    in flight, so that big arguments are not all made and held at once (as ``Executor.map`` does)."""
    def run(fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        pending: deque[Any] = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) > 2 * pool.size:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    return run


def _first_phase(pool: _Pool, jobs: Iterable[_Job]) -> Iterator[_Done]:
    """The results of the files and of the batches big files are cut into, in input order.

    The next few results to be taken are always being computed (eight a worker, and up to as many
    more files already started when a file turns out to have batches), so finished results do not
    pile up. A file's batches come right after it, before the files after it.
    """
    files = iter(jobs)
    ahead: deque[list[Any]] = deque()  # [function, argument, future or None], in output order
    window = 8 * pool.size  # a slow file does not stop the others: several files' worth of slack

    def top_up() -> None:
        while len(ahead) < window and (job := next(files, None)) is not None:
            ahead.append([_work, job, None])
        for entry in islice(ahead, window):  # the next results to be taken are always running
            if entry[2] is None:
                entry[2] = pool.submit(entry[0], entry[1])

    top_up()
    while ahead:
        done: _Done = ahead.popleft()[2].result()
        ahead.extendleft([_run_batch, b, None] for b in reversed(done.batches))
        top_up()
        yield done


@dataclass(frozen=True, slots=True)
class _Final:
    """One spilled file's articles to finalize once the corpus-wide decisions are known."""

    spill: str
    base: int  # index of the file's first article in the corpus
    decisions: str  # pickled (Decisions, ids of clustered articles)
    config: Config


Ranges = list[tuple[str, int, int]]  # (file, offset, size): bytes to append in this order


@dataclass(frozen=True, slots=True)
class _Part:
    kept: Ranges  # this spill's corpus.jsonl lines, to be appended in input order
    removed: Ranges
    files: tuple[str, ...]  # the files the ranges are in, removed once they are appended
    tally: report.Tally  # the report's figures for its rows
    texts: dict[int, tuple[str, int]]  # clustered articles, for the diff pages: (file, offset)


def _add_range(ranges: Ranges, name: str, at: int, size: int) -> None:
    """Append a range, joined to the last one when it follows on in the same file."""
    if ranges and ranges[-1][0] == name and ranges[-1][1] + ranges[-1][2] == at:
        ranges[-1] = (name, ranges[-1][1], ranges[-1][2] + size)
    else:
        ranges.append((name, at, size))


@lru_cache(maxsize=1)
def _load_decisions(path: str) -> tuple[Decisions, dict[int, str]]:
    """Each worker unpickles the decisions once per run, not once per file."""
    with open(path, "rb") as fh:
        loaded: tuple[Decisions, dict[int, str]] = pickle.load(fh)
    return loaded


def _finish(job: _Final) -> _Part:
    """Finish a spill's articles: a settled line that dedup leaves alone stays where the first phase
    wrote it, and the outputs copy it from there; the other lines are made again here."""
    decisions, named = _load_decisions(job.decisions)
    settled, made, texts = _lines(job.spill), job.spill + ".made", job.spill + ".texts"
    part = _Part([], [], (settled, made), report.Tally(job.config), {})
    context: tuple[tuple[int, str, str], ...]
    with open(settled, "rb") as settled_fh, open(made, "wb") as made_fh, open(texts, "wb") as texts_fh:
        for n, entry in enumerate(_read_spill(job.spill)):
            index = job.base + (entry.local if isinstance(entry, Settled) else entry.doc.index)
            if n == 0:  # the report lists the corpus's first rows: those before this part come first
                part.tally.listed = max(0, report.LISTED - index)
            if isinstance(entry, Settled):
                if index not in named:  # in no cluster: the line made in the first phase stands
                    _add_range(part.kept if entry.kept else part.removed, settled, entry.at, entry.size)
                    part.tally.add(entry.row)
                    continue
                kept, rec, context = entry.kept, json.loads(os.pread(settled_fh.fileno(), entry.size, entry.at)), ()
            else:
                (kept, rec), context = settle(entry, decisions.lexicon), entry.context
            kept = deduplicate(rec, index, decisions, named) and kept
            line = _line(rec)
            _add_range(part.kept if kept else part.removed, made, made_fh.tell(), len(line))
            made_fh.write(line)
            part.tally.add(report.summarize(rec, kept, context))
            if index in named:
                part.texts[index] = (texts, texts_fh.tell())
                view = diff.ArticleView(rec["id"], rec["title"], rec["source"], rec["text"], _where(rec["origin"]))
                pickle.dump(view, texts_fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.unlink(job.spill)
    return part


def _where(origin: dict[str, Any]) -> str:
    """An article's place in the input, for a reviewer: ``a.txt, chars 120–1840``."""
    line = f", line {origin['line']}" if origin.get("line") else ""
    return f"{origin['file']}{line}, chars {origin['start']}–{origin['end']}"


Where = tuple[str, int]  # an ArticleView pickled in a file, at an offset


@dataclass(frozen=True, slots=True)
class _Pages:
    """Diff pages for a batch of clusters: (cluster id, keeper, [(member, similarity, containment)])."""

    diffs: str
    rule: str
    clusters: tuple[tuple[str, Where, tuple[tuple[Where, float, float], ...]], ...]


def _load_view(where: Where) -> diff.ArticleView:
    with open(where[0], "rb") as fh:
        fh.seek(where[1])
        view: diff.ArticleView = pickle.load(fh)
    return view


def _render(job: _Pages) -> list[diff.ClusterView]:
    """Write one page per cluster; return the clusters without texts, for the index."""
    fold = _char_folder()
    out = []
    for cluster_id, keeper_at, members_at in job.clusters:
        keeper = _load_view(keeper_at)
        articles = [_load_view(where) for where, _, _ in members_at]
        aligned = diff.align_each(keeper.text, [a.text for a in articles[:diff.PAGE_MEMBERS]], fold)
        aligned += [[]] * (len(articles) - len(aligned))  # listed in the page's table only
        members = [diff.MemberView(article, similarity, containment, tuple(rows)) for article,
                   (_, similarity, containment), rows in zip(articles, members_at, aligned, strict=True)]
        view = diff.ClusterView(cluster_id, keeper, job.rule, tuple(members))
        # Under its own name: the directory is put in place whole once every page is synced.
        page = os.path.join(job.diffs, f"{cluster_id}.html")
        with open(page, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(diff.render_cluster_page(view, fold))
        os.chmod(page, 0o644)  # whatever the umask: outputs are meant to be shared, as Staging makes them
        out.append(diff.ClusterView(cluster_id, replace(keeper, text=""), job.rule, tuple(
            diff.MemberView(replace(m.article, text=""), m.similarity, m.containment, ()) for m in members)))
    return out


def run_clean(files: Sequence[InputFile], out: Path, config: Config, progress: Progress | None = None,
              warn: Callable[[str], None] | None = None, jobs: int = 1,
              batch_chars: int | None = None) -> dict[str, Any]:
    """Run the whole cleaning job over discovered inputs; returns the report data.

    The per-file stages run in ``jobs`` worker processes, a big file in batches of about
    ``batch_chars`` characters (default: :data:`BATCH_CHARS` with several workers, no batches
    with one); results are taken in input order, so the output depends on neither.
    """
    if batch_chars is None:
        batch_chars = BATCH_CHARS if jobs > 1 else sys.maxsize
    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, not {jobs}", "try --jobs 1, or leave it out for all cores")
    with claimed_output(out):
        return _clean(files, out, config, progress, warn, jobs, batch_chars)


def _clean(files: Sequence[InputFile], out: Path, config: Config, progress: Progress | None,
           warn: Callable[[str], None] | None, jobs: int, batch_chars: int) -> dict[str, Any]:
    infos: list[FileInfo] = []
    file_removed: list[dict[str, Any]] = []
    ids: dict[int, str] = {}
    spills: list[tuple[int, str]] = []  # (first index, spill file), in input order
    stems: list[str] = []  # each file's id stem, as infos
    next_index = 0
    pages_dir = Path(tempfile.mkdtemp(dir=out, prefix=".diffs."))  # becomes diffs/ at the end
    outputs = Staging()
    try:
        with tempfile.TemporaryDirectory(dir=out, prefix=".spill.") as spill_dir, _workers(jobs) as pool, \
                _DiskBytes(os.path.join(spill_dir, "views.bin")) as views:
            corpus = Corpus(config, views)
            todo = (_job(f, config, os.path.join(spill_dir, f"{n}.pkl"), batch_chars) for n, f in enumerate(files))
            base = 0  # index in the corpus of the current file's first article
            for done in _first_phase(pool, todo):
                if done.file is not None:
                    info, base = done.info, next_index
                    assert info is not None
                    infos.append(info)
                    stems.append(done.file.stem)
                    if done.warning and warn:
                        warn(done.warning)
                    if info.reason:
                        file_removed.append(file_record(info, done.file.stem))
                if done.spill is not None:
                    spills.append((base, done.spill))
                for n, doc_id in enumerate(done.ids, base + done.first):
                    ids[n] = doc_id
                for local, length, broken, prep in done.prepared:
                    corpus.add_prepared(base + local, prep, length, broken)
                for label, words in done.words:
                    corpus.add_words(label, words)
                next_index += len(done.ids)
                if progress:
                    progress(done.size)
            decisions = corpus.finish(_ahead(pool))
            named = {i: ids[i] for c in decisions.clusters for i in (c.keeper, *(m.index for m in c.members))}
            decided = os.path.join(spill_dir, "decisions.pkl")
            with open(decided, "wb") as dfh:
                pickle.dump((decisions, named), dfh, protocol=pickle.HIGHEST_PROTOCOL)
            texts: dict[int, Where] = {}
            tally = report.Tally(config)
            # One thread appends the finished parts to the outputs in input order, then closes and
            # syncs them, while the workers finish the next parts and then render the pages.
            with ExitStack() as opened, ThreadPoolExecutor(max_workers=1) as disk:
                kept_fh = opened.enter_context(outputs.open(out / "corpus.jsonl", "wb"))
                removed_fh = opened.enter_context(outputs.open(out / "removed.jsonl", "wb"))
                for rec in file_removed:
                    removed_fh.write(_line(rec))
                appends = _Appends(disk)
                try:
                    for part in pool.map(_finish, (_Final(path, base, decided, config) for base, path in spills)):
                        appends.add(_take_part, part, kept_fh, removed_fh, tally, appends.stopped)
                        texts.update(part.texts)
                    _load_decisions.cache_clear()
                    appends.add(_close_and_sync, opened, outputs)
                    pages = _write_diffs(pages_dir, decisions, texts, pool.map, appends.check)
                    appends.wait()
                except BaseException:
                    appends.stop()
                    raise
    except BaseException:
        # Once the workers are gone: one still rendering could write a page after the removal.
        outputs.discard()
        shutil.rmtree(pages_dir, ignore_errors=True)
        raise
    reports = Staging()
    try:
        summary = tally.build(infos, decisions, named, pages, stems)
        with reports.open(out / "clusters.jsonl") as fh:
            for line in report.cluster_lines(decisions, named, pages):
                fh.write(dumps(line) + "\n")
        with reports.open(out / "report.json") as fh:
            fh.write(json.dumps(summary, ensure_ascii=False, sort_keys=True, indent=1) + "\n")
        with reports.open(out / "report.md") as fh:
            fh.write(report.markdown(summary))
        with reports.open(out / "report.html") as fh:
            fh.write(report.html_page(summary))
        reports.sync()
        # Everything is written and synced: the run's outputs replace the last run's together,
        # so an interrupted run never leaves one run's corpus beside another's reports.
        outputs.place()
        reports.place()
        _replace_dir(pages_dir, out / "diffs")
    except BaseException:
        outputs.discard()
        reports.discard()
        shutil.rmtree(pages_dir, ignore_errors=True)
        raise
    return summary


class _Appends:
    """Tasks run in order on one thread (``disk``) while the run goes on: the parts appended to the
    outputs, then their closing. The first failure skips the tasks behind it and is raised by the
    next :meth:`check`; :meth:`stop` (the run failed or was interrupted) ends them between ranges,
    so the run does not wait for a whole file to be copied."""

    def __init__(self, disk: ThreadPoolExecutor) -> None:
        self._disk = disk
        self._tasks: list[Future[None]] = []
        self.stopped = threading.Event()

    def add(self, fn: Callable[..., None], *args: Any) -> None:
        self.check()
        self._tasks.append(self._disk.submit(self._run, fn, *args))

    def _run(self, fn: Callable[..., None], *args: Any) -> None:
        if self.stopped.is_set():
            return  # a task before this one failed, or the run is ending
        try:
            fn(*args)
        except BaseException:
            self.stopped.set()
            raise

    def check(self) -> None:
        """Raise the failure of a task, if one failed (once one has, the rest end at once)."""
        if self.stopped.is_set():
            for task in self._tasks:
                if not task.cancelled() and (error := task.exception()) is not None:
                    raise error

    def wait(self) -> None:
        for task in self._tasks:
            task.result()

    def stop(self) -> None:
        self.stopped.set()
        for task in self._tasks:
            task.cancel()


def _take_part(part: _Part, kept: IO[bytes], removed: IO[bytes], tally: report.Tally,
               stopped: threading.Event | None = None) -> None:
    """Append a finished part to the outputs (removing its files) and add up its figures."""
    with ExitStack() as opened:
        sources = {name: opened.enter_context(open(name, "rb")) for name in part.files}
        for ranges, dest in ((part.kept, kept), (part.removed, removed)):
            for name, at, size in ranges:
                _copy_range(sources[name], dest, at, size, stopped)
    for name in part.files:
        os.unlink(name)
    tally.merge(part.tally)


def _close_and_sync(opened: ExitStack[Any], outputs: Staging) -> None:
    opened.close()
    outputs.sync()


_COPY_CHUNK = 1 << 24  # bytes a copy moves before it looks whether the run is ending


class _Stopped(Exception):
    """The run is ending: a copy gives up between chunks."""


def _copy_range(src: IO[bytes], dest: IO[bytes], at: int, size: int, stopped: threading.Event | None = None) -> None:
    """Append ``size`` bytes of ``src`` from offset ``at`` to ``dest``, a chunk at a time (raising
    :class:`_Stopped` between chunks once ``stopped`` is set); the kernel copies where it can (no
    round trip of the bytes through this process), else they are read and written."""
    dest.flush()  # what was written through the buffer goes first
    done = 0

    def step() -> int:
        if stopped is not None and stopped.is_set():
            raise _Stopped
        return min(size - done, _COPY_CHUNK)

    if hasattr(os, "copy_file_range"):
        # Another file system, an old kernel or an odd file refuses: the rest is copied below.
        with suppress(OSError):
            while done < size and (n := os.copy_file_range(src.fileno(), dest.fileno(), step(), at + done)):
                done += n
    while done < size:
        chunk = os.pread(src.fileno(), min(step(), 1 << 20), at + done)
        if not chunk:
            raise OutputError(f"{src.name} ended {size - done} bytes early", "the spill was changed under the run")
        dest.write(chunk)
        done += len(chunk)
    dest.flush()


def _replace_dir(new: Path, final: Path) -> None:
    """Put directory ``new`` in place as ``final``, the old one out of the way first."""
    new.chmod(0o755)  # mkdtemp makes it 0700; outputs are meant to be shared
    aside = new.with_name(new.name + ".old")
    if final.exists():
        os.replace(final, aside)
    os.replace(new, final)
    shutil.rmtree(aside, ignore_errors=True)


class _DiskBytes(MutableMapping[int, bytes]):
    """Byte strings appended to one file, found again by offset: dedup's views, off the heap."""

    def __init__(self, path: str) -> None:
        self._fh = open(path, "w+b")  # closed by __exit__
        self._where: dict[int, tuple[int, int]] = {}
        self._end = 0

    def __enter__(self) -> _DiskBytes:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()

    def __setitem__(self, key: int, value: bytes) -> None:
        self._fh.seek(self._end)
        self._fh.write(value)
        self._where[key] = (self._end, len(value))
        self._end += len(value)

    def __getitem__(self, key: int) -> bytes:
        start, size = self._where[key]
        self._fh.flush()
        return os.pread(self._fh.fileno(), size, start)

    def __delitem__(self, key: int) -> None:
        del self._where[key]  # the bytes stay in the file until it is removed

    def __iter__(self) -> Iterator[int]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


def _read_spill(path: str) -> Iterator[Processed | Settled]:
    with open(path, "rb") as fh:
        while True:
            try:
                yield pickle.load(fh)
            except EOFError:
                return


@lru_cache(maxsize=1)
def _char_folder() -> diff.Folder:
    """Traditional→Simplified by character, shared by every page a process renders: the folder
    asks OpenCC (costly) once per character."""
    return diff.Folder(converter("t2s").convert)


def _write_diffs(pages: Path, decisions: Decisions, texts: Mapping[int, Where], run: Mapper,
                 check: Callable[[], None] = lambda: None, batch: int = 16) -> dict[str, str]:
    """One self-contained page per cluster (rendered by the workers) plus an index, in ``pages``
    (an empty directory that becomes ``diffs/``); returns each cluster's page, from the output.
    ``check`` is called as each batch is done (it raises when the run must stop)."""
    jobs = [
        _Pages(str(pages), decisions.rule, tuple(
            (c.id, texts[c.keeper], tuple((texts[m.index], m.similarity, m.containment) for m in c.members))
            for c in decisions.clusters[k:k + batch]))
        for k in range(0, len(decisions.clusters), batch)]
    views: list[diff.ClusterView] = []
    # The pages of each batch are synced here as the next batches render: a worker that synced
    # its own would wait on the disk instead of rendering.
    with ThreadPoolExecutor(max_workers=_SYNCS) as syncs:
        synced = []
        for done in run(_render, jobs):
            check()
            views += done
            synced += [syncs.submit(_fsync, str(pages / f"{v.cluster_id}.html")) for v in done]
        names = [f"{v.cluster_id}.html" for v in views]
        with atomic_file(pages / "index.html") as fh:
            fh.write(diff.render_index(views, names))
        for page in synced:
            page.result()
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
        info, tasks = file_tasks(_read_for_diff(Path(stem)), Path(stem).name, 0, config)
        n = int(number)
        if n >= len(tasks):
            raise InputError(f"{stem} has {len(tasks)} article(s); there is no article {n}",
                             f"use {stem}:0 to {stem}:{max(0, len(tasks) - 1)}" if tasks else
                             f"it yields none: {info.detail or info.reason}")
        doc = run_task(tasks[n], config).doc  # only the article asked for is cleaned
        return diff.ArticleView(ref, doc.title, doc.source, doc.text)
    needle = dumps(ref)
    for name in ("corpus.jsonl", "removed.jsonl"):
        try:
            with open(run / name, encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, 1):
                    if f'"id":{needle}' in line:
                        rec = _run_record(run / name, lineno, line)
                        if isinstance(rec, dict) and rec.get("id") == ref:
                            return _run_article(run / name, lineno, rec)
        except FileNotFoundError:
            continue
        except OSError as err:
            raise InputError(f"cannot read {run / name}: {err.strerror or err}", "check --run") from None
        except UnicodeDecodeError:
            raise InputError(f"cannot read {run / name}: it is not UTF-8",
                             "--run must be a directory written by toolkit clean") from None
    if not any((run / name).exists() for name in ("corpus.jsonl", "removed.jsonl")):
        where = "does not exist" if not run.exists() else "holds no corpus.jsonl or removed.jsonl"
        raise InputError(f"cannot find article {ref!r}: not a file, not FILE:N, and the run directory {run} {where}",
                         "give a file, FILE:N, or --run DIR holding the clean output")
    raise InputError(f"cannot find article {ref!r}: not a file, not FILE:N, and not an id in "
                     f"{run}/corpus.jsonl or {run}/removed.jsonl",
                     "give a file, FILE:N, or --run DIR holding the clean output")


def _run_article(path: Path, number: int, rec: dict[str, Any]) -> diff.ArticleView:
    """The article of a record of a previous run, checked: a text, and a title and source that are
    strings or null."""
    text, title, source = rec.get("text"), rec.get("title"), rec.get("source")
    if not isinstance(text, str) or not all(v is None or isinstance(v, str) for v in (title, source)):
        raise InputError(f"cannot read {path}: line {number} has no text, or a text, title or source "
                         "that is not a string", "--run must be a directory written by toolkit clean")
    return diff.ArticleView(rec["id"], title, source, text)


def _run_record(path: Path, number: int, line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as err:
        raise InputError(f"cannot read {path}: line {number} is not valid JSON ({err.msg})",
                         "--run must be a directory written by toolkit clean") from None


def _read_for_diff(path: Path) -> bytes:
    try:
        return read_input(InputFile(path.name, path))
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}", "check the path") from None


def _decode_for_diff(path: Path, config: Config) -> str:
    decoded = decode_bytes(_read_for_diff(path), config.encoding)
    if isinstance(decoded, Rejected):
        hint = {"empty": "give a file with text", "binary": "give a text file"}.get(decoded.reason, "try --encoding")
        raise InputError(f"cannot decode {path}: {decoded.detail}", hint)
    return decoded.text


def run_diff(a: str, b: str, run: Path, config: Config, color: bool = False) -> str:
    """``toolkit diff``: the two articles aligned as on the diff pages, as terminal text."""
    left, right = load_article(a, run, config), load_article(b, run, config)
    similarity, containment = dedup.text_similarity(left.text, right.text, config.dedup)
    rows = diff.align(left.text, right.text, _char_folder())
    return diff.render_pair(left, right, rows, similarity, containment, color, config.dedup.ngram)


__all__ = ["InputFile", "atomic_file", "discover", "load_article", "run_clean", "run_diff"]
