"""An event list with search: `/` opens a search box, Enter finds, `n` / `N` move between matches.

Used by the Events tab and by drilldown lists. The search takes the filter language (free text or
field:value terms); it moves the cursor and hides nothing.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from ...filters import FilterError, compile_filter
from .eventlog import DEFAULT_COLUMNS, Col, EventLog, header_line


class SearchableLog(Vertical):
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("n", "next_match(1)", "Next match", show=False),
        Binding("N", "next_match(-1)", "Previous match", show=False),
        Binding("escape", "close_search", "Close search", show=False),
    ]

    def __init__(self, columns: tuple[Col, ...] = DEFAULT_COLUMNS, *, log_id: str, id: str | None = None) -> None:
        super().__init__(id=id, classes="searchable")
        self.columns = columns
        self.log_id = log_id
        self.search_text = ""

    def compose(self) -> ComposeResult:
        yield Static(classes="list-header")  # drawn once the list knows its width
        yield EventLog(self.columns, id=self.log_id)
        yield Input(placeholder="search: free text or field:value terms, Enter to find, Esc to close", classes="search")

    def on_mount(self) -> None:
        self.query_one(Input).display = False

    @property
    def log(self) -> EventLog:
        return self.query_one(EventLog)

    def on_event_log_fitted(self, message: EventLog.Fitted) -> None:
        message.stop()
        self.query_one(".list-header", Static).update(header_line(self.columns, message.widths))

    def on_event_log_above(self, message: EventLog.Above) -> None:
        """Newer events above the rows on screen (the list holds still while it is read): say
        how many, and how to get back to them."""
        message.stop()
        self.border_subtitle = f"↑ {message.n:,} newer · Home" if message.n else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Esc closes an open search box; otherwise it belongs to the screen (back, clear filter).
        if action == "close_search":
            return self.query_one(Input).display
        return True

    def action_search(self) -> None:
        search = self.query_one(Input)
        search.display = True
        search.value = self.search_text
        search.focus()

    def action_close_search(self) -> None:
        self.query_one(Input).display = False
        self.log.focus()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        self.search_text = message.value.strip()
        self.action_close_search()
        self.action_next_match(1)

    def action_next_match(self, direction: int) -> None:
        """Move to the next (or previous) event matching the search, wrapping around."""
        if not self.search_text:
            return
        try:
            match = compile_filter(self.search_text, getattr(self.app, "locate", None))  # place fields too
        except FilterError as exc:
            self.notify(f"search: {exc}", severity="error")
            return
        log = self.log
        count = len(log.events)
        for step in range(1, count + 1):
            index = (log.cursor + direction * step) % count
            if match(log.events[index]):
                log.cursor = index
                log.scroll_to_row(index)
                return
        self.notify(f"no event matches {self.search_text!r}")
