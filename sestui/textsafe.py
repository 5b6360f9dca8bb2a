"""Making untrusted log text safe to print: control characters become visible escapes.

Log content is attacker-controlled. Anything from a log that reaches a terminal (the UI, `report`
text output) goes through `clean` first, so no ESC-based CSI/OSC sequence (colour, title change,
OSC 52 clipboard write), BEL, backspace or carriage return is ever interpreted, and bidi overrides
cannot reorder what the operator reads.

Widths are terminal cells, not characters: a wide character (CJK, most emoji) takes two cells, a
combining mark none.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size

# C0, DEL, C1, zero-width and direction marks, bidi embeddings/overrides/isolates, line and
# paragraph separators, BOM, and lone surrogates (which cannot be encoded for output at all).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
    "\ud800-\udfff]"
)


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """`text` with every control or reordering character replaced by a visible escape."""
    return _UNSAFE.sub(_visible, text)


def mask(text: str, by: str) -> str:
    """`text` with every control or reordering character replaced by `by`."""
    return _UNSAFE.sub(by, text)


def cell_width(text: str) -> int:
    """The terminal cells a cleaned text takes."""
    # Cleaned ASCII is printable, one cell a character: the common case costs no lookup.
    return len(text) if text.isascii() else cell_len(text)


def clean_line(text: str, limit: int = 0) -> str:
    """`clean` for one-line display: newlines and tabs become spaces first; optionally cut to
    `limit` cells, ending in "…"."""
    text = clean(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))
    if limit and cell_width(text) > limit:
        room = max(1, limit - 1)
        # A wide character that would straddle the cut becomes a space (rich's rule, as in tables).
        return (text[:room] if text.isascii() else set_cell_size(text, room)) + "…"
    return text


def clean_column(text: str, width: int) -> str:
    """`clean_line` cut to `width` cells and padded to exactly `width`: a column of plain text."""
    text = clean_line(text, width)
    return text + " " * (width - cell_width(text))


# In JSON, C0 controls are always escaped; these others may legally appear raw. Escaped as
# \uXXXX they keep their exact value for any JSON reader and lose any effect on a terminal.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def json_safe(encoded: bytes) -> bytes:
    """JSON text (UTF-8) with every terminal-active character written as a \\u escape."""
    text = encoded.decode("utf-8")
    if not _JSON_UNSAFE.search(text):
        return encoded
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")
