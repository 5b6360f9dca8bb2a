"""? : every key, read from the bindings themselves so the list cannot drift from the code."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table as RichTable
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

# Keys handled by widgets rather than bindings, or shared by all lists.
LIST_KEYS = (
    ("↑ ↓ j k", "move in a list"),
    ("PgUp PgDn Home End", "page, first, last"),
    ("Tab / Shift+Tab", "next / previous table of the tab"),
    ("Ctrl+P", "command palette: every action by name"),
)


def key_name(binding: Binding) -> str:
    return " ".join(binding.key_display or format_key(key) for key in binding.key.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, sections: Iterable[tuple[str, Iterable[Binding]]]) -> None:
        super().__init__()
        self.sections = [(title, list(bindings)) for title, bindings in sections]

    def compose(self) -> ComposeResult:
        table = RichTable.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for title, bindings in self.sections:
            table.add_row(Text(title, style="bold underline"), "")
            for binding in bindings:
                if binding.description:
                    table.add_row(key_name(binding), binding.description)
            table.add_row("", "")
        table.add_row(Text("Everywhere", style="bold underline"), "")
        for key, what in LIST_KEYS:
            table.add_row(key, what)
        with VerticalScroll(id="help-body"):
            yield Static(table)

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "sestui keys · Esc to close"
