"""Textual's Footer, fitted to the terminal's width and without its leak.

Keys that do not fit are not cut at the right edge: the footer first goes compact, then the
less important keys leave it, in `GIVE_WAY` order (`?` lists every key anyway).

Every recompose (each focus or binding change) leaves the old FooterKeys registered as
watchers of the Footer's `compact` reactive, so they are never freed (Textualize/textual#6666,
open). Watchers of removed widgets are pruned whenever `compact` is checked, so we check it
after each recompose; a monitor that stays open all day must not grow with every key press.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

# Actions whose keys leave a footer that is too narrow, first to last. Any other key (help,
# quit, pause, search, back) stays.
GIVE_WAY = ("command_palette", "app.pin", "pin", "status", "export", "cycle_window(1)", "filter")


def key_width(key: FooterKey, compact: bool) -> int:
    """Cells a key takes in the footer, with Textual's spacing around it."""
    width = cell_len(key.key_display)
    description = cell_len(key.description)
    if key.has_class("-command-palette"):  # always compact, after a border; a margin or padding on its right
        return 1 + width + 1 + description + 1
    if compact:  # "k description" and a margin
        return width + (1 + description if description else 0) + 1
    return width + (description + 3 if description else 0)  # " k description "


def keys_width(keys: Iterable[FooterKey], compact: bool) -> int:
    return sum(key_width(key, compact) for key in keys if key.display)


class Footer(TextualFooter):
    async def recompose(self) -> None:
        await super().recompose()
        self.mutate_reactive(TextualFooter.compact)
        self.fit()

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Show every key if they fit; else go compact, and let keys go until the rest fit."""
        keys = list(self.query_children(FooterKey))
        width = self.size.width
        if not keys or not width:
            return
        for key in keys:
            key.display = True
        self.compact = keys_width(keys, compact=False) > width
        for action in GIVE_WAY:
            if keys_width(keys, self.compact) <= width:
                break
            for key in keys:
                if key.action == action:
                    key.display = False
