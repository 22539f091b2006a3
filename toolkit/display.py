"""Input text shown to people (HTML pages, terminal tables): control characters made visible.

A title can hold an escape sequence (``\\x1b]52;…`` writes a terminal's clipboard) or a bidi
override that reverses the rest of a line; raw C0 controls are not allowed in HTML either.
"""

from __future__ import annotations

import re

__all__ = ["shown"]

# C0 and C1 controls but tab and line feed, and the bidi embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """``text`` with each unsafe character as its Unicode control picture (C0, DEL) or as ``<U+XXXX>``.

    >>> shown("標題\\x1b[31m紅\\x07"), shown("a\\u202eb"), shown("行一\\n行二\\t")
    ('標題␛[31m紅␇', 'a<U+202E>b', '行一\\n行二\\t')
    """
    return _UNSAFE.sub(_picture, text) if _UNSAFE.search(text) else text


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else f"<U+{code:04X}>"
