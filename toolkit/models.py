"""The data that flows between stages.

A :class:`Document` is frozen: stages return ``dataclasses.replace(doc, ...)``.
Provenance is typed (``origin``) so the raw article can always be recovered
from the decoded input file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Script = Literal["hans", "hant", "none"]
Variant = Literal["cn", "tw", "hk"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an article came from: the file, how it was decoded, and its char span."""

    file: str  # path relative to the input root, "/"-separated
    encoding: str  # codec used to decode the file
    detected: str | None  # the detector's answer (None when a BOM or strict UTF-8 decided)
    confidence: float | None
    start: int  # char offsets of the raw article in the decoded file
    end: int
    method: str = "utf8"  # how the codec was chosen: bom | utf8 | chardet | override | mixed
    line: int | None = None  # JSON Lines input: the record's line (start/end are then offsets into its text)

    def to_json(self) -> dict[str, Any]:
        out = {
            "file": self.file,
            "encoding": self.encoding,
            "detected": self.detected,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "start": self.start,
            "end": self.end,
            "method": self.method,
        }
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass(frozen=True, slots=True)
class Span:
    """A located piece of the raw article (offsets relative to ``origin.start``)."""

    start: int
    end: int
    text: str
    suggest: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "suggest": self.suggest,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Step:
    """What one fixer changed: recorded only when it changed something."""

    fixer: str
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"fixer": self.fixer, "count": self.count}


@dataclass(frozen=True, slots=True)
class Document:
    """One article on its way through the pipeline."""

    id: str
    text: str
    origin: Origin
    index: int  # position in input order (file order, then article order)
    title: str | None = None
    source: str | None = None
    marker: tuple[str, ...] = ()  # marker kinds that delimited it, e.g. ("title_line", "paren_source")
    tags: tuple[str, ...] = ()
    removed_lines: tuple[Span, ...] = ()  # credit/editor lines taken out of ``text``
    script: Script = "none"
    variant: Variant | None = None
    mixed_spans: tuple[Span, ...] = ()
    advisories: tuple[Span, ...] = ()
    steps: tuple[Step, ...] = ()
    quality: dict[str, Any] = field(default_factory=dict)
    cluster: str | None = None
    meta: dict[str, Any] | None = None  # JSON Lines input: the record's other fields


@dataclass(frozen=True, slots=True)
class Removal:
    """Why a document (or a whole file) is not in the corpus."""

    reason: str  # a code from errors.REASONS
    detail: str
    duplicate_of: str | None = None
    similarity: float | None = None
    containment: float | None = None
    rule: str | None = None
