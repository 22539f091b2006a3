"""Script detection benchmark: labelled set, accuracy and speed, side by side.

Run from the repository root::

    python -m tests.benchmarks.bench_script [--copies 3] [--seed 7] [--repeat 3]

The labelled set is built here from the seeds, deterministically:

- ``seed``: the nine seed articles (one real stray: 里 in TOP10里面);
- ``machine``: every seed article machine-converted (Simplified with s2twp and
  s2hk, Traditional with t2s and tw2sp): correct text, zero strays expected;
- ``planted``: Simplified and Traditional bases with 1-3 planted minority words
  of 1-6 characters at known offsets: random words of the text written the other
  script's way (tw2s / s2tw of the word in place), plus common words whose
  minority form uses an ambiguous character (裡面→里面, 後面→后面, 乾淨→干净 in
  Traditional; 發展, 這個, 後來 in Simplified). A planted character counts as a
  stray only if it is not valid in the majority script (OpenCC's s_only /
  s_ambiguous classes, or t_only / t_ambiguous): 周期 in Taiwan text is a
  variant, not a stray;
- ``concat``: files that concatenate articles of both scripts, split with the
  project's splitter, each article labelled on its own;
- ``none``: text without Chinese.

Compared: this project (detect + resolve with corpus evidence), hanzidentifier
(document label; MIXED means "has strays"; no spans) and the naive OpenCC round
trip (label by which conversion changes fewer characters; every character the
majority conversion changes is a span). Needs the ``bench`` extra for
hanzidentifier; without it that column is skipped.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from toolkit import script
from toolkit.split import find_segments
from toolkit.tables import CJK_CLASS, classes

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"

# Majority-script words whose minority form a writer or converter slips into the text.
COMMON = {
    "hant": ["裡面", "後面", "乾淨", "這個", "發展", "時間", "問題", "以後", "關係", "還是", "國家", "裡"],
    "hans": ["发展", "这个", "后来", "时间", "问题", "关系", "国家", "还是", "说", "里面", "干净"],
}


@dataclass
class Doc:
    name: str
    group: str
    text: str
    script: str  # expected label
    variant: str | None
    spans: list[tuple[int, int]] = field(default_factory=list)  # true strays [start, end)


def seed_articles() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out.extend((path.stem, text[s.start:s.end]) for s in find_segments(text) if s.kind == "article")
    return out


def _is_cjk(text: str) -> bool:
    import re

    return bool(re.fullmatch(f"[{CJK_CLASS}]+", text))


def plant(base: Doc, rng: random.Random, n: int) -> Doc:
    """Replace ``n`` words of ``base`` with their minority-script form; record the stray characters."""
    majority = base.script
    conv = script.converter("tw2s" if majority == "hant" else "s2tw")
    strays = classes()["s_only"] | classes()["s_ambiguous"] if majority == "hant" \
        else classes()["t_only"] | classes()["t_ambiguous"]
    text = base.text
    taken: list[tuple[int, int]] = list(base.spans)
    planted = 0
    for attempt in range(400):
        if planted >= n:
            break
        if attempt % 2 == 0:  # a common word, where the text has it
            word = rng.choice(COMMON[majority])
            starts = [i for i in range(len(text)) if text.startswith(word, i)]
            if not starts:
                continue
            start, length = rng.choice(starts), len(word)
            minority = conv.convert(word)
        else:
            length = rng.randint(1, 6)
            start = rng.randrange(0, max(1, len(text) - length))
            word = text[start:start + length]
            if not _is_cjk(word):
                continue
            minority = conv.convert(word)
        if len(minority) != length or minority == word:
            continue
        if any(a < start + length + 1 and start - 1 < b for a, b in taken):
            continue  # keep plants apart so each is its own span
        diff = [k for k in range(length) if minority[k] != word[k] and minority[k] in strays]
        if not diff:
            continue
        text = text[:start] + minority + text[start + length:]
        taken.append((start + diff[0], start + diff[-1] + 1))
        planted += 1
    return Doc(f"{base.name}+plant", "planted", text, base.script, base.variant, sorted(taken))


def build(copies: int, seed: int) -> list[Doc]:
    rng = random.Random(seed)
    docs: list[Doc] = []
    hant_bases: list[Doc] = []
    hans_bases: list[Doc] = []
    for k, (stem, raw) in enumerate(seed_articles()):
        trad = stem.startswith("000")
        d = Doc(f"{stem}:{k}", "seed", raw, "hant" if trad else "hans", "tw" if trad else "cn")
        if trad and "TOP10里面" in raw:
            i = raw.index("TOP10里面") + 5
            d.spans = [(i, i + 1)]
        docs.append(d)
        (hant_bases if trad else hans_bases).append(d)
        if trad:
            for cfg in ("t2s", "tw2sp"):
                m = Doc(f"{stem}:{k}/{cfg}", "machine", script.converter(cfg).convert(raw), "hans", "cn")
                docs.append(m)
                hans_bases.append(m)
        else:
            for cfg, variant in (("s2twp", "tw"), ("s2hk", "hk")):
                m = Doc(f"{stem}:{k}/{cfg}", "machine", script.converter(cfg).convert(raw), "hant", variant)
                docs.append(m)
                hant_bases.append(m)
    for base in hant_bases + hans_bases:
        for c in range(copies):
            p = plant(base, rng, rng.randint(1, 3))
            p.name += str(c)
            docs.append(p)
    # Files mixing both scripts: each article is labelled on its own after splitting.
    trad_file = (SEEDS / "000_79e19496e3b9640c.txt").read_text(encoding="utf-8")
    simp_file = (SEEDS / "004_14352a4bf9531335.txt").read_text(encoding="utf-8")
    for name, parts in (
        ("concat:trad+simp", [(trad_file, "hant", "tw"), (simp_file, "hans", "cn")]),
        ("concat:simp+tw2sp", [(simp_file, "hans", "cn"), (script.converter("tw2sp").convert(trad_file), "hans", "cn")]),
        ("concat:s2hk+trad", [(script.converter("s2hk").convert(simp_file), "hant", "hk"), (trad_file, "hant", "tw")]),
    ):
        joined = "\n\n".join(p for p, _, _ in parts)
        expected = [(s, v) for p, s, v in parts for seg in find_segments(p) if seg.kind == "article"]
        got = [joined[s.start:s.end] for s in find_segments(joined) if s.kind == "article"]
        if len(got) != len(expected):
            print(f"warning: {name}: split found {len(got)} articles, expected {len(expected)}")
        for i, (raw, (s, v)) in enumerate(zip(got, expected, strict=False)):
            d = Doc(f"{name}#{i}", "concat", raw, s, v)
            if s == "hant" and "TOP10里面" in raw:
                j = raw.index("TOP10里面") + 5
                d.spans = [(j, j + 1)]
            docs.append(d)
    for k, text in enumerate(["Hello, world. 2025-05-04 OTA 90%", "12345 + 67890 = 80235\n", "Ça va? — oui."]):
        docs.append(Doc(f"none:{k}", "none", text, "none", None))
    return docs


# ---- systems: (label, variant, predicted spans) per document ----------------------

Result = tuple[str, str | None, list[tuple[int, int]]]


def ours(docs: list[Doc], corpus: bool = True) -> list[Result]:
    """detect + resolve; with ``corpus`` False, evidence comes from each document alone."""
    dets = [script.detect(d.text) for d in docs]
    lexicon: dict[str, set[str]] = {}
    for det in dets if corpus else ():
        lexicon.setdefault(det.script, set()).update(det.lexicon)
    out: list[Result] = []
    for det in dets:
        spans, _ = script.resolve(det, lexicon)
        out.append((det.script, det.variant, [(s.start, s.end) for s in spans]))
    return out


def naive(docs: list[Doc]) -> list[Result]:
    s2t, t2s = script.converter("s2t"), script.converter("t2s")
    out: list[Result] = []
    for d in docs:
        to_t, to_s = s2t.convert(d.text), t2s.convert(d.text)
        changed_t = [i for i, (a, b) in enumerate(zip(d.text, to_t, strict=False)) if a != b]
        changed_s = [i for i, (a, b) in enumerate(zip(d.text, to_s, strict=False)) if a != b]
        if not changed_t and not changed_s:
            out.append(("none", None, []))
        elif len(changed_t) <= len(changed_s):
            out.append(("hant", None, [(i, i + 1) for i in changed_t]))
        else:
            out.append(("hans", None, [(i, i + 1) for i in changed_s]))
    return out


def hanzi(docs: list[Doc]) -> list[Result] | None:
    try:
        import hanzidentifier as h
    except ImportError:
        return None
    names = {h.TRADITIONAL: "hant", h.SIMPLIFIED: "hans", h.BOTH: "none", h.UNKNOWN: "none"}
    out: list[Result] = []
    for d in docs:
        r = h.identify(d.text)
        if r == h.MIXED:  # no span offsets; the document is flagged as a whole
            out.append(("mixed", None, [(-1, -1)]))
        else:
            out.append((names[r], None, []))
    return out


# ---- scoring -----------------------------------------------------------------------

def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def score(docs: list[Doc], results: list[Result], spans_known: bool) -> dict[str, float]:
    tp = fp = fn = 0
    s_tp = s_pred = s_true = s_hit = 0
    label_ok = variant_ok = variant_n = 0
    machine_spans = 0
    for d, (label, variant, pred) in zip(docs, results, strict=True):
        has, flagged = bool(d.spans), bool(pred)
        tp += has and flagged
        fp += flagged and not has
        fn += has and not flagged
        label_ok += label == d.script
        if d.script == "hant" and d.variant:
            variant_n += 1
            variant_ok += variant == d.variant
        if d.group == "machine":
            machine_spans += len(pred)
        if spans_known:
            s_pred += len(pred)
            s_tp += sum(any(a < te and ts < b for ts, te in d.spans) for a, b in pred)
            s_true += len(d.spans)
            s_hit += sum(any(a < te and ts < b for a, b in pred) for ts, te in d.spans)
    return {
        "doc_P": _ratio(tp, tp + fp), "doc_R": _ratio(tp, tp + fn),
        "span_P": _ratio(s_tp, s_pred) if spans_known else float("nan"),
        "span_R": _ratio(s_hit, s_true) if spans_known else float("nan"),
        "label_acc": label_ok / len(docs),
        "variant_acc": _ratio(variant_ok, variant_n),
        "machine_spans": machine_spans if spans_known else float("nan"),
    }


def speed(fn: Callable[[list[Doc]], object], docs: list[Doc], repeat: int) -> float:
    """MB/s of UTF-8 input per core: CPU time of this process, best of ``repeat`` runs."""
    size = sum(len(d.text.encode("utf-8")) for d in docs) / 1e6
    fn(docs[:3])  # load dictionaries before timing
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn(docs)
        best = min(best, time.process_time() - t0)
    return size / best


def _fmt(v: float) -> str:
    return "   n/a" if v != v else (f"{v:6.3f}" if isinstance(v, float) and v <= 1.0 else f"{v:6.0f}")


def table(rows: Iterable[tuple[str, dict[str, float]]]) -> str:
    keys = ["doc_P", "doc_R", "span_P", "span_R", "label_acc", "variant_acc", "machine_spans", "MB/s"]
    lines = [f"{'system':<16}" + "".join(f"{k:>14}" for k in keys)]
    for name, m in rows:
        lines.append(f"{name:<16}" + "".join(f"{_fmt(m[k]):>14}" if k != "MB/s" else f"{m[k]:14.2f}" for k in keys))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=3, help="planted copies per base article")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3, help="timing runs (best is reported)")
    args = ap.parse_args()
    docs = build(args.copies, args.seed)
    groups: dict[str, int] = {}
    for d in docs:
        groups[d.group] = groups.get(d.group, 0) + 1
    n_spans = sum(len(d.spans) for d in docs)
    size = sum(len(d.text.encode("utf-8")) for d in docs) / 1e6
    print(f"labelled set: {len(docs)} documents ({', '.join(f'{k} {v}' for k, v in groups.items())}), "
          f"{sum(bool(d.spans) for d in docs)} with strays, {n_spans} true spans, {size:.2f} MB")
    rows = []
    ours_res = ours(docs)
    rows.append(("toolkit", {**score(docs, ours_res, True), "MB/s": speed(ours, docs, args.repeat)}))
    rows.append(("toolkit doc-only", {**score(docs, ours(docs, corpus=False), True),
                                      "MB/s": speed(lambda ds: ours(ds, corpus=False), docs, args.repeat)}))
    rows.append(("opencc roundtrip", {**score(docs, naive(docs), True), "MB/s": speed(naive, docs, args.repeat)}))
    h = hanzi(docs)
    if h is not None:
        rows.append(("hanzidentifier", {**score(docs, h, False), "MB/s": speed(hanzi, docs, args.repeat)}))
    else:
        print("hanzidentifier not installed (pip install -e '.[bench]'): column skipped")
    print(table(rows))
    # Per-group view for this project, and the mistakes, so a regression can be read.
    for group in groups:
        idx = [i for i, d in enumerate(docs) if d.group == group]
        m = score([docs[i] for i in idx], [ours_res[i] for i in idx], True)
        print(f"  toolkit {group:<8} " + "  ".join(f"{k} {_fmt(v).strip()}" for k, v in m.items()))
    shown = 0
    for d, (label, variant, pred) in zip(docs, ours_res, strict=True):
        missed = [t for t in d.spans if not any(a < t[1] and t[0] < b for a, b in pred)]
        false = [p for p in pred if not any(p[0] < te and ts < p[1] for ts, te in d.spans)]
        if (label != d.script or missed or false) and shown < 12:
            shown += 1
            ctx = "; ".join(f"{d.text[max(0, a - 4):a]}[{d.text[a:b]}]{d.text[b:b + 4]} ({kind})"
                            for kind, items in (("missed", missed), ("false", false)) for a, b in items[:3])
            print(f"  error {d.name}: label {label}/{variant}, expected {d.script}/{d.variant}; {ctx}")
    # Speed of detection alone (no corpus resolve), the per-core figure of the target.
    dt = speed(lambda ds: [script.detect(d.text) for d in ds], docs, args.repeat)
    print(f"detect alone: {dt:.2f} MB/s on one core")


if __name__ == "__main__":
    main()
