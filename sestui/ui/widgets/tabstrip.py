"""The tabs, with labels fitted to the width of the strip.

Textual scrolls a strip of labels wider than the screen to show the active one, so on a narrow
terminal the first tabs leave it and nothing says they exist. Here every tab keeps its place:
labels show whole while they all fit; otherwise each tab shows its number (its key), and the
active tab and as many of its neighbours as fit, nearest first, show their names too.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.widgets import Tab, TabbedContent, Tabs


def tab_labels(titles: Sequence[str], active: int, width: int, gutter: int) -> list[str]:
    """A label for each tab (`active`: an index into `titles`) on a strip `width` cells wide,
    each label taking `gutter` more cells (its padding)."""
    named = [f"{number} {title}" for number, title in enumerate(titles, 1)]

    def fits(labels: list[str]) -> bool:
        return sum(cell_len(label) + gutter for label in labels) <= width

    if fits(named):
        return named
    labels = [str(number) for number in range(1, len(titles) + 1)]
    for index in sorted(range(len(titles)), key=lambda i: (abs(i - active), i)):
        wider = labels[:index] + [named[index]] + labels[index + 1 :]
        if not fits(wider):
            break
        labels = wider
    return labels


class FittedTabs(TabbedContent):
    """TabbedContent whose tab labels are fitted to its width (see `tab_labels`)."""

    def __init__(self, titles: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.titles = tuple(titles)

    def on_mount(self) -> None:
        # Tab and Shift+Tab go round the tables of the tab shown, not onto the strip: the
        # number keys (and clicks) switch tabs.
        self.query_one(Tabs).can_focus = False

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_labels)  # once the tabs have their padding for this width

    def on_tabbed_content_tab_activated(self) -> None:
        self.fit_labels()

    def fit_labels(self) -> None:
        strip = self.query_one(Tabs)
        tabs = list(strip.query(Tab))
        if not tabs or not strip.size.width:
            return
        active = tabs.index(strip.active_tab) if strip.active_tab in tabs else 0
        for tab, label in zip(tabs, tab_labels(self.titles, active, strip.size.width, tabs[0].styles.gutter.width)):
            if tab.label.plain != label:
                tab.label = label
