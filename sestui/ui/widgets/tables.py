"""Small DataTables updated in place: rankings, breakdowns and recent-event lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ..safe import cell, content

EMPTY_KEY = "\x00empty"
NO_DATA = "no data in this window"


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    width: int | None = None  # fixed width keeps re-measuring off the tick; None: sized to content
    numeric: bool = False
    exported: bool = True  # False: a picture (a sparkline), not a value for a CSV export


class Table(DataTable):
    """A DataTable whose rows are replaced each tick without losing the cursor.

    Rows are keyed; when the keys come back in the same order only changed cells are written,
    otherwise the table is rebuilt and the cursor returns to the row it was on (by key).
    `drill` names what a row stands for (a dimension name, or a custom tag) so screens can turn
    a row into a filter or a list of events.
    """

    DEFAULT_CSS = """
    Table { height: auto; max-height: 100%; }
    """
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        # Rows, not columns: every column already fits the table's width.
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
        Binding("enter", "select_cursor", "Show events"),
        Binding("F", "app.pin", "Pin as filter"),
    ]

    def __init__(self, title: str, columns: Sequence[Column], drill: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.title = title
        self.columns_spec = list(columns)
        self.drill = drill
        self.row_keys_shown: list[str] = []
        self.row_values: dict[str, tuple[object, ...]] = {}  # key -> plain values of exported columns

    def on_mount(self) -> None:
        for column in self.columns_spec:
            label = Text(column.label, justify="right") if column.numeric else column.label
            self.add_column(label, width=column.width or 12, key=column.label)
        self.set_title("")
        self.show([])

    def on_resize(self) -> None:
        """Columns without a fixed width share whatever the table's width leaves them."""
        flexible = [c for c in self.columns_spec if c.width is None]
        if not flexible:
            return
        fixed = sum(c.width or 0 for c in self.columns_spec)
        padding = 2 * self.cell_padding * len(self.columns_spec) + 2  # + scrollbar
        share = max(8, (self.size.width - fixed - padding) // len(flexible))
        for column in self.columns.values():
            spec = next(c for c in self.columns_spec if c.label == str(column.label))
            if spec.width is None and column.width != share:
                column.width = share
                column.auto_width = False
        self._require_update_dimensions = True
        self.refresh()

    def set_title(self, note: str) -> None:
        """The border title: what the table counts, and over which window."""
        self.border_title = content(f"{self.title} · {note}" if note else self.title)

    @property
    def exported_labels(self) -> list[str]:
        """The CSV header of an export: one label per plain value of a row."""
        return [c.label for c in self.columns_spec if c.exported]

    @property
    def current_key(self) -> str | None:
        """The key of the row under the cursor (None on the no-data row)."""
        if not self.row_keys_shown or self.cursor_row >= len(self.row_keys_shown):
            return None
        return self.row_keys_shown[self.cursor_row]

    def show(self, rows: Sequence[tuple[str, Sequence[Text | str | int | float], tuple[object, ...]]]) -> None:
        """Rows of (key, cells, plain values); an empty list shows the no-data row."""
        if not rows:
            self._rebuild([(EMPTY_KEY, [cell(NO_DATA, "dim italic")] + [""] * (len(self.columns_spec) - 1))])
            self.row_keys_shown = []
            self.row_values = {}
            return
        rows = [(key, self._justify(cells), values) for key, cells, values in rows]
        keys = [key for key, _, _ in rows]
        self.row_values = {key: values for key, _, values in rows}
        if keys == self.row_keys_shown:
            for row_index, (key, cells, _) in enumerate(rows):
                for col_index, value in enumerate(cells):
                    if self.get_cell_at((row_index, col_index)) != value:
                        self.update_cell(key, self.columns_spec[col_index].label, value)
            return
        self._rebuild([(key, list(cells)) for key, cells, _ in rows])
        self.row_keys_shown = keys

    def _justify(self, cells: Sequence[object]) -> list[object]:
        """Numbers right-aligned in numeric columns."""
        out = list(cells)
        for index, column in enumerate(self.columns_spec):
            if column.numeric and index < len(out):
                value = out[index]
                if isinstance(value, Text):
                    value = value.copy()
                    value.justify = "right"
                else:
                    value = Text(str(value), justify="right")
                out[index] = value
        return out

    def _rebuild(self, rows: list[tuple[str, list[object]]]) -> None:
        previous = self.current_key
        previous_row = self.cursor_row
        with self.prevent(DataTable.RowHighlighted):
            self.clear()
            for key, cells in rows:
                self.add_row(*cells, key=key)
            keys = [key for key, _ in rows]
            target = keys.index(previous) if previous in keys else min(previous_row, len(rows) - 1)
            self.move_cursor(row=max(target, 0), animate=False)
