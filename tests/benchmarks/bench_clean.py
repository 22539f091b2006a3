"""End-to-end and per-stage speed of ``toolkit clean``, against a baseline on the named packages.

Run from the repository root::

    python -m tests.benchmarks.bench_clean --sizes 50,200 --jobs 2

For each size it generates a realistic corpus (see :func:`write_corpus`): files of
concatenated news-like articles with titles and source credits, a third of them in
Traditional script with Taiwan phrasing, some files in GB18030 or Big5, and planted
near-duplicates (edited, truncated or converted to the other script). Then it prints:

- per stage, in this process on a sample: MB/s and articles/s of decode, split, script
  detection, normalization + quality, and the dedup sketch (matching view, shingles,
  MinHash), and of the baseline's stages (chardet → regex split → OpenCC →
  datasketch ``update_batch`` → ``MinHashLSH``);
- end to end, each in a fresh process: ``toolkit clean --jobs N`` and the baseline:
  seconds, MB/s, articles/s, CPU seconds and peak RSS (each summed over the process and
  its workers), the speed-up over the baseline, and the cost per MB at each size (linear
  scaling keeps it flat); ``clean`` writes into a fresh output directory each time;
- with ``--repeat K``, K runs of ``clean`` on each size, by turns in alternating order so a
  drift of the host's speed falls on every size alike; the targets then take each size's
  median time (and its highest peak RSS);
- whether ``--jobs 1`` and ``--jobs N`` wrote byte-identical output (``--check-jobs``);
- with ``--one-file``, the same figures for a corpus of each size written as a single file
  (one script and encoding), which ``clean`` cuts into batches of articles for the workers;
- the targets (>= 8 MB/s end to end from 500 MB, >= 5x the baseline, peak RSS <= 2 GB at
  1 GB, the cost of each added MB within 25% from one size to the next, identical output),
  each marked met or not.

MB is 10^6 bytes of input as stored on disk.
"""

from __future__ import annotations

import argparse
import ast
import filecmp
import gzip
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the baseline runs without importing toolkit
    from toolkit.models import Script, Variant

MB = 1_000_000
SOURCES = ("汽車商業評論", "新华社", "央视新闻", "界面新闻", "中央社", "澎湃新闻", "财联社", "虎嗅APP")


# ---------------------------------------------------------------- corpus generation


def _seed_text() -> str:
    """The seeds, folded to Simplified: the character statistics the generator learns."""
    import opencc

    root = Path(__file__).resolve().parents[2] / "seeds"
    t2s = opencc.OpenCC("tw2sp")
    return "".join(t2s.convert(p.read_text(encoding="utf-8")) for p in sorted(root.glob("*.txt")))


def articles(seed: int, mean_chars: int = 2000, order: int = 2) -> Iterator[tuple[str, list[str]]]:
    """Endless distinct Simplified articles: (title, paragraphs).

    A character Markov chain of ``order`` trained on the seeds, so character and
    punctuation frequencies (and with them the work of script detection and
    normalization) are those of real news text, while the articles themselves are
    new: two generated articles share few 5-grams beyond common phrases.
    """
    rng = random.Random(seed)
    lines = [ln for ln in _seed_text().splitlines() if len(ln) > 40]
    chain: dict[str, list[str]] = {}
    for ln in lines:
        for i in range(len(ln) - order):
            chain.setdefault(ln[i:i + order], []).append(ln[i + order])
    starts = [ln[:order] for ln in lines]
    keys = sorted(chain)

    def sentence() -> str:
        state = rng.choice(starts)
        out = state
        while len(out) < 200:
            nxt = chain.get(state)
            if not nxt:
                state = rng.choice(keys)
                continue
            ch = rng.choice(nxt)
            out += ch
            if ch in "。！？" and len(out) > 12:
                break
            state = out[-order:]
        return out if out[-1] in "。！？" else out + "。"

    while True:
        target = int(rng.gauss(mean_chars, mean_chars / 4))
        paragraphs, size = [], 0
        while size < max(target, 200):
            para = "".join(sentence() for _ in range(rng.randint(2, 5)))
            paragraphs.append(para)
            size += len(para)
        title = sentence().rstrip("。！？")[:rng.randint(10, 24)]
        yield title, paragraphs


def _edit(paragraphs: list[str], rng: random.Random) -> list[str]:
    """A syndicated copy: a sentence dropped, a few characters changed, maybe truncated."""
    out = list(paragraphs)
    kind = rng.choice(["edit", "truncate", "numbers"])
    if kind == "truncate":
        keep = max(1, int(len(out) * rng.uniform(0.85, 0.95)))
        return out[:keep]
    if kind == "numbers":
        return [f"{i + 1:02d}. {p}" if i % 3 == 0 else p for i, p in enumerate(out)]
    i = rng.randrange(len(out))
    para = out[i]
    cut = para.find("。")
    out[i] = para[cut + 1:] or para
    return out


@dataclass(frozen=True)
class CorpusInfo:
    root: Path
    files: int
    articles: int
    planted: int
    size: int


# How --one-file-as writes the single file: (script, codec, gzipped).
FORMS = {"utf-8": ("hans", "utf-8", False), "gb18030": ("hans", "gb18030", False),
         "big5": ("hant", "big5hkscs", False), "gzip": ("hans", "utf-8", True)}


def write_corpus(root: Path, size: int, seed: int = 1, file_chars: int = 600_000,
                 one_file: bool = False, form: str | None = None) -> CorpusInfo:
    """Write about ``size`` bytes of corpus files under ``root`` (deterministic for a seed); with
    ``one_file``, a single file of about ``size`` bytes in UTF-8 (whatever its encoding), in the
    script, encoding and compression of ``form`` (a key of :data:`FORMS`) when one is given."""
    import opencc

    to_tw = opencc.OpenCC("s2twp")
    rng = random.Random(seed)
    gen = articles(seed)
    root.mkdir(parents=True, exist_ok=True)
    written = n_files = n_articles = planted = 0
    recent: list[tuple[str, list[str]]] = []
    while written < size:
        trad = rng.random() < 0.33
        parts: list[str] = []
        chars = utf8 = 0
        while (utf8 < size) if one_file else (chars < file_chars):
            if recent and rng.random() < 0.05:
                title, paras = rng.choice(recent)
                paras = _edit(paras, rng)
                planted += 1
            else:
                title, paras = next(gen)
                recent = [*recent, (title, paras)][-200:]
            source = rng.choice(SOURCES)
            body = "\n\n".join(paras)
            parts.append(f"{title}\n\n{body} ({source})\n")
            chars += len(body)
            utf8 += len(parts[-1].encode("utf-8")) + 1
            n_articles += 1
        text = "\n".join(parts)
        choice = rng.random()
        if form is not None:
            script, codec, zipped = FORMS[form]
            trad, suffix = script == "hant", ".txt"
        if trad:
            text = to_tw.convert(text)
        if form is None:
            codec, suffix = ("gb18030", ".txt") if not trad and choice < 0.15 else \
                ("big5hkscs", ".txt") if trad and choice < 0.15 else ("utf-8", ".txt")
            zipped = choice > 0.9
        try:
            data = text.encode(codec)
        except UnicodeEncodeError:
            # Big5 lacks a few characters (a no-break space): as "?" when asked for, else all in UTF-8
            data = text.encode(codec, "replace") if form else text.encode("utf-8")
        if zipped:
            data, suffix = gzip.compress(data, mtime=0), ".txt.gz"
        path = root / f"{n_files // 100:03d}" / f"{n_files:05d}{suffix}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        written += path.stat().st_size
        n_files += 1
        if one_file:
            break
    return CorpusInfo(root, n_files, n_articles, planted, written)


# ---------------------------------------------------------------- measuring


class Meter:
    """Peak resident memory and CPU time of a process tree, sampled from /proc.

    CPU time is each process's own, last seen: the workers of a fork server are not the
    command's children, so the command's ``RUSAGE_CHILDREN`` would miss them.
    """

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._ticks: dict[tuple[int, str], int] = {}  # (pid, start time) -> user + system ticks
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self, pid: int) -> list[int]:
        pids = [pid]
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    for child in fh.read().split():
                        pids.extend(self._tree(int(child)))
        except OSError:
            pass
        return pids

    def _rss(self, pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _cpu(self, pid: int) -> None:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rpartition(")")[2].split()
        except OSError:
            return
        self._ticks[pid, fields[19]] = int(fields[11]) + int(fields[12])

    def _run(self) -> None:
        while not self._stop.is_set():
            tree = self._tree(self.pid)
            self.peak = max(self.peak, sum(self._rss(p) for p in tree))
            for p in tree:
                self._cpu(p)
            time.sleep(0.05)

    @property
    def cpu(self) -> float:
        """Seconds of user and system time, up to the last sample."""
        return sum(self._ticks.values()) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


@dataclass
class Measured:
    """One run of a command: wall seconds, CPU seconds and peak RSS of its process tree, its stderr."""

    secs: float
    cpu: float  # user + system, summed over the process tree
    peak: int
    err: str


def run_measured(cmd: list[str]) -> Measured:
    """Run ``cmd`` and measure it."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    meter = Meter(proc.pid)
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    peak = meter.stop()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return Measured(seconds, meter.cpu, peak, err)


def clean_measured(root: Path, out: Path, jobs: int) -> Measured:
    """``toolkit clean`` into a fresh ``out``: a run never pays for deleting the last run's output."""
    shutil.rmtree(out, ignore_errors=True)
    return run_measured([sys.executable, "-m", "toolkit", "clean", str(root), "--out", str(out), "-q",
                         "--jobs", str(jobs)])


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def stage_figures(root: Path, sample: int) -> list[tuple[str, float, int]]:
    """(stage, seconds, articles) for each toolkit stage on up to ``sample`` bytes, in this process."""
    from toolkit import dedup, normalize, quality, script, split
    from toolkit.config import Config
    from toolkit.decode import Decoded, decode_bytes

    config = Config()
    # Lookup tables and OpenCC dictionaries load once per process: load them before timing.
    warm = "兩年前那些車企，TOP10里面還有很多品牌在這裡。（汽車商業評論）\n两年前那些车企，里面还有很多品牌。"
    labels: tuple[tuple[Script, Variant | None], ...] = (("hans", "cn"), ("hant", "tw"), ("hant", "hk"), ("hant", None))
    for label, variant in labels:
        script.detect(warm)
        dedup.prepare(dedup.matching_view(script.fold(normalize.normalize(warm, config.normalize)[0], label, variant)),
                      config.dedup)
    quality.signals(warm)
    blobs, size = [], 0
    for path in _files(root):
        blobs.append(_read(path))
        size += path.stat().st_size
        if size >= sample:
            break
    rows = []
    t = time.perf_counter()
    texts = [d.text for d in map(decode_bytes, blobs) if isinstance(d, Decoded)]
    rows.append(("decode", time.perf_counter() - t, 0))
    t = time.perf_counter()
    arts: list[str] = []
    for text in texts:
        arts.extend(split.body_text(text, s) for s in split.find_segments(text, config.split) if s.kind == "article")
    rows.append(("split", time.perf_counter() - t, len(arts)))
    t = time.perf_counter()
    detections = [script.detect(a, config.script.min_evidence) for a in arts]
    rows.append(("script", time.perf_counter() - t, len(arts)))
    t = time.perf_counter()
    cleaned = []
    for a in arts:
        text, _ = normalize.normalize(a, config.normalize)
        quality.signals(text)
        cleaned.append(text)
    rows.append(("normalize+quality", time.perf_counter() - t, len(arts)))
    t = time.perf_counter()
    preparer: dedup.Preparer[int] = dedup.Preparer(config.dedup)  # in batches, as the workers prepare them
    for n, (text, det) in enumerate(zip(cleaned, detections, strict=True)):
        preparer.add(n, dedup.matching_view(script.fold(text, det.script, det.variant)))
    preparer.flush()
    rows.append(("dedup sketch", time.perf_counter() - t, len(arts)))
    return [(name, secs, n) for name, secs, n in rows] + [("(sample bytes)", 0.0, size)]


# ---------------------------------------------------------------- baseline


_END = re.compile(r"(?<=[。！？]) ?[（(][^（）()\n]{1,24}[）)]\n")


def baseline(root: Path) -> dict[str, float]:
    """The pipeline a user would write with the named packages directly; seconds per stage."""
    import chardet
    import opencc
    from datasketch import MinHash, MinHashLSH

    t2s = opencc.OpenCC("t2s")
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    spent = dict.fromkeys(("read+chardet", "split", "opencc", "minhash", "lsh"), 0.0)
    n = 0
    for path in _files(root):
        t = time.perf_counter()
        data = _read(path)
        guess = chardet.detect(data)["encoding"] or "utf-8"
        text = data.decode(guess, errors="replace")
        spent["read+chardet"] += time.perf_counter() - t
        t = time.perf_counter()
        parts = [p for p in _END.split(text) if p.strip()]
        spent["split"] += time.perf_counter() - t
        for part in parts:
            t = time.perf_counter()
            folded = t2s.convert(part)
            spent["opencc"] += time.perf_counter() - t
            t = time.perf_counter()
            m = MinHash(num_perm=128)
            m.update_batch([folded[i:i + 5].encode("utf-8") for i in range(max(1, len(folded) - 4))])
            spent["minhash"] += time.perf_counter() - t
            t = time.perf_counter()
            key = f"a{n}"
            lsh.query(m)
            lsh.insert(key, m)
            spent["lsh"] += time.perf_counter() - t
            n += 1
    spent["articles"] = n
    return spent


# ---------------------------------------------------------------- report


def _fmt_mb(bytes_: float) -> str:
    return f"{bytes_ / MB:,.1f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="50", help="corpus sizes in MB, comma-separated (e.g. 50,200,1000)")
    parser.add_argument("--jobs", type=int, default=2, help="workers for toolkit clean")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=float, default=10, help="MB of corpus for the per-stage figures")
    parser.add_argument("--work", type=Path, default=None, help="keep corpora and outputs here (default: a temp dir)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline end-to-end runs")
    parser.add_argument("--check-jobs", action="store_true", help="also run --jobs 1 and compare the outputs")
    parser.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="run toolkit clean K times on each size, by turns; the targets take the medians")
    parser.add_argument("--one-file", action="store_true", help="also a corpus of each size as one single file")
    parser.add_argument("--one-file-as", default="", metavar="FORMS",
                        help=f"with --one-file, the single file in each of these forms, comma-separated: "
                             f"{', '.join(FORMS)} (default: script and encoding drawn as for the corpus)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat: at least 1")
    sizes = [float(s) for s in args.sizes.split(",")]
    forms: list[str | None] = [*args.one_file_as.split(",")] if args.one_file_as else [None]
    if unknown := [form for form in forms if form is not None and form not in FORMS]:
        parser.error(f"--one-file-as: unknown form {', '.join(map(str, unknown))} (forms: {', '.join(FORMS)})")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-clean-"))
    py = sys.executable
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, jobs={args.jobs}, work dir {work}")
    runs: list[Run] = []
    for size_mb in sizes:
        root = work / f"corpus-{size_mb:g}mb-s{args.seed}"
        if not root.exists():
            t = time.perf_counter()
            info = write_corpus(root, int(size_mb * MB), args.seed)
            print(f"\ngenerated {root.name}: {info.files} files, {info.articles:,} articles "
                  f"({info.planted:,} planted duplicates), {_fmt_mb(info.size)} MB in {time.perf_counter() - t:.0f} s")
        size = sum(p.stat().st_size for p in _files(root))
        print(f"\n== corpus {_fmt_mb(size)} MB ({len(_files(root))} files)")
        if size_mb == sizes[0]:
            rows = stage_figures(root, int(args.sample * MB))
            sample = rows[-1][2]
            print(f"per stage, one core, on {_fmt_mb(sample)} MB:")
            for name, secs, n in rows[:-1]:
                rate = f"{n / secs:>9,.0f} articles/s" if n else ""
                print(f"  {name:<20} {sample / MB / secs:7.1f} MB/s {rate}")
            if not args.no_baseline:
                sample_root = work / "baseline-sample"
                if not sample_root.exists():
                    sample_root.mkdir()
                    total = 0
                    for p in _files(root):
                        (sample_root / f"{total:012d}{''.join(p.suffixes)}").write_bytes(p.read_bytes())
                        total += p.stat().st_size
                        if total >= sample:
                            break
                spent = baseline(sample_root)
                print(f"baseline stages, one core, on {_fmt_mb(sample)} MB:")
                for name, secs in spent.items():
                    if name != "articles":
                        print(f"  {name:<20} {sample / MB / max(secs, 1e-9):7.1f} MB/s")
        out = work / f"out-{size_mb:g}mb-j{args.jobs}"
        m = clean_measured(root, out, args.jobs)
        articles = json.loads((out / "report.json").read_text(encoding="utf-8"))["totals"]["articles_found"]
        run = Run(size_mb, size, articles, [m])
        print(f"toolkit clean --jobs {args.jobs}: {_figures(m, size, articles)}")
        if not args.no_baseline:
            b = run_measured([py, "-m", "tests.benchmarks.bench_clean", "--baseline-only", str(root)])
            barticles = ast.literal_eval(b.err.strip().splitlines()[-1])["articles"]
            run.baseline = b.secs
            print(f"baseline (one process): {_figures(b, size, barticles)}   toolkit speed-up x{b.secs / m.secs:.1f}")
        if args.check_jobs:
            out1 = work / f"out-{size_mb:g}mb-j1"
            m1 = clean_measured(root, out1, 1)
            run.same = _same_tree(out, out1)
            print(f"toolkit clean --jobs 1: {_figures(m1, size, articles)}   "
                  f"output identical to --jobs {args.jobs}: {run.same}")
        runs.append(run)
        if args.one_file:
            for form in forms:
                one_file(work, size_mb, args, form)
    # More runs of each size, by turns and in alternating order, so a drift of the host's speed
    # falls on every size alike; the figures below are each size's median.
    for turn in range(1, args.repeat):
        for run in runs[::-1] if turn % 2 else runs:
            root = work / f"corpus-{run.size_mb:g}mb-s{args.seed}"
            m = clean_measured(root, work / f"out-{run.size_mb:g}mb-j{args.jobs}", args.jobs)
            run.samples.append(m)
            print(f"run {turn + 1} of {args.repeat}, {_fmt_mb(run.size)} MB, toolkit clean --jobs {args.jobs}: "
                  f"{_figures(m, run.size, run.articles)}")
    if args.repeat > 1:
        print(f"\ntoolkit clean --jobs {args.jobs}, {args.repeat} runs of each size (median):")
        for run in runs:
            walls = ", ".join(f"{m.secs:.1f}" for m in run.samples)
            print(f"  {_fmt_mb(run.size)} MB: {walls} s (median {run.secs:.1f} s, {run.rate:.2f} MB/s, "
                  f"CPU {run.cpu:.1f} s, peak RSS {run.peak / 2**20:,.0f} MiB)")
    if len(runs) > 1:
        print("\nlinear scaling, cost per MB: " + ", ".join(
            f"{r.size_mb:g} MB: {r.secs / (r.size / MB) * 1000:.0f} ms (CPU {r.cpu / (r.size / MB) * 1000:.0f} ms)"
            for r in runs))
    print_targets(runs, args.jobs)


def _figures(m: Measured, size: int, articles: int) -> str:
    return (f"{m.secs:7.1f} s  {size / MB / m.secs:6.2f} MB/s  {articles / m.secs:7,.0f} articles/s  "
            f"CPU {m.cpu:6.1f} s  peak RSS {m.peak / 2**20:,.0f} MiB  {m.secs / (size / MB) * 1000:.0f} ms/MB")


def one_file(work: Path, size_mb: float, args: argparse.Namespace, form: str | None = None) -> None:
    """``clean`` on a corpus of ``size_mb`` written as one file (in ``form``), with ``--jobs N`` (and 1)."""
    name = f"{size_mb:g}mb-s{args.seed}-one" + (f"-{form}" if form else "")
    root = work / f"corpus-{name}"
    if not root.exists():
        write_corpus(root, int(size_mb * MB), args.seed, one_file=True, form=form)
    [path] = _files(root)
    size = path.stat().st_size
    outs = []
    for jobs in (args.jobs, 1) if args.check_jobs else (args.jobs,):
        out = work / f"out-{name}-j{jobs}"
        m = clean_measured(root, out, jobs)
        outs.append(out)
        print(f"one file ({path.name}, {form or 'drawn'}, {_fmt_mb(size)} MB), --jobs {jobs}: {m.secs:7.1f} s  "
              f"{size / MB / m.secs:6.2f} MB/s  CPU {m.cpu:6.1f} s  peak RSS {m.peak / 2**20:,.0f} MiB")
    if len(outs) == 2:
        print(f"one file ({form or 'drawn'}): output identical for --jobs {args.jobs} and 1: {_same_tree(*outs)}")


@dataclass
class Run:
    """One end-to-end run of toolkit clean on one corpus size."""

    size_mb: float
    size: int
    articles: int
    samples: list[Measured]  # each run of toolkit clean --jobs N
    baseline: float | None = None  # seconds of the baseline on the same corpus
    same: bool | None = None  # --jobs 1 wrote identical output

    @property
    def secs(self) -> float:
        return statistics.median(m.secs for m in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(m.cpu for m in self.samples)

    @property
    def peak(self) -> int:
        return max(m.peak for m in self.samples)

    @property
    def rate(self) -> float:
        return self.size / MB / self.secs


def print_targets(runs: list[Run], jobs: int) -> None:
    """The issue's targets, each with the figure measured here and whether it is met."""
    def line(name: str, figure: str, met: bool | None) -> None:
        print(f"  {name:<44} {figure:<42} {'-' if met is None else 'met' if met else 'NOT met'}")

    print("\ntargets:")
    for r in runs:
        line(f"end to end >= 8 MB/s (--jobs {jobs}, {r.size_mb:g} MB)", f"{r.rate:.2f} MB/s",
             r.rate >= 8 if r.size_mb >= 500 else None)
    for r in runs:
        if r.baseline is not None:
            line(f">= 5x the baseline ({r.size_mb:g} MB)", f"x{r.baseline / r.secs:.2f}", r.baseline / r.secs >= 5)
    for r in runs:
        line(f"peak RSS <= 2 GB for 1 GB ({r.size_mb:g} MB)", f"{r.peak / 2**20:,.0f} MiB",
             r.peak <= 2 * 2**30 if r.size_mb >= 1000 else None)
    if len(runs) > 1:
        # Linear means a fixed start-up cost plus a constant cost per MB: the cost of each
        # added MB, from one size to the next, stays the same.
        steps = [(b.secs - a.secs) / ((b.size - a.size) / MB) for a, b in pairwise(runs)]
        spread = max(steps) / min(steps) if min(steps) > 0 else float("inf")
        line("time linear in size (ms per added MB)", _steps(runs, steps), spread <= 1.25 if len(steps) > 1 else None)
        cpu = [(b.cpu - a.cpu) / ((b.size - a.size) / MB) for a, b in pairwise(runs)]
        line("  the same in CPU time (not a target)", _steps(runs, cpu), None)
    for r in runs:
        if r.same is not None:
            line(f"--jobs 1 and --jobs {jobs} identical ({r.size_mb:g} MB)", str(r.same), r.same)


def _steps(runs: list[Run], costs: list[float]) -> str:
    return ", ".join(f"{a.size_mb:g}-{b.size_mb:g} MB: {c * 1000:.0f} ms"
                     for (a, b), c in zip(pairwise(runs), costs, strict=True))


def _same_tree(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in _files(a))
    files_b = sorted(p.relative_to(b) for p in _files(b))
    return files_a == files_b and all(filecmp.cmp(a / p, b / p, shallow=False) for p in files_a)


def _baseline_only(root: str) -> None:
    spent = baseline(Path(root))
    print(spent, file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--baseline-only":
        _baseline_only(sys.argv[2])
    else:
        main()

