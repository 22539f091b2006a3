"""Worker processes: the output is the same for any --jobs, and a failed run leaves no output file."""

from __future__ import annotations

import glob
import gzip
import json
import os
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from io import BytesIO, TextIOWrapper
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit import io
from toolkit.cli import app
from toolkit.config import Config, ScriptConfig
from toolkit.errors import ConfigError

from .conftest import SIMP, TRAD


def _corpus(root: Path) -> Path:
    """Several files of different kinds, so that work is spread over the workers."""
    root.mkdir()
    (root / "a").mkdir()
    (root / "a" / "trad.txt").write_bytes(TRAD.read_bytes())
    (root / "a" / "simp-gbk.txt").write_bytes(SIMP.read_text(encoding="utf-8").encode("gb18030"))
    (root / "b.txt.gz").write_bytes(gzip.compress(TRAD.read_bytes(), mtime=0))
    (root / "empty.txt").write_bytes(b"")
    (root / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (root / "z-simp.txt").write_bytes(SIMP.read_bytes())
    return root


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_jobs_do_not_change_the_output(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "in")
    outs = []
    for jobs in (1, 2, 3):
        out = tmp_path / f"out{jobs}"
        io.run_clean(io.discover([str(root)]), out, Config(), jobs=jobs)
        outs.append(_tree(out))
    assert outs[0] == outs[1] == outs[2]
    names = set(outs[0])
    assert {"corpus.jsonl", "removed.jsonl", "clusters.jsonl", "report.json", "report.md"} <= names
    assert not [n for n in names if n.startswith(".")], "no spill or temporary file is left behind"
    # Copies of the seeds are found as duplicates across files, whichever worker read them.
    assert outs[0]["clusters.jsonl"].count(b"\n") == 8  # 7 stories in the Traditional seed, 1 in the Simplified


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--jobs must be at least 1"):
        io.run_clean(io.discover([str(TRAD)]), tmp_path / "o", Config(), jobs=0)
    result = CliRunner().invoke(app, ["clean", str(TRAD), "--out", str(tmp_path / "o2"), "--jobs", "0"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --jobs must be at least 1, not 0")


def test_failed_run_leaves_no_output_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: str) -> Iterator[object]:  # the second phase fails after writing some lines
        for n, entry in enumerate(real(path)):
            if n == 3:
                raise RuntimeError("interrupted")
            yield entry

    real = io._read_spill
    monkeypatch.setattr(io, "_read_spill", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="interrupted"):
        io.run_clean(io.discover([str(TRAD), str(SIMP)]), out, Config(), jobs=1)
    assert [p.name for p in out.rglob("*") if p.is_file()] == []


def test_a_failed_run_leaves_the_last_runs_output_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The corpus is synced while the pages are rendered, and everything is put in place at the
    # end: a run that fails on its second page leaves the output of the run before it as it
    # was (no corpus of one run beside reports of another), and no temporary name anywhere.
    calls = 0

    def broken(view: Any, fold: Any) -> str:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("interrupted")
        return real(view, fold)

    files = io.discover([str(_bigger(tmp_path / "in"))])
    io.run_clean(files, tmp_path / "whole", Config(), jobs=1)
    whole = _tree(tmp_path / "whole")
    real = io.diff.render_cluster_page
    monkeypatch.setattr(io.diff, "render_cluster_page", broken)
    out = tmp_path / "out"
    io.run_clean(io.discover([str(TRAD)]), out, Config(), jobs=1)
    before = _tree(out)
    assert before != whole and "diffs/c0001.html" in before
    with pytest.raises(RuntimeError, match="interrupted"):
        io.run_clean(files, out, Config(), jobs=1)
    assert _tree(out) == before
    assert not [p for p in out.rglob(".*")]
    calls = -10**9  # the next run renders every page
    io.run_clean(files, out, Config(), jobs=1)
    assert _tree(out) == whole



@pytest.mark.parametrize("kernel", ["whole", "refuses_midway", "stops_early", "absent"])
def test_ranges_are_appended_whole_however_the_kernel_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             kernel: str) -> None:
    real = getattr(io.os, "copy_file_range", None)
    calls = 0

    def copy(src: int, dst: int, count: int, offset_src: int | None = None) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            if kernel == "refuses_midway":
                raise OSError(18, "Invalid cross-device link")
            if kernel == "stops_early":
                return 0
        assert real is not None
        return int(real(src, dst, min(count, 1000), offset_src))

    if kernel == "absent":
        monkeypatch.delattr(io.os, "copy_file_range", raising=False)
    elif real is not None:
        monkeypatch.setattr(io.os, "copy_file_range", copy)
    else:
        pytest.skip("no copy_file_range here")
    body = "".join(f"{n}:中文行\n" for n in range(2000)).encode()
    (tmp_path / "part").write_bytes(body)
    with open(tmp_path / "out", "wb") as dest, open(tmp_path / "part", "rb") as src:
        dest.write(b"head\n")  # buffered: it must land before the ranges
        io._copy_range(src, dest, 3000, 5000)
        io._copy_range(src, dest, 100, 7)
        dest.write(b"tail\n")
        with pytest.raises(io.OutputError, match="ended 10 bytes early"):
            io._copy_range(src, dest, len(body) - 5, 15)
    assert (tmp_path / "out").read_bytes()[:-5] == b"head\n" + body[3000:8000] + body[100:107] + b"tail\n"
    assert kernel == "absent" or calls >= 2  # the kernel copied the first bytes


def test_a_run_that_cannot_append_a_part_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    out = tmp_path / "out"
    io.run_clean(io.discover([str(TRAD)]), out, Config(), jobs=1)
    before = _tree(out)
    monkeypatch.setattr(io, "_copy_range", full)
    with pytest.raises(OSError, match="No space"):
        io.run_clean(io.discover([str(TRAD), str(SIMP)]), out, Config(), jobs=1)
    assert _tree(out) == before
    assert not [p for p in out.rglob(".*")]

def test_staging_puts_every_file_in_place_or_none(tmp_path: Path) -> None:
    with io.Staging() as staging:
        for name in ("a.txt", "b.bin", "c.txt"):
            with staging.open(tmp_path / name, "wb" if name.endswith(".bin") else "w") as fh:
                fh.write(b"\x00\x01" if name.endswith(".bin") else "甲\n")
        assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == \
        {"a.txt": "甲\n".encode(), "b.bin": b"\x00\x01", "c.txt": "甲\n".encode()}
    assert {p.stat().st_mode & 0o777 for p in tmp_path.iterdir()} == {0o644}
    with pytest.raises(RuntimeError, match="stop"), io.Staging() as staging:
        with staging.open(tmp_path / "d.txt") as fh:
            fh.write("乙")
        with staging.open(tmp_path / "a.txt") as fh:
            raise RuntimeError("stop")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin", "c.txt"]
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "甲\n"


def _bigger(root: Path) -> Path:
    """More than one batch of diff pages (16 clusters), JSON Lines and mojibake among the files."""
    from tests.benchmarks.corpus import articles

    root.mkdir()
    stories = list(articles(20, seed=5, length=600))
    for k, story in enumerate(stories):
        (root / f"s{k:02d}.txt").write_text(f"標題{k}\n{story} (某報)\n", encoding="utf-8")
        (root / f"t{k:02d}.txt").write_text(f"标题{k}\n{story}。 (另一报)\n", encoding="utf-8")
    records = [json.dumps({"text": story, "url": f"u{k}"}, ensure_ascii=False) for k, story in enumerate(stories[:3])]
    (root / "r.jsonl").write_text("\n".join([*records, "{not json"]) + "\n", encoding="utf-8")
    latin = SIMP.read_text(encoding="utf-8").encode("gb18030").decode("latin-1")
    (root / "m.txt").write_text(latin, encoding="utf-8")  # GBK read as Latin-1: repaired
    return root


def test_jobs_do_not_change_the_output_across_batches_and_formats(tmp_path: Path) -> None:
    root = _bigger(tmp_path / "in")
    outs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        config = Config(script=ScriptConfig(mode="repair"))
        io.run_clean(io.discover([str(root)]), out, config, jobs=jobs)
        outs.append(_tree(out))
    assert outs[0] == outs[1]
    assert outs[0]["clusters.jsonl"].count(b"\n") > 16
    assert len([n for n in outs[0] if n.startswith("diffs/c")]) > 16
    steps = [json.loads(line)["steps"] for line in outs[0]["corpus.jsonl"].decode().splitlines()]
    assert any(s[0]["fixer"] == "mojibake" for s in steps if s)


def test_ids_are_unique_across_roots_and_extensions(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for root in (one, two):
        root.mkdir()
        (root / "a.txt").write_bytes(TRAD.read_bytes())
        (root / "news.jsonl").write_text(json.dumps({"text": "汽車出海。 (某報)", "url": "x"}, ensure_ascii=False)
                                         + "\n", encoding="utf-8")
    (one / "a.md").write_bytes(SIMP.read_bytes())
    out = tmp_path / "out"
    io.run_clean(io.discover([str(one), str(two)]), out, Config(), jobs=1)
    recs = [json.loads(line) for name in ("corpus.jsonl", "removed.jsonl")
            for line in (out / name).read_text(encoding="utf-8").splitlines()]
    ids = [r["id"] for r in recs]
    assert len(ids) == len(set(ids)) == 8 + 1 + 1 + 8 + 1
    assert {"a:0", "a~2:0", "a~3:0", "news:1", "news~2:1"} <= set(ids)
    news = [r for r in recs if r["id"].startswith("news")]
    assert all(r["meta"] == {"url": "x"} and r["origin"]["file"] == "news.jsonl" for r in news)


def test_span_found_in_the_same_article_keeps_its_reason_through_the_workers(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "x.txt").write_text("車企\n這裡面有很多車企的故事，TOP10里面還有很多品牌。這些車輛已經出口了。 (某報)\n",
                               encoding="utf-8")
    out = tmp_path / "out"
    io.run_clean(io.discover([str(src)]), out, Config(), jobs=2)
    [rec] = [json.loads(line) for line in (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(s["text"], s["reason"]) for s in rec["mixed_spans"]] == [("里", "evidence_in_document")]


def test_corrupt_gzip_on_stdin_is_reported_not_raised(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["clean", "-", "--out", str(tmp_path / "o"), "-q"],
                                input=b"\x1f\x8bgarbage")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("Warning: cannot read <stdin>: not a readable gzip file")
    [rec] = [json.loads(line) for line in (tmp_path / "o" / "removed.jsonl").read_text().splitlines()]
    assert (rec["id"], rec["reason"]) == ("<stdin>:file", "unreadable")


def test_a_second_run_into_the_same_directory_leaves_no_page_of_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    io.run_clean(io.discover([str(TRAD)]), out, Config(), jobs=1)
    assert (out / "diffs" / "c0001.html").is_file()
    io.run_clean(io.discover([str(SIMP)]), out, Config(), jobs=1)
    assert sorted(p.name for p in (out / "diffs").iterdir()) == ["index.html"]


def test_big_files_cut_into_batches_give_the_same_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _bigger(tmp_path / "in")
    _corpus(root / "more")
    (root / "long.txt").write_text("".join(p.read_text(encoding="utf-8") for p in sorted(root.glob("[st]*.txt"))),
                                   encoding="utf-8")  # one file of 40 articles
    config = Config(script=ScriptConfig(mode="repair"))
    whole: list[int] = []
    io.run_clean(io.discover([str(root)]), tmp_path / "whole", config, progress=whole.append, jobs=1)
    expected = _tree(tmp_path / "whole")
    runs: list[io._Batch] = []
    real = io._run_batch

    def counted(batch: io._Batch) -> io._Done:
        runs.append(batch)
        return real(batch)

    monkeypatch.setattr(io, "_run_batch", counted)
    for jobs, batch_chars in ((1, 1), (1, 700), (2, 1), (2, 700), (3, 700)):
        if jobs > 1:
            monkeypatch.undo()  # workers get the real function
        out = tmp_path / f"out{jobs}-{batch_chars}"
        sizes: list[int] = []
        io.run_clean(io.discover([str(root)]), out, config, progress=sizes.append, jobs=jobs,
                     batch_chars=batch_chars)
        assert _tree(out) == expected, (jobs, batch_chars)
        assert sum(sizes) == sum(whole)  # the bar still ends at the total, in more steps
        assert len(sizes) > len(whole)
        if (jobs, batch_chars) == (1, 1):  # in this process: one batch per article of a file of several
            assert len(runs) > 40 + 4 + 7  # long.txt, r.jsonl (a bad line too), the Traditional seed
            assert {b.first for b in runs} >= set(range(40))



def test_the_report_lists_the_first_articles_whichever_part_holds_them(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Each part of the corpus is tallied by a worker, which lists only the rows before the
    # report's limit: the limit falls inside a big file's batches here.
    root = _bigger(tmp_path / "in")
    (root / "long.txt").write_text("".join(p.read_text(encoding="utf-8") for p in sorted(root.glob("s*.txt"))),
                                   encoding="utf-8")
    monkeypatch.setattr(io.report, "LISTED", 12)
    listed = []
    for batch_chars in (10**9, 700):
        out = tmp_path / f"out{batch_chars}"
        io.run_clean(io.discover([str(root)]), out, Config(), jobs=1, batch_chars=batch_chars)
        listed.append([a["id"] for a in json.loads((out / "report.json").read_text(encoding="utf-8"))["articles"]])
    assert listed[0] == listed[1]
    assert listed[0][:3] == ["long:0", "long:1", "long:2"] and len(listed[0]) == 12

def test_batches_tile_the_tasks_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io, "task_size", lambda task: task.n)  # type: ignore[union-attr]
    tasks: list[Any] = [_Sized(n) for n in (5, 1, 1, 9, 2, 2, 2, 0, 3)]
    for limit in (1, 3, 4, 10, 100):
        groups: list[list[Any]] = list(io._groups(tasks, limit))
        assert [t for g in groups for t in g] == tasks
        assert all(g for g in groups)
        assert all(len(g) == 1 or sum(t.n for t in g) <= limit for g in groups)
    assert list(io._groups([], 10)) == []
    assert [len(g) for g in io._groups(tasks, 4)] == [1, 2, 1, 2, 2, 1]


class _Sized:
    def __init__(self, n: int) -> None:
        self.n = n


def test_big_files_decoded_as_read_give_the_same_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _bigger(tmp_path / "in")
    _corpus(root / "more")
    text = TRAD.read_text(encoding="utf-8")
    (root / "trad-big5.txt").write_bytes(text.replace("\u00a0", " ").encode("big5hkscs"))
    (root / "bom.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (root / "nul.txt").write_bytes(text.encode("utf-8") + b"\x00")
    (root / "wide.txt").write_bytes(text.encode("utf-16-le"))
    (root / "cut.txt").write_bytes(text.encode("utf-8") + "中".encode()[:2])  # a character cut short
    (root / "zipped").write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))  # gzip, by content only
    (root / "controls.txt").write_bytes(text.encode("utf-8") + b"\x01" * 4000)
    (root / "plain.gz").write_bytes(text.encode("utf-8"))  # named gzip, not gzip: unreadable
    (root / "cut.txt.gz").write_bytes(gzip.compress(text.encode("utf-8"), mtime=0)[:-9])  # corrupt gzip
    (root / "simp-gbk.txt.gz").write_bytes(gzip.compress(SIMP.read_text(encoding="utf-8").encode("gb18030"), mtime=0))
    gbk = Config(encoding="gb18030")  # a codec given: nothing is streamed
    for name, config in (("whole", Config()), ("whole-gbk", gbk)):
        io.run_clean(io.discover([str(root)]), tmp_path / name, config, jobs=1)
    streamed = _count_streamed(monkeypatch)
    monkeypatch.setattr(io, "STREAM_BYTES", 0)
    monkeypatch.setattr(io, "_READ", 5)  # chunks end inside characters
    io.run_clean(io.discover([str(root)]), tmp_path / "streamed-gbk", gbk, jobs=1)
    assert _tree(tmp_path / "streamed-gbk") == _tree(tmp_path / "whole-gbk") and not streamed
    others = {"bom.txt", "nul.txt", "wide.txt", "cut.txt", "controls.txt", "plain.gz", "cut.txt.gz", "simp-gbk.txt",
              "simp-gbk.txt.gz", "trad-big5.txt", "empty.txt", "binary.bin"}
    plain = [p for p in root.rglob("*") if p.is_file() and p.name not in others]  # gzipped ones too
    # Run here as read, then in batches of a few articles (as with several workers).
    for name, batch_chars in (("streamed", None), ("batched", 300)):
        streamed.clear()
        io.run_clean(io.discover([str(root)]), tmp_path / name, Config(), jobs=1, batch_chars=batch_chars)
        assert _tree(tmp_path / name) == _tree(tmp_path / "whole")
        assert streamed == {"utf-8": len(plain), "gb18030": 2, "big5hkscs": 1} and len(plain) > 40


def test_a_big_file_repaired_in_pieces_breaks_ties_as_the_whole_file(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # 國場 in Big5 read as Latin-1 also reads as GB18030 (瓣初): alone, it goes to GB18030; in a file
    # whose mojibake is mostly Big5, to Big5. The first pieces do not know that yet.
    big5 = "中國汽車市場報告技術發展".encode("big5").decode("latin-1")
    text = "標題\n正文°ê³õ很好。\n" + "正文很好。\n" * 5 + "新聞" + big5 + "結束。（甲報）\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(text, encoding="utf-8")
    io.run_clean(io.discover([str(tmp_path / "in")]), tmp_path / "whole", Config(), jobs=1)
    streamed = _count_streamed(monkeypatch)
    monkeypatch.setattr(io, "STREAM_BYTES", 0)
    monkeypatch.setattr(io, "_READ", 7)
    io.run_clean(io.discover([str(tmp_path / "in")]), tmp_path / "streamed", Config(), jobs=1)
    assert streamed == {"utf-8": 1}
    assert _tree(tmp_path / "streamed") == _tree(tmp_path / "whole")
    assert "正文國場很好" in (tmp_path / "streamed" / "corpus.jsonl").read_text(encoding="utf-8")


def _count_streamed(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Files decoded as they are read in the runs to come, by encoding. A file that turns out not
    to be one leaves nothing behind."""
    streamed: Counter[str] = Counter()
    real = io._streamed

    def counted(job: Any) -> Any:
        done = real(job)
        if done is None:
            assert set(glob.glob(glob.escape(job.spill) + "*")) <= {str(job.file.path)}  # stdin's copy is the input
        else:
            assert done.info is not None and done.info.encoding is not None
            streamed[done.info.encoding] += 1
        return done

    monkeypatch.setattr(io, "_streamed", counted)
    return streamed


def test_big_stdin_is_decoded_as_read_like_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = gzip.compress(SIMP.read_text(encoding="utf-8").encode("gb18030"), mtime=0)
    streamed = _count_streamed(monkeypatch)
    left: list[bool] = []
    real_work = io._work

    def work(job: Any) -> Any:
        result = real_work(job)
        left.append(job.file.path.exists())  # the spill directory outlives this
        return result

    monkeypatch.setattr(io, "_work", work)
    trees = []
    for threshold in (io.STREAM_BYTES, 0):
        monkeypatch.setattr(io, "STREAM_BYTES", threshold)
        monkeypatch.setattr(sys, "stdin", TextIOWrapper(BytesIO(data)))
        io.run_clean(io.discover(["-"]), tmp_path / str(threshold), Config(), jobs=1)
        trees.append(_tree(tmp_path / str(threshold)))
    assert trees[0] == trees[1] and streamed == {"gb18030": 1}
    assert left == [False, False]  # each copy removed once read
    assert json.loads((tmp_path / "0" / "corpus.jsonl").read_text().splitlines()[0])["origin"]["file"] == "<stdin>"


def test_one_run_at_a_time_writes_an_output_directory(tmp_path: Path) -> None:
    from toolkit.errors import OutputError

    with io.claimed_output(tmp_path / "o"):
        with pytest.raises(OutputError, match="another toolkit clean is writing to"):
            with io.claimed_output(tmp_path / "o"):
                pass
    with io.claimed_output(tmp_path / "o"):  # free again once the first run ends
        pass


def test_what_a_killed_run_left_is_removed_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "o"
    left = [".spill.abc/0.pkl", ".diffs.xyz/c0001.html", ".diffs.xyz.old/c0002.html", ".corpus.jsonl.q1.tmp",
            ".removed.jsonl.q2.tmp", ".clusters.jsonl.q3.tmp", ".report.html.q4.tmp"]
    for name in [*left, ".mine", "notes.txt"]:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("x")
    io.run_clean(io.discover([str(TRAD)]), out, Config(), jobs=1)
    assert not [n for n in left if (out / n.split("/")[0]).exists()]
    assert (out / ".mine").exists() and (out / "notes.txt").exists()  # not ours: left alone


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.split("/")[2]))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", ["SIGKILL", "SIGTERM"])
def test_a_killed_run_leaves_no_worker_behind(tmp_path: Path, sig: str) -> None:
    import os
    import signal
    import subprocess
    import time

    src = tmp_path / "in"
    src.mkdir()
    for n in range(120):  # a run of several seconds
        (src / f"{n:03d}.txt").write_bytes(TRAD.read_bytes())
    out = tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-m", "toolkit", "clean", str(src), "--out", str(out), "-j", "2", "-q"],
                           stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(helpers := _descendants(run.pid)) < 3 and time.monotonic() < deadline:  # fork server, 2 workers
        time.sleep(0.05)
    time.sleep(0.5)
    assert run.poll() is None, "the run ended before it could be killed"
    os.kill(run.pid, getattr(signal, sig))
    run.wait(timeout=60)
    deadline = time.monotonic() + 30
    while (alive := {p for p in helpers if os.path.exists(f"/proc/{p}")}) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive
    if sig == "SIGTERM":  # cleaned up as for Ctrl-C: no temporary file or directory left
        assert run.returncode != 0 and not list(out.glob(".*"))


_JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.text(max_size=30),
                       st.floats(0, 1).map(lambda x: round(x, 4)))
_JSON = st.recursive(_JSON_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                     max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _JSON, max_size=6),
       st.one_of(st.none(), st.dictionaries(st.text(max_size=8), st.one_of(_JSON, st.floats(allow_nan=False)))))
def test_an_output_line_is_what_json_writes(rec: dict[str, Any], meta: dict[str, Any] | None) -> None:
    # The fast encoder must give json's bytes: every character, key order, 1e-05 in a JSON Lines
    # input's own fields, integers past 64 bits.
    if meta is not None:
        rec["meta"] = meta
    assert io._line(rec) == (io.dumps(rec) + "\n").encode("utf-8")


def test_an_output_line_with_a_lone_surrogate_fails_as_json_does() -> None:
    with pytest.raises(UnicodeEncodeError):
        io._line({"text": "a\ud800b"})


def test_every_page_is_synced_before_the_pages_are_put_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real_sync, real_replace = io._fsync, io._replace_dir

    def sync(name: str) -> None:
        real_sync(name)
        synced.append(name)  # once its fsync has returned

    def replace_dir(new: Path, final: Path) -> None:
        pages = sorted(p.name for p in new.glob("c*.html"))
        assert len(pages) > 16 and set(pages) <= {Path(n).name for n in synced}
        real_replace(new, final)

    monkeypatch.setattr(io, "_fsync", sync)
    monkeypatch.setattr(io, "_replace_dir", replace_dir)
    io.run_clean(io.discover([str(_bigger(tmp_path / "in"))]), tmp_path / "out", Config(), jobs=1)
    assert (tmp_path / "out" / "diffs" / "c0016.html").is_file()


def test_pages_are_shared_whatever_the_umask(tmp_path: Path) -> None:
    mask = os.umask(0o077)
    try:
        io.run_clean(io.discover([str(_bigger(tmp_path / "in"))]), tmp_path / "out", Config(), jobs=1)
    finally:
        os.umask(mask)
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "out").rglob("*")}
    assert modes["c0001.html"] == modes["index.html"] == modes["corpus.jsonl"] == 0o644


def test_a_failed_append_ends_the_run_before_the_other_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failed = threading.Event()
    rendered: list[str] = []
    real_render = io._render

    def full(*args: Any) -> None:
        failed.set()
        raise OSError(28, "No space left on device")

    def render(job: Any) -> Any:
        assert failed.wait(10)
        rendered.extend(c[0] for c in job.clusters)
        return real_render(job)

    monkeypatch.setattr(io, "_copy_range", full)
    monkeypatch.setattr(io, "_render", render)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="No space"):
        io.run_clean(io.discover([str(_bigger(tmp_path / "in"))]), out, Config(), jobs=1)
    assert len(rendered) <= 16  # at most the first batch of pages (the failure may come before any)
    assert not list(out.iterdir())


def test_a_stopped_copy_ends_between_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An interrupted run does not wait for a whole file to be copied into the outputs.
    (tmp_path / "src").write_bytes(b"x" * 10_000)
    monkeypatch.setattr(io, "_COPY_CHUNK", 100)
    stopped = threading.Event()
    copied = []
    real = getattr(io.os, "copy_file_range", None)

    def slow(src: int, dst: int, count: int, offset: int) -> int:
        copied.append(count)
        if len(copied) == 3:
            stopped.set()
        if real is None:
            raise OSError(38, "Function not implemented")
        return int(real(src, dst, count, offset))

    monkeypatch.setattr(io.os, "copy_file_range", slow, raising=False)
    with open(tmp_path / "src", "rb") as src, open(tmp_path / "dst", "wb") as dest:
        with pytest.raises(io._Stopped):
            io._copy_range(src, dest, 0, 10_000, stopped)
    assert len(copied) == 3 and all(n <= 100 for n in copied)
    assert (tmp_path / "dst").stat().st_size <= 300
