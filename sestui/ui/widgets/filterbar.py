"""The filter bar: `f` opens it, Enter applies, Esc clears the filter; errors show inline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from ...filters import FIELD_NAMES
from ..safe import content

HINT = "field:value terms, ANDed; -field:value excludes; * globs; free text matches any field. Fields: " + ", ".join(FIELD_NAMES)


class FilterBar(Vertical):
    BINDINGS = [Binding("escape", "clear", "Clear filter")]

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Cleared(Message):
        pass

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter, e.g. kind:Bounce domain:gmail.com -type:Transient", id="filter-input")
        yield Static(id="filter-message")

    def on_mount(self) -> None:
        self.display = False

    def open(self, text: str) -> None:
        self.display = True
        field = self.query_one(Input)
        field.value = text
        field.cursor_position = len(text)
        self.query_one("#filter-message", Static).update(content(HINT))
        self.remove_class("-error")
        field.focus()

    def close(self) -> None:
        self.display = False

    def show_error(self, message: str) -> None:
        self.add_class("-error")
        self.query_one("#filter-message", Static).update(content(f"Not applied: {message}"))

    @property
    def error(self) -> str | None:
        return str(self.query_one("#filter-message", Static).render()) if self.has_class("-error") else None

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        self.post_message(self.Submitted(message.value))

    def action_clear(self) -> None:
        self.post_message(self.Cleared())
