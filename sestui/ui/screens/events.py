"""Drilldown: the events behind a row, newest first; Enter opens one, `/` searches the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Static

from ...events import Event
from ..widgets.footer import Footer
from ..safe import content
from ..widgets.eventlog import EventLog, columns_for
from ..widgets.searchlog import SearchableLog

if TYPE_CHECKING:
    from ...query import Query, Window

# A drilldown's list read again from a later query: (heading, events newest first).
Reload = Callable[["Query"], tuple[str, list[Event]]]


def crumbs(trail: list[str]) -> str:
    return "  ›  ".join(trail)


class EventsScreen(Screen[None]):
    """A list of events (a drilldown, or everything a filter matched)."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("F", "pin", "Pin as filter"),
        Binding("e", "export", "Export"),
    ]

    def __init__(
        self, trail: list[str], title: str, terms: list[str], events: list[Event], reload: Reload | None = None, query: Query | None = None
    ) -> None:
        """`reload` reads the list again from a later query of the same window (`query`, the one
        it was read from): the app's redraw then keeps it as live as the tabs."""
        super().__init__()
        self.trail = trail
        self.title_text = title
        self.terms = terms
        self.events = events
        self.reload = reload
        self.read_query = query  # not `query`: DOM nodes have a query() of their own
        self.window: Window | None = query.window if query is not None else None
        self.read_at: object = None  # what the app last read the list at (a store version, a pause)

    def compose(self) -> ComposeResult:
        columns = columns_for({e.kind for e in self.events})
        yield Header()
        yield Static(content(crumbs(self.trail)), id="crumbs")
        yield Static(content(self.title_text), id="drill-title")
        yield SearchableLog(columns, log_id="drill-log")
        yield Footer()

    def on_mount(self) -> None:
        log = self.query_one(EventLog)
        log.empty_text = "no event of this window matches"
        log.set_events(self.events)
        log.focus()

    def show(self, query: Query, heading: str, events: list[Event]) -> None:
        """The list read again: the cursor stays on its event (see EventLog.set_events)."""
        self.read_query = query
        self.title_text = heading
        self.events = events
        self.query_one("#drill-title", Static).update(content(heading))
        self.query_one(EventLog).set_events(events)

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
