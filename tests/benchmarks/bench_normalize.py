"""Normalization throughput on seed-like text (target: at least 10 MB/s per core).

Run from the repo root: ``python -m tests.benchmarks.bench_normalize [--repeat N] [--profile]``.
The input is every article body of the seeds (split as the pipeline does), so the
mix of ideographs, half-width marks, numbers and blank lines is the real one.
One process, one core; the figure is UTF-8 megabytes of input per second.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from toolkit.normalize import normalize
from toolkit.split import body_text, find_segments

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seed_articles() -> list[str]:
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [body_text(text, s) for s in find_segments(text) if s.kind == "article"]
    return out


def measure(articles: list[str], repeat: int) -> float:
    """Best of ``repeat`` rounds, in MB/s (the best round is the least disturbed by other load)."""
    size = sum(len(a.encode("utf-8")) for a in articles)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for a in articles:
            normalize(a)
        best = min(best, time.perf_counter() - start)
    return size / 1e6 / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="rounds over the seed articles (best is kept)")
    parser.add_argument("--profile", action="store_true", help="print the top functions by own time")
    args = parser.parse_args()
    articles = seed_articles()
    size = sum(len(a.encode("utf-8")) for a in articles)
    cleaned = [normalize(a)[0] for a in articles]
    print(f"input: {len(articles)} seed articles, {size:,} bytes UTF-8")
    print(f"normalize raw articles:   {measure(articles, args.repeat):6.1f} MB/s (target >= 10)")
    print(f"normalize clean articles: {measure(cleaned, args.repeat):6.1f} MB/s (no-op pass)")
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.repeat):
            for a in articles:
                normalize(a)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(8)


if __name__ == "__main__":
    main()
