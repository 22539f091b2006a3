"""One frozen dataclass per stage, with documented defaults validated early.

CLI flags map onto these fields; a TOML file (``--config``) may set them too,
one table per stage::

    [dedup]
    threshold = 0.8
    keep = "first"
"""

from __future__ import annotations

import codecs
import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError


def _check(ok: bool, message: str, hint: str) -> None:
    if not ok:
        raise ConfigError(message, hint)


@dataclass(frozen=True, slots=True)
class SplitConfig:
    # A title line is at most this many characters; longer lines are body text.
    max_title_chars: int = 64
    # A source captured by a marker names at most this many characters; longer is prose.
    max_source_chars: int = 24
    # Built-in or user markers to switch off, by name (see split.MARKERS).
    disable: tuple[str, ...] = ()
    # Extra markers, one TOML table each ([[split.markers]]): name, position, pattern,
    # optional captures and example. A built-in name replaces that marker.
    markers: tuple[dict[str, Any], ...] = ()

    def __post_init__(self) -> None:
        _check(self.max_title_chars > 0, "split.max_title_chars must be positive", "try 64")
        _check(self.max_source_chars > 0, "split.max_source_chars must be positive", "try 24")
        from .split import marker_table  # local import: split imports config

        marker_table(self)  # raises ConfigError naming a bad pattern, position or name


@dataclass(frozen=True, slots=True)
class ScriptConfig:
    # An article gets a script label only with at least this many characters that
    # exist in one script only; below it the label is "none".
    min_evidence: int = 1
    # keep: report only; repair: fix definite strays; hans | hant | tw | hk: convert
    # whole articles with OpenCC (regional phrasing included).
    mode: str = "keep"

    def __post_init__(self) -> None:
        from .script import MODES  # local import: keeps OpenCC out of config loading

        _check(self.mode in MODES, f"script.mode must be one of {', '.join(MODES)}, got {self.mode!r}",
               "use --script keep|repair|hans|hant|tw|hk")
        _check(self.min_evidence >= 1, "script.min_evidence must be at least 1", "try 1")


@dataclass(frozen=True, slots=True)
class NormalizeConfig:
    # Fixers to skip, by name (see normalize.FIXERS).
    disable: tuple[str, ...] = ()
    # A paragraph is re-joined to the next one only when it is at least this long
    # and ends without terminal punctuation: short lines are headings or captions.
    join_min_chars: int = 40
    # Image captions (lines or runs starting with ▲) are reported; removal is opt-in.
    remove_captions: bool = False

    def __post_init__(self) -> None:
        from .normalize import FIXERS  # local import: normalize imports config

        unknown = sorted(set(self.disable) - set(FIXERS))
        _check(not unknown, f"normalize.disable names unknown fixers: {', '.join(unknown)}",
               f"known fixers: {', '.join(FIXERS)}")
        _check(self.join_min_chars >= 1, "normalize.join_min_chars must be positive", "try 40")


@dataclass(frozen=True, slots=True)
class QualityConfig:
    # Each rule removes an article with reason "quality:<rule>". Defaults are loose on
    # purpose: they catch broken text, never real news (every seed article passes).
    min_chars: int = 1  # "too_short": fewer characters than this after cleaning
    min_cjk_ratio: float = 0.2  # "low_cjk": mostly non-Chinese text in a Chinese corpus
    max_repeated_13gram: float = 0.5  # "repetitive": half the 13-grams repeat (an article pasted twice)
    max_replacement_ratio: float = 0.05  # "mojibake": U+FFFD per character

    def __post_init__(self) -> None:
        _check(self.min_chars >= 0, "quality.min_chars must be >= 0", "try 1")
        for name in ("min_cjk_ratio", "max_repeated_13gram", "max_replacement_ratio"):
            value = getattr(self, name)
            _check(0.0 <= value <= 1.0, f"quality.{name} must be between 0 and 1, got {value}", "try the default")


@dataclass(frozen=True, slots=True)
class DedupConfig:
    # Verified Jaccard on folded character n-grams at or above which two articles are
    # near-duplicates. 0.8 keeps syndicated copies with light edits (the seeds' sister
    # articles score 0.94) while distinct stories on one topic score far lower.
    threshold: float = 0.8
    # LSH bands are tuned for this lower candidate threshold so that pairs at the real
    # threshold are found reliably (the S-curve is centred on the tuning point); every
    # candidate is then confirmed by its exact Jaccard or containment.
    candidate_threshold: float = 0.5
    # Share of the shorter article's shingles found in the longer one for a truncated copy.
    containment: float = 0.9
    ngram: int = 5
    num_perm: int = 128
    seed: int = 1
    keep: str = "longest"  # or "first"
    # Articles with fewer shingles than this are only checked for exact duplicates:
    # near-duplicate scores on a handful of n-grams are noise.
    min_shingles: int = 8

    def __post_init__(self) -> None:
        _check(0.0 < self.threshold <= 1.0, f"dedup.threshold must be in (0, 1], got {self.threshold}", "try 0.8")
        _check(0.0 < self.candidate_threshold <= self.threshold,
               "dedup.candidate_threshold must be in (0, threshold]", "try 0.5")
        _check(0.0 < self.containment <= 1.0, "dedup.containment must be in (0, 1]", "try 0.9")
        _check(1 <= self.ngram <= 32, f"dedup.ngram must be between 1 and 32, got {self.ngram}", "try 5")
        _check(16 <= self.num_perm <= 1024, "dedup.num_perm must be between 16 and 1024", "try 128")
        _check(self.keep in ("longest", "first"), f"dedup.keep must be 'longest' or 'first', got {self.keep!r}",
               "use --keep longest or --keep first")
        _check(self.min_shingles >= 1, f"dedup.min_shingles must be at least 1, got {self.min_shingles}", "try 8")
        # The permutations come from numpy's RandomState(seed), which takes 0 .. 2^32-1.
        _check(0 <= self.seed < 2**32, f"dedup.seed must be between 0 and 2^32-1, got {self.seed}", "try 1")


@dataclass(frozen=True, slots=True)
class InputConfig:
    # JSON Lines inputs (.jsonl, .ndjson, optionally .gz): the field holding the article
    # text; every other field of the record is kept as "meta" in the output.
    text_field: str = "text"

    def __post_init__(self) -> None:
        _check(isinstance(self.text_field, str) and bool(self.text_field.strip()),
               "input.text_field must be a non-empty field name", 'try "text" or "content"')


@dataclass(frozen=True, slots=True)
class Config:
    split: SplitConfig = field(default_factory=SplitConfig)
    script: ScriptConfig = field(default_factory=ScriptConfig)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    input: InputConfig = field(default_factory=InputConfig)
    encoding: str | None = None  # force a codec instead of detecting

    def __post_init__(self) -> None:
        if self.encoding:
            try:
                info = codecs.lookup(self.encoding)
            except LookupError:
                raise ConfigError(f"unknown encoding: {self.encoding}",
                                  "use a Python codec name such as gb18030") from None
            # hex, base64, rot13, zlib ... are codecs too, but they do not turn bytes into text
            if not getattr(info, "_is_text_encoding", True):
                raise ConfigError(f"not a text encoding: {self.encoding}",
                                  "use a Python codec name such as gb18030")

    def with_overrides(self, **sections: dict[str, Any]) -> Config:
        """Return a copy with some fields of some sections replaced (None values ignored)."""
        changes: dict[str, Any] = {}
        for name, values in sections.items():
            values = {k: v for k, v in values.items() if v is not None}
            if values:
                changes[name] = _replace(getattr(self, name), name, values)
        return dataclasses.replace(self, **changes)


def _replace(section: Any, name: str, values: dict[str, Any]) -> Any:
    known = {f.name: f for f in dataclasses.fields(section)}
    unknown = sorted(set(values) - set(known))
    _check(not unknown, f"unknown setting(s) in [{name}]: {', '.join(unknown)}",
           f"known: {', '.join(sorted(known))}")
    coerced = {}
    kinds = {f.name: f.type for f in dataclasses.fields(section)}  # annotations, as strings
    for key, value in values.items():
        default = getattr(section, key)
        if isinstance(default, tuple) and isinstance(value, list):
            item, items = _ITEMS.get(str(kinds[key]), (object, "values"))  # a list setting added later: any items
            wrong = [v for v in value if not isinstance(v, item)]
            _check(not wrong, f"[{name}] {key} must be a list of {items}, got {wrong[0]!r}" if wrong else "",
                   "fix the value in the config file")
            value = tuple(value)
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if default is not None and not isinstance(value, type(default)):
            raise ConfigError(f"[{name}] {key} must be {_KIND_NAMES.get(type(default), type(default).__name__)}, "
                              f"got {value!r}", "fix the value in the config file")
        coerced[key] = value
    return dataclasses.replace(section, **coerced)


# TOML's names for the kinds of value a setting takes.
_KIND_NAMES: dict[type, str] = {str: "a string", bool: "true or false", int: "an integer", float: "a number",
                                tuple: "a list"}
_ITEMS: dict[str, tuple[type, str]] = {"tuple[str, ...]": (str, "strings"), "tuple[dict[str, Any], ...]": (dict, "tables")}


def load_config(path: Path | None) -> Config:
    """Read a TOML config file; None gives the defaults."""
    config = Config()
    if path is None:
        return config
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # an editor's BOM is not a syntax error
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}", "check the --config path") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"cannot read config file {path}: {err}", "it must be UTF-8 TOML") from None
    sections = {f.name for f in dataclasses.fields(Config) if f.name != "encoding"}
    unknown = sorted(set(data) - sections - {"encoding"})
    _check(not unknown, f"unknown section(s) or setting(s) in {path}: {', '.join(unknown)}",
           f"known: {', '.join(sorted(sections))} (sections) and encoding")
    for name in sorted(sections & set(data)):
        _check(isinstance(data[name], dict), f"[{name}] in {path} must be a table of settings, got {data[name]!r}",
               f"write it as a [{name}] section")
    if "encoding" in data:
        _check(isinstance(data["encoding"], str), f"encoding in {path} must be a string, got {data['encoding']!r}",
               'try encoding = "gb18030"')
        config = dataclasses.replace(config, encoding=data["encoding"])
    return config.with_overrides(**{k: v for k, v in data.items() if k in sections})
