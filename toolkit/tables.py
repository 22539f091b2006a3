"""Character classes derived from OpenCC's own dictionaries.

``python -m toolkit.tables`` regenerates ``toolkit/data/script_classes.json``
from the installed ``opencc`` wheel (its ``.ocd2`` files, dumped to text with
the bundled ``opencc_dict`` tool), ``toolkit/data/fold_keys.json`` (the keys
of the ``t2s`` conversion that change text, for :func:`toolkit.script.fold`'s
fast path) and ``toolkit/data/opencc/`` (the conversions we use, each
short-circuit dictionary group merged into one dictionary: :func:`flat_config`);
tests check the committed files still match the installed tables.

Classes (a character string each):

- ``s_only``: Simplified forms that are not valid Traditional (们 这 发 国).
- ``s_ambiguous``: valid in both, but OpenCC's default Traditional form differs
  (里→裏, 征→徵, 干→幹, 后→後): a stray only in the wrong phrase.
- ``s_variant``: valid in both and their own default (周 升 借 核 面): a phrase
  may prefer another form (周期→週期), which is a variant, never a stray.
- ``t_only`` / ``t_ambiguous`` / ``t_variant``: the same from the Traditional side
  (們 這 / 於 乾 徵 / 覆 藉 瞭 像).
- ``regional``: Taiwan and Hong Kong standard forms (秘 吃 核 床 灶 峰 裡 為 台 才):
  never evidence of Simplified.
- ``tw_only`` / ``hk_only``: regional forms used by one standard and not the other.
- ``not_tw`` / ``not_hk``: OpenCC-standard forms that the regional standard replaces.
- ``hant_targets`` / ``hans_targets``: the forms an ambiguous character becomes in
  the other script; words containing them are the evidence for a stray.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "script_classes.json"
FOLD_KEYS_FILE = Path(__file__).parent / "data" / "fold_keys.json"
FOLD_CONFIGS = ("t2s",)  # the folds with a fast path
FLAT_DIR = Path(__file__).parent / "data" / "opencc"
FLAT_MANIFEST = FLAT_DIR / "manifest.json"
# The OpenCC conversions the toolkit runs (folds, round trips, ``clean --script``) that hold no
# group but short-circuit groups of .ocd2 dictionaries: their groups are merged ahead of time.
# The Simplified-to-Traditional ones read STPhrases, a union group of nearly a megabyte: stock.
FLAT_CONFIGS = ("hk2s", "hk2t", "t2hk", "t2s", "t2tw", "tw2s", "tw2sp", "tw2t")

# CJK ideographs from every block in use: Extension A, the unified block,
# compatibility ideographs, Extensions B-H. Shared by every stage that asks
# "is this a Chinese character?" (not only U+4E00-U+9FA5).
CJK_RANGES: tuple[tuple[int, int], ...] = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
CJK_CLASS = "".join(f"{chr(a)}-{chr(b)}" for a, b in CJK_RANGES)  # for use inside [...] in a regex
CJK_RE = re.compile(f"[{CJK_CLASS}]")  # one ideograph
TABLES = ("STCharacters", "TSCharacters", "TWVariants", "HKVariants", "TWPhrases", "HKPhrases")


def _opencc_dirs() -> tuple[Path, Path]:
    import opencc

    root = Path(opencc.__file__).parent / "clib"
    return root / "share" / "opencc", root / "bin" / "opencc_dict"


def read_table(name: str) -> dict[str, list[str]]:
    """One OpenCC dictionary as {key: [values, default first]}."""
    share, tool = _opencc_dirs()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}.txt"
        subprocess.run([str(tool), "-i", str(share / f"{name}.ocd2"), "-o", str(out), "-f", "ocd2", "-t", "text"],
                       check=True, capture_output=True)
        table = {}
        for line in out.read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            if key and values:
                table[key] = values.split(" ")
    return table


def derive(tables: dict[str, dict[str, list[str]]]) -> dict[str, str]:
    """Compute the character classes from the four dictionaries."""
    st, ts, tw, hk, tw_phrases, hk_phrases = (tables[n] for n in TABLES)
    tw_forms = {v for vs in tw.values() for v in vs if len(v) == 1}
    hk_forms = {v for vs in hk.values() for v in vs if len(v) == 1}
    regional = tw_forms | hk_forms
    # Characters each standard writes in its own phrase table are valid there (台積電).
    tw_valid = tw_forms | {c for vs in tw_phrases.values() for v in vs for c in v}
    hk_valid = hk_forms | {c for vs in hk_phrases.values() for v in vs for c in v}
    tw_own = {vs[0] for k, vs in tw.items() if len(k) == 1 and vs[0] != k}
    hk_own = {vs[0] for k, vs in hk.items() if len(k) == 1 and vs[0] != k}
    s_only, s_amb, s_var = set(), set(), set()
    for k, vs in st.items():
        if len(k) != 1 or k in regional:
            continue
        if k not in vs:
            if k not in ts:  # a key of TS is a valid Traditional character
                s_only.add(k)
        elif vs[0] != k:
            s_amb.add(k)
        else:
            s_var.add(k)
    t_only, t_amb, t_var = set(), set(), set()
    for k, vs in ts.items():
        if len(k) != 1:
            continue
        if k not in vs:
            if k not in st:
                t_only.add(k)
        elif vs[0] != k:
            t_amb.add(k)
        else:
            t_var.add(k)

    def regionalize(chars: set[str]) -> set[str]:
        return chars | {tw[c][0] for c in chars if c in tw} | {hk[c][0] for c in chars if c in hk}

    hant_targets = regionalize({v for k in s_amb for v in st[k] if v != k})
    hans_targets = {ts[k][0] for k in t_amb}
    not_tw = {k for k, vs in tw.items() if len(k) == 1 and vs[0] != k}
    not_hk = {k for k, vs in hk.items() if len(k) == 1 and vs[0] != k}
    classes = {
        "s_only": s_only, "s_ambiguous": s_amb, "s_variant": s_var,
        "t_only": t_only, "t_ambiguous": t_amb, "t_variant": t_var,
        "regional": regional, "tw_only": tw_own - hk_valid - not_hk, "hk_only": hk_own - tw_valid - not_tw,
        "not_tw": not_tw - tw_forms, "not_hk": not_hk - hk_forms,
        "hant_targets": hant_targets, "hans_targets": hans_targets,
    }
    return {name: "".join(sorted(chars)) for name, chars in classes.items()}


def build() -> dict[str, str]:
    return derive({name: read_table(name) for name in TABLES})


@cache
def classes() -> dict[str, frozenset[str]]:
    """The committed classes, loaded once."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {name: frozenset(chars) for name, chars in data.items() if not name.startswith("_")}


def _dict_files(node: Any) -> Iterator[str]:
    """Every dictionary file named anywhere in an OpenCC config (groups included)."""
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        for value in node.values():
            yield from _dict_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _dict_files(item)


def changing_keys(config: str) -> list[str]:
    """The keys of a config's dictionaries whose default value differs from the key, sorted.

    Every dictionary counts (normalization, segmentation, each conversion step): a
    segmentation dictionary only cuts the text, but a larger set is merely less often
    empty, never wrong.
    """
    share, _ = _opencc_dirs()
    files = sorted(set(_dict_files(json.loads((share / f"{config}.json").read_text(encoding="utf-8")))))
    if not all(f.endswith(".ocd2") for f in files):
        raise ValueError(f"{config}: only .ocd2 dictionaries are read, got {files}")
    keys = {k for f in files for k, values in read_table(f.removesuffix(".ocd2")).items() if values[0] != k}
    return sorted(keys)


def build_fold_keys() -> dict[str, list[str]]:
    return {config: changing_keys(config) for config in FOLD_CONFIGS}


@cache
def fold_keys() -> dict[str, tuple[str, ...]]:
    """The committed :func:`changing_keys` of each config in FOLD_CONFIGS, loaded once."""
    data = json.loads(FOLD_KEYS_FILE.read_text(encoding="utf-8"))
    return {name: tuple(keys) for name, keys in data.items() if not name.startswith("_")}


def merge_group(tables: Sequence[Mapping[str, list[str]]]) -> dict[str, list[str]]:
    """One dictionary that converts as OpenCC's short-circuit group of ``tables`` does.

    At each position the group takes the longest match of the first dictionary that
    matches at all; one dictionary takes the longest match of all its keys. So a key of a
    later dictionary is left out when an earlier one holds it or a prefix of it: there the
    earlier dictionary matches first, and the key is never used.

    >>> merge_group([{"a": ["x"], "bc": ["y"]}, {"ab": ["z"], "b": ["w"], "bc": ["v"], "c": ["u"]}])
    {'a': ['x'], 'bc': ['y'], 'b': ['w'], 'c': ['u']}
    """
    merged: dict[str, list[str]] = {}
    for table in tables:
        earlier = merged.copy()
        longest = max(map(len, earlier), default=0)
        for key, values in table.items():
            if not any(key[:i] in earlier for i in range(1, min(len(key), longest) + 1)):
                merged[key] = values
    return merged


def _members(node: Any) -> tuple[str, ...] | None:
    """The member files of a short-circuit group of ``.ocd2`` dictionaries; None for any other node."""
    if isinstance(node, dict) and node.get("type") == "group" and node.get("match_policy") == "short_circuit" \
            and all(isinstance(d, dict) and d.get("type") == "ocd2" for d in node.get("dicts", ())):
        return tuple(d["file"] for d in node["dicts"])
    return None


def _text_dict(table: Mapping[str, list[str]]) -> str:
    """A dictionary in OpenCC's text format."""
    return "".join(f"{k}\t{' '.join(v)}\n" for k, v in sorted(table.items()))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_flat() -> tuple[dict[str, Any], dict[str, str]]:
    """For each of FLAT_CONFIGS: the config with each short-circuit group of dictionaries merged
    into one (:func:`merge_group`) and every dictionary in OpenCC's text format beside it; and the
    manifest, each config's source files with their digests. Returns (manifest, files by name)."""
    share, _ = _opencc_dirs()
    manifest: dict[str, Any] = {}
    files: dict[str, str] = {}

    def rewrite(node: Any, sources: dict[str, str]) -> Any:
        if (members := _members(node)) is not None:
            name = "+".join(f.removesuffix(".ocd2") for f in members) + ".txt"
            if name not in files:  # configs share groups: each is read and merged once
                files[name] = _text_dict(merge_group([read_table(f.removesuffix(".ocd2")) for f in members]))
            sources.update((f, _digest(share / f)) for f in members)
            return {"type": "text", "file": name}
        if isinstance(node, dict) and node.get("type") == "ocd2":
            name = node["file"].removesuffix(".ocd2") + ".txt"
            if name not in files:
                files[name] = _text_dict(read_table(node["file"].removesuffix(".ocd2")))
            sources[node["file"]] = _digest(share / node["file"])
            return {"type": "text", "file": name}
        if isinstance(node, dict):
            if node.get("type") == "group":
                raise ValueError(f"only short-circuit groups of .ocd2 dictionaries are merged, got {node}")
            return {key: rewrite(value, sources) for key, value in node.items()}
        if isinstance(node, list):
            return [rewrite(item, sources) for item in node]
        return node

    for config in FLAT_CONFIGS:
        sources: dict[str, str] = {}
        flat = rewrite(json.loads((share / f"{config}.json").read_text(encoding="utf-8")), sources)
        files[f"{config}.json"] = json.dumps(flat, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        manifest[config] = dict(sorted(sources.items()))
    return manifest, files


@cache
def _installed_digest(file: str) -> str | None:
    share, _ = _opencc_dirs()
    try:
        return _digest(share / file)
    except OSError:
        return None


def flat_config(config: str) -> Path | None:
    """The committed config that converts as OpenCC's ``config`` does, faster; None when there is
    none, or when the installed dictionaries are not byte for byte those it was made from
    (another OpenCC release): then the stock config is the way.

    A short-circuit group does its lookups dictionary by dictionary; one merged dictionary
    converts the same text in about half the time. The config and its text dictionaries sit
    together in FLAT_DIR, named relative to it, as OpenCC reads them.
    """
    try:
        manifest = json.loads(FLAT_MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    sources = manifest.get(config) if isinstance(manifest, dict) else None
    path = FLAT_DIR / f"{config}.json"
    if not isinstance(sources, dict) or not path.is_file() \
            or any(_installed_digest(f) != digest for f, digest in sources.items()):
        return None
    return path


def main() -> None:
    import opencc

    data: dict[str, str] = {"_opencc": opencc.__version__, **build()}
    DATA_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {DATA_FILE.name}: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(data.items()) if k[0] != "_"),
          file=sys.stderr)
    keys: dict[str, Any] = {"_opencc": opencc.__version__, **build_fold_keys()}
    FOLD_KEYS_FILE.write_text(json.dumps(keys, ensure_ascii=False, indent=0, sort_keys=True) + "\n",
                              encoding="utf-8")
    print(f"wrote {FOLD_KEYS_FILE.name}: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(keys.items()) if k[0] != "_"),
          file=sys.stderr)
    manifest, files = build_flat()
    FLAT_DIR.mkdir(exist_ok=True)
    for old in FLAT_DIR.iterdir():
        old.unlink()
    for name, text in files.items():
        (FLAT_DIR / name).write_text(text, encoding="utf-8")
    FLAT_MANIFEST.write_text(json.dumps({"_opencc": opencc.__version__, **manifest}, indent=1, sort_keys=True) + "\n",
                             encoding="utf-8")
    print(f"wrote {FLAT_DIR.name}/: " + ", ".join(sorted(files)), file=sys.stderr)


if __name__ == "__main__":
    main()
