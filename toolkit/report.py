"""The quality report: counters, per-article signals, clusters, findings.

:func:`build` gathers everything into one JSON-able dict (``report.json``);
:func:`markdown` and :func:`html_page` render the same sections as text and as a
self-contained page (inline CSS and SVG charts, no scripts, no network). Pure:
``io.run_clean`` writes the files.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import dedup, normalize
from .config import Config
from .display import shown
from .errors import REASONS
from .pipeline import SCHEMA, Decisions, FileInfo, file_id

EXAMPLES = 3  # example articles shown per removal reason
# A decode below this confidence (when a detector had to guess) is worth a look.
LOW_CONFIDENCE = 0.8


def summarize(rec: dict[str, Any], kept: bool,
              context: Sequence[tuple[int, str, str]] = ()) -> dict[str, Any]:
    """The per-article row of the report; ``context`` is raw text around script candidates."""
    around = {start: (before, after) for start, before, after in context}

    def span(s: dict[str, Any]) -> dict[str, Any]:
        out = {"text": s["text"], "suggest": s["suggest"], "start": s["start"], "reason": s["reason"]}
        if s["start"] in around:
            out["before"] = around[s["start"]][0]
            out["after"] = around.get(s["end"] - 1, ("", ""))[1]
        return out

    row = {
        "id": rec["id"], "title": rec["title"], "source": rec["source"], "script": rec["script"],
        "variant": rec["variant"], "status": "kept" if kept else rec["reason"], "cluster": rec["cluster"],
        "mixed_spans": [span(s) for s in rec["mixed_spans"]],
        "advisories": len(rec["advisories"]),
        "quality": rec["quality"], "steps": {s["fixer"]: s["count"] for s in rec["steps"]},
        "captions": [m.group(0) for m in _CAPTION.finditer(rec["text"])][:EXAMPLES],
    }
    if not kept:
        row["detail"] = rec["detail"]
        if rec.get("duplicate_of"):
            row["duplicate_of"] = rec["duplicate_of"]
    return row


_CAPTION = re.compile("▲[^\n]{0,24}")


def cluster_lines(decisions: Decisions, ids: dict[int, str], pages: dict[str, str]) -> Iterator[dict[str, Any]]:
    for c in decisions.clusters:
        yield {
            "cluster": c.id, "kept": ids[c.keeper], "keep_rule": decisions.rule, "diff": pages.get(c.id),
            "members": [{"id": ids[m.index], "reason": m.reason, "similarity": m.similarity,
                         "containment": m.containment} for m in c.members],
        }


LISTED = 1000  # articles listed one by one in the report (corpus.jsonl and removed.jsonl hold them all)
MIXED_LISTED = 200  # mixed-script spans listed with their context
IDS = 10  # ids named per finding


@dataclass
class Tally:
    """The report's figures, gathered one article row at a time in bounded memory.

    Counters and histograms cover every article; lists (examples, spans, articles)
    keep their first entries only, so a corpus of millions of articles gives a report
    of the same size as one of thousands.
    """

    config: Config
    found: int = 0
    kept: int = 0
    status: Counter[str] = field(default_factory=Counter)
    scripts: Counter[str] = field(default_factory=Counter)
    variants: Counter[str] = field(default_factory=Counter)
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    steps: Counter[str] = field(default_factory=Counter)
    mixed_spans: int = 0
    advisories: int = 0
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    mixed: list[dict[str, Any]] = field(default_factory=list)
    hist: dict[str, list[int]] = field(default_factory=dict)
    articles: list[dict[str, Any]] = field(default_factory=list)
    # finding -> [articles, total count, first ids, first example]
    findings: dict[str, list[Any]] = field(default_factory=dict)
    listed: int = LISTED  # rows kept in ``articles``: fewer for a part whose rows come after others

    def __post_init__(self) -> None:
        self.hist = {key: [0] * len(spec[1]) for key, spec in _specs(self.config).items()}

    def _find(self, kind: str, row: dict[str, Any], count: int, example: str | None = None) -> None:
        if not count:
            return
        entry = self.findings.setdefault(kind, [0, 0, [], example])
        entry[0] += 1
        entry[1] += count
        if len(entry[2]) < IDS:
            entry[2].append(row["id"])

    def add(self, row: dict[str, Any]) -> None:
        """Count one article row (from :func:`summarize`)."""
        self.found += 1
        status, q = row["status"], row["quality"]
        if status == "kept":
            self.kept += 1
        else:
            self.status[status] += 1
            examples = self.examples.setdefault(status, [])
            if len(examples) < EXAMPLES:
                ex = {"id": row["id"], "title": row["title"], "detail": row.get("detail")}
                if row.get("duplicate_of"):
                    ex["duplicate_of"] = row["duplicate_of"]
                examples.append(ex)
        self.scripts[row["script"]] += 1
        self.variants[row["variant"] or "none"] += 1  # "none", as encodings say it
        self.pairs[(row["script"], row["variant"] or "")] += 1
        self.steps.update(row["steps"])
        self.mixed_spans += len(row["mixed_spans"])
        self.advisories += row["advisories"]
        for s in row["mixed_spans"]:
            if len(self.mixed) < MIXED_LISTED:
                self.mixed.append(dict(s, id=row["id"], title=row["title"]))
        for key, (_, edges, _, _) in _specs(self.config).items():
            if key in q:
                self.hist[key][_bin(q[key], edges)] += 1
        if len(self.articles) < self.listed:
            self.articles.append(row)
        broken = bool(q.get("replacement_chars") or q.get("mojibake_markers") or q.get("mojibake_suspect"))
        self._find("mojibake", row, int(broken))
        self._find("mixed_script", row, len(row["mixed_spans"]))
        if status == "kept":  # what users of the corpus will see
            self._find("halfwidth_left", row, q.get("halfwidth_left") or 0)
            self._find("captions", row, q.get("captions") or 0, (row.get("captions") or [None])[0])

    def merge(self, other: Tally) -> None:
        """Count here the rows ``other`` counted, rows that come after this tally's: the same as
        adding them one by one (so parts of a corpus are tallied apart and merged in order)."""
        self.found += other.found
        self.kept += other.kept
        for mine, theirs in ((self.status, other.status), (self.scripts, other.scripts),
                             (self.variants, other.variants), (self.steps, other.steps)):
            mine.update(theirs)
        self.pairs.update(other.pairs)
        self.mixed_spans += other.mixed_spans
        self.advisories += other.advisories
        for status, found in other.examples.items():
            examples = self.examples.setdefault(status, [])
            examples.extend(found[:max(0, EXAMPLES - len(examples))])
        self.mixed.extend(other.mixed[:max(0, MIXED_LISTED - len(self.mixed))])
        for key, counts in other.hist.items():
            self.hist[key] = [a + b for a, b in zip(self.hist[key], counts, strict=True)]
        self.articles.extend(other.articles[:max(0, self.listed - len(self.articles))])
        for kind, (n, total, first, example) in other.findings.items():
            if kind not in self.findings:
                self.findings[kind] = [0, 0, [], example]
            entry = self.findings[kind]
            entry[0] += n
            entry[1] += total
            entry[2].extend(first[:max(0, IDS - len(entry[2]))])

    def build(self, files: Sequence[FileInfo], decisions: Decisions, ids: Mapping[int, str],
              pages: dict[str, str], stems: Sequence[str] = ()) -> dict[str, Any]:
        """The report data; ``ids`` names at least every clustered article, ``stems`` gives each
        file's id stem (by default from its name)."""
        removed = Counter(self.status)
        removed.update(f.reason for f in files if f.reason)
        examples: dict[str, list[dict[str, Any]]] = {}
        rows = [f.to_json() for f in files]
        for f, row, stem in zip(files, rows, stems or [file_id(f.file) for f in files], strict=True):
            if f.reason:
                row["id"] = f"{stem}:file"  # its removed.jsonl record
                examples.setdefault(f.reason, []).append({"id": row["id"], "title": None, "detail": f.detail})
        for reason, found in self.examples.items():
            examples.setdefault(reason, []).extend(found)
        data = {
            "schema": SCHEMA,
            "totals": {
                "files": len(files), "bytes": sum(f.size for f in files),
                "articles_found": self.found, "kept": self.kept,
                "removed": sum(removed.values()),  # the lines of removed.jsonl: articles and files
                "files_removed": sum(1 for f in files if f.reason),
                "articles_removed": sum(self.status.values()),
                "clusters": len(decisions.clusters),
                "mixed_spans": self.mixed_spans,
                "advisories": self.advisories,
            },
            "encodings": dict(sorted(Counter(f.encoding or "none" for f in files).items())),
            "files": rows,
            "removed_by_reason": dict(sorted(removed.items())),
            "removal_examples": {k: v[:EXAMPLES] for k, v in sorted(examples.items())},
            "scripts": dict(sorted(self.scripts.items())),
            "variants": dict(sorted(self.variants.items())),
            "script_variants": {f"{s}/{v}" if v else s: n for (s, v), n in sorted(self.pairs.items())},
            "normalization": dict(sorted(self.steps.items())),
            "clusters": [{"cluster": c.id, "size": len(c.members) + 1, "diff": pages.get(c.id),
                          "similarity": min(m.similarity for m in c.members),
                          "kept": ids[c.keeper], "members": [ids[m.index] for m in c.members]}
                         for c in decisions.clusters],
            "diff_index": "diffs/index.html" if pages else None,
            "mixed_script": self.mixed,
            "distributions": {
                key: {"label": label, "edges": list(edges), "counts": self.hist[key],
                      "threshold": threshold, "removed": side}
                for key, (label, edges, threshold, side) in _specs(self.config).items()},
            "findings": {kind: {"articles": n, "count": total, "ids": first, "example": example}
                         for kind, (n, total, first, example) in sorted(self.findings.items())},
            "dedup": {
                "scheme": dedup.SCHEME, "ngram": self.config.dedup.ngram, "num_perm": self.config.dedup.num_perm,
                "seed": self.config.dedup.seed, "threshold": self.config.dedup.threshold,
                "candidate_threshold": self.config.dedup.candidate_threshold,
                "containment": self.config.dedup.containment, "keep": self.config.dedup.keep,
                "folding": "OpenCC tw2sp (Taiwan) / hk2s (Hong Kong) / t2s, NFKC, lower case, letters and digits only",
            },
            "articles": self.articles,
            "articles_listed": len(self.articles),
        }
        data["top_issues"] = top_issues(data, self.config)
        return data


def build(files: Sequence[FileInfo], rows: Iterable[dict[str, Any]], decisions: Decisions,
          pages: dict[str, str], config: Config, ids: Mapping[int, str]) -> dict[str, Any]:
    """The report data from every article row at once (see :class:`Tally` for streaming)."""
    tally = Tally(config)
    for row in rows:
        tally.add(row)
    return tally.build(files, decisions, ids, pages)


# Histogram bins: (signal, label, lower edges, the quality setting whose rule the bins reflect).
LENGTH_EDGES = (0, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)
RATIO_EDGES = tuple(round(i / 10, 1) for i in range(10))


def _bin(v: float, edges: Sequence[float]) -> int:
    """Bin i holds edges[i] <= v < edges[i + 1]; the last bin is open."""
    i = len(edges) - 1
    while i > 0 and v < edges[i]:
        i -= 1
    return i


def histogram(values: Iterable[float], edges: Sequence[float]) -> list[int]:
    """Counts per bin; bin i holds edges[i] <= v < edges[i + 1], the last bin is open.

    >>> histogram([0, 0.05, 0.1, 0.95, 1.0], (0.0, 0.1, 0.5))
    [2, 1, 2]
    """
    counts = [0] * len(edges)
    for v in values:
        counts[_bin(v, edges)] += 1
    return counts


def _specs(config: Config) -> dict[str, tuple[str, tuple[float, ...], float, str]]:
    """Charted signals: (label, lower bin edges, the quality filter's threshold, which side it removes)."""
    q = config.quality
    return {
        "chars": ("length (characters)", LENGTH_EDGES, q.min_chars, "below"),
        "cjk_ratio": ("CJK ratio", RATIO_EDGES, q.min_cjk_ratio, "below"),
        "repeated_13gram": ("repeated 13-gram share", RATIO_EDGES, q.max_repeated_13gram, "above"),
    }


_SEVERITY = {"high": 0, "medium": 1, "low": 2}


def top_issues(data: dict[str, Any], config: Config) -> list[dict[str, Any]]:
    """What a maintainer should look at first, most severe first; each names where to look."""
    issues: list[dict[str, Any]] = []

    def add(severity: str, kind: str, count: int, message: str, section: str, ids: Sequence[str] = ()) -> None:
        if count:
            issues.append({"severity": severity, "kind": kind, "count": count, "message": message,
                           "section": section, "ids": sorted(ids)[:10]})

    bad_files = [f for f in data["files"] if f["reason"]]
    add("high", "files_lost", len(bad_files),
        f"{len(bad_files)} input file(s) yielded no article ({', '.join(sorted({f['reason'] for f in bad_files}))})",
        "files", [f["id"] for f in bad_files])
    found = data["findings"]
    none: dict[str, Any] = {"articles": 0, "count": 0, "ids": [], "example": None}
    broken = found.get("mojibake", none)
    add("high", "mojibake", broken["articles"],
        f"{broken['articles']} article(s) look damaged (U+FFFD, 锟斤拷 or 烫烫烫, Latin-1 runs or mostly rare "
        "ideographs: mojibake_suspect): check the decoding or --encoding", "articles", broken["ids"])
    unread = {k: v for k, v in data["removed_by_reason"].items() if k in ("invalid_json", "missing_text")}
    add("high", "records_lost", sum(unread.values()),
        f"{sum(unread.values())} JSON Lines record(s) could not be read "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(unread.items()))}): check the format and --text-field",
        "removed", [e["id"] for k in sorted(unread) for e in data["removal_examples"].get(k, [])])
    shaky = [f for f in data["files"] if not f["reason"] and (
        f["replacements"] or f["method"] == "mixed"
        or (f["detected"] is not None and (f["confidence"] or 0) < LOW_CONFIDENCE))]
    add("medium", "uncertain_decode", len(shaky),
        f"{len(shaky)} file(s) decoded with replacements, mixed encodings or confidence below {LOW_CONFIDENCE}",
        "files", [f["file"] for f in shaky])
    quality = {k: v for k, v in data["removed_by_reason"].items() if k.startswith("quality:")}
    for rule, n in quality.items():
        add("medium", rule, n, f"{n} article(s) removed by {rule}: check the examples and the threshold",
            "removed", [e["id"] for e in data["removal_examples"].get(rule, [])])
    spans = found.get("mixed_script", none)
    mode = config.script.mode
    if mode == "keep":
        add("medium", "mixed_script", spans["count"],
            f"{spans['count']} definite minority-script span(s) in {spans['articles']} article(s): "
            "convert them to the article's script (--script repair)", "mixed-script", spans["ids"])
    else:  # every mode but keep writes them in their article's script, or converts the article
        add("low", "mixed_script", spans["count"],
            f"{spans['count']} definite minority-script span(s) in {spans['articles']} article(s) were "
            f"rewritten by --script {mode}: review them in the corpus", "mixed-script", spans["ids"])
    if data["clusters"]:
        low = min(c["similarity"] for c in data["clusters"])
        add("low", "duplicates", len(data["clusters"]),
            f"{len(data['clusters'])} duplicate cluster(s) removed {sum(c['size'] - 1 for c in data['clusters'])} "
            f"article(s); lowest similarity {low} (threshold {config.dedup.threshold}"
            f"{'; below it, copies matched by containment' if low < config.dedup.threshold else ''}): "
            "review the diff pages",
            "clusters")
    left = found.get("halfwidth_left", none)
    add("low", "halfwidth_left", left["count"],
        f"{left['count']} ASCII mark(s) between Latin letters or digits left half-width (OTA,90%) in "
        f"{left['articles']} kept article(s): ambiguous, not changed", "articles", left["ids"])
    caps = found.get("captions", none)
    add("low", "captions", caps["count"],
        f"{caps['count']} image caption marker(s) ▲ left in {caps['articles']} kept article(s)"
        + (f", e.g. “{caps['example']}…”" if caps["example"] else "")
        + " (caption lines are removed with normalize.remove_captions; inline ones are only reported)",
        "articles", caps["ids"])
    add("low", "advisories", data["totals"]["advisories"],
        f"{data['totals']['advisories']} uncertain script advisories (not changed; see advisories in the corpus)",
        "mixed-script")
    issues.sort(key=lambda i: (_SEVERITY[i["severity"]], -i["count"], i["kind"]))
    return issues


class _Md(str):
    """A table cell that is Markdown of our own (a link), not text to escape."""


# What Markdown (CommonMark with tables) would read as markup or HTML in text from the input.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>&|~])")


def _md(text: str) -> str:
    r"""Text from the input (a title, a file name) as literal Markdown.

    >>> _md("標題<script>*x* [a](b) & |")
    '標題\\<script\\>\\*x\\* \\[a\\](b) \\& \\|'
    """
    return _MD_SPECIAL.sub(r"\\\1", shown(text))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(v: Any) -> str:
        return "" if v is None else (v if isinstance(v, _Md) else _md(str(v))).replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _bin_label(edges: Sequence[float], i: int) -> str:
    lo = edges[i]
    if i + 1 == len(edges):
        return f"≥{_num(lo)}"
    return f"{_num(lo)}–{_num(edges[i + 1])}"


def _num(v: float) -> str:
    if isinstance(v, float) and not v.is_integer():
        return f"{v:g}"
    v = int(v)
    return f"{v // 1000}k" if v >= 1000 and v % 1000 == 0 else str(v)


def _context(s: dict[str, Any]) -> _Md:
    """A span in its context, the span in bold, as Markdown."""
    if "before" not in s:
        return _Md("")
    return _Md((_md(s["before"]) + "**" + _md(s["text"]) + "**" + _md(s["after"])).replace("\n", " ⏎ "))


def articles_removed(totals: dict[str, Any]) -> int:
    """Articles removed (``removed`` also counts the files that gave no article)."""
    return int(totals["articles_removed"])


def files_removed_phrase(totals: dict[str, Any]) -> str:
    """", N files removed" when input files gave no article (unreadable, binary, empty ...), else nothing."""
    n = totals.get("files_removed", 0)
    return f", {n} file{'s' if n != 1 else ''} removed" if n else ""


def markdown(data: dict[str, Any]) -> str:
    t = data["totals"]
    out = ["# Cleaning report\n\n",
           f"{t['files']} files ({t['bytes']:,} bytes), {t['articles_found']} articles found: "
           f"{t['kept']} kept, {articles_removed(t)} removed{files_removed_phrase(t)}; {t['clusters']} duplicate clusters; "
           f"{t['mixed_spans']} mixed-script spans, {t['advisories']} advisories.\n"]
    out.append("\n## Top issues\n\n")
    if data["top_issues"]:
        out += [f"{k}. **{i['severity']}** {_md(i['message'])}" + (f" ({_md(', '.join(i['ids']))})" if i["ids"] else "")
                + "\n"
                for k, i in enumerate(data["top_issues"], 1)]
    else:
        out.append("Nothing to look at.\n")
    out.append("\n## Files\n\n")
    out.append(_table(["file", "bytes", "encoding", "detected", "confidence", "method", "replacements", "articles",
                       "problem"],
                      [[f["file"], f["size"], f["encoding"], f["detected"], f["confidence"], f["method"],
                        f["replacements"], f["articles"], f["reason"]] for f in data["files"]]))
    out.append("\n")
    out.append(_table(["encoding", "files"], list(data["encodings"].items())))
    out.append("\n## Scripts and variants\n\n")
    out.append(_table(["script/variant", "articles"], list(data["script_variants"].items())))
    out.append("\n## Removed\n\n")
    if data["removed_by_reason"]:
        out.append(_table(["reason", "count", "meaning", "examples"],
                          [[k, v, REASONS.get(k, "quality rule (see README)"),
                            "; ".join(_example(e) for e in data["removal_examples"].get(k, []))]
                           for k, v in data["removed_by_reason"].items()]))
    else:
        out.append("Nothing removed.\n")
    out.append("\n## Duplicate clusters\n\n")
    if data["clusters"]:
        out.append(_table(["cluster", "size", "kept", "members", "lowest similarity", "diff"],
                          [[c["cluster"], c["size"], c["kept"], ", ".join(c["members"]), c["similarity"],
                            _Md(f"[{c['diff']}]({c['diff']})")] for c in data["clusters"]]))
        out.append(f"\nAll clusters: [{data['diff_index']}]({data['diff_index']})\n")
    else:
        out.append("None.\n")
    out.append("\n## Mixed script\n\n")
    if data["mixed_script"]:
        out.append(_table(["article", "offset", "text", "suggest", "evidence", "context"],
                          [[s["id"], s["start"], s["text"], s["suggest"], s["reason"], _context(s)]
                           for s in data["mixed_script"]]))
    else:
        out.append("No definite minority-script spans.\n")
    out.append("\n## Distributions\n")
    for d in data["distributions"].values():
        out.append(f"\n{d['label']} (articles; rule removes {d['removed']} {d['threshold']}):\n\n```\n")
        top = max(d["counts"]) or 1
        for i, n in enumerate(d["counts"]):
            out.append(f"{_bin_label(d['edges'], i):>10} {'█' * round(20 * n / top):<20} {n}\n")
        out.append("```\n")
    out.append("\n## Normalization\n\n")
    out.append(_table(["fixer", "changes", "what it does"],
                      [[k, v, fixer_summary(k)] for k, v in data["normalization"].items()]))
    out.append("\n## Articles\n\n")
    out.append(_table(
        ["id", "title", "source", "script", "variant", "status", "chars", "CJK ratio", "repeated 13-grams",
         "half-width fixed", "half-width left"],
        [[a["id"], a["title"], a["source"], a["script"], a["variant"], a["status"], a["quality"]["chars"],
          a["quality"]["cjk_ratio"], a["quality"]["repeated_13gram"], a["quality"]["halfwidth_fixed"],
          a["quality"].get("halfwidth_left")]
         for a in data["articles"]]))
    d = data["dedup"]
    out.append(f"\nDedup: {d['scheme']}, {d['ngram']}-gram shingles, {d['num_perm']} permutations, "
               f"threshold {d['threshold']} (LSH candidates at {d['candidate_threshold']}), "
               f"containment {d['containment']}, keep rule '{d['keep']}'. Folding: {d['folding']}.\n")
    return "".join(out)


def _example(e: dict[str, Any]) -> str:
    title = f" {e['title']}" if e.get("title") else ""
    dup = f" (duplicate of {e['duplicate_of']})" if e.get("duplicate_of") else ""
    return f"{e['id']}{title}{dup}"


# Steps that are not normalization fixers, so have no docstring to quote.
_STEP_SUMMARIES = {
    "mojibake": "Mojibake runs (text decoded with the wrong codec) repaired losslessly before splitting.",
    "cut_credits": "Credit, byline, editor and disclaimer lines cut from the text; kept in credits.",
    "script:repair": "Definite minority-script characters converted to the article's script.",
}


def fixer_summary(name: str) -> str:
    """What a step does: the first line of a fixer's docstring, or the meaning of another step.

    >>> fixer_summary("line_endings")
    'CRLF and lone CR become LF.'
    >>> fixer_summary("script:s2twp")
    'Whole article converted with OpenCC s2twp (--script).'
    """
    if name in _STEP_SUMMARIES:
        return _STEP_SUMMARIES[name]
    if name.startswith("script:"):
        return f"Whole article converted with OpenCC {name.removeprefix('script:')} (--script)."
    fn = getattr(normalize, name, None) or getattr(normalize, f"make_{name}", None)
    doc = (fn.__doc__ or "") if fn is not None else ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


# ---------------------------------------------------------------- HTML

def _e(v: Any) -> str:
    return "" if v is None else html.escape(shown(str(v)), quote=True)


_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans CJK TC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#1f2328;background:#fff;line-height:1.5}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;border-bottom:1px solid #d0d7de;padding-bottom:4px;
margin-top:32px}h3{font-size:15px;margin:4px 0}
nav a{margin-right:12px}a{color:#0969da}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:90px}
.card b{display:block;font-size:22px}.card span{color:#59636e;font-size:13px}
table{border-collapse:collapse;margin:8px 0;font-size:14px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
ol.issues li{margin:4px 0}
.sev{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;color:#fff;margin-right:6px}
.sev.high{background:#cf222e}.sev.medium{background:#bf8700}.sev.low{background:#57606a}
.ids{color:#59636e;font-size:12px}
mark{background:#ffd8b5;padding:0 1px}.ctx{font-size:15px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart{border:1px solid #d0d7de;border-radius:6px;padding:8px;margin:0}
.muted{color:#59636e;font-size:13px}
#articles{overflow-x:auto}#articles table{font-size:12.5px}#articles td,#articles th{padding:3px 5px}
#articles td:nth-child(1),#articles td:nth-child(4){white-space:nowrap}#articles td:nth-child(2){min-width:12em}
"""


def _html_table(header: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = ()) -> str:
    """Cells are escaped here unless given as ``_Raw`` (already-built markup)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            content = v.markup if isinstance(v, _Raw) else _e(v)
            cells.append(f'<td class="n">{content}</td>' if i in numeric else f"<td>{content}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>\n"


class _Raw:
    """Markup built by this module from escaped parts."""

    __slots__ = ("markup",)

    def __init__(self, markup: str) -> None:
        self.markup = markup


def _link(href: str | None, text: Any) -> _Raw:
    return _Raw(f'<a href="{_e(href)}">{_e(text)}</a>' if href else _e(text))


def svg_histogram(dist: dict[str, Any], width: int = 350, height: int = 210) -> str:
    """An inline SVG bar chart of one distribution, with its filter threshold dashed.

    >>> svg = svg_histogram({"label": "CJK <ratio>", "edges": [0.0, 0.5], "counts": [1, 3],
    ...                      "threshold": 0.2, "removed": "below"})
    >>> svg.startswith("<svg") and "CJK &lt;ratio&gt;" in svg and svg.count("<rect") == 2
    True
    """
    edges, counts = dist["edges"], dist["counts"]
    left, right, top, bottom = 28, 10, 22, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    bw = plot_w / len(counts)
    peak = max(counts) or 1
    label = _e(dist["label"])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{label}">',
             f"<title>{label}</title>",
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#57606a"/>']
    for i, n in enumerate(counts):
        h = plot_h * n / peak
        x, y = left + i * bw, top + plot_h - h
        parts.append(f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{bw - 4:.1f}" height="{h:.1f}" fill="#4a7fb5">'
                     f"<title>{_e(_bin_label(edges, i))}: {n}</title></rect>")
        if n:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{y - 3:.1f}" font-size="11" text-anchor="middle">{n}</text>')
        parts.append(f'<text x="{x + bw / 2:.1f}" y="{top + plot_h + 14}" font-size="9.5" text-anchor="end" '
                     f'transform="rotate(-35 {x + bw / 2:.1f} {top + plot_h + 14})">{_e(_bin_label(edges, i))}</text>')
    t = dist["threshold"]
    for i, lo in enumerate(edges):
        hi = edges[i + 1] if i + 1 < len(edges) else None
        if lo <= t and (hi is None or t < hi):
            frac = 0.0 if hi is None else (t - lo) / (hi - lo)
            tx = left + (i + frac) * bw
            word = "min" if dist["removed"] == "below" else "max"
            parts.append(f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{top + plot_h}" stroke="#cf222e" '
                         'stroke-dasharray="4 3"/>')
            anchor = "start" if tx < left + plot_w / 2 else "end"
            parts.append(f'<text x="{tx + (3 if anchor == "start" else -3):.1f}" y="{top - 8}" font-size="11" '
                         f'fill="#cf222e" text-anchor="{anchor}">filter {word} {_e(t)}</text>')
            break
    parts.append("</svg>")
    return "".join(parts)


_SECTIONS = (("totals", "Totals"), ("top-issues", "Top issues"), ("files", "Files"),
             ("scripts", "Scripts"), ("removed", "Removed"), ("clusters", "Duplicates"),
             ("mixed-script", "Mixed script"), ("distributions", "Distributions"),
             ("normalization", "Normalization"), ("articles", "Articles"))


def html_page(data: dict[str, Any]) -> str:
    """The report as one self-contained page: inline CSS and SVG, no scripts, no external resources."""
    t = data["totals"]
    out = ['<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n',
           '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
           f"<title>Cleaning report</title>\n<style>{_CSS}</style>\n</head>\n<body>\n",
           "<h1>Cleaning report</h1>\n<nav>",
           "".join(f'<a href="#{a}">{_e(n)}</a>' for a, n in _SECTIONS), "</nav>\n"]

    out.append('<section id="totals"><h2>Totals</h2><div class="cards">')
    cards = [(t["files"], "files"), (t["bytes"], "bytes"), (t["articles_found"], "articles found"),
             (t["kept"], "kept"), (articles_removed(t), "removed")]
    if t.get("files_removed"):
        cards.append((t["files_removed"], "files removed"))
    cards += [(t["clusters"], "duplicate clusters"), (t["mixed_spans"], "mixed-script spans"),
              (t["advisories"], "advisories")]
    for value, name in cards:
        out.append(f'<div class="card"><b>{value:,}</b><span>{_e(name)}</span></div>')
    out.append("</div></section>\n")

    out.append('<section id="top-issues"><h2>Top issues</h2>\n')
    if data["top_issues"]:
        out.append('<ol class="issues">')
        for i in data["top_issues"]:
            ids = f' <span class="ids">{_e(", ".join(i["ids"]))}</span>' if i["ids"] else ""
            out.append(f'<li><span class="sev {_e(i["severity"])}">{_e(i["severity"])}</span>{_e(i["message"])} '
                       f'<a href="#{_e(i["section"])}">→</a>{ids}</li>')
        out.append("</ol>")
    else:
        out.append("<p>Nothing to look at.</p>")
    out.append("</section>\n")

    out.append('<section id="files"><h2>Files by encoding and confidence</h2>\n')
    out.append(_html_table(["encoding", "files"], list(data["encodings"].items()), numeric=[1]))
    out.append(_html_table(
        ["file", "bytes", "encoding", "detected", "confidence", "method", "replacements", "articles", "problem"],
        [[f["file"], f"{f['size']:,}", f["encoding"], f["detected"], f["confidence"], f["method"],
          f["replacements"], f["articles"], f"{f['reason']}: {f['detail']}" if f["reason"] else ""]
         for f in data["files"]], numeric=[1, 4, 6, 7]))
    out.append("</section>\n")

    out.append('<section id="scripts"><h2>Articles by script and variant</h2>\n')
    out.append(_html_table(["script/variant", "articles"], list(data["script_variants"].items()), numeric=[1]))
    out.append("</section>\n")

    out.append('<section id="removed"><h2>Removals by reason</h2>\n')
    if data["removed_by_reason"]:
        rows = []
        for reason, n in data["removed_by_reason"].items():
            examples = "<br>".join(
                f"{_e(e['id'])} {_e(e.get('title') or '')}"
                + (f" → duplicate of {_e(e['duplicate_of'])}" if e.get("duplicate_of") and not e.get("detail") else "")
                + (f' <span class="muted">{_e(e["detail"])}</span>' if e.get("detail") else "")
                for e in data["removal_examples"].get(reason, []))
            rows.append([reason, n, REASONS.get(reason, "quality rule (see README)"), _Raw(examples)])
        out.append(_html_table(["reason", "count", "meaning", "examples"], rows, numeric=[1]))
    else:
        out.append("<p>Nothing removed.</p>")
    out.append("</section>\n")

    out.append('<section id="clusters"><h2>Duplicate clusters</h2>\n')
    if data["clusters"]:
        out.append(_html_table(
            ["cluster", "size", "kept", "removed members", "lowest similarity", "diff"],
            [[c["cluster"], c["size"], c["kept"], ", ".join(c["members"]), c["similarity"],
              _link(c["diff"], "side-by-side diff")] for c in data["clusters"]], numeric=[1, 4]))
        out.append(f'<p>{_link(data["diff_index"], "All clusters").markup}</p>')
    else:
        out.append("<p>None.</p>")
    out.append("</section>\n")

    out.append('<section id="mixed-script"><h2>Mixed-script findings</h2>\n')
    if data["mixed_script"]:
        out.append(_html_table(
            ["article", "title", "offset", "found", "suggest", "evidence", "context (raw text)"],
            [[s["id"], s["title"], s["start"], s["text"], s["suggest"], s["reason"],
              _Raw(f'<span class="ctx">{_e(s.get("before", ""))}<mark>{_e(s["text"])}</mark>'
                   f'{_e(s.get("after", ""))}</span>')] for s in data["mixed_script"]], numeric=[2]))
    else:
        out.append("<p>No definite minority-script spans.</p>")
    out.append(f'<p class="muted">{t["advisories"]} advisories (uncertain, not changed) are listed per article '
               "in corpus.jsonl and removed.jsonl.</p></section>\n")

    out.append('<section id="distributions"><h2>Distributions</h2>\n<p class="muted">Every article found '
               "(kept and removed); the dashed line is the quality filter's threshold.</p>\n<div class=\"charts\">")
    for d in data["distributions"].values():
        out.append(f'<figure class="chart"><h3>{_e(d["label"])}</h3>{svg_histogram(d)}</figure>')
    out.append("</div></section>\n")

    out.append('<section id="normalization"><h2>Normalization</h2>\n')
    if data["normalization"]:
        out.append(_html_table(["fixer", "changes", "what it does"],
                               [[k, f"{v:,}", fixer_summary(k)] for k, v in data["normalization"].items()],
                               numeric=[1]))
    else:
        out.append("<p>No changes.</p>")
    out.append("</section>\n")

    out.append('<section id="articles"><h2>Articles</h2>\n')
    out.append(_html_table(
        ["id", "title", "source", "script", "status", "chars", "CJK", "punct", "digits", "repeated 13-grams",
         "longest line", "half-width fixed", "half-width left", "minority", "captions"],
        [[a["id"], a["title"], a["source"], f"{a['script']}/{a['variant']}",
          _link(next((c["diff"] for c in data["clusters"] if c["cluster"] == a["cluster"]), None), a["status"])
          if a["cluster"] else a["status"],
          f"{a['quality']['chars']:,}", a["quality"]["cjk_ratio"], a["quality"]["punct_ratio"],
          a["quality"]["digit_ratio"], a["quality"]["repeated_13gram"], f"{a['quality']['longest_line']:,}",
          a["quality"].get("halfwidth_fixed"), a["quality"].get("halfwidth_left"),
          a["quality"].get("minority_spans", a["quality"].get("minority_chars")), a["quality"].get("captions")]
         for a in data["articles"]], numeric=list(range(5, 15))))
    out.append("</section>\n")

    d = data["dedup"]
    out.append(f'<p class="muted">Dedup: {_e(d["scheme"])}, {d["ngram"]}-gram shingles, {d["num_perm"]} '
               f'permutations, threshold {d["threshold"]} (LSH candidates at {d["candidate_threshold"]}), '
               f'containment {d["containment"]}, keep rule {_e(d["keep"])}. Folding: {_e(d["folding"])}.</p>\n')
    out.append("</body>\n</html>\n")
    return "".join(out)
