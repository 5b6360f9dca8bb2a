"""s : where input went: skip reasons, sources and their states, operator notes."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.table import Table as RichTable
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...store import Store
from ..format import count
from ..safe import cell, text

REASONS = {
    "invalid_json": "looked like JSON but is broken",
    "not_json": "text without JSON (e.g. Lambda START/END lines)",
    "blank": "empty lines",
    "oversized": "longer than --max-line-bytes",
    "not_ses": "valid JSON of another kind (other AWS services, fragments)",
    "ignored": "recognized, not sending events (subscriptions, Received, digests)",
    "before_since": "older than --since",
    "too_deep": "wrappers nested too deep",
    "bad_encoding": "base64/gzip payload that does not decode",
    "gzip_bomb": "gzip expanding past --max-gzip-ratio",
    "bad_gzip": "corrupt gzip data",
    "truncated_gzip": "gzip data cut short",
    "cut_at_rotation": "lines a rotated file was let go in the middle of, not read whole since",
    "parse_error": "a record sestui failed to read (please report it)",
}


@dataclass(frozen=True, slots=True)
class Accounting:
    """What the screen shows, read at one moment."""

    stats: dict[str, object]
    sources: list[tuple[str, str, int, int, str | None]]  # path, state, offset, size, error
    notes: list[str]
    dedupe: bool = True  # False: every copy of an event counts (--no-dedupe)

    @classmethod
    def read(cls, store: Store) -> Accounting:
        with store.lock:
            sources = [(s.path, s.state, s.offset, s.size, s.error) for s in store.sources]  # type: ignore[attr-defined]
            return cls(store.stats.as_dict(), sources, list(store.notes), store.recent is not None)


class StatusScreen(ModalScreen[None]):
    """Redrawn by the app's tick while open (`show`), so the numbers keep moving with the input."""

    BINDINGS = [Binding("escape,s,q", "dismiss", "Close")]

    def __init__(self, accounting: Accounting, paused: bool) -> None:
        super().__init__()
        self.accounting = accounting
        self.paused = paused

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="status-body"):
            yield Static(self.body(), id="status-text")

    def on_mount(self) -> None:
        self._set_title()

    def show(self, accounting: Accounting, paused: bool) -> None:
        if accounting != self.accounting:
            self.accounting = accounting
            self.query_one("#status-text", Static).update(self.body())
        if paused != self.paused:
            self.paused = paused
            self._set_title()

    def _set_title(self) -> None:
        when = " · as of the pause" if self.paused else ""
        self.query_one("#status-body").border_title = f"Input accounting{when} · Esc to close"

    def body(self) -> Group:
        stats, sources, notes = self.accounting.stats, self.accounting.sources, self.accounting.notes
        grid = RichTable.grid(padding=(0, 2))
        # Short of room, names, paths and explanations wrap; counts are never cut.
        grid.add_column(style="bold", overflow="fold")
        grid.add_column(justify="right", no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row(Text("Input", style="bold underline"), "", "")
        for name in ("lines", "records", "events", "bytes"):
            grid.add_row(name, count(stats[name]), "")  # type: ignore[arg-type]
        grid.add_row("time guessed", count(stats["time_guessed"]), "events without a usable time: arrival time used")  # type: ignore[arg-type]
        if self.accounting.dedupe:
            grid.add_row("duplicates", count(stats["duplicates"]), "events read again shortly after their first copy: counted once")  # type: ignore[arg-type]
        else:
            grid.add_row("duplicates", "-", "not looked for (--no-dedupe): every copy counts")
        grid.add_row("", "", "")
        grid.add_row(Text("Skipped records", style="bold underline"), "", "")
        skipped: dict[str, int] = stats["skipped"]  # type: ignore[assignment]
        for reason, n in skipped.items():
            grid.add_row(cell(reason), count(n), REASONS.get(reason, ""))
        if not skipped:
            grid.add_row("none", "", "")
        inner: dict[str, int] = stats["inner_skipped"]  # type: ignore[assignment]
        if inner:
            grid.add_row(Text("Skipped inside containers", style="bold underline"), "", "")
            for reason, n in inner.items():
                grid.add_row(cell(reason), count(n), REASONS.get(reason, ""))
        grid.add_row("", "", "")
        grid.add_row(Text("Sources", style="bold underline"), "", "")
        for path, state, offset, size, error in sources:
            where = error or f"{offset:,} of {size:,} bytes"
            grid.add_row(text(path), cell(state), text(where))
        if not notes:
            return Group(grid)
        # Notes are sentences: they take the whole width, not the explanations' column.
        return Group(grid, Text(""), Text("Notes", style="bold underline"), *(text(note) for note in notes[-20:]))
