"""Input text shown to people (HTML pages, terminal tables): control characters made visible.

A title can hold an escape sequence (``\\x1b]52;…`` writes a terminal's clipboard) or a bidi
override that reverses the rest of a line; raw C0 controls are not allowed in HTML either.
"""

from __future__ import annotations

import os
import re
import unicodedata

__all__ = ["UNSAFE", "shown", "shown_name"]

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # embeddings, overrides, isolates
# C0 and C1 controls but tab and line feed, and the bidi controls.
UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def shown(text: str) -> str:
    """``text`` with each unsafe character as its Unicode control picture (C0, DEL) or as ``<U+XXXX>``.

    >>> shown("標題\\x1b[31m紅\\x07"), shown("a\\u202eb"), shown("行一\\n行二\\t")
    ('標題␛[31m紅␇', 'a<U+202E>b', '行一\\n行二\\t')
    """
    return UNSAFE.sub(_picture, text) if UNSAFE.search(text) else text


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else f"<U+{code:04X}>"


def shown_name(name: str) -> str:
    """A file name as it is recorded in the outputs: bytes that are not UTF-8 (a GBK archive
    unpacked on Linux) as ``\\xNN``, control characters (tab and newline too) and bidi controls
    as ``\\xNN`` or ``\\uNNNN``; any other name unchanged. The escapes keep every byte.

    >>> shown_name("a\\udcd0b.txt"), shown_name("x\\ty.txt"), shown_name("新闻.txt")
    ('a\\\\xd0b.txt', 'x\\\\x09y.txt', '新闻.txt')
    """
    if not any(map(unshown_in_name, name)):
        return name
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return "".join(c if not unshown_in_name(c) else f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
                   for c in text)


def unshown_in_name(ch: str) -> bool:
    """A control character, a bidi control or an undecodable byte (a surrogate escape)."""
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI
