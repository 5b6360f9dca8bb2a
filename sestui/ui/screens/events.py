"""Drilldown: the events behind a row, newest first; Enter opens one, `/` searches the list."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Static

from ...events import Event
from ..widgets.footer import Footer
from ..safe import content
from ..widgets.eventlog import EventLog, columns_for
from ..widgets.searchlog import SearchableLog


def crumbs(trail: list[str]) -> str:
    return "  ›  ".join(trail)


class EventsScreen(Screen[None]):
    """A list of events (a drilldown, or everything a filter matched)."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("F", "pin", "Pin as filter"),
        Binding("e", "export", "Export"),
    ]

    def __init__(self, trail: list[str], title: str, terms: list[str], events: list[Event]) -> None:
        super().__init__()
        self.trail = trail
        self.title_text = title
        self.terms = terms
        self.events = events

    def compose(self) -> ComposeResult:
        columns = columns_for({e.kind for e in self.events})
        yield Header()
        yield Static(content(crumbs(self.trail)), id="crumbs")
        yield Static(content(self.title_text), id="drill-title")
        yield SearchableLog(columns, log_id="drill-log")
        yield Footer()

    def on_mount(self) -> None:
        log = self.query_one(EventLog)
        log.set_events(self.events)
        log.focus()

    def on_event_log_chosen(self, message: EventLog.Chosen) -> None:
        message.stop()
        self.app.open_detail(self.trail + [self.title_text], message.event)  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.dismiss()

    def action_pin(self) -> None:
        self.app.pin_filter(self.terms)  # type: ignore[attr-defined]
        self.dismiss()

    def action_export(self) -> None:
        self.app.export_events(self.title_text, self.query_one(EventLog).events)  # type: ignore[attr-defined]
