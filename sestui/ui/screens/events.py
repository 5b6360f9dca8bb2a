"""Drilldown: the events behind a row, newest first; Enter opens one, `/` searches the list."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from ...events import Event
from ...filters import FilterError, compile_filter
from ..widgets.footer import Footer
from ..safe import content
from ..widgets.eventlog import EventLog, columns_for, header_line


def crumbs(trail: list[str]) -> str:
    return "  ›  ".join(trail)


class EventsScreen(Screen[None]):
    """A list of events (a drilldown, or everything a filter matched)."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("slash", "search", "Search"),
        Binding("n", "next_match(1)", "Next match", show=False),
        Binding("N", "next_match(-1)", "Previous match", show=False),
        Binding("F", "pin", "Pin as filter"),
        Binding("e", "export", "Export"),
    ]

    def __init__(self, trail: list[str], title: str, terms: list[str], events: list[Event]) -> None:
        super().__init__()
        self.trail = trail
        self.title_text = title
        self.terms = terms
        self.events = events
        self.search_text = ""

    def compose(self) -> ComposeResult:
        columns = columns_for({e.kind for e in self.events})
        yield Header()
        yield Static(content(crumbs(self.trail)), id="crumbs")
        yield Static(content(self.title_text), id="drill-title")
        yield Static(header_line(columns), id="list-header")
        yield EventLog(columns, id="drill-log")
        yield Input(placeholder="search: free text or field:value terms, Enter to find, Esc to close", id="search")
        yield Footer()

    def on_mount(self) -> None:
        log = self.query_one(EventLog)
        log.set_events(self.events)
        self.query_one("#search", Input).display = False
        log.focus()

    def on_event_log_chosen(self, message: EventLog.Chosen) -> None:
        message.stop()
        self.app.open_detail(self.trail + [self.title_text], message.event)  # type: ignore[attr-defined]

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.display:
            search.display = False
            self.query_one(EventLog).focus()
            return
        self.dismiss()

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.value = self.search_text
        search.focus()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        self.search_text = message.value.strip()
        self.query_one("#search", Input).display = False
        self.query_one(EventLog).focus()
        self.action_next_match(1)

    def action_next_match(self, direction: int) -> None:
        """Move to the next (or previous) event matching the search, wrapping around."""
        if not self.search_text:
            return
        try:
            match = compile_filter(self.search_text)
        except FilterError as exc:
            self.notify(f"search: {exc}", severity="error", markup=False)
            return
        log = self.query_one(EventLog)
        count = len(log.events)
        for step in range(1, count + 1):
            index = (log.cursor + direction * step) % count
            if match(log.events[index]):
                log.cursor = index
                log.scroll_to_row(index)
                return
        self.notify(f"no event matches {self.search_text!r}", markup=False)

    def action_pin(self) -> None:
        self.app.pin_filter(self.terms)  # type: ignore[attr-defined]
        self.dismiss()

    def action_export(self) -> None:
        self.app.export_events(self.title_text, self.query_one(EventLog).events)  # type: ignore[attr-defined]
