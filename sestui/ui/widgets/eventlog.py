"""The live event stream: a virtual list (Line API) over the ring, newest first.

Only the visible lines are rendered, so a ring of 100,000 events costs the same per tick as a
screenful; the cursor stays on the same event while new ones arrive above it.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...describe import summary, target
from ...events import Event
from ..format import KIND_COLORS, OTHER_COLOR, clock_time
from ..safe import cell

_TIME, _KIND, _TARGET = 15, 16, 34


def event_line(event: Event) -> Text:
    """time · kind · recipient or call · summary, one line, log values cleaned."""
    line = Text(no_wrap=True, end="")
    line.append(f"{clock_time(event.time):<{_TIME}}", style="dim")
    line.append(" ")
    line.append_text(cell(event.kind, KIND_COLORS.get(event.kind, OTHER_COLOR), _KIND - 1))
    line.pad_right(_TIME + 1 + _KIND - line.cell_len)
    line.append_text(cell(target(event), "", _TARGET - 1))
    line.pad_right(_TIME + 1 + _KIND + _TARGET - line.cell_len)
    line.append_text(cell(summary(event), "dim", 400))
    return line


def _position(events: list[Event], wanted: Event) -> int:
    """Index of `wanted` (or where it would be) in a list sorted by descending (time, seq)."""
    key = (wanted.time, wanted.seq)
    low, high = 0, len(events)
    while low < high:
        middle = (low + high) // 2
        probe = events[middle]
        if (probe.time, probe.seq) > key:
            low = middle + 1
        else:
            high = middle
    return low


class EventLog(ScrollView, can_focus=True):
    """Events, newest first; Enter chooses one."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "choose", "Details"),
    ]
    DEFAULT_CSS = """
    EventLog { height: 1fr; }
    """
    cursor = reactive(0, repaint=False)

    class Chosen(Message):
        """Enter on an event."""

        def __init__(self, log: EventLog, event: Event) -> None:
            super().__init__()
            self.log = log
            self.event = event

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.events: list[Event] = []  # newest first: descending (time, seq)
        self._cache: dict[int, Strip] = {}
        self._width = 0

    def set_events(self, events: list[Event]) -> None:
        """Replace the list (newest first), keeping the cursor on the event it was on."""
        chosen = self.events[self.cursor] if self.events and self.cursor > 0 else None
        self.events = events
        if len(self._cache) > 4000:  # rendered lines of events long gone
            self._cache.clear()
        self.virtual_size = Size(self._width or self.size.width, len(events))
        if chosen is not None:
            index = _position(events, chosen)
            self.cursor = min(index, len(events) - 1) if events else 0
            self.scroll_to_row(self.cursor)
        else:
            self.cursor = 0
        self.refresh()

    @property
    def current(self) -> Event | None:
        return self.events[self.cursor] if 0 <= self.cursor < len(self.events) else None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width != self._width:
            self._width = width
            self._cache.clear()
            self.virtual_size = Size(width, len(self.events))
        index = self.scroll_offset.y + y
        if index >= len(self.events):
            if not self.events and y == 0:
                return Strip([Segment("no events in the ring yet", Style(dim=True, italic=True))]).crop(0, width)
            return Strip.blank(width)
        event = self.events[index]
        strip = self._cache.get(event.seq)
        if strip is None:
            segments = list(event_line(event).render(self.app.console))
            strip = self._cache[event.seq] = Strip(segments).crop(0, width).extend_cell_length(width)
        if index == self.cursor and self.has_focus:
            return strip.apply_style(Style(reverse=True))
        if index == self.cursor:
            return strip.apply_style(Style(underline=True))
        return strip

    def scroll_to_row(self, row: int) -> None:
        height = self.size.height or 1
        top = self.scroll_offset.y
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False)

    def watch_cursor(self) -> None:
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        if self.events:
            self.cursor = max(0, min(len(self.events) - 1, self.cursor + delta))
            self.scroll_to_row(self.cursor)

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 1))

    def action_jump(self, where: int) -> None:
        if self.events:
            self.cursor = 0 if where == 0 else len(self.events) - 1
            self.scroll_to_row(self.cursor)

    def action_choose(self) -> None:
        event = self.current
        if event is not None:
            self.post_message(self.Chosen(self, event))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
