"""Trend charts drawn with block and braille characters: stacked bars and lines over time."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from ..format import clock_time
from ..safe import content

_EIGHTHS = " ▁▂▃▄▅▆▇█"
# Braille dot bits for (column 0|1, row 0..3 from the top).
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    color: str
    values: tuple[float | None, ...]


def _resample(values: Sequence[float | None], width: int, combine: str) -> list[float | None]:
    """Fit a series into `width` columns: buckets are widened to whole columns, or combined
    (sum or max) when there are more buckets than columns."""
    if not values:
        return []
    if len(values) <= width:
        return [values[i * len(values) // width] for i in range(width)]
    out: list[float | None] = []
    step = len(values) / width
    for i in range(width):
        part = [v for v in values[int(i * step) : max(int((i + 1) * step), int(i * step) + 1)] if v is not None]
        if not part:
            out.append(None)
        else:
            out.append(sum(part) if combine == "sum" else max(part))
    return out


class Chart(Widget):
    """A chart of several series over the window's time buckets.

    `stacked`: bars whose segments are the series (counts per kind); otherwise braille lines
    (e.g. p50 / p95 latency). The y-axis label and time axis are drawn inside the widget.
    """

    DEFAULT_CSS = """
    Chart { height: 9; }
    """
    can_focus = False

    def __init__(
        self,
        title: str,
        stacked: bool = True,
        unit: str = "",
        log: bool = False,
        format_value: Callable[[float], str] | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.chart_title = title
        self.stacked = stacked
        self.log_scale = log  # lines only: a log y-axis, so one slow outlier does not flatten the rest
        self.unit = unit
        self.series: list[Series] = []
        self.starts: list[float] = []
        self.format_value = format_value or (lambda v: f"{v:,.0f}")

    def set_data(self, series: list[Series], starts: list[float], note: str = "") -> None:
        self.series = series
        self.starts = starts
        self.border_title = content(f"{self.chart_title} · {note}" if note else self.chart_title)
        self.refresh()

    def render(self) -> Text:
        width, height = self.content_size.width, self.content_size.height
        if width < 12 or height < 3:
            return Text("")
        if not self.starts or not any(v for s in self.series for v in s.values if v):
            return Text("no data in this window", style="dim italic", justify="center")
        legend = self._legend(width)
        plot_height = height - 1 - len(legend)  # time axis and legend lines
        if plot_height < 1:
            return Text("")
        label_width = 8
        plot_width = width - label_width - 1
        if self.stacked:
            rows, top = self._bars(plot_width, plot_height)
        else:
            rows, top = self._lines(plot_width, plot_height)
        out = Text(no_wrap=True, overflow="crop")
        bottom = self._bottom_label()
        for index, row in enumerate(rows):
            label = self.format_value(top) if index == 0 else (bottom if index == plot_height - 1 else "")
            out.append(f"{label:>{label_width}} ", style="dim")
            out.append_text(row)
            out.append("\n")
        out.append_text(self._axis(label_width + 1, plot_width))
        for line in legend:
            out.append("\n")
            out.append_text(line)
        return out

    def _bars(self, width: int, height: int) -> tuple[list[Text], float]:
        columns = [_resample(s.values, width, "sum") for s in self.series]
        count = len(columns[0])
        totals = [sum(c[i] or 0 for c in columns) for i in range(count)]
        top = max(totals) or 1
        rows = []
        for row in range(height):
            line = Text()
            floor = (height - 1 - row) * 8  # this row covers eighths [floor, floor + 8)
            for i in range(count):
                scaled = totals[i] / top * height * 8
                if scaled <= floor:
                    line.append(" ")
                    continue
                # The series whose stacked segment covers this cell's middle colours it.
                middle = min(scaled, floor + 8) - 0.5
                level = 0.0
                color = self.series[-1].color
                for series_index, values in enumerate(columns):
                    level += (values[i] or 0) / top * height * 8
                    if level >= middle:
                        color = self.series[series_index].color
                        break
                fill = min(8, max(1, round(scaled - floor)))
                line.append(_EIGHTHS[fill], style=color)
            rows.append(line)
        return rows, top

    def _lines(self, width: int, height: int) -> tuple[list[Text], float]:
        columns = [_resample(s.values, width * 2, "max") for s in self.series]
        top = max((v for c in columns for v in c if v is not None), default=0) or 1
        low = min((v for c in columns for v in c if v), default=1)
        grid = [[0] * width for _ in range(height)]
        owner: list[list[str | None]] = [[None] * width for _ in range(height)]
        dots_high = height * 4
        for series, values in zip(self.series, columns):
            for x, value in enumerate(values):
                if value is None:
                    continue
                y = min(dots_high - 1, int(self._scale(value, low, top) * (dots_high - 1)))
                row, sub = divmod(dots_high - 1 - y, 4)
                col, half = divmod(x, 2)
                if col < width:
                    grid[row][col] |= _DOTS[half][sub]
                    owner[row][col] = series.color
        rows = []
        for row in range(height):
            line = Text()
            for col in range(width):
                bits = grid[row][col]
                line.append(chr(0x2800 + bits) if bits else " ", style=owner[row][col] or "")
            rows.append(line)
        return rows, top

    def _bottom_label(self) -> str:
        if not self.log_scale:
            return "0"
        low = min((v for s in self.series for v in s.values if v), default=None)
        return self.format_value(low) if low is not None else ""

    def _scale(self, value: float, low: float, top: float) -> float:
        """Position of a value between the bottom (0) and the top (1) of the plot."""
        if not self.log_scale:
            return value / top
        if value <= 0 or top <= low:
            return 0.0
        return max(0.0, math.log(value / low) / math.log(top / low))

    def _axis(self, indent: int, width: int) -> Text:
        if not self.starts:
            return Text("")
        first, last = self.starts[0], self.starts[-1]
        with_date = last - first >= 86400
        left, right = clock_time(first, with_date), clock_time(last, with_date)
        gap = max(1, width - len(left) - len(right))
        return Text(" " * indent + left + " " * gap + right, style="dim")

    def _legend(self, width: int) -> list[Text]:
        """The series' colours and the unit, on as many lines as the width needs."""
        items = [Text.assemble(("■ ", series.color), (series.name, "dim")) for series in self.series]
        if self.unit:
            items.append(Text(f"({self.unit})", style="dim"))
        lines = [Text(" " * 9)]
        for item in items:
            line = lines[-1]
            if line.cell_len > 9 and line.cell_len + 2 + item.cell_len > width:
                lines.append(Text(" " * 9))
                line = lines[-1]
            if line.cell_len > 9:
                line.append("  ")
            line.append_text(item)
        return lines
