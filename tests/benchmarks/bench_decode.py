"""Decoding speed per encoding, and the share of an end-to-end ``clean`` spent decoding UTF-8 input.

Run from the repository root::

    python -m tests.benchmarks.bench_decode [--mb 2] [--files 120] [--repeat 3]

Prints decode throughput (MB/s of encoded input, best of ``--repeat``) for each encoding the
seeds can be written in, mojibake repair and signal throughput on genuine text, then runs
``io.run_clean`` on a generated UTF-8 corpus and prints the share of its wall time spent in
``decode_bytes`` and in ``decode_bytes`` plus ``mojibake.repair`` (target: at most 10 %).
"""

from __future__ import annotations

import argparse
import codecs
import random
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def _best(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _representable(text: str, codec: str) -> str:
    keep = []
    for line in text.split("\n"):
        try:
            line.encode(codec)
        except UnicodeEncodeError:
            continue
        keep.append(line)
    return "\n".join(keep)


def _scaled(text: str, size: int) -> str:
    return (text + "\n") * max(1, size // len(text.encode("utf-8")))


def decode_rates(mb: float, repeat: int) -> None:
    from toolkit import mojibake
    from toolkit.decode import Decoded, decode_bytes

    trad = (SEEDS / "000_79e19496e3b9640c.txt").read_text(encoding="utf-8")
    simp = (SEEDS / "004_14352a4bf9531335.txt").read_text(encoding="utf-8")
    size = int(mb * 1e6)
    both = _scaled(trad + "\n" + simp, size)
    half = len(both) // 2
    cut = both.index("\n", half) + 1
    cases: list[tuple[str, str, bytes]] = [
        ("utf-8", both, both.encode("utf-8")),
        ("utf-8 + BOM", both, codecs.BOM_UTF8 + both.encode("utf-8")),
        ("utf-16 + BOM", both, both.encode("utf-16")),
        ("utf-16-le, no BOM", both, both.encode("utf-16-le")),
        ("gb18030", both, both.encode("gb18030")),
    ]
    gbk = _scaled(_representable(trad + "\n" + simp, "gbk"), size)
    cases.append(("gbk", gbk, gbk.encode("gbk")))
    big5 = _scaled(_representable(trad, "big5"), size)
    cases.append(("big5", big5, big5.encode("big5")))
    mixed = _representable(both[:cut], "gbk")
    cases.append(("gbk + utf-8 halves (mixed)", mixed + both[cut:],
                  mixed.encode("gbk") + both[cut:].encode("utf-8")))
    print(f"decode_bytes, {mb:g} MB inputs, best of {repeat}")
    for name, text, data in cases:
        result = decode_bytes(data)
        ok = isinstance(result, Decoded) and result.text == text
        seconds = _best(lambda data=data: decode_bytes(data), repeat)  # type: ignore[misc]
        print(f"  {name:28s} {len(data) / seconds / 1e6:8.1f} MB/s  exact={ok}")
    utf8 = both.encode("utf-8")
    for name, fn in (("mojibake.repair", mojibake.repair), ("mojibake.signals", mojibake.signals)):
        seconds = _best(lambda fn=fn: fn(both), repeat)  # type: ignore[misc]
        print(f"  {name:28s} {len(utf8) / seconds / 1e6:8.1f} MB/s  (genuine UTF-8 text)")


def _corpus(directory: Path, files: int) -> int:
    """Distinct articles made of shuffled seed sentences (fixed seed), one per file, UTF-8."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    sentences = [s for s in re.findall(r"[^。！？\n]+[。！？]", text) if len(s) > 8]
    rng = random.Random(1)
    total = 0
    for i in range(files):
        body = "".join(rng.sample(sentences, min(40, len(sentences))))
        data = f"第{i}篇報導\n{body} (測試社)\n".encode()
        (directory / f"{i:04d}.txt").write_bytes(data)
        total += len(data)
    return total


def end_to_end(files: int) -> None:
    from toolkit import config, io, mojibake, pipeline

    spent = {"decode": 0.0, "repair": 0.0}
    decode_bytes, repair = pipeline.decode_bytes, mojibake.repair

    def timed_decode(*args: Any) -> Any:
        start = time.perf_counter()
        try:
            return decode_bytes(*args)
        finally:
            spent["decode"] += time.perf_counter() - start

    def timed_repair(text: str) -> Any:
        start = time.perf_counter()
        try:
            return repair(text)
        finally:
            spent["repair"] += time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        inputs, out = Path(tmp) / "in", Path(tmp) / "out"
        inputs.mkdir()
        size = _corpus(inputs, files)
        found = io.discover([str(inputs)])
        io.run_clean(found, Path(tmp) / "warm", config.Config())  # load OpenCC and caches once
        pipeline.decode_bytes, mojibake.repair = timed_decode, timed_repair  # type: ignore[assignment]
        try:
            start = time.perf_counter()
            io.run_clean(found, out, config.Config())
            total = time.perf_counter() - start
        finally:
            pipeline.decode_bytes, mojibake.repair = decode_bytes, repair  # type: ignore[assignment]
    print(f"end to end: clean on {files} UTF-8 files, {size / 1e6:.2f} MB: {total:.2f} s "
          f"({size / total / 1e6:.2f} MB/s)")
    print(f"  decode_bytes share          {spent['decode'] / total:6.1%}")
    print(f"  decode + mojibake repair    {(spent['decode'] + spent['repair']) / total:6.1%}  (target <= 10%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=2.0, help="size of each decode input in MB")
    parser.add_argument("--files", type=int, default=120, help="files in the end-to-end corpus")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    decode_rates(args.mb, args.repeat)
    end_to_end(args.files)


if __name__ == "__main__":
    main()
