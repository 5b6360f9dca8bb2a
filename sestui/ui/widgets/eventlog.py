"""The live event stream: a virtual list (Line API) over the ring, newest first.

Only the visible lines are rendered, so a ring of 100,000 events costs the same per tick as a
screenful; the cursor stays on the same event while new ones arrive above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ... import events as k
from ...describe import summary, target
from ...events import Event
from ..format import KIND_COLORS, OTHER_COLOR, clock_time, millis
from ..safe import cell
from .tables import Column, fit_widths


@dataclass(frozen=True, slots=True)
class Col:
    """One column of an event list: header, width (0: the rest of the line), value.

    `keep_whole`: never cut (a time, a kind, a duration); the others give way on a narrow screen.
    `leaves`: the column's rank in leaving a line too narrow for every column to say something,
    as `Column.leaves`.
    """

    header: str
    width: int
    value: Callable[[Event], str | None]
    style: str = ""
    keep_whole: bool = False
    leaves: int = 0


def _first(values: tuple[str | None, ...]) -> str | None:
    return values[0] if values else None


TIME = Col("Time", 14, lambda e: clock_time(e.time), "dim", keep_whole=True)
KIND = Col("Kind", 16, lambda e: e.kind, keep_whole=True)  # "RenderingFailure"
TARGET = Col("Recipient / call", 33, target)
RECIPIENT = Col("Recipient", 33, target)
# The diagnostic code repeats the status: on a narrow line the status leaves first.
STATUS = Col("Status", 7, lambda e: _first(e.statuses), leaves=2)
DIAGNOSTIC = Col("Diagnostic code", 0, lambda e: _first(e.diagnostics), "dim", leaves=1)
# On a narrow line the time, the kind and the recipient stay, and the summary leaves.
DEFAULT_COLUMNS = (TIME, KIND, TARGET, Col("Summary", 0, summary, "dim", leaves=1))
# The columns that matter for each kind, when a list holds one kind only. On a narrow line the
# time, the recipient and what happened to it (bounce type, feedback, processing time, delay
# type, link) stay; the details leave.
KIND_COLUMNS: dict[str, tuple[Col, ...]] = {
    k.BOUNCE: (TIME, RECIPIENT, Col("Type / subtype", 27, lambda e: f"{e.bounce_type or '?'} / {e.bounce_subtype or '?'}"), STATUS, DIAGNOSTIC),
    k.COMPLAINT: (TIME, RECIPIENT, Col("Feedback", 11, lambda e: e.feedback_type), Col("User agent", 29, lambda e: e.user_agent, leaves=2), Col("Source", 0, lambda e: e.source, "dim", leaves=1)),
    k.DELIVERY: (TIME, RECIPIENT, Col("Processing", 10, lambda e: millis(e.processing_ms), keep_whole=True), Col("Reporting MTA", 41, lambda e: e.mta, leaves=1), Col("SMTP response", 0, lambda e: e.smtp_response, "dim", leaves=2)),
    k.DELIVERY_DELAY: (TIME, RECIPIENT, Col("Delay type", 29, lambda e: e.delay_type), STATUS, DIAGNOSTIC),
    k.OPEN: (TIME, RECIPIENT, Col("IP", 39, lambda e: e.client_ip, leaves=1), Col("User agent", 0, lambda e: e.user_agent, "dim", leaves=2)),
    k.CLICK: (TIME, RECIPIENT, Col("IP", 39, lambda e: e.client_ip, leaves=1), Col("Link", 0, lambda e: e.link, "dim")),
    # The time, the call and its error code stay; the address goes first, then the message
    # (it names the caller and the call again), then the caller.
    k.CLOUDTRAIL: (TIME, Col("Event name", 29, lambda e: e.event_name), Col("Error code", 21, lambda e: e.error_code), Col("User", 25, lambda e: e.user, leaves=1), Col("Source IP", 15, lambda e: e.source_ip, leaves=3), Col("Error message", 0, lambda e: e.error_message, "dim", leaves=2)),
}
LONGEST = 400  # cells of a value that has the rest of the line: longer ones are cut anyway
GAP = 2  # cells between two columns, as in the tables


def columns_for(kinds: set[str]) -> tuple[Col, ...]:
    return KIND_COLUMNS.get(next(iter(kinds)), DEFAULT_COLUMNS) if len(kinds) == 1 else DEFAULT_COLUMNS


def fit(columns: tuple[Col, ...], width: int) -> list[int]:
    """Each column's width on a line `width` cells wide (the gaps between columns excluded); 0
    for a column left out.

    The rule of the tables (`fit_widths`): while the declared widths do not fit, columns kept
    whole stay, the others are cut with "…", the longest first; the last column is as long as
    its values can be, so it gets a share of the line like the longest of the others; columns
    that would be too narrow to read leave, by their rank.
    """
    specs = [Column(c.header, c.width or None, keep_whole=c.keep_whole, leaves=c.leaves) for c in columns]
    return fit_widths(specs, [c.width or LONGEST for c in columns], width + GAP, GAP)  # no gap after the last


def _columns(values: list[Text], widths: list[int], style: str = "") -> Text:
    line = Text(no_wrap=True, end="", style=style)
    for index, (value, width) in enumerate(zip(values, widths)):
        value.truncate(width, overflow="ellipsis", pad=True)
        if index:
            line.append(" " * GAP)
        line.append_text(value)
    return line


def _shown(columns: tuple[Col, ...], widths: list[int]) -> list[tuple[Col, int]]:
    """The columns on the line (not left out), with their widths."""
    return [(column, width) for column, width in zip(columns, widths) if width]


def header_line(columns: tuple[Col, ...], widths: list[int]) -> Text:
    shown = _shown(columns, widths)
    return _columns([Text(column.header) for column, _ in shown], [width for _, width in shown], "bold")


def event_line(event: Event, columns: tuple[Col, ...], widths: list[int]) -> Text:
    """One event as one line of columns `widths` wide; log values cleaned."""
    shown = _shown(columns, widths)
    values = []
    for column, _ in shown:
        style = KIND_COLORS.get(event.kind, OTHER_COLOR) if column is KIND else column.style
        values.append(cell(column.value(event) or ("-" if column.width else ""), style, LONGEST))
    return _columns(values, [width for _, width in shown])


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
    EventLog { height: 1fr; overflow-x: hidden; }
    """
    cursor = reactive(0, repaint=False)

    class Chosen(Message):
        """Enter on an event."""

        def __init__(self, log: EventLog, event: Event) -> None:
            super().__init__()
            self.log = log
            self.event = event

    class Above(Message):
        """How many events lie above the rows on screen: newer ones, the list being newest first."""

        def __init__(self, n: int) -> None:
            super().__init__()
            self.n = n

    class Fitted(Message):
        """The columns got new widths (the list's width changed): its header follows."""

        def __init__(self, widths: list[int]) -> None:
            super().__init__()
            self.widths = widths

    def __init__(self, columns: tuple[Col, ...] = DEFAULT_COLUMNS, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = columns
        self.empty_text = "no events in this window"  # what an empty list says
        self.events: list[Event] = []  # newest first: descending (time, seq)
        self._cache: dict[int, Strip] = {}
        self._width = 0
        self.widths: list[int] = []  # each column's, for `_width` cells
        self._above = 0  # as last told (see Above)

    def set_events(self, events: list[Event]) -> None:
        """Replace the list (newest first), keeping the cursor on the event it was on and, while
        that is below the top, the rows on screen where they are: a list being read must not
        slide down as newer events arrive above it, nor jump back from where it was scrolled."""
        chosen = self.events[self.cursor] if self.events and self.cursor > 0 else None
        first = self.scroll_offset.y
        top = self.events[first] if chosen is not None and first < len(self.events) else None
        self.events = events
        if len(self._cache) > 4000:  # rendered lines of events long gone
            self._cache.clear()
        self.virtual_size = Size(self._width or self._view().width, len(events))
        if chosen is not None:
            index = _position(events, chosen)
            self.cursor = min(index, len(events) - 1) if events else 0
            if top is not None:
                self.scroll_to(y=_position(events, top), animate=False)
            else:
                self.scroll_to_row(self.cursor)
        else:
            self.cursor = 0
        self._tell_above()
        self.refresh()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._tell_above()

    def _tell_above(self) -> None:
        above = min(round(self.scroll_offset.y), len(self.events))
        if above != self._above:
            self._above = above
            self.post_message(self.Above(above))

    @property
    def current(self) -> Event | None:
        return self.events[self.cursor] if 0 <= self.cursor < len(self.events) else None

    def _view(self) -> Size:
        """The rows and columns events are drawn in: the widget less its scrollbar."""
        return self.scrollable_content_region.size

    def render_line(self, y: int) -> Strip:
        width = self._view().width
        if width != self._width:
            self._width = width
            self.widths = fit(self.columns, width)
            self.post_message(self.Fitted(self.widths))
            self._cache.clear()
            self.virtual_size = Size(width, len(self.events))
        index = self.scroll_offset.y + y
        if index >= len(self.events):
            if not self.events and y == 0:
                return Strip([Segment(self.empty_text, Style(dim=True, italic=True))]).crop(0, width)
            return Strip.blank(width)
        event = self.events[index]
        strip = self._cache.get(event.seq)
        if strip is None:
            segments = list(event_line(event, self.columns, self.widths).render(self.app.console))
            strip = self._cache[event.seq] = Strip(segments).crop(0, width).extend_cell_length(width)
        if index == self.cursor and self.has_focus:
            return strip.apply_style(Style(reverse=True))
        if index == self.cursor:
            return strip.apply_style(Style(underline=True))
        return strip

    def scroll_to_row(self, row: int) -> None:
        height = self._view().height or 1
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
        self.action_cursor(direction * max(1, self._view().height - 1))

    def action_jump(self, where: int) -> None:
        if self.events:
            self.cursor = 0 if where == 0 else len(self.events) - 1
            self.scroll_to_row(self.cursor)

    def action_choose(self) -> None:
        event = self.current
        if event is not None:
            self.post_message(self.Chosen(self, event))

    def on_click(self, click: events.Click) -> None:
        """A click puts the cursor on the event clicked; a click on the cursor's event chooses
        it, as in the tables."""
        offset = click.get_content_offset(self)
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y
        if 0 <= index < len(self.events):
            if index == self.cursor:
                self.action_choose()
            else:
                self.cursor = index

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
