"""A braille world map with markers sized by count."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from rich.text import Text
from textual.widget import Widget

from ...mapdata import COLUMNS, ROWS, land_mask

# Braille dot bits for (column 0|1, row 0..3 from the top).
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


@dataclass(frozen=True, slots=True)
class Marker:
    lat: float
    lon: float
    count: int
    color: str


@lru_cache(maxsize=4)
def _land(width: int, height: int) -> list[list[int]]:
    """Braille bits of the land mask scaled to width x height cells (cached per size)."""
    dots_w, dots_h = width * 2, height * 4
    mask = land_mask()
    land = [[0] * width for _ in range(height)]
    for y in range(dots_h):
        row = mask[min(ROWS - 1, int(y * ROWS / dots_h))]
        for x in range(dots_w):
            column = min(COLUMNS - 1, int(x * COLUMNS / dots_w))
            if row >> (COLUMNS - 1 - column) & 1:
                land[y // 4][x // 2] |= _DOTS[x % 2][y % 4]
    return land


class WorldMap(Widget):
    """Equirectangular world; land in dim dots, markers as discs whose area grows with count."""

    DEFAULT_CSS = """
    WorldMap { height: 22; }
    """
    can_focus = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.markers: list[Marker] = []
        self.legend: list[tuple[str, str]] = []

    def set_markers(self, markers: list[Marker], legend: list[tuple[str, str]]) -> None:
        self.markers = markers
        self.legend = legend
        self.refresh()

    def legend_lines(self) -> list[Text]:
        """The legend, its entries packed into lines of the map's width (one too long for a line
        is cut with an ellipsis): every marker colour is named."""
        width = self.content_size.width
        lines: list[Text] = []
        line = Text()
        for name, color in self.legend:
            if line.cell_len and line.cell_len + 4 + len(name) > width:
                lines.append(line)
                line = Text()
            if line.cell_len:
                line.append("  ")
            line.append("● ", style=color)
            line.append(name, style="dim")
        if line.cell_len:
            lines.append(line)
        for line in lines:
            line.truncate(width, overflow="ellipsis")
        return lines

    def render(self) -> Text:
        legend = self.legend_lines()
        width, height = self.content_size.width, self.content_size.height - max(1, len(legend))
        if width < 10 or height < 4:
            return Text("")
        dots_w, dots_h = width * 2, height * 4
        land = _land(width, height)
        marks = [[0] * width for _ in range(height)]
        colors: list[list[str | None]] = [[None] * width for _ in range(height)]
        top = max((m.count for m in self.markers), default=1)
        for marker in sorted(self.markers, key=lambda m: m.count):  # biggest drawn last
            cx = (marker.lon + 180) / 360 * dots_w
            cy = (90 - marker.lat) / 180 * dots_h
            # At least the half-diagonal of a dot cell (0.71): the smallest marker lights a dot
            # wherever it falls between dot centres.
            radius = 0.75 + 2.5 * math.sqrt(marker.count / top)
            for y in range(int(cy - radius), int(cy + radius) + 1):
                for x in range(int(cx - radius), int(cx + radius) + 1):
                    if 0 <= x < dots_w and 0 <= y < dots_h and (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= radius**2:
                        marks[y // 4][x // 2] |= _DOTS[x % 2][y % 4]
                        colors[y // 4][x // 2] = marker.color
        out = Text(no_wrap=True, overflow="crop")
        for row in range(height):
            for col in range(width):
                if marks[row][col]:
                    out.append(chr(0x2800 | marks[row][col] | land[row][col]), style=f"bold {colors[row][col]}")
                else:
                    bits = land[row][col]
                    out.append(chr(0x2800 | bits) if bits else " ", style="#4e4e4e")
            out.append("\n")
        return out + Text("\n").join(legend)
