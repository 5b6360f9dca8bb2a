"""Textual's Footer without its leak.

Every recompose (each focus or binding change) leaves the old FooterKeys registered as
watchers of the Footer's `compact` reactive, so they are never freed (Textualize/textual#6666,
open). Watchers of removed widgets are pruned whenever `compact` is checked, so we check it
after each recompose; a monitor that stays open all day must not grow with every key press.
"""

from __future__ import annotations

from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    async def recompose(self) -> None:
        await super().recompose()
        self.mutate_reactive(TextualFooter.compact)
