"""The world map's data: a 1-degree land mask and country centroids (see sestui/data/README.md)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

ROWS, COLUMNS = 180, 360  # 1-degree cells, row 0 = 90N..89N, column 0 = 180W..179W


@lru_cache(maxsize=1)
def land_mask() -> tuple[int, ...]:
    """One integer per latitude row; bit (COLUMNS - 1 - column) set where the cell is land."""
    text = files("sestui").joinpath("data/world.txt").read_text(encoding="ascii")
    rows = tuple(int(line, 16) for line in text.split())
    assert len(rows) == ROWS, "world.txt must have 180 rows"
    return rows


def is_land(lat: float, lon: float) -> bool:
    row = min(ROWS - 1, max(0, int(90 - lat)))
    column = min(COLUMNS - 1, max(0, int(lon + 180)))
    return bool(land_mask()[row] >> (COLUMNS - 1 - column) & 1)


@lru_cache(maxsize=1)
def centroids() -> dict[str, tuple[float, float, str]]:
    """ISO 3166-1 alpha-2 code -> (latitude, longitude, English name)."""
    text = files("sestui").joinpath("data/countries.tsv").read_text(encoding="utf-8")
    table: dict[str, tuple[float, float, str]] = {}
    for line in text.splitlines()[1:]:
        code, lat, lon, name = line.split("\t")
        table[code] = (float(lat), float(lon), name)
    return table
