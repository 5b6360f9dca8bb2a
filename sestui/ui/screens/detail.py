"""One event: every normalized field, the original record, and the message's timeline."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table as RichTable
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from ...describe import fields, original, summary, target, timeline
from ...events import Event
from ..format import KIND_COLORS, OTHER_COLOR, clock_time, count_events, offset
from ..widgets.footer import Footer
from ..safe import cell, content, text
from ..widgets.tables import TIME, Column, Table
from .events import crumbs


def label(event: Event) -> str:
    """How an event is named in breadcrumbs."""
    return f"{event.kind} {event.message_id or event.request_id or event.seq}"


class FieldList:
    """Field names beside their values, fitted to the width they are drawn in.

    Short of room, names give way (cut with "…") down to two fifths of the width, and values
    wrap, long words folded: a value is never cut.
    """

    GAP = 2

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = options.max_width - self.GAP
        names = max((cell_len(name) for name, _ in self.rows), default=0)
        values = max((cell_len(line) for _, value in self.rows for line in value.split("\n")), default=0)
        grid = RichTable.grid(padding=(0, self.GAP))
        grid.add_column(style="bold", width=min(names, max(room * 2 // 5, room - values)), no_wrap=True, overflow="ellipsis")
        grid.add_column(overflow="fold")
        for name, value in self.rows:
            grid.add_row(name, text(value))
        yield grid


class DetailScreen(Screen[None]):
    BINDINGS = [Binding("escape", "back", "Back"), Binding("e", "export", "Export")]

    def __init__(self, trail: list[str], event: Event, ring: list[Event], as_of: float | None) -> None:
        super().__init__()
        self.trail = trail + [label(event)]
        self.event = event
        self.timeline = timeline(ring, event)
        self.as_of = as_of  # of the store it was read from: the header shows it
        self.read_seq = ring[-1].seq if ring else 0  # the newest event seen (see follow)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(content(crumbs(self.trail)), id="crumbs")
        with Horizontal(id="detail-top"):
            with VerticalScroll(id="detail-fields"):
                yield Static(FieldList(fields(self.event)))
            with VerticalScroll(id="detail-raw"):
                yield Static(text(original(self.event)), id="raw-record")
        yield Table(
            "Message timeline",
            # Narrow, the recipient leaves (one message's events mostly share it): what happened stays.
            [Column("Offset", 13, True), TIME, Column("Kind", 17, keep_whole=True), Column("Recipient / call", 32, leaves=1), Column("Summary")],
            drill="event",
            id="timeline",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail-fields").border_title = "Fields"
        self.query_one("#detail-raw").border_title = "Original record (unwrapped)"
        self._show_timeline()
        table = self.query_one("#timeline", Table)
        if self.timeline:
            table.move_cursor(row=next(i for i, (_, e) in enumerate(self.timeline) if e is self.event), animate=False)
        table.focus()

    def follow(self, newer: list[Event], as_of: float | None) -> None:
        """Events that arrived since it was read, oldest first: those of this message join its
        timeline (an on-call engineer waits on a send for its delivery or bounce)."""
        self.as_of = as_of
        if not newer:
            return
        self.read_seq = newer[-1].seq
        message_id = self.event.message_id
        mine = [e for e in newer if e.message_id == message_id] if message_id else []
        if mine:
            self.timeline = timeline([e for _, e in self.timeline] + mine, self.event)
            self._show_timeline()

    def _show_timeline(self) -> None:
        table = self.query_one("#timeline", Table)
        note = f"{count_events(len(self.timeline))} in the ring with this message id" if self.event.message_id else "no message id: this event alone"
        table.set_title(note)
        rows = []
        for delta, event in self.timeline or [(0.0, self.event)]:
            style = KIND_COLORS.get(event.kind, OTHER_COLOR)
            current = "▶ " if event is self.event else "  "
            rows.append(
                (
                    str(event.seq),
                    [offset(delta), cell(clock_time(event.time)), cell(current + event.kind, style), cell(target(event)), cell(summary(event), "dim", 200)],
                    (offset(delta), clock_time(event.time), event.kind, target(event), summary(event)),
                )
            )
        table.show(rows)

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        seq = message.row_key.value
        chosen = next((e for _, e in self.timeline if str(e.seq) == seq), None)
        if chosen is not None and chosen is not self.event:
            self.app.open_detail(self.trail[:-1], chosen)  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.dismiss()

    def action_export(self) -> None:
        """The event's whole message (its timeline), or the event alone without a message id."""
        events = [e for _, e in self.timeline] or [self.event]
        self.app.export_events(label(self.event), events)  # type: ignore[attr-defined]
