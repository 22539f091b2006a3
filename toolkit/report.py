"""The quality report: counters, per-article signals, clusters; JSON and Markdown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from . import dedup
from .config import Config
from .errors import REASONS
from .pipeline import SCHEMA, Decisions, FileInfo


def summarize(rec: dict[str, Any], kept: bool) -> dict[str, Any]:
    """The per-article row of the report."""
    return {
        "id": rec["id"], "title": rec["title"], "source": rec["source"], "script": rec["script"],
        "variant": rec["variant"], "status": "kept" if kept else rec["reason"], "cluster": rec["cluster"],
        "mixed_spans": [{"text": s["text"], "suggest": s["suggest"], "start": s["start"], "reason": s["reason"]}
                        for s in rec["mixed_spans"]],
        "advisories": len(rec["advisories"]),
        "quality": rec["quality"], "steps": {s["fixer"]: s["count"] for s in rec["steps"]},
    }


def cluster_lines(decisions: Decisions, ids: dict[int, str], pages: dict[str, str]) -> Iterator[dict[str, Any]]:
    for c in decisions.clusters:
        yield {
            "cluster": c.id, "kept": ids[c.keeper], "keep_rule": decisions.rule, "diff": pages.get(c.id),
            "members": [{"id": ids[m.index], "reason": m.reason, "similarity": m.similarity,
                         "containment": m.containment} for m in c.members],
        }


def build(files: Sequence[FileInfo], rows: Sequence[dict[str, Any]], decisions: Decisions,
          pages: dict[str, str], config: Config) -> dict[str, Any]:
    kept = [r for r in rows if r["status"] == "kept"]
    removed = Counter(r["status"] for r in rows if r["status"] != "kept")
    removed.update(f.reason for f in files if f.reason)
    steps: Counter[str] = Counter()
    for r in rows:
        steps.update(r["steps"])
    return {
        "schema": SCHEMA,
        "totals": {
            "files": len(files), "bytes": sum(f.size for f in files),
            "articles_found": len(rows), "kept": len(kept),
            "removed": sum(removed.values()),
            "clusters": len(decisions.clusters),
            "mixed_spans": sum(len(r["mixed_spans"]) for r in rows),
            "advisories": sum(r["advisories"] for r in rows),
        },
        "encodings": dict(sorted(Counter(f.encoding or "none" for f in files).items())),
        "files": [f.to_json() for f in files],
        "removed_by_reason": dict(sorted(removed.items())),
        "scripts": dict(sorted(Counter(r["script"] for r in rows).items())),
        "variants": dict(sorted(Counter(str(r["variant"]) for r in rows).items())),
        "normalization": dict(sorted(steps.items())),
        "clusters": [{"cluster": c.id, "size": len(c.members) + 1, "diff": pages.get(c.id),
                      "similarity": min(m.similarity for m in c.members)} for c in decisions.clusters],
        "dedup": {
            "scheme": dedup.SCHEME, "ngram": config.dedup.ngram, "num_perm": config.dedup.num_perm,
            "seed": config.dedup.seed, "threshold": config.dedup.threshold,
            "candidate_threshold": config.dedup.candidate_threshold, "containment": config.dedup.containment,
            "keep": config.dedup.keep,
            "folding": "OpenCC tw2sp (Taiwan) / hk2s (Hong Kong) / t2s, NFKC, lower case, letters and digits only",
        },
        "articles": list(rows),
    }


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(v: Any) -> str:
        return "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def markdown(data: dict[str, Any]) -> str:
    t = data["totals"]
    out = ["# Cleaning report\n",
           f"{t['files']} files ({t['bytes']:,} bytes), {t['articles_found']} articles found: "
           f"{t['kept']} kept, {t['removed']} removed; {t['clusters']} duplicate clusters; "
           f"{t['mixed_spans']} mixed-script spans, {t['advisories']} advisories.\n"]
    out.append("## Files\n")
    out.append(_table(["file", "bytes", "encoding", "detected", "confidence", "articles", "problem"],
                      [[f["file"], f["size"], f["encoding"], f["detected"], f["confidence"], f["articles"],
                        f["reason"]] for f in data["files"]]))
    out.append("\n## Removed\n")
    if data["removed_by_reason"]:
        out.append(_table(["reason", "count", "meaning"],
                          [[k, v, REASONS.get(k, "quality rule (see README)")]
                           for k, v in data["removed_by_reason"].items()]))
    else:
        out.append("Nothing removed.\n")
    out.append("\n## Duplicate clusters\n")
    if data["clusters"]:
        out.append(_table(["cluster", "size", "lowest similarity", "diff"],
                          [[c["cluster"], c["size"], c["similarity"], f"[{c['diff']}]({c['diff']})"]
                           for c in data["clusters"]]))
    else:
        out.append("None.\n")
    out.append("\n## Mixed script\n")
    spans = [(a["id"], s) for a in data["articles"] for s in a["mixed_spans"]]
    if spans:
        out.append(_table(["article", "offset", "text", "suggest", "evidence"],
                          [[i, s["start"], s["text"], s["suggest"], s["reason"]] for i, s in spans]))
    else:
        out.append("No definite minority-script spans.\n")
    out.append("\n## Scripts and normalization\n")
    out.append(_table(["script", "articles"], list(data["scripts"].items())))
    out.append("\n")
    out.append(_table(["fixer", "changes"], list(data["normalization"].items())))
    out.append("\n## Articles\n")
    out.append(_table(
        ["id", "title", "source", "script", "variant", "status", "chars", "CJK ratio", "repeated 13-grams",
         "half-width fixed"],
        [[a["id"], a["title"], a["source"], a["script"], a["variant"], a["status"], a["quality"]["chars"],
          a["quality"]["cjk_ratio"], a["quality"]["repeated_13gram"], a["quality"]["halfwidth_fixed"]]
         for a in data["articles"]]))
    d = data["dedup"]
    out.append(f"\nDedup: {d['scheme']}, {d['ngram']}-gram shingles, {d['num_perm']} permutations, "
               f"threshold {d['threshold']} (LSH candidates at {d['candidate_threshold']}), "
               f"containment {d['containment']}, keep rule '{d['keep']}'. Folding: {d['folding']}.\n")
    return "".join(out)
