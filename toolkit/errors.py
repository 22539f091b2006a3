"""Run-level errors and the catalogue of removal reason codes.

A removed document is a record, not an exception: only a failure of the whole
run raises, and the CLI turns it into one ``Error: ...`` line and an exit code.
"""

from __future__ import annotations

# Stable snake_case codes written to removed.jsonl; ``quality:<rule>`` codes are
# built from the quality rules in config.QualityConfig.
REASONS: dict[str, str] = {
    "exact_duplicate": "identical to a kept article after folding script, punctuation and spacing",
    "near_duplicate": "verified near-duplicate (Jaccard on shingles) of a kept article",
    "contained_duplicate": "mostly contained in a longer kept article (an excerpt or truncated copy)",
    "containing_duplicate": "holds a shorter kept article nearly whole: the keep rule chose the shorter copy "
                            "(--keep first, or this copy looks damaged)",
    "empty": "no text: an empty file, or an article with nothing left after cleaning",
    "binary": "a binary file (NUL bytes, no text encoding fits)",
    "undecodable": "no encoding decodes the bytes without heavy loss",
    "unreadable": "the path could not be read (permissions, vanished, not a regular file)",
    "invalid_json": "a JSON Lines line that is not a JSON object (the detail gives the line number)",
    "missing_text": "a JSON Lines record without a string in the text field (--text-field)",
    "tags_only": "tag lines (#車企) at the end of a file or record, with no article after them to tag",
}

EXIT_OK = 0
EXIT_ERROR = 1  # run-level failure (bad config, output not writable, ...)
EXIT_USAGE = 2  # bad command line or a missing input path


class ToolkitError(Exception):
    """A failure of the whole run; ``hint`` says how to fix it."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(ToolkitError):
    """An input path is missing or not usable before any work started."""

    exit_code = EXIT_USAGE


class ConfigError(ToolkitError):
    """A configuration value or file is invalid."""

    exit_code = EXIT_USAGE


class OutputError(ToolkitError):
    """The output directory cannot be created or written."""
