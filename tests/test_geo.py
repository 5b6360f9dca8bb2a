"""GeoIP: database discovery, lookups, labels for non-public addresses, report and filter."""

from __future__ import annotations

import os
import shutil
from contextlib import asynccontextmanager
import subprocess
import sys
from types import SimpleNamespace

import orjson
import pytest

from factory import BASE, cloudtrail, delivery, jsonl, send
from helpers import SHARED, events, ingest
from sestui import geo as g
from sestui.filters import FilterError, compile_filter

DBS = SHARED / "geoip"
needs_databases = pytest.mark.skipif(not (DBS / "GeoLite2-City-Test.mmdb").exists(), reason="MaxMind test databases (../shared/geoip) are not here")
CITY, COUNTRY, ASN = (str(DBS / f"GeoLite2-{kind}-Test.mmdb") for kind in ("City", "Country", "ASN"))
BROKEN = str(DBS / "GeoIP2-City-Test-Broken-Double-Format.mmdb")


def with_geo(app, *paths: str):  # type: ignore[no-untyped-def]
    """The app with these GeoIP databases loaded, as `tail --geoip-db` loads them."""
    app.geo = g.Geo(list(paths))
    app.locate = app.geo.place
    return app


@pytest.mark.parametrize(
    "value, label",
    [
        ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("127.0.0.1", "private"), ("169.254.1.1", "private"),
        ("fd00::1", "private"), ("::1", "private"), ("fe80::1", "private"), ("240.0.0.1", "private"),
        ("100.64.0.1", "private"), ("::ffff:100.64.0.1", "private"), ("::ffff:10.0.0.1", "private"),
        ("ses.amazonaws.com", "aws"), ("AWS Internal", "aws"), ("not an ip", "unknown"), ("", "unknown"), (None, "unknown"),
        ("81.2.69.160", None), ("2001:480::1", None),
    ],
)
def test_non_public_addresses_are_labelled_never_looked_up(value, label):
    assert g.classify(value) == label


@needs_databases
def test_city_and_asn_lookups_for_ipv4_and_ipv6():
    geo = g.Geo([CITY, ASN])
    assert geo.info.type == "GeoLite2-City" and geo.asn_info.type == "GeoLite2-ASN"
    london = geo.place("81.2.69.160")
    assert (london.country, london.name, london.city) == ("GB", "United Kingdom", "London")
    assert london.lat == pytest.approx(51.5142)
    sweden = geo.place("89.160.20.112")
    assert (sweden.country, sweden.asn, sweden.org) == ("SE", 29518, "Bredband2 AB")
    assert sweden.key == "SE\x1fLinköping\x1fAS29518 Bredband2 AB"
    assert geo.place("2001:480::1").country == "US"
    assert geo.place("8.8.8.8").country == "unknown"  # public but not in this database
    assert geo.place("10.0.0.1").country == "private"
    assert geo.database["build_date"].startswith("20")


@needs_databases
def test_an_address_located_to_a_continent_only_is_not_located():
    """2a02:d500::/29 has the coordinates of Europe's middle but no country: it belongs to the
    `unknown` row, which must not take its coordinates for a marker."""
    geo = g.Geo([CITY])
    place = geo.place("2a02:d500::1")
    assert (place.country, place.city, place.lat, place.lon) == ("unknown", None, None, None)
    assert place.key == geo.place("8.8.8.8").key  # one row with the addresses not in the database


def test_an_address_with_only_a_registered_country_is_not_placed_by_its_coordinates():
    """MaxMind gives some blocks the country they are registered in and a continent's middle as
    coordinates: the row is that country's, and its marker goes to the country, not to the
    continent's middle."""
    names = SimpleNamespace(iso_code=None, name=None)
    found = SimpleNamespace(
        country=names,
        registered_country=SimpleNamespace(iso_code="DE", name="Germany"),
        city=SimpleNamespace(name=None),
        location=SimpleNamespace(latitude=48.69096, longitude=9.14062),  # Europe's middle
    )
    geo = g.Geo.__new__(g.Geo)
    geo.location, geo.asn, geo._city = SimpleNamespace(city=lambda ip: found), None, True
    place = geo._lookup("198.51.100.7", LookupError)
    assert (place.country, place.name, place.lat, place.lon) == ("DE", "Germany", None, None)


@needs_databases
def test_country_database_has_no_city_and_the_type_comes_from_metadata(tmp_path):
    misleading = tmp_path / "GeoLite2-ASN.mmdb"  # a Country database under an ASN name
    shutil.copy(COUNTRY, misleading)
    geo = g.Geo([str(misleading)])
    assert geo.info.type == "GeoLite2-Country" and geo.asn is None
    place = geo.place("81.2.69.160")
    assert (place.country, place.city, place.lat) == ("GB", None, None)


@needs_databases
def test_missing_corrupt_and_broken_databases_never_stop_anything(tmp_path):
    geo, reason = g.load([str(tmp_path / "missing.mmdb")])
    assert geo is None and "missing.mmdb" in reason and "\n" not in reason
    junk = tmp_path / "junk.mmdb"
    junk.write_bytes(b"not a database at all" * 100)
    geo, reason = g.load([str(junk)])
    assert geo is None and "junk.mmdb" in reason
    geo, reason = g.load([], environ={})
    if geo is None:  # nothing installed system-wide: the explanation says how to get one
        assert reason.startswith(g.NOT_CONFIGURED) and "geoipupdate" in reason
    broken = g.Geo([BROKEN])  # opens, but its data section is corrupt
    assert broken.place("81.2.69.160").country == "unknown"
    assert broken.error and "corrupt" in broken.error
    assert broken.place("89.160.20.112").country == "unknown"  # stays disabled, no exception


@needs_databases
def test_database_search_order(tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    shutil.copy(ASN, first / "one.mmdb")
    shutil.copy(COUNTRY, first / "two.mmdb")
    shutil.copy(CITY, second / "three.mmdb")
    monkeypatch.setattr(g, "SEARCH_DIRS", (str(first), str(second)))
    # City beats Country wherever it is, and an ASN database comes along.
    assert g.find_databases([], environ={}) == [str(second / "three.mmdb"), str(first / "one.mmdb")]
    assert g.find_databases([], environ={g.ENV: f"{COUNTRY}{os.pathsep}{ASN}"}) == [COUNTRY, ASN]
    assert g.find_databases([CITY], environ={g.ENV: COUNTRY}) == [CITY]


@needs_databases
def test_country_filter_terms():
    geo = g.Geo([CITY])
    store = ingest(jsonl([send(BASE), delivery(BASE + 1)]))
    send_event, delivery_event = events(store)
    send_event.source_ip, delivery_event.remote_ip = "89.160.20.112", "81.2.69.160"
    sweden = compile_filter("country:SE", geo.place)
    assert sweden(send_event) and not sweden(delivery_event)
    assert compile_filter("-country:SE", geo.place)(delivery_event)
    assert compile_filter("mta_country:GB", geo.place)(delivery_event)
    assert not compile_filter("source_country:GB", geo.place)(delivery_event)
    with pytest.raises(FilterError):
        compile_filter("country:SE")  # no database: the filter says so instead of matching nothing


def run_report(*args: str, stdin: bytes) -> dict:
    result = subprocess.run([sys.executable, "-m", "sestui", "report", "--json", *args, "-"], input=stdin, capture_output=True, timeout=60, env={**os.environ, "PYTHONPATH": os.getcwd(), g.ENV: ""})
    assert result.returncode == 0, result.stderr
    return orjson.loads(result.stdout)


@needs_databases
def test_report_geo_section():
    records = []
    for i, ip in enumerate(["89.160.20.112", "89.160.20.113", "81.2.69.160", "10.0.0.7"]):
        record = send(BASE + i)
        record["mail"]["tags"] = {"ses:source-ip": [ip]}
        records.append(record)
    records.append(cloudtrail(BASE + 10, source="ses.amazonaws.com", error="AccessDenied"))
    records[-1]["sourceIPAddress"] = "175.16.199.1"
    records.append(cloudtrail(BASE + 11))
    records[-1]["sourceIPAddress"] = "AWS Internal"
    data = jsonl(records)
    report = run_report("--geoip-db", CITY, stdin=data)["geo"]
    assert report["database"]["type"] == "GeoLite2-City"
    assert report["source_ips"] == [["SE", 2], ["GB", 1], ["private", 1]]
    assert report["cloudtrail_failed_ips"] == [["CN", 1]]
    assert report["cloudtrail_ok_ips"] == [["aws", 1]]
    assert report["mta_ips"] == [] and report["open_click_ips"] == []
    without = run_report(stdin=data)["geo"]
    assert without["database"] is None and without["source_ips"] == []
    assert report["error"] is None and without["error"] is None  # every key, always
    filtered = run_report("--geoip-db", CITY, "--filter", "country:SE", stdin=data)
    assert filtered["counts"]["Send"] == 2


@needs_databases
async def test_geo_tab_with_and_without_a_database():
    from sestui.ui.widgets.tables import Table
    from sestui.ui.widgets.worldmap import WorldMap
    from ui_support import cells, sample_app, sample_store

    store = sample_store()
    without = sample_app(store)
    async with without.run_test(size=(140, 50)) as pilot:
        without.tick()
        await pilot.press("6")
        await pilot.pause()
        assert "GeoIP not configured" in str(without.query_one("#geo-db").render())
        assert not without.active_panel.tables() and not without.query(WorldMap)  # the note alone
    app = with_geo(sample_app(store), CITY, ASN)
    async with app.run_test(size=(140, 50)) as pilot:
        app.tick()
        await pilot.press("6")
        await pilot.pause()
        header = str(app.query_one("#geo-db").render())
        assert "GeoLite2-City" in header and "built 2026-02-04" in header
        rows = cells(app.query_one("#t-geo_source_ips", Table))
        countries = [row[0] for row in rows]
        assert any(c.startswith("SE Sweden") for c in countries) and "private" in countries
        assert any(row[1] == "Linköping" for row in rows)
        world = app.query_one(WorldMap)
        assert world.markers and any(m.color for m in world.markers)
        rendered = str(world.render())
        assert any("\u2800" < ch <= "\u28ff" for ch in rendered)  # braille drawn
        # Enter on a country row drills into that country's events.
        table = app.query_one("#t-geo_source_ips", Table)
        table.focus()
        sweden = next(i for i, row in enumerate(rows) if row[0].startswith("SE"))
        table.move_cursor(row=sweden)
        await pilot.press("enter")
        await pilot.pause()
        listed = app.screen.query_one("#drill-log").events
        assert listed and all(app.geo.country(e.source_ip) == "SE" for e in listed)


@needs_databases
async def test_a_search_in_an_event_list_takes_place_fields_as_the_filter_does():
    from ui_support import sample_app

    app = with_geo(sample_app(), CITY, ASN)
    async with app.run_test(size=(140, 44)) as pilot:
        app.tick()
        await pilot.press("7")
        await pilot.pause()
        log = app.focused
        swedish = [i for i, e in enumerate(log.events) if e.source_ip and app.geo.place(e.source_ip).country == "SE"]
        assert swedish and log.cursor not in swedish
        await pilot.press("slash", *"source_country:SE", "enter")
        await pilot.pause()
        assert log.cursor in swedish and not app._notifications  # noqa: SLF001


@asynccontextmanager
async def geo_tab(records: list[dict], size: tuple[int, int]):  # type: ignore[no-untyped-def]
    """The app over these records (window all, the City test database) showing its Geo tab:
    (app, the rows of its Mail source IPs table)."""
    from sestui.ui.widgets.tables import Table
    from ui_support import cells, sample_app

    app = with_geo(sample_app(ingest(jsonl(records)), window="all"), CITY)
    async with app.run_test(size=size) as pilot:
        app.tick()
        await pilot.press("6")
        await pilot.pause()
        yield app, cells(app.query_one("#t-geo_source_ips", Table))


@needs_databases
async def test_the_not_located_row_has_no_marker_on_the_map():
    from sestui.ui.widgets.worldmap import WorldMap

    # A public address the database does not list, then a block located to Europe's middle only:
    # the row's place was the last address's, with that block's coordinates.
    records = [send(BASE, tags={"ses:source-ip": ["8.8.8.8"]}), send(BASE + 1, tags={"ses:source-ip": ["2a02:d500::1"]})]
    records.append(send(BASE + 2, tags={"ses:source-ip": ["89.160.20.112"]}))  # Sweden
    async with geo_tab(records, (120, 50)) as (app, rows):
        assert [(row[0].split()[0], row[3]) for row in rows] == [("unknown", "2"), ("SE", "1")]
        sweden = g.Geo([CITY]).place("89.160.20.112")
        assert [(m.lat, m.lon, m.count) for m in app.query_one(WorldMap).markers] == [(sweden.lat, sweden.lon, 1)]


@needs_databases
@pytest.mark.parametrize("width", [60, 80, 120])
async def test_the_map_legend_names_every_marker_colour(width):
    from sestui.ui.widgets.panels import GEO_TABLES
    from sestui.ui.widgets.worldmap import WorldMap

    async with geo_tab([send(BASE, tags={"ses:source-ip": ["89.160.20.112"]})], (width, 50)) as (app, _):
        world = app.query_one(WorldMap)
        legend = [line.plain for line in world.legend_lines()]
        assert all(len(line) <= world.content_size.width for line in legend)
        shown = world.render().plain.splitlines()[-len(legend) :]
        assert shown == legend
        named = " ".join(legend)
        assert all(f"● {title}" in named for _, title, _, _ in GEO_TABLES), legend


SOURCE_COLOR = "#5f87d7"  # Mail source IPs on the map


def marked_cells(world: WorldMap) -> set[tuple[int, int]]:
    """(row, column) of the map cells drawn in the Mail source IPs marker colour."""
    text = world.render()
    found = set()
    row = column = 0
    styles = {}
    for span in text.spans:
        for offset in range(span.start, span.end):
            styles[offset] = str(span.style)
    for offset, ch in enumerate(text.plain):
        if ch == "\n":
            row, column = row + 1, 0
            continue
        if SOURCE_COLOR in styles.get(offset, ""):
            found.add((row, column))
        column += 1
    return found


@needs_databases
async def test_a_place_with_one_event_beside_one_with_many_is_still_marked_on_the_map():
    """A marker's smallest radius must light a dot wherever it falls between dot centres."""
    from sestui.ui.widgets.worldmap import WorldMap

    records = [send(BASE + i % 60, tags={"ses:source-ip": ["89.160.20.112"]}) for i in range(700)]  # Sweden
    records.append(send(BASE + 61, tags={"ses:source-ip": ["2a02:d0c0::1"]}))  # Russia, 60N 100E
    async with geo_tab(records, (100, 50)) as (app, rows):
        assert any(row[0].startswith("RU") for row in rows)  # the table lists Russia
        world = app.query_one(WorldMap)
        width, height = world.content_size.width, world.content_size.height - len(world.legend_lines())
        # The equirectangular projection the map uses: the cell holding 60N 100E.
        row, column = int((90 - 60) / 180 * height), int((100 + 180) / 360 * width)
        near = {(r, c) for r in range(row - 1, row + 2) for c in range(column - 1, column + 2)}
        assert marked_cells(world) & near, f"no marker near cell {(row, column)} for Russia on a {width}x{height} map"
