"""Small DataTables updated in place: rankings, breakdowns and recent-event lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from ..format import sparkline
from ..safe import cell, content

EMPTY_KEY = "\x00empty"
NO_DATA = "no data in this window"


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    # Numbers: the width they keep (wider values widen it). Text: its width while the table has
    # room for it; None: what the other columns leave. See `column_widths`.
    width: int | None = None
    numeric: bool = False
    exported: bool = True  # False: a picture (a sparkline), not a value for a CSV export
    keep_whole: bool = False  # text never cut: fitted like a number (a time, an event kind)
    # On a table too narrow for its text to say something (see `fit_widths`), the columns with a
    # rank leave it whole, the highest rank first; 0: the column always stays.
    leaves: int = 0
    export_as: str | None = None  # its CSV header, where the label leaves out a unit or zone

    @property
    def gives_way(self) -> bool:
        """Text is cut (with an ellipsis) when the table is short of room; numbers, pictures and
        text to keep whole never are."""
        return not self.numeric and not self.keep_whole and self.exported


# An event's time, as `clock_time` writes it; exported whole (see panels.recent_rows).
TIME = Column("Time", 14, keep_whole=True, export_as="Time (UTC)")


@dataclass(frozen=True, slots=True)
class Sparkline:
    """A trend as a table cell, drawn at whatever width its column gets: a narrow table keeps
    the picture, coarser, rather than leave the column out."""

    values: tuple[int, ...]
    style: str = ""
    narrowest: int = 10  # cells below which the picture no longer shows a trend

    @property
    def cell_len(self) -> int:
        """The width a table must leave it (see `Table._measure`)."""
        return min(self.narrowest, len(self.values))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(sparkline(list(self.values), options.max_width), style=self.style, no_wrap=True)


# Text no wider than SHORT (a time, an IP address, a status) stays whole while longer text can
# still give way down to NARROWEST cells.
SHORT = 16
NARROWEST = 8
READABLE = 16  # cells a column cut with "…" needs to say something (see `fit_widths`)


def column_widths(columns: Sequence[Column], content: Sequence[int], space: int, whole: int | None = None) -> list[int]:
    """Each column's width, given the width of its widest value (`content`) and the table's
    `space` (cell padding excluded).

    Numbers and pictures keep their declared width (wider if a value is), and give up its spare
    room only when text would otherwise be cut. Text takes the space left: its declared width,
    those without one sharing the rest, as long as that leaves them SHORT cells (or their values'
    width); otherwise every text column is only as wide as its values, and if that is still too
    wide, the widest give way first. Room that no text column takes goes to the last picture
    (a trend then drawn finer). `whole`: a column whose values show whole whenever they fit,
    whatever its declared width (the no-data message).
    """
    kept = [i for i, c in enumerate(columns) if not c.gives_way]
    text = [i for i, c in enumerate(columns) if c.gives_way]
    flexible = [i for i in text if columns[i].width is None]
    declared = {i: columns[i].width or 0 for i in text if i not in flexible}
    if whole in declared:
        declared[whole] = max(declared[whole], content[whole])
    need = {i: min(declared.get(i, content[i]), content[i]) for i in text}
    widths = [0] * len(columns)
    for i in kept:
        widths[i] = max(columns[i].width or 0, content[i])
    deficit = sum(widths[i] for i in kept) + sum(need.values()) - space
    while deficit > 0 and any(widths[i] > content[i] for i in kept):
        for i in kept:  # one cell at a time from each, so numbers stay evenly spaced
            if deficit > 0 and widths[i] > content[i]:
                widths[i] -= 1
                deficit -= 1
    left = space - sum(widths[i] for i in kept)
    if sum(declared.values()) + sum(min(content[i], SHORT) for i in flexible) <= left:
        shown = declared | {i: 0 for i in flexible}
    else:
        shown = _give_way(need, left)
    extra = max(0, left - sum(shown.values()))
    for n, i in enumerate(flexible):
        shown[i] += extra // len(flexible) + (n < extra % len(flexible))
    for i in text:
        widths[i] = shown[i]
    pictures = [i for i in kept if not columns[i].exported]
    spare = space - sum(widths)
    if pictures and not flexible and spare > 0:
        widths[pictures[-1]] += spare
    return widths


def fit_widths(columns: Sequence[Column], content: Sequence[int], room: int, gap: int, whole: int | None = None) -> list[int]:
    """Each column's width in `room` cells, of which every column shown also takes `gap` (its
    padding, or the space between two columns); 0 for a column left out.

    `column_widths` shares the room. While that leaves a column that gives way fewer than
    READABLE cells (or fewer than its declared width or its values' width, when smaller), the
    columns that may leave do, whole, one at a time, so that those left can be read; so they do
    while the columns that are never cut (numbers, pictures, whole text) overflow the room.
    """
    shown = list(range(len(columns)))
    while True:
        space = room - gap * len(shown)
        widths = column_widths([columns[i] for i in shown], [content[i] for i in shown], space, shown.index(whole) if whole in shown else None)
        cramped = sum(widths) > space or any(
            w < min(READABLE, columns[i].width or READABLE, content[i]) for i, w in zip(shown, widths) if columns[i].gives_way
        )
        leaving = max((i for i in shown if columns[i].leaves), key=lambda i: columns[i].leaves, default=None)
        if not cramped or leaving is None:
            break
        shown.remove(leaving)
    fitted = [0] * len(columns)
    for i, w in zip(shown, widths):
        fitted[i] = w
    return fitted


def _give_way(need: dict[int, int], space: int) -> dict[int, int]:
    """Text columns fitted into `space`: long ones are cut first, short ones when they must be."""
    short = {i: n for i, n in need.items() if n <= SHORT}
    long = {i: n for i, n in need.items() if n > SHORT}
    if long and sum(short.values()) + NARROWEST * len(long) <= space:
        return short | _level(long, space - sum(short.values()))
    return _level(need, space)


def _level(need: dict[int, int], space: int) -> dict[int, int]:
    """Cut the widest columns down to a common width until they all fit in `space` (at least one cell each)."""
    level = max(need.values(), default=1)
    while level > 1 and sum(min(n, level) for n in need.values()) > space:
        level -= 1
    widths = {i: min(n, level) for i, n in need.items()}
    spare = space - sum(widths.values())
    for i, n in need.items():  # what a common width leaves, left to right
        if spare > 0 and n > widths[i]:
            widths[i] += 1
            spare -= 1
    return widths


def same_cell(a: object, b: object) -> bool:
    """Cells (or other Texts) that draw alike. A Text equals another of the same characters and
    spans whatever its own style, so a value that only changes colour would keep its old one."""
    if isinstance(a, Text) and isinstance(b, Text):
        return a == b and a.style == b.style
    return a == b


class Table(DataTable):
    """A DataTable whose rows are replaced each tick without losing the cursor.

    Rows are keyed; when the keys come back in the same order only changed cells are written,
    otherwise the table is rebuilt and the cursor returns to the row it was on (by key).
    Columns too narrow to read leave the table whole (see `fit_widths`): the DataTable then holds
    the columns shown, while `row_cells` and `row_values` keep every column, for when the table
    widens and for exports.
    `drill` names what a row stands for (a dimension name, or a custom tag) so screens can turn
    a row into a filter or a list of events; `unlisted` holds the rows that stand for no events
    one can list (a pool of values not counted one by one), each with the reason.
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
    # A rebuild keeps the cursor on its row's key; with this, a cursor on the first row stays there.
    follows_top = False

    def __init__(self, title: str, columns: Sequence[Column], drill: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.title = title
        self.columns_spec = list(columns)
        self.drill = drill
        self.row_keys_shown: list[str] = []
        self.row_cells: dict[str, list[object]] = {}  # key -> the cells of every column, shown or not
        self.row_values: dict[str, tuple[object, ...]] = {}  # key -> plain values of exported columns
        self.unlisted: dict[str, str] = {}
        self.content_widths = [cell_len(c.label) for c in self.columns_spec]  # widest value (or label) per column
        self.widths = [c.width or cell_len(c.label) for c in self.columns_spec]  # per column; 0: left out

    @property
    def shown(self) -> list[int]:
        """The indexes of the columns on screen (those not left out)."""
        return [i for i, width in enumerate(self.widths) if width]

    def on_mount(self) -> None:
        self.set_title("")
        self.show([])

    def on_click(self, click: events.Click) -> None:
        """A click on the cursor's row is Enter wherever in the row it lands: DataTable's own
        handler, which runs after this one, wants the cursor's cell, column and all."""
        row = click.style.meta.get("row")
        if self.show_cursor and row is not None and row >= 0 and row == self.cursor_row:
            click.prevent_default()
            self.action_select_cursor()

    def on_resize(self) -> None:
        self.fit_columns()

    def watch_show_vertical_scrollbar(self) -> None:
        self.fit_columns()  # the scrollbar takes a column of the table's width

    def watch_virtual_size(self) -> None:
        # Narrower columns do not resize the table, and only a resize makes Textual check
        # whether a sideways scrollbar is still needed.
        self._scroll_update(self.virtual_size)

    def fit_columns(self) -> None:
        """Share the table's width between its columns; a column leaving or coming back
        rebuilds the table."""
        if not self.columns:
            return  # not mounted yet
        if self._refit():
            self._rebuild(self.row_keys_shown)
        self._resize_columns()

    def _refit(self) -> bool:
        """Each column's width for the table's width (see `fit_widths`); whether the columns
        shown change."""
        if not self.size.width:
            return False
        shown = self.shown
        room = self.size.width - self.scrollbar_size_vertical
        whole = 0 if EMPTY_KEY in self.row_cells else None
        self.widths = fit_widths(self.columns_spec, self.content_widths, room, 2 * self.cell_padding, whole)
        return self.shown != shown

    def _resize_columns(self) -> None:
        changed = False
        for index in self.shown:
            column = self.columns[ColumnKey(self.columns_spec[index].label)]
            if column.width != self.widths[index]:
                column.width = self.widths[index]
                changed = True
        if changed:
            self._update_count += 1  # cached cells were rendered at the old widths
            self._require_update_dimensions = True
            self.refresh()

    def set_title(self, note: str) -> None:
        """The border title: what the table counts, and over which window."""
        self.border_title = content(f"{self.title} · {note}" if note else self.title)

    @property
    def exported_labels(self) -> list[str]:
        """The CSV header of an export: one label per plain value of a row."""
        return [c.export_as or c.label for c in self.columns_spec if c.exported]

    @property
    def current_key(self) -> str | None:
        """The key of the row under the cursor (None on the no-data row)."""
        if not self.row_keys_shown or self.cursor_row >= len(self.row_keys_shown):
            return None
        return self.row_keys_shown[self.cursor_row]

    def show(self, rows: Sequence[tuple[str, Sequence[Text | str | int | float], tuple[object, ...]]], unlisted: dict[str, str] | None = None) -> None:
        """Rows of (key, cells, plain values); an empty list shows the no-data row."""
        self.unlisted = unlisted or {}
        keys = [key for key, _, _ in rows]
        self.row_values = {key: values for key, _, values in rows}
        previous = self.row_cells
        self.row_cells = {key: self._justify(cells) for key, cells, _ in rows} or {EMPTY_KEY: [cell(NO_DATA, "dim italic")] + [""] * (len(self.columns_spec) - 1)}
        self._measure()
        reshaped = self._refit()
        if keys and keys == self.row_keys_shown and not reshaped:
            for key, cells in self.row_cells.items():
                for index in self.shown:
                    if not same_cell(cells[index], previous[key][index]):
                        self.update_cell(key, self.columns_spec[index].label, cells[index])
        else:
            self._rebuild(keys, columns=reshaped or not self.columns)
        self._resize_columns()

    def _measure(self) -> None:
        """Note each column's widest value (or label)."""
        widths = [cell_len(c.label) for c in self.columns_spec]
        for cells in self.row_cells.values():
            for index, value in enumerate(cells[: len(widths)]):
                widths[index] = max(widths[index], value.cell_len if isinstance(value, (Text, Sparkline)) else cell_len(str(value)))
        self.content_widths = widths

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

    def _rebuild(self, keys: list[str], columns: bool = True) -> None:
        """The rows of `row_cells` (keyed `keys`, none for the no-data row) in the columns shown;
        `columns`: those columns too."""
        previous = self.current_key
        previous_row = self.cursor_row
        shown = self.shown
        with self.prevent(DataTable.RowHighlighted):
            self.clear(columns=columns)
            if columns:
                for index in shown:
                    spec = self.columns_spec[index]
                    # A label cut to a narrow text column ends in "…" like its values.
                    label = Text(spec.label, justify="right" if spec.numeric else "left", overflow="ellipsis", no_wrap=True)
                    self.add_column(label, width=self.widths[index], key=spec.label)
            for key, cells in self.row_cells.items():
                self.add_row(*(cells[index] for index in shown), key=key)
            self.row_keys_shown = keys
            if self.follows_top and previous_row == 0:
                target = 0  # a list of the newest events shows the newest as they come
            else:
                target = keys.index(previous) if previous in keys else min(previous_row, len(self.row_cells) - 1)
            self.move_cursor(row=max(target, 0), animate=False)


class EventTable(Table):
    """A table whose rows are events: Enter opens one's detail, and no row has a filter term to
    pin (the app hides `F` on it)."""

    BINDINGS = [Binding("enter", "select_cursor", "Details")]
    follows_top = True

    def __init__(self, title: str, columns: Sequence[Column], *, id: str | None = None) -> None:
        super().__init__(title, columns, "event", id=id)
