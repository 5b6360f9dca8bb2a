"""The line under the tabs: input counts, pause and filter, the sources' states.

Facts that do not fit the width leave the line whole, the least important first, instead of
the line being cut at the right edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from .tables import same_cell


@dataclass(frozen=True, slots=True)
class Fact:
    text: Text
    rank: int  # the highest ranks leave first (the rightmost of equals first); 0 stays longest
    gap: str = "  "  # between it and the fact on its left


def _same(a: Fact, b: Fact) -> bool:
    return a.rank == b.rank and a.gap == b.gap and same_cell(a.text, b.text)


def fitted(facts: Sequence[Fact], width: int) -> Text:
    """The facts that fit in `width` cells, in their order, as one line."""
    shown = list(facts)

    def length() -> int:
        return sum(fact.text.cell_len + len(fact.gap) for fact in shown) - len(shown[0].gap)

    while len(shown) > 1 and length() > width:
        del shown[max(range(len(shown)), key=lambda i: (shown[i].rank, i))]
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    for index, fact in enumerate(shown):
        if index:
            line.append(fact.gap)
        line.append_text(fact.text)
    return line


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.facts: list[Fact] = []

    def show(self, facts: Sequence[Fact]) -> None:
        facts = list(facts)
        if len(facts) != len(self.facts) or not all(_same(a, b) for a, b in zip(facts, self.facts)):
            self.facts = facts
            self.refresh()

    def render(self) -> Text:
        return fitted(self.facts, self.content_size.width) if self.facts else Text()
