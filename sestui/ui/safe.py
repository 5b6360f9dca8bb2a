"""The only way a value from a log reaches a widget.

`rich.text.Text` stops markup but not terminal escape sequences, so every log value is first
cleaned (control, bidi and zero-width characters become visible escapes) and then wrapped, never
passed to a widget as a markup string.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from ..textsafe import clean, clean_line


def cell(value: object, style: str = "", limit: int = 0) -> Text:
    """A one-line DataTable cell / label."""
    # A cut value ends in "…": two addresses that share a long prefix must not look alike.
    return Text(
        clean_line("" if value is None else str(value), limit), style=style, no_wrap=True, overflow="ellipsis", end=""
    )


def text(value: object, style: str = "") -> Text:
    """Multi-line text (newlines kept, everything else cleaned)."""
    lines = ("" if value is None else str(value)).split("\n")
    return Text("\n".join(clean(line) for line in lines), style=style)


def content(value: object) -> Content:
    """For Content sinks (Static, border titles, notifications): plain, never markup."""
    return Content(clean_line("" if value is None else str(value)))


def plain(value: object) -> str:
    """For sinks that take only a str (the header's sub-title): cleaned, on one line."""
    return clean_line("" if value is None else str(value))
