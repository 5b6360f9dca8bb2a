"""The live UI, driven like a user: keys in, widget state out."""

from __future__ import annotations

import csv
import re
import threading
import time

import pytest
from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region
from textual.widgets import DataTable, Static, Tab, TabbedContent
from textual.widgets._footer import FooterKey
from textual.widgets._tabs import Underline

from factory import BASE, bounce, cloudtrail, complaint, delivery, jsonl, notification, send, sns
from helpers import ingest
from sestui import commands
from sestui.cli import build_parser
from sestui.describe import fields
from sestui.events import Event
from sestui.query import WINDOWS_BY_NAME, Query
from sestui.paths import classify
from sestui.sources import CLOSED, ERROR, FOLLOWING, Follower, Options, SourceStatus
from sestui.store import Store
from sestui.timeparse import iso
from sestui.ui.app import TABS, make_app
from sestui.ui.format import clock_time, full_time, header_facts, sparkline
from sestui.ui.screens.detail import DetailScreen
from sestui.ui.screens.events import EventsScreen
from sestui.ui.screens.help import HelpScreen, key_name
from sestui.ui.screens.status import StatusScreen
from sestui.ui.widgets.charts import Chart
from sestui.ui.widgets.eventlog import EventLog
from sestui.ui.widgets.filterbar import FilterBar
from sestui.ui.widgets.footer import Footer
from sestui.ui.widgets.searchlog import SearchableLog
from sestui.ui.widgets.statusline import Fact, StatusLine
from sestui.ui.widgets.tables import NO_DATA, READABLE, Column, Table
from ui_support import cells, sample_app, sample_store, settled, showing

SIZES = [(120, 40), (80, 24)]


def table(app, table_id: str) -> Table:  # type: ignore[no-untyped-def]
    return app.query_one(f"#{table_id}", Table)


def rendered_text(widget) -> str:  # type: ignore[no-untyped-def]
    """The widget as drawn (border included), one line per row."""
    strips = widget.render_lines(Region(0, 0, widget.outer_size.width, widget.outer_size.height))
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def ranking_cells(query: Query, name: str) -> list[list[str]]:
    ranked = query.ranked(name)
    total = sum(query.ranked_counts(name).counts.values())
    return [[key, f"{n:,}", f"{n / total * 100:.1f}%"] for key, n in ranked.rows]


async def test_a_value_cut_to_its_column_ends_in_an_ellipsis():
    app = sample_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.tick()
        await pilot.press("5")  # CloudTrail: event names are longer than their column here
        await pilot.pause()
        failed = table(app, "t-failed")
        rendered = rendered_text(failed)
        width = failed.columns["Event name"].width
        assert width < len("GetIdentityNotificationAttributes")
        assert "GetIdentityNotificationAttributes"[: width - 1] + "…" in rendered
        assert "GetIdentityNotificationAttributes"[:width] not in rendered  # never cut silently


async def test_home_and_end_move_to_the_first_and_last_row():
    app = sample_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.press("2")  # Bounces: its first table has several rows
        await pilot.pause()
        focused = app.focused
        assert isinstance(focused, Table) and focused.row_count > 2
        await pilot.press("end")
        assert focused.cursor_row == focused.row_count - 1
        await pilot.press("home")
        assert focused.cursor_row == 0


async def test_event_lists_show_their_column_header_inside_their_box():
    async with showing("7") as (app, pilot):

        def boxed(screen) -> tuple[str, Region, Region, Region]:  # type: ignore[no-untyped-def]
            box = screen.query_one(SearchableLog)
            header = box.query_one(".list-header", Static)
            return str(header.render()), box.region, box.content_region, header.region

        text, outer, inner, header = boxed(app.screen)
        assert text.startswith("Time") and "Summary" in text
        # Below the top border line (where the title is), and above the first event.
        assert inner.contains_region(header) and header.y == outer.y + 1
        assert header.bottom <= app.query_one("#event-log", EventLog).region.y
        await pilot.press("2", "enter")  # drill into the top bounced address
        await pilot.pause()
        text, outer, inner, header = boxed(app.screen)
        assert text.startswith("Time") and "Diagnostic code" in text  # one kind: its own columns
        assert inner.contains_region(header) and header.y == outer.y + 1


@pytest.mark.parametrize("size", SIZES)
async def test_every_tab_key_shows_its_panel_with_the_first_table_focused(size):
    app = sample_app()
    async with app.run_test(size=size) as pilot:
        app.tick()
        await pilot.pause()
        for index, (tab, _, _) in enumerate(TABS, 1):
            await pilot.press(str(index))
            await pilot.pause()
            assert app.query_one("#tabs", TabbedContent).active == tab
            focused = app.focused
            if tab == "geo":
                continue
            if tab == "events":
                assert isinstance(focused, EventLog) and focused.cursor == 0
                assert focused.events and focused.events[0].time == app.current.as_of
                continue
            assert isinstance(focused, Table)
            assert focused is app.active_panel.tables()[0]
            assert focused.cursor_row == 0


async def test_panels_show_the_query_numbers():
    store = sample_store()
    app = sample_app(store)
    query = Query(store, WINDOWS_BY_NAME["24h"])
    async with app.run_test(size=(160, 50)) as pilot:
        app.tick()
        await pilot.pause()
        kinds = {row[0]: row[1] for row in cells(table(app, "t-kinds"))}
        assert kinds["Bounce"] == f"{query.counts()['Bounce']:,}"
        assert kinds["Delivery"] == f"{query.counts()['Delivery']:,}"
        assert cells(table(app, "t-sources")) == ranking_cells(query, "sources")
        await pilot.press("2")
        await pilot.pause()
        assert cells(table(app, "t-bounce_domains")) == ranking_cells(query, "bounce_domains")
        assert cells(table(app, "t-bounce_domains"))[0][0] == "outlook.com"  # the sample's block-list burst
        recent = cells(table(app, "t-recent-bounces"))
        assert recent[0][1] == query.recent("Bounce", 1)[0].recipients[0]
        await pilot.press("4")
        await pilot.pause()
        mta = cells(table(app, "t-mta"))
        top = query.mta_stats()[0]
        assert mta[0][0] == top.mta and mta[0][1] == f"{top.count:,}"
        await pilot.press("5")
        await pilot.pause()
        errors = cells(table(app, "t-error_codes"))
        assert errors == ranking_cells(query, "error_codes")
        failed = cells(table(app, "t-failed"))
        assert all(row[2] != "-" for row in failed)  # only calls with an error code


async def test_tables_title_their_unit_and_window_and_say_when_empty():
    async with showing("2") as (app, pilot):
        assert "recipients · 24h" in str(table(app, "t-bounce_domains").border_title)
        for _ in range(3):  # 24h -> 7d -> all -> 5m
            await pilot.press("w")
        await pilot.pause()
        assert app.window.name == "5m"
        assert cells(table(app, "t-recent-bounces"))[0][0] == NO_DATA


async def test_only_tables_that_cover_less_than_the_window_say_so():
    """Past the ring, counts stay exact (time buckets) and rankings cover the ring's newest
    events; for window `all` rankings come from all-time counters that saw every event."""
    store = sample_store(max_events=300)
    async with showing(app=sample_app(store)) as (app, pilot):
        titles = {name: str(table(app, name).border_title) for name in ("t-kinds", "t-sources")}
        assert "newest" not in titles["t-kinds"] and "events · 24h · newest 300 events only" in titles["t-sources"]
        await pilot.press("5")
        await pilot.pause()
        assert "newest" not in str(table(app, "t-groups").border_title)
        assert "newest 300 events only" in str(table(app, "t-error_codes").border_title)
        await pilot.press("4")
        await pilot.pause()
        assert all("newest 300 events only" in str(table(app, name).border_title) for name in ("t-mta", "t-outliers"))
        for _ in range(2):  # 24h -> 7d -> all
            await pilot.press("w")
        await pilot.pause()
        assert app.window.name == "all"
        assert all("newest" not in str(table(app, name).border_title) for name in ("t-mta", "t-outliers", "t-delivery_domains"))


async def test_counts_under_a_filter_set_after_the_ring_let_events_go_say_what_they_lack():
    """The filtered view is built from the ring: with --max-events 300, a kind:Bounce filter
    counted 3 of the sample's 35 bounces under a title that claimed the whole 24 hours."""
    store = sample_store(max_events=300)
    let_go = store.main.evicted
    async with showing(app=sample_app(store)) as (app, pilot):
        assert "missed" not in str(table(app, "t-kinds").border_title)
        await pilot.press("f", *"kind:Bounce", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.tick()
        await pilot.pause()
        missed = f"filter missed up to {let_go:,} events"
        assert str(table(app, "t-kinds").border_title).endswith(f"events · 24h · {missed}")
        rates = str(app.query_one("#rates", Static).render())
        assert missed in app.query_one(Chart).border_title and missed in rates and "filtered events" in rates
        assert any(f"The {let_go:,} events the ring had let go were not filtered" in n.message for n in app._notifications)  # noqa: SLF001
        assert "newest 3 events only" in str(table(app, "t-sources").border_title)  # rankings: the view's ring
        await pilot.press("w", "w")  # 24h -> 7d -> all: exact counts of the view's own
        await pilot.pause()
        assert str(table(app, "t-kinds").border_title).endswith(f"events · all · filter missed {let_go:,} events")


async def test_window_cycling_changes_the_numbers_as_expected():
    store = sample_store()
    app = sample_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.pause()

        def shown_sends() -> str:
            return next(row[1] for row in cells(table(app, "t-kinds")) if row[0] == "Send")

        assert shown_sends() == f"{Query(store, WINDOWS_BY_NAME['24h']).counts()['Send']:,}"
        await pilot.press("w")
        await pilot.pause()
        assert app.window.name == "7d"
        assert shown_sends() == f"{Query(store, WINDOWS_BY_NAME['7d']).counts()['Send']:,}"
        await pilot.press("W", "W")
        await pilot.pause()
        assert app.window.name == "6h"
        six = Query(store, WINDOWS_BY_NAME["6h"]).counts()["Send"]
        assert shown_sends() == f"{six:,}" and six < Query(store, WINDOWS_BY_NAME["7d"]).counts()["Send"]
        assert "window 6h" in app.sub_title


async def test_pause_freezes_the_tables_while_ingest_continues():
    store = sample_store()
    app = sample_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.press("2")
        await pilot.pause()
        before = cells(table(app, "t-bounce_domains"))
        await pilot.press("p")
        newest = store.as_of
        ingest(jsonl([bounce(newest - 1 - i, f"x{i}@paused.example") for i in range(50)]), store=store)
        app.tick()
        await pilot.pause()
        assert cells(table(app, "t-bounce_domains")) == before
        assert "PAUSED · 50 new" in app.sub_title
        await pilot.press("p")
        await pilot.pause()
        after = cells(table(app, "t-bounce_domains"))
        assert after[0][:2] == ["paused.example", "50"]
        assert "PAUSED" not in app.sub_title


async def test_pause_holds_every_view_at_the_moment_of_pausing():
    store, reference = sample_store(), sample_store()  # the reference never gets the new events
    app = sample_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.press("p")
        await pilot.pause()
        as_of = store.as_of
        ingest(jsonl([bounce(as_of + 1 + i, f"x{i}@paused.example") for i in range(50)]), store=store)
        app.tick()
        await pilot.press("2", "w")  # a tab first opened while paused, then another window
        await pilot.pause()
        seven_days = Query(reference, WINDOWS_BY_NAME["7d"])
        assert cells(table(app, "t-bounce_domains")) == ranking_cells(seven_days, "bounce_domains")
        assert f"as of {full_time(as_of)}" in app.sub_title and "PAUSED · 50 new" in app.sub_title
        await pilot.press("enter")  # a drilldown
        await pilot.pause()
        listed = app.screen.query_one(EventLog).events
        assert listed and max(e.time for e in listed) <= as_of
        await pilot.press("escape", "7")  # the Events tab
        await pilot.pause()
        shown = app.query_one("#event-log", EventLog).events
        assert shown == seven_days.newest_first()
        await pilot.press("enter")  # an event's detail and its message's timeline
        await pilot.pause()
        assert app.screen.event is shown[0] and all(e.time <= as_of for _, e in app.screen.timeline)
        await pilot.press("escape", "f", *"kind:Bounce", "enter")  # a filter, applied to the paused data
        await app.workers.wait_for_complete()
        await pilot.pause()
        bounces = app.query_one("#event-log", EventLog).events
        assert bounces == seven_days.recent("Bounce", 10_000) and f"as of {clock_time(as_of)}Z" in app.sub_title  # compact beside a filter
        await pilot.press("p")
        await pilot.pause()
        assert "PAUSED" not in app.sub_title and store.as_of > as_of
        assert app.query_one("#event-log", EventLog).events[0].recipients == ("x49@paused.example",)


async def test_a_drilldown_lists_the_events_its_table_counted_as_of_the_header():
    store = sample_store()
    app = sample_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.pause()
        as_of = store.as_of
        shown = dict((row[0], row[1]) for row in cells(table(app, "t-kinds")))
        # Arriving after the redraw, before the next one: newer than what the screen shows.
        ingest(jsonl([bounce(as_of + 1 + i, f"late{i}@late.example") for i in range(3)]), store=store)
        kinds = table(app, "t-kinds")
        kinds.move_cursor(row=[row[0] for row in cells(kinds)].index("Bounce"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)
        listed = app.screen.query_one(EventLog).events
        assert f"as of {full_time(as_of)}" in app.sub_title
        assert listed and max(e.time for e in listed) <= as_of
        assert f"{len(listed):,}" == shown["Bounce"] and f"{shown['Bounce']} events" in app.screen.title_text
        # Enter just after `w`, while the new window's redraw is still being gathered: the list
        # is what the row on screen counted, and names that row's window.
        await pilot.press("escape")
        app.window = WINDOWS_BY_NAME["5m"]  # as set_window leaves it until the worker is done
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one(EventLog).events == listed
        assert app.screen.title_text.endswith(" · 24h")


async def test_help_and_input_screens_open_and_close():
    app = sample_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.tick()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        listed = {binding.action for _, bindings in app.screen.sections for binding in bindings}
        assert {"filter", "export", "cycle_window(1)", "toggle_pause", "quit", "search", "back"} <= listed
        keys = {binding.action: key_name(binding) for _, bindings in app.screen.sections for binding in bindings}
        assert keys["help"] == "?" and keys["search"] == "/"  # as typed, not Textual's key names
        listed_keys = [key_name(binding) for _, bindings in app.screen.sections for binding in bindings]
        assert listed_keys.count("1") == 1 and listed_keys.count("7") == 1  # each tab key once
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StatusScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, StatusScreen)


async def test_the_input_screens_notes_take_its_whole_width():
    store = sample_store()
    note = "/var/log/ses/app.log: a rotated file was let go in the middle of a line; the line is read from its compressed copy"
    store.note(note)
    async with showing("s", app=sample_app(store), size=(120, 40)) as (app, pilot):
        lines = screen_lines(app)
        at = next(i for i, line in enumerate(lines) if "│ Notes " in line)
        column = lines[at].index("│ Notes ") + 2
        assert lines[at + 1][column:].startswith("/var/log/ses/app.log: a rotated file was let go")  # under "Notes"
        assert note in " ".join(line[column:].split("│")[0].strip() for line in lines[at + 1 : at + 3])


async def test_the_header_follows_the_input_under_the_input_screen():
    """The tabs are not gathered under `s`, but its counts are live: so is the header's "as of"."""
    store = sample_store()
    async with showing("s", app=sample_app(store)) as (app, pilot):
        later = store.as_of + 60
        ingest(jsonl([bounce(later, "late@late.example")]), store=store)
        app.tick()
        await pilot.pause()
        assert isinstance(app.screen, StatusScreen) and f"as of {full_time(later)}" in app.sub_title


async def test_the_input_screen_follows_the_input_and_holds_while_paused():
    store = sample_store()
    app = sample_app(store)
    async with app.run_test(size=(100, 40)) as pilot:

        def shown(name: str) -> str:
            found = (re.search(rf"│ {name} +([\d,]+) ", line) for line in screen_lines(app))
            return next(m.group(1) for m in found if m)

        app.tick()
        events, not_json = store.stats.events, store.stats.skipped["not_json"]
        await pilot.press("s")
        await pilot.pause()
        assert (shown("events"), shown("not_json")) == (f"{events:,}", f"{not_json:,}")
        ingest(jsonl([bounce(BASE + i) for i in range(5)]) + b"START RequestId: x\n", store=store)
        app.tick()
        await pilot.pause()
        assert (shown("events"), shown("not_json")) == (f"{events + 5:,}", f"{not_json + 1:,}")
        await pilot.press("escape", "p", "s")  # opened while paused: as of the pause, and it stays so
        ingest(jsonl([bounce(BASE + i) for i in range(7)]), store=store)
        app.tick()
        await pilot.pause()
        assert shown("events") == f"{events + 5:,}" and "as of the pause" in str(app.screen.query_one("#status-body").border_title)
        await pilot.press("escape", "p", "s")
        await pilot.pause()
        assert shown("events") == f"{events + 12:,}"


async def test_tab_moves_focus_between_the_tables_of_a_tab():
    app = sample_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.press("2")
        await pilot.pause()
        tables = app.active_panel.tables()
        assert app.focused is tables[0]
        await pilot.press("tab")
        assert app.focused is tables[1]
        await pilot.press("shift+tab")
        assert app.focused is tables[0]
        # Round the tab's tables, never onto the tab strip: the number keys switch tabs.
        await pilot.press("shift+tab")
        assert app.focused is tables[-1]
        await pilot.press("tab")
        assert app.focused is tables[0]
        await pilot.press("7", "tab")
        await pilot.pause()
        assert app.focused is app.query_one("#event-log", EventLog)


async def test_command_palette_offers_the_actions():
    app = sample_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Window: 1h")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.window.name == "1h"


async def test_the_palette_offers_tab_actions_only_where_their_keys_work():
    async with showing("2", "tab", "enter") as (app, pilot):  # a drilldown over the tabs
        assert isinstance(app.screen, EventsScreen)
        offered = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Input accounting", "Export", "Pause / resume"} <= offered  # `s`, `p` and the screen's own `e` work here
        assert not offered & {"Filter", "Clear filter", "Show Events", "Window: 1h"}
        await pilot.press("ctrl+p", *"Filter")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert not app.main(FilterBar).display  # the hidden main screen's bar stays closed
        assert app.window.name == "24h"
        titles = [command.title for command in app.get_system_commands(app.screen_stack[0])]
        assert {"Filter", "Pause / resume", "Window: 1h", "Help", "Screenshot"} <= set(titles)
        assert len(titles) == len(set(titles))  # no two commands answer to one name
        assert not {"Keys", "Maximize"} & set(titles)  # `?` lists the keys; tabs fill the screen


async def test_the_detail_of_an_event_without_a_message_id_lists_that_event_alone(tmp_path):
    """A CloudTrail call has no message id: its timeline said "no data in this window"."""
    app = sample_app()
    app.export_dir = str(tmp_path)
    async with showing("5", app=app) as (app, pilot):
        failed = table(app, "t-failed")
        failed.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and app.screen.event.message_id is None
        timeline = app.screen.query_one("#timeline", Table)
        assert str(timeline.border_title).endswith("no message id: this event alone")
        assert [row[2].strip() for row in cells(timeline)] == ["▶ CloudTrail"]
        await pilot.press("e")
        await pilot.pause()
        assert any(n.message.startswith("Exported 1 event to ") for n in app._notifications)  # noqa: SLF001


async def test_a_filter_cleared_while_it_is_being_applied_stays_cleared(monkeypatch):
    """The filter is built in a worker; Ctrl+F before it was done used to be undone by it."""
    import sestui.store as store_module

    release, building = threading.Event(), threading.Event()
    real = store_module.matching

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        building.set()
        release.wait(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(store_module, "matching", slow)
    async with showing() as (app, pilot):
        await pilot.press("f", *"kind:Bounce", "enter")
        assert building.wait(5)
        await pilot.press("ctrl+f")
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (app.store.view, app.filter_text) == (None, "")
        assert not any("Filter applied" in n.message for n in app._notifications)  # noqa: SLF001


async def test_the_palettes_screenshot_is_saved_where_exports_go(tmp_path):
    """Textual's own palette Screenshot failed ("Failed to save screenshot") where Ctrl+S worked."""
    app = sample_app()
    app.export_dir = str(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.press("ctrl+p", *"Screenshot")
        await pilot.pause(0.5)
        await pilot.press("enter")

        def saved() -> None:
            assert [path.suffix for path in tmp_path.iterdir()] == [".svg"]

        await settled(pilot, saved)


HOSTILE = [
    "[bold]x[/]@evil.example",
    "[@click=app.quit]clickme[/]@evil.example",
    "a\x1b]0;pwned-title\x07b\x1b]52;c;ZXZpbA==\x1b\\@evil.example",
    "\x1b[31mred\x1b[0m\rover\x08@evil.example",
]


async def test_hostile_text_renders_literally_and_never_reaches_the_terminal():
    records = [bounce(BASE + i, address) for i, address in enumerate(HOSTILE)]
    for record, address in zip(records, HOSTILE):
        record["bounce"]["bouncedRecipients"][0]["diagnosticCode"] = address
    app = sample_app(ingest(jsonl(records)))
    async with app.run_test(size=(160, 40)) as pilot:
        app.tick()
        await pilot.press("2")
        await pilot.pause()
        shown = [row[0] for row in cells(table(app, "t-bounce_addresses"))]
        assert "[bold]x[/]@evil.example" in shown
        assert "[@click=app.quit]clickme[/]@evil.example" in shown
        assert "a\\x1b]0;pwned-title\\x07b\\x1b]52;c;zxzpba==\\x1b\\@evil.example" in shown
        # Exactly what the app would write to the terminal for a full repaint.
        output = app.screen._compositor.render_update(full=True).render_segments(app.console)  # noqa: SLF001
        assert "pwned-title" in output and "clickme" in output
        for payload in ("\x1b]0;pwned", "\x1b]52;", "\x1b[31mred", "title\x07", "over\x08", "\rover"):
            assert payload not in output
        # Clicking the would-be action does nothing: the app keeps running.
        target = table(app, "t-bounce_addresses")
        await pilot.click(target, offset=(4, 2))
        await pilot.pause()
        assert app.is_running


async def test_a_drilldown_follows_the_store_and_holds_while_paused():
    """An on-call engineer watching a bounce burst from its drilldown sees it grow, with the
    header's "as of", as the tabs would; `p` holds it there too, and resuming catches up."""
    store = sample_store()
    app = sample_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.pause()
        kinds = table(app, "t-kinds")
        kinds.move_cursor(row=[row[0] for row in cells(kinds)].index("Bounce"))
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, EventsScreen)
        log = screen.query_one(EventLog)
        await pilot.press("down")  # reading the second bounce
        reading = log.events[log.cursor]
        as_of = store.as_of
        ingest(jsonl([bounce(as_of + 1 + i, f"late{i}@late.example") for i in range(3)]), store=store)
        app.tick()
        await pilot.pause()
        listed = log.events
        assert [e.recipients for e in listed[:3]] == [(f"late{i}@late.example",) for i in (2, 1, 0)]
        assert screen.title_text.startswith(f"Events by kind: Bounce · {len(listed):,} events")
        assert log.events[log.cursor] is reading  # the cursor stays on the event being read
        assert f"as of {full_time(as_of + 3)}" in app.sub_title
        await pilot.press("p")
        await pilot.pause()
        assert "PAUSED" in app.sub_title
        ingest(jsonl([bounce(as_of + 10, "later@late.example")]), store=store)
        app.tick()
        await pilot.pause()
        assert log.events == listed
        await pilot.press("p")
        await pilot.pause()
        assert "PAUSED" not in app.sub_title and log.events[0].recipients == ("later@late.example",)
        # A detail opened from it follows the store too: a later event of its message joins its
        # timeline, and the header gives the detail's "as of", not the tabs'.
        await pilot.press("enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        known = len(detail.timeline)
        message = detail.event.message_id
        ingest(jsonl([bounce(as_of + 20, "latest@late.example"), delivery(as_of + 21, "later@late.example", messageId=message)]), store=store)
        app.tick()
        await pilot.pause()
        assert len(detail.timeline) == known + 1 and detail.timeline[-1][1].recipients == ("later@late.example",)
        assert cells(detail.query_one("#timeline", Table))[-1][2].endswith("Delivery")
        assert f"as of {full_time(as_of + 21)}" in app.sub_title
        await pilot.press("p")  # held while paused
        ingest(jsonl([delivery(as_of + 30, "later@late.example", messageId=message)]), store=store)
        app.tick()
        await pilot.pause()
        assert len(detail.timeline) == known + 1 and f"as of {full_time(as_of + 21)}" in app.sub_title
        await pilot.press("p")
        app.tick()
        await pilot.pause()
        assert len(detail.timeline) == known + 2 and f"as of {full_time(as_of + 30)}" in app.sub_title
        await pilot.press("escape")
        app.tick()
        await pilot.pause()
        assert f"as of {full_time(as_of + 30)}" in app.sub_title and log.events[0].recipients == ("latest@late.example",)


async def test_a_detail_paused_shows_the_events_of_its_message_that_arrived_before_the_pause():
    """Paused on a detail, it shows its message as of the pause, even an event that came
    after the last redraw."""
    store = sample_store()
    async with showing("7", app=sample_app(store)) as (app, pilot):
        await pilot.press("enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, DetailScreen) and detail.event.message_id
        known = len(detail.timeline)
        ingest(jsonl([delivery(store.as_of + 5, "late@late.example", messageId=detail.event.message_id)]), store=store)
        await pilot.press("p")  # no tick came between the delivery and the pause
        await pilot.pause()
        assert app.frozen is not None and app.frozen.stats.events == store.stats.events  # it is in the pause's moment
        assert "PAUSED · 0 new" in app.sub_title
        assert len(detail.timeline) == known + 1  # ... so the detail, as of the pause, shows it


async def live_drilldown(app, pilot, kind: str) -> EventsScreen:  # type: ignore[no-untyped-def]
    """Enter on a kind's row of the Overview, once the live redraw has shown it."""

    def kinds_shown() -> list[str]:
        kinds = [row[0] for row in cells(table(app, "t-kinds"))]
        assert kind in kinds
        return kinds

    kinds = await settled(pilot, kinds_shown)
    table(app, "t-kinds").move_cursor(row=kinds.index(kind))
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, EventsScreen)
    return app.screen


async def test_a_drilldown_whose_live_read_failed_is_read_again():
    """A live read of a drilldown that failed is tried again, not left for the next change of
    the store (a replay read to its end has none)."""
    store = sample_store()
    app = sample_app(store)
    app.auto_tick, app.tick_seconds = True, 0.05
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await live_drilldown(app, pilot, "Bounce")
        await app.workers.wait_for_complete()
        reload, failed = screen.reload, []

        def flaky(query):  # type: ignore[no-untyped-def]
            if not failed:
                failed.append(True)
                raise RuntimeError("a transient failure")
            return reload(query)

        screen.reload = flaky
        ingest(jsonl([bounce(store.as_of + 1, "late@late.example")]), store=store)  # then input stops

        def newest() -> None:
            assert failed
            assert screen.query_one(EventLog).events[0].recipients == ("late@late.example",)

        await settled(pilot, newest, timeout=3.0)


async def test_tail_filter_given_on_the_command_line_counts_every_event(tmp_path):
    """`tail --filter` is set before any input is read: its view sees every event, where one
    typed later is built from what the ring still holds."""
    records = [bounce(BASE + i, f"b{i}@x.example") if i % 10 == 0 else send(BASE + i, f"u{i}@x.example") for i in range(20_000)]
    path = tmp_path / "ses.jsonl"
    path.write_bytes(jsonl(records))
    store = Store(max_events=500, clock=lambda: BASE + 86400)
    follower = Follower([classify(str(path))], store, Options())
    app = make_app(store=store, follower=follower, clock=lambda: BASE + 86400, filter_text="kind:Bounce", auto_tick=False)
    async with app.run_test(size=(120, 40)) as pilot:
        # The event loop held up while the follower reads (a slow terminal): a filter applied
        # in a worker would start only now, from a ring that has let most events go.
        deadline = time.monotonic() + 15
        while store.stats.events < 20_000 and time.monotonic() < deadline:
            time.sleep(0.02)
        await app.workers.wait_for_complete()
        await pilot.pause()
        query = Query(store, WINDOWS_BY_NAME["all"])
        assert (query.uncounted, query.counts()["Bounce"]) == (0, 2_000)


async def test_an_empty_list_says_what_it_is_empty_of():
    """A drilldown that matches nothing is not an empty ring: the sample's ring is full."""
    async with showing("7") as (app, pilot):
        app.push_screen(EventsScreen(["Overview"], "Events by kind: Reject · 0 events · 5m", ["kind:=Reject"], []))
        await pilot.pause()
        assert any("no event of this window matches" in line for line in screen_lines(app))
        await pilot.press("escape", "f", *"kind:NoSuchKind", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("no events in this window" in line for line in screen_lines(app))


async def test_a_live_drilldown_is_read_again_in_a_worker():
    store = sample_store()
    app = sample_app(store)
    app.auto_tick, app.tick_seconds = True, 0.05  # the live redraw, with its workers
    async with app.run_test(size=(120, 40)) as pilot:
        await live_drilldown(app, pilot, "Bounce")
        ingest(jsonl([bounce(store.as_of + 1, "late@late.example")]), store=store)

        def newest() -> None:
            assert app.screen.query_one(EventLog).events[0].recipients == ("late@late.example",)

        await settled(pilot, newest)


async def test_lists_of_recent_events_show_the_newest_unless_one_is_being_read():
    """An untouched Recent bounces list kept its cursor on the event that was first, so new
    bounces pushed it down and the table scrolled the newest out of sight."""
    store = sample_store()
    async with showing("2", app=sample_app(store)) as (app, pilot):
        recent = table(app, "t-recent-bounces")
        assert recent.cursor_row == 0
        for i in range(3):
            ingest(jsonl([bounce(store.as_of + 1, f"late{i}@late.example")]), store=store)
            app.tick()
            await pilot.pause()
        assert (recent.cursor_row, cells(recent)[0][1]) == (0, "late2@late.example")
        recent.focus()
        await pilot.press("down", "down")  # reading an older bounce: it stays under the cursor
        reading = cells(recent)[2]
        ingest(jsonl([bounce(store.as_of + 1, "later@late.example")]), store=store)
        app.tick()
        await pilot.pause()
        assert cells(recent)[0][1] == "later@late.example" and cells(recent)[recent.cursor_row] == reading


async def test_an_event_list_being_read_says_how_many_newer_events_are_above():
    store = sample_store()
    async with showing("7", app=sample_app(store), size=(120, 30)) as (app, pilot):
        box = app.query_one("#event-list", SearchableLog)
        log = box.log
        assert not box.border_subtitle
        await pilot.press("down", "down")
        reading = log.current
        ingest(jsonl([send(store.as_of + 1 + i, f"new{i}@late.example") for i in range(3)]), store=store)
        app.tick()
        await pilot.pause()
        assert log.current is reading and str(box.border_subtitle) == "↑ 3 newer · Home"
        await pilot.press("end")
        await pilot.pause()
        assert str(box.border_subtitle) == f"↑ {round(log.scroll_offset.y):,} newer · Home" and log.scroll_offset.y > 3
        await pilot.press("home")
        await pilot.pause()
        assert not box.border_subtitle and log.events[0].recipients == ("new2@late.example",)


async def test_a_costly_view_is_rebuilt_less_often_but_a_tab_or_window_switch_shows_at_once():
    """Rebuilding the visible view takes the GIL from ingest: a view whose rebuild is costly
    waits longer between live rebuilds (GATHER_SHARE); switching tabs never waits."""
    store = sample_store()
    app = sample_app(store)
    app.auto_tick, app.tick_seconds = True, 0.05
    async with app.run_test(size=(120, 40)) as pilot:

        def bounces_shown() -> str:
            shown = {row[0]: row[1] for row in cells(table(app, "t-kinds"))}
            assert "Bounce" in shown
            return shown["Bounce"]

        before = await settled(pilot, bounces_shown)
        await app.workers.wait_for_complete()
        app._gather_cost, app._gathered_at = 60.0, time.perf_counter()  # noqa: SLF001 (a minute-long rebuild just ended)
        ingest(jsonl([bounce(store.as_of + 1, "late@late.example")]), store=store)
        await pilot.pause(0.5)  # ten ticks
        assert bounces_shown() == before
        await pilot.press("2")

        def late_listed() -> None:
            assert cells(table(app, "t-recent-bounces"))[0][1] == "late@late.example"

        await settled(pilot, late_listed)
        await pilot.press("1")

        def counted() -> None:
            assert bounces_shown() == f"{int(before.replace(',', '')) + 1:,}"

        await settled(pilot, counted)
        await app.workers.wait_for_complete()
        app._gather_cost, app._gathered_at = 60.0, time.perf_counter()  # noqa: SLF001
        await pilot.press("w")  # 24h -> 7d, shown at once too

        def seven_days() -> None:
            assert app.current is not None and app.current.window.name == "7d"
            assert "7d" in str(table(app, "t-kinds").border_title)

        await settled(pilot, seven_days)


async def test_kinds_table_drills_by_kind_and_rates_are_coloured():
    app = sample_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.pause()
        rates = app.query_one("#rates").render()
        assert "warning" in str(rates)  # the sample's bounce rate is between 5 % and 10 %
        assert isinstance(app.focused, DataTable)
        assert table(app, "t-kinds").drill == "kind"


def screen_lines(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The text of every row of the screen, as the terminal shows it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]  # noqa: SLF001


@pytest.mark.parametrize("size", SIZES)
async def test_geo_tab_without_a_database_says_how_to_give_one(size):
    async with showing("6", size=size) as (app, _):
        shown = " ".join(line.strip(" │") for line in screen_lines(app))  # wrapped lines rejoined
        assert "GeoIP not configured" in shown and "pass --geoip-db PATH" in shown
        assert "no data" not in shown  # there is data, only no database to place it


async def test_the_geo_tab_without_a_database_opens_from_every_tab_and_back():
    """It has nothing to focus; the table focused on the tab left must not take its tab back."""
    async with showing() as (app, pilot):
        tabs = app.main("#tabs", TabbedContent)
        for index, (tab, _, _) in enumerate(TABS, 1):
            await pilot.press(str(index))
            await pilot.pause()
            assert tabs.active == tab
            await pilot.press("6")
            await pilot.pause()
            assert tabs.active == "geo", f"from {tab}"


def test_event_counts_read_as_english():
    from sestui.ui.format import count_events

    assert [count_events(n) for n in (0, 1, 2, 12345)] == ["0 events", "1 event", "2 events", "12,345 events"]


async def test_every_table_exports_one_value_per_exported_column():
    app = sample_app()
    async with app.run_test(size=(160, 50)) as pilot:
        app.tick()
        for index, (tab, _, _) in enumerate(TABS, 1):
            await pilot.press(str(index))
            await pilot.pause()
            for shown in app.active_panel.tables():
                assert shown.row_keys_shown or tab == "geo", shown.title  # the sample fills every table
                for key in shown.row_keys_shown:
                    assert len(shown.row_values[key]) == len(shown.exported_labels), (shown.title, shown.row_values[key])


@pytest.mark.parametrize("keys", [["j"] * 45, ["pagedown"] * 3, ["end"]])
async def test_the_event_list_cursor_stays_on_screen(keys: list[str]):
    async with showing("7", *keys) as (app, _):
        log = app.query_one("#event-log", EventLog)
        assert log.cursor > 30
        assert not log.show_horizontal_scrollbar  # rows are cut to the width, never scrolled sideways
        visible = log.scrollable_content_region.height
        top = round(log.scroll_offset.y)
        assert top <= log.cursor < top + visible


async def test_a_click_puts_the_event_list_cursor_on_the_event_and_a_second_opens_it():
    async with showing("7") as (app, pilot):
        log = app.query_one("#event-log", EventLog)
        top = log.content_region.y - log.region.y  # clicks are relative to the widget's region
        await pilot.click(log, offset=(5, top + 3))
        await pilot.pause()
        assert log.cursor == 3 and app.focused is log
        assert not isinstance(app.screen, DetailScreen)
        await pilot.click(log, offset=(5, top + 3))
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.event is log.events[3]


async def test_a_click_on_a_table_row_moves_the_cursor_and_a_second_drills():
    async with showing("2") as (app, pilot):
        addresses = table(app, "t-bounce_addresses")
        await pilot.click(addresses, offset=(6, 3))
        await pilot.pause()
        assert addresses.cursor_row == 1 and not isinstance(app.screen, EventsScreen)
        await pilot.click(addresses, offset=(6, 3))
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)
        # On the cursor's row, a click in any column is Enter.
        await pilot.press("escape")
        await pilot.pause()
        count_column = addresses.region.width - 4
        await pilot.click(addresses, offset=(count_column, 3))
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen) and addresses.cursor_row == 1


# -- narrow and wide terminals -----------------------------------------------------------------

LAYOUT_SIZES = [(60, 20), (80, 24), (100, 30), (120, 40), (160, 50)]


async def test_every_box_of_every_tab_is_drawn_whole_at_80_columns():
    async with showing(size=(80, 24)) as (app, pilot):
        for index, (tab, _, _) in enumerate(TABS, 1):
            await pilot.press(str(index))
            await pilot.pause()
            panel = app.active_panel
            inside = panel.scrollable_content_region  # the tab's width, less its scrollbar
            for box in panel.query("Table, Chart, .box, SearchableLog"):
                assert inside.x <= box.region.x and box.region.right <= inside.right, (tab, box.id, box.region)


@pytest.mark.parametrize("size", LAYOUT_SIZES, ids=[f"{w}x{h}" for w, h in LAYOUT_SIZES])
async def test_every_tab_stays_on_the_strip_and_the_active_one_is_named(size):
    width = size[0]
    async with showing(size=size) as (app, pilot):
        for index, (_, title, _) in enumerate(TABS, 1):
            await pilot.press(str(index))
            await pilot.pause()
            tabs = list(app.query_one("#tabs", TabbedContent).query(Tab))
            labels = [str(tab.label) for tab in tabs]
            assert [label.split()[0] for label in labels] == [str(i) for i in range(1, len(TABS) + 1)], labels  # its key, always
            assert labels[index - 1] == f"{index} {title}", labels
            assert all(0 <= tab.region.x and tab.region.right <= width for tab in tabs), (index, labels)  # none scrolled away
            await app.animator.wait_until_complete()
            underline = app.query_one(Underline)
            active = tabs[index - 1].content_region
            assert (underline.highlight_start, underline.highlight_end) == (active.x, active.right), labels
            if width >= 80:
                assert labels == [f"{i} {name}" for i, (_, name, _) in enumerate(TABS, 1)]
            else:  # named: the active tab and its neighbours, as many as fit
                named = [i for i, label in enumerate(labels) if " " in label]
                assert named == list(range(named[0], named[-1] + 1)) and len(named) >= 4, labels


def footer_keys(app) -> list[FooterKey]:  # type: ignore[no-untyped-def]
    """The keys the footer shows, left to right, each checked to be drawn whole."""
    footer = app.screen.query_one(Footer)
    shown = sorted((key for key in footer.query(FooterKey) if key.display), key=lambda key: key.region.x)
    for key, after in zip(shown, shown[1:]):
        assert key.region.right <= after.region.x, (key.key_display, after.key_display)  # no overlap
    for key in shown:
        assert footer.region.contains_region(key.region), key.key_display
    return shown


@pytest.mark.parametrize("width", [60, 80, 100, 120])
async def test_the_footer_shows_its_keys_whole_and_keeps_the_essential_ones(width):
    async with showing(size=(width, 24)) as (app, pilot):
        table_keys = ("⏎", "w", "f", "e", "s") if width >= 80 else ()  # what a table offers, but maybe pinning (in ?)
        await settled(pilot, lambda: showing_keys(app, "?", "q", "p", *table_keys))
        await pilot.press("7")
        await settled(pilot, lambda: showing_keys(app, "?", "q", "p", "/"))


def showing_keys(app, *wanted: str) -> None:  # type: ignore[no-untyped-def]
    shown = {key.key_display for key in footer_keys(app)}
    assert set(wanted) <= shown, shown


async def test_a_wide_footer_shows_every_key_of_the_main_screen():
    async with showing(size=(160, 50)) as (app, pilot):
        await settled(pilot, lambda: showing_keys(app, "⏎", "F", "w", "p", "f", "e", "s", "?", "q", "^p"))


@pytest.mark.parametrize("size", LAYOUT_SIZES, ids=[f"{w}x{h}" for w, h in LAYOUT_SIZES])
async def test_tables_fit_their_width_with_every_number_whole(size):
    async with showing(size=size) as (app, pilot):
        for index, (tab, _, _) in enumerate(TABS, 1):
            await pilot.press(str(index))
            await pilot.pause()
            for shown in app.active_panel.tables():
                # Nothing to scroll sideways to: every column is on screen.
                assert shown.virtual_size.width <= shown.scrollable_content_region.width, (size, shown.title)
                assert not shown.show_horizontal_scrollbar, (size, shown.title)
                rows = cells(shown)
                for column, spec in enumerate(on_screen(shown)):
                    if spec.numeric:
                        values = [row[column] for row in rows if row[column]]
                        assert all(len(value) <= shown.columns[spec.label].width for value in values), (size, shown.title, spec.label)


async def test_tables_refit_when_the_terminal_narrows():
    async with showing("4", size=(160, 50)) as (app, pilot):
        for size in LAYOUT_SIZES[::-1][1:]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            for shown in app.active_panel.tables():
                assert shown.virtual_size.width <= shown.scrollable_content_region.width, (size, shown.title)
                assert not shown.show_horizontal_scrollbar, (size, shown.title)


def on_screen(shown: Table) -> list[Column]:
    """The columns a table shows (those not left out), in order."""
    return [spec for spec in shown.columns_spec if spec.label in shown.columns]


def assert_columns_readable(shown: Table) -> None:
    """The header names the columns on screen; each one cut says something, unless no column is
    left that may leave; the columns left out left by their rank; times and kinds are whole, and
    the table needs no sideways scrolling."""
    kept = on_screen(shown)
    rows = cells(shown) if shown.row_keys_shown else []
    header = rendered_text(shown).split("\n")[1]
    start = 1  # after the border; each column has a cell of padding on either side
    for index, spec in enumerate(kept):
        width = shown.columns[spec.label].width
        label = header[start + 1 : start + 1 + width].strip()  # labels are ASCII: cells are characters
        assert label == spec.label or (label.endswith("…") and spec.label.startswith(label[:-1])), (shown.id, header)
        start += width + 2
        widest = max([cell_len(spec.label)] + [cell_len(row[index]) for row in rows])
        if spec.keep_whole:  # times, event kinds
            assert width >= widest, (shown.id, spec.label, width)
        if spec.gives_way and width < min(READABLE, spec.width or READABLE, widest):
            assert not any(other.leaves for other in kept), (shown.id, spec.label, width)
    for spec in shown.columns_spec:
        if spec not in kept:
            assert spec.leaves and all(other.leaves < spec.leaves for other in kept), (shown.id, spec.label)
    assert shown.virtual_size.width <= shown.size.width - shown.scrollbar_size_vertical, shown.id


@pytest.mark.parametrize("size", LAYOUT_SIZES, ids=[f"{w}x{h}" for w, h in LAYOUT_SIZES])
async def test_a_narrow_table_leaves_out_columns_rather_than_squeeze_them_all(size):
    async with showing(size=size) as (app, pilot):
        shown: dict[str, list[str]] = {}
        for index in range(1, len(TABS) + 1):
            await pilot.press(str(index))
            await pilot.pause()
            for each in app.active_panel.tables():
                assert_columns_readable(each)
                shown[each.id] = [spec.label for spec in on_screen(each)]
                if size[0] >= 160:  # room for every column
                    assert len(shown[each.id]) == len(each.columns_spec), shown[each.id]
        assert (len(shown["t-failed"]) == 8) == (size[0] >= 160), shown["t-failed"]
        if size[0] == 60:
            assert shown["t-failed"] == ["Time", "Event name", "Error code"]
            assert shown["t-outliers"] == ["Time", "Processing", "Recipient"]
            # The MTA's name says which MTA it is: the max leaves for it.
            assert shown["t-mta"] == ["Reporting MTA", "Deliveries", "p50", "p95", "p99"]
            # Every kind whole, and the trend drawn in the room they leave.
            assert shown["t-kinds"] == ["Kind", "Events", "Trend"]
        await pilot.press("7", "enter")  # an event's detail, with its message timeline
        await pilot.pause()
        assert_columns_readable(app.screen.query_one("#timeline", Table))


async def test_a_trend_is_drawn_at_the_width_its_column_gets():
    """Narrow, the kinds table keeps each kind's trend, coarser: the picture is drawn again at
    the column's width, not cut and not left out."""
    store = sample_store()
    trend = Query(store, WINDOWS_BY_NAME["24h"]).kind_trend("Send")
    widths = []
    for size in ((160, 40), (120, 40), (60, 40)):
        async with showing(app=sample_app(store), size=size) as (app, pilot):
            kinds = table(app, "t-kinds")
            assert [spec.label for spec in on_screen(kinds)] == ["Kind", "Events", "Trend"]
            width = kinds.columns["Trend"].width
            drawn = sparkline(trend, width)
            assert len(drawn) == min(width, len(trend))
            send = next(line for line in rendered_text(kinds).split("\n") if " Send " in line)
            assert drawn.rstrip() in send
            widths.append(width)
    # Wide, the trend takes the room the table has (it used to keep 32 cells, the rest blank):
    # every bucket of the window gets a cell.
    assert widths[0] >= len(trend) > widths[1] > widths[2]


async def test_a_cell_that_changes_only_its_colour_is_redrawn():
    """A value crossing a threshold by context (an MTA's p50 against the window's) keeps its text
    and changes only its style: the table must show the new style."""
    async with showing("4") as (app, pilot):
        outliers = table(app, "t-outliers")
        rows = [(key, list(outliers.row_cells[key]), outliers.row_values[key]) for key in outliers.row_keys_shown]
        recoloured = rows[0][1][1].copy()
        recoloured.style = "bold red"
        rows[0][1][1] = recoloured
        outliers.show(rows)
        await pilot.pause()
        shown = outliers.get_row_at(0)[1]
        assert (shown.plain, str(shown.style)) == (recoloured.plain, "bold red")


async def test_a_table_keeps_its_cursor_and_exports_every_column_while_columns_leave_and_return(tmp_path, monkeypatch):
    app = sample_app()
    app.export_dir = str(tmp_path)
    async with showing("4", app=app, size=(160, 50)) as (app, pilot):
        outliers = table(app, "t-outliers")
        outliers.focus()
        outliers.move_cursor(row=3)
        await pilot.pause()
        key, full = outliers.current_key, cells(outliers)
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert [spec.label for spec in on_screen(outliers)] == ["Time", "Processing", "Recipient"]
        assert (outliers.current_key, outliers.cursor_row) == (key, 3)
        assert cells(outliers) == [[row[0], row[1], row[3]] for row in full]
        await pilot.press("e")
        await pilot.pause()
        [exported] = tmp_path.glob("*.csv")
        with open(exported, newline="") as f:
            header, *rows = list(csv.reader(f))
        # Every column, the time and processing time whole, for a spreadsheet: not as shown.
        assert header == ["Time (UTC)", "Processing (ms)", "Reporting MTA", "Recipient", "Message id"]
        slow = app.current.outliers(n=len(full))
        assert [row[:2] for row in rows] == [[iso(e.time), str(e.processing_ms)] for e in slow]
        assert [row[2:] for row in rows] == [row[2:] for row in full]
        # The same rows again, one changed in a column left out and one shown: only cells change,
        # and the changed one left out shows when its column is back.
        rebuilt: list[bool] = []
        clear = outliers.clear
        monkeypatch.setattr(outliers, "clear", lambda columns=False: rebuilt.append(columns) or clear(columns))
        rows = [(row_key, list(outliers.row_cells[row_key]), outliers.row_values[row_key]) for row_key in outliers.row_keys_shown]
        rows[0][1][2:4] = ["mx.changed.example", "someone@changed.example"]
        outliers.show(rows)
        await pilot.pause()
        assert not rebuilt and cells(outliers)[0][2] == "someone@changed.example"
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        assert rebuilt == [True] and cells(outliers)[0][2:4] == ["mx.changed.example", "someone@changed.example"]
        assert (outliers.current_key, outliers.cursor_row) == (key, 3)


async def test_at_60_columns_text_gives_way_to_the_numbers():
    async with showing("4", size=(60, 20)) as (app, _):
        mta = table(app, "t-mta")
        header, first_row = rendered_text(mta).split("\n")[1:3]
        name, *numbers = cells(mta)[0]
        width = mta.columns["Reporting MTA"].width
        assert READABLE <= width < len(name)
        cut = name[: width - 1] + "…"
        assert first_row.index(cut) < first_row.index(numbers[0])
        assert header.split()[1:3] == ["Reporting", "MTA"]  # its label whole
        place = 0
        for label, number in zip(("Deliveries", "p50", "p95", "p99"), numbers):
            assert label in header
            place = first_row.index(number, place) + len(number)  # each whole, in order
        assert "Max" not in header and len(numbers) == 4
        assert place < len(first_row)


def cell_slice(line: str, start: int, end: int) -> str:
    """The characters of `line` drawn in cells start..end (a wide character takes two cells, a
    combining one none)."""
    drawn: list[str] = []  # one entry a cell
    for char in line:
        width = cell_len(char)
        if width == 0 and drawn:
            drawn[-1] += char
        else:
            drawn += [char] + [""] * (width - 1)
    return "".join(drawn[start:end])


async def test_wide_and_combining_characters_leave_every_number_whole_and_in_its_column():
    wide = ["測試用戶名稱很長很長很長很長很長很長很長很長很長", "😀🎉" * 12, "Mozilla 🦊 ブラウザ メール", "e\u0301" * 30, "plain-ascii"]
    records = []
    for i, value in enumerate(wide):
        records += [bounce(BASE + i, f"{value}@{value}.example"), complaint(BASE + i, agent=value), delivery(BASE + i, mta=f"{value}.mx", ms=900 + i)]
    app = sample_app(ingest(jsonl(records)), window="all")
    async with showing(app=app, size=(80, 24)) as (app, pilot):
        for key, table_id in (("2", "t-bounce_addresses"), ("3", "t-complaint_agents"), ("4", "t-mta")):
            await pilot.press(key)
            await pilot.pause()
            shown = table(app, table_id)
            header, *lines = rendered_text(shown).split("\n")[1:-1]
            rows = cells(shown)
            assert len(rows) == len(wide) and len(lines) >= len(rows), table_id
            for column, spec in enumerate(shown.columns_spec):
                if not spec.numeric:
                    continue
                end = header.index(spec.label) + len(spec.label)  # labels are ASCII: cells are characters
                for row, line in zip(rows, lines):
                    value = row[column]
                    assert cell_slice(line, end - len(value) - 1, end) == " " + value, (table_id, spec.label, line)
            for line in lines:
                assert cell_len(line) == cell_len(header), (table_id, line)


async def test_the_bounce_type_table_fits_its_box_at_120_columns():
    async with showing("2", size=(120, 40)) as (app, _):
        classes = table(app, "t-bounce_classes")
        text = rendered_text(classes)
        assert classes.virtual_size.width <= classes.scrollable_content_region.width
        for row in cells(classes):
            line = next(line for line in text.split("\n") if row[2] in line and row[3] in line)
            assert line.split()[1:5] == row, line  # type, subtype, count and share, all whole


async def test_wide_tables_keep_their_declared_widths():
    async with showing("2", size=(160, 50)) as (app, _):
        recent = table(app, "t-recent-bounces")
        declared = {spec.label: spec.width for spec in recent.columns_spec if spec.width}
        assert {label: recent.columns[label].width for label in declared} == declared
        diagnostic = recent.columns["Diagnostic code"].width
        assert diagnostic + sum(declared.values()) + 2 * len(recent.columns) == recent.scrollable_content_region.width


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_an_empty_table_says_so_in_full(size):
    async with showing("6", size=size) as (app, _):  # Geo, without a GeoIP database: every table is empty
        for shown in app.active_panel.tables():
            assert cells(shown)[0][0] == NO_DATA
            assert NO_DATA in rendered_text(shown), shown.title


@pytest.mark.parametrize("keys, chart_id", [((), "c-kinds"), (("5",), "c-ct")])
async def test_chart_legends_wrap_rather_than_lose_their_end(keys, chart_id):
    for size in ((80, 24), (120, 40)):
        async with showing(*keys, size=size) as (app, _):
            chart = app.query_one(f"#{chart_id}", Chart)
            legend = " ".join(rendered_text(chart).split())
            for series in chart.series:
                assert f"■ {series.name}" in legend, (size, series.name)
            assert f"({chart.unit})" in legend, size


def shown_columns(line: str, header: str) -> list[str]:
    """A line of an event list cut under its header's labels (a label starts after 2 spaces)."""
    starts = [0] + [match.end() for match in re.finditer(r"  +(?=\S)", header)]
    return [line[start:end].rstrip() for start, end in zip(starts, starts[1:] + [len(line)])]


@pytest.mark.parametrize("keys", [("7",), ("2", "enter"), ("4", "enter"), ("5", "enter")], ids=["events", "bounces", "deliveries", "cloudtrail"])
@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=["60x20", "80x24"])
async def test_event_lists_keep_times_and_kinds_whole_and_cut_other_columns_with_an_ellipsis(keys, size):
    async with showing(*keys, size=size) as (app, _):
        box = app.screen.query_one(SearchableLog)
        log = box.log
        header = str(box.query_one(".list-header", Static).render())
        labels = shown_columns(header, header)
        columns = [column for column, width in zip(log.columns, log.widths) if width]  # those not left out
        assert len(labels) == len(columns), header  # every one, the last one too
        for label, column in zip(labels, columns):
            assert label == column.header or (label.endswith("…") and column.header.startswith(label[:-1])), header
        last = header.index(labels[-1])
        assert log.size.width - last >= 8, header  # the last column keeps a readable share
        for y, event in enumerate(log.events[: log.size.height]):
            line = "".join(segment.text for segment in log.render_line(y))
            for column, text in zip(columns, shown_columns(line, header)):
                value = column.value(event) or ("-" if column.width else "")
                if column.header in ("Time", "Kind", "Processing"):  # a time, a kind, a duration: whole
                    assert text == value, (line, column.header)
                else:
                    assert text == value or (text.endswith("…") and value.startswith(text[:-1])), (line, column.header)


# Keys to an event list: the columns it keeps however narrow, and the width from which every
# column shows.
NARROW_LISTS = {
    "events": (("7",), ["Time", "Kind", "Recipient / call"], 80),
    "bounces": (("2", "enter"), ["Time", "Recipient", "Type / subtype"], 100),
    "complaints": (("3", "enter"), ["Time", "Recipient", "Feedback"], 100),
    "deliveries": (("4", "enter"), ["Time", "Recipient", "Processing"], 100),
    "delays": (("4", "tab", "tab", "tab", "enter"), ["Time", "Recipient", "Delay type"], 100),
    "cloudtrail": (("5", "enter"), ["Time", "Event name", "Error code"], 120),
}


@pytest.mark.parametrize("size", LAYOUT_SIZES, ids=[f"{w}x{h}" for w, h in LAYOUT_SIZES])
@pytest.mark.parametrize("name", NARROW_LISTS)
async def test_a_narrow_event_list_leaves_out_columns_rather_than_squeeze_them_all(name, size):
    keys, kept, every_column_from = NARROW_LISTS[name]
    async with showing(*keys, size=size) as (app, _):
        log = app.screen.query_one(SearchableLog).log
        assert (len({event.kind for event in log.events}) == 1) == (name != "events")  # a list of one kind has its own columns
        header = str(app.screen.query_one(".list-header", Static).render())
        shown = {column.header: width for column, width in zip(log.columns, log.widths) if width}
        assert set(kept) <= set(shown), header  # always there
        for column in log.columns:
            if column.header in shown and not column.keep_whole:  # each one cut says something
                assert shown[column.header] >= min(READABLE, column.width or READABLE), header
            if column.header not in shown:  # columns leave in their order: no later one stays
                assert all(other.leaves < column.leaves for other in log.columns if other.header in shown), header
        assert header.split() == " ".join(shown).split(), header
        assert (len(shown) == len(log.columns)) == (size[0] >= every_column_from), header
        if size[0] == 60:
            assert list(shown) == kept, header
        for y, event in enumerate(log.events[: log.size.height]):
            line = "".join(segment.text for segment in log.render_line(y))
            for column in log.columns[:3]:  # the sample's values there are short enough to show whole
                value = column.value(event)
                if value and len(value) < READABLE:
                    assert f"{value}  " in line, line


@pytest.mark.parametrize("width", [60, 80, 120])
async def test_a_narrow_status_line_keeps_the_facts_that_matter_whole(width):
    store = sample_store()
    store.sources = [SourceStatus("a", FOLLOWING), SourceStatus("b", FOLLOWING), SourceStatus("c", CLOSED), SourceStatus("d", ERROR, error="gone")]
    async with showing(app=sample_app(store), size=(width, 24)) as (app, pilot):
        await pilot.press("f", *"kind:Bounce", "enter")
        await app.workers.wait_for_complete()
        await pilot.press("p")
        app.tick()
        await pilot.pause()
        line = rendered_text(app.query_one("#status-line")).strip()
        assert "…" not in line and len(line) <= width - 2, line
        skipped = sum(store.stats.skipped.values()) + sum(store.stats.inner_skipped.values())
        for fact in ("1 error", f"events {store.stats.events:,}", f"skipped {skipped:,}", "PAUSED", "filter on"):
            assert fact in line, (fact, line)
        if width >= 80:
            assert "2 following" in line and "1 closed" in line, line
        assert (f"lines {store.stats.lines:,}" in line) == (width >= 120), line  # the first to leave


async def test_a_status_fact_that_changes_only_its_colour_is_redrawn():
    async with showing() as (app, pilot):
        line = app.query_one("#status-line", StatusLine)
        line.show([Fact(Text("3 following"), 1)])
        line.show([Fact(Text("3 following", "green"), 1)])
        await pilot.pause()
        assert str(line.render().spans[0].style) == "green"


def shows_whole(number: int, text: str) -> bool:
    """`number` (with thousands separators) appears in `text` in full, not as part of another."""
    return re.search(rf"(?<![\d,]){re.escape(f'{number:,}')}(?![\d,])", text) is not None


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=["60x20", "80x24"])
async def test_the_input_accounting_screen_never_cuts_a_number(size):
    store = sample_store()
    store.sources = [SourceStatus("/var/log/ses/events/2026/11/20/ses-events.jsonl", FOLLOWING, 2_823_055, 12_823_055), SourceStatus("/var/log/ses/ses.log.1.gz", CLOSED, 1_000, 1_000)]
    async with showing("s", app=sample_app(store), size=size) as (app, _):
        assert isinstance(app.screen, StatusScreen)
        shown = rendered_text(app.screen.query_one("#status-text"))
        assert "…" not in shown, shown  # too narrow for a line, text (a path too) wraps instead
        stats = store.stats.as_dict()
        for name in ("lines", "records", "events", "bytes", "time_guessed", "duplicates"):
            assert shows_whole(stats[name], shown), (name, shown)
        for reason, n in stats["skipped"].items():
            assert re.search(rf"{reason} +{n:,}\b", shown), (reason, shown)
        for source in store.sources:
            assert shows_whole(source.offset, shown) and shows_whole(source.size, shown), shown


async def test_the_status_line_and_the_input_accounting_screen_count_the_duplicates_dropped():
    bounced = sns(bounce(BASE + 1, "b@x.example"))
    delivered = delivery(BASE + 2, "d@x.example")
    store = ingest(jsonl([send(BASE), bounced, delivered, bounced, notification(delivered)]))
    async with showing(app=sample_app(store)) as (app, pilot):
        line = rendered_text(app.query_one("#status-line")).strip()
        assert "events 5  skipped 0  duplicates 2 (s)" in line, line
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StatusScreen)
        shown = rendered_text(app.screen.query_one("#status-text"))
        assert re.search(r"duplicates +2 +events read again", shown), shown


async def test_the_status_line_counts_items_skipped_inside_a_container():
    # A CloudTrail file of one SES call among other services' calls: one record, one event.
    trail = {"Records": [cloudtrail(BASE), cloudtrail(BASE + 1, source="s3.amazonaws.com"), cloudtrail(BASE + 2, source="ec2.amazonaws.com")]}
    store = ingest(jsonl([trail, send(BASE + 3)]))
    assert store.stats.skipped == {} and store.stats.inner_skipped == {"not_ses": 2}
    async with showing(app=sample_app(store)) as (app, _):
        line = rendered_text(app.query_one("#status-line")).strip()
        assert "events 2  skipped 2 (s)" in line, line


@pytest.mark.parametrize("flags, dropped", [([], 2), (["--no-dedupe"], None)], ids=["default", "no-dedupe"])
async def test_tail_no_dedupe_counts_every_copy_and_the_s_screen_says_so(monkeypatch, tmp_path, flags, dropped):
    opened: list[Store] = []
    monkeypatch.setattr(commands, "tune_gc", lambda: None)
    monkeypatch.setattr(commands, "_run_app", lambda store, *args, **kwargs: opened.append(store) or 0)
    commands.run_tail(build_parser().parse_args(["tail", *flags, str(tmp_path)]))
    [store] = opened
    bounced = sns(bounce(BASE + 1, "b@x.example"))
    delivered = delivery(BASE + 2, "d@x.example")
    ingest(jsonl([send(BASE), bounced, delivered, bounced, notification(delivered)]), store)
    assert Query(store, WINDOWS_BY_NAME["all"]).counts()["Bounce"] == (1 if dropped else 2)
    async with showing("s", app=sample_app(store)) as (app, _):
        shown = rendered_text(app.screen.query_one("#status-text"))
        if dropped:
            assert re.search(rf"duplicates +{dropped} +events read again", shown), shown
        else:
            assert re.search(r"duplicates +- +not looked for \(--no-dedupe\)", shown), shown


@pytest.mark.parametrize("keys", [("7", "enter"), ("2", "enter", "enter")], ids=["delivery", "bounce"])
@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=["60x20", "80x24"])
async def test_the_detail_fields_show_every_value_in_full(keys, size):
    async with showing(*keys, size=size) as (app, _):
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        lines = rendered_text(screen.query_one("#detail-fields Static")).split("\n")
        start = re.match(r"Time +", lines[0]).end()  # where values begin
        assert start <= len(lines[0]) // 2, lines  # names give way to the values
        shown = "".join(line[start:] for line in lines).replace(" ", "")  # values wrap: read them on
        for name, value in fields(screen.event):
            assert value.replace(" ", "") in shown, (name, value, lines)


async def test_a_redraw_due_while_the_screens_are_taken_down_does_nothing():
    """Shutting down removes the screens while the redraw timer still runs (a harness such as
    run_test, or the benchmarks, shuts the app down from outside its message loop): a redraw
    then has no status line to write to and must not raise."""
    for _ in range(5):
        app = sample_app()
        app.auto_tick, app.tick_seconds = True, 0.002  # a redraw due at nearly every moment
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.05)
            assert app.is_running
        assert not app.is_running


async def test_failed_calls_stay_listed_after_many_successful_polls():
    """A quota poller's routine successes (600 in the hour) must not push the window's failed
    calls out of the Failed calls table."""
    records = [cloudtrail(BASE + i, "SendEmail", error="AccessDenied", user="ci-bot") for i in range(3)]
    records += [cloudtrail(BASE + 10 + 5 * i) for i in range(600)]
    async with showing("5", app=sample_app(ingest(jsonl(records)), window="1h"), size=(160, 50)) as (app, pilot):
        assert cells(table(app, "t-error_codes"))[0][:2] == ["AccessDenied", "3"]
        failed = cells(table(app, "t-failed"))
        assert [row[1:3] for row in failed] == [["SendEmail", "AccessDenied"]] * 3


async def test_a_list_being_read_stays_put_as_newer_events_arrive():
    """With the cursor below the top, or the view scrolled away from it (mouse wheel), events
    arriving above must not slide the rows being read down the screen, nor throw the view back
    to the cursor, at each redraw."""
    store = ingest(jsonl([send(BASE + i, f"u{i}@x.example") for i in range(3000)]))
    app = sample_app(store, window="all")
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.press("7", *["j"] * 10)
        await pilot.pause()
        log = app.query_one("#event-log", EventLog)

        def shown() -> list[Event]:
            first = round(log.scroll_offset.y)
            return log.events[first : first + log.scrollable_content_region.height]

        chosen, row, reading = log.current, log.cursor - round(log.scroll_offset.y), shown()
        ingest(jsonl([send(BASE + 5000 + i, f"new{i}@x.example") for i in range(5)]), store=store)
        app.tick()
        await pilot.pause()
        assert log.current is chosen and log.cursor - round(log.scroll_offset.y) == row
        assert shown() == reading
        log.scroll_to(y=400, animate=False)  # as the wheel scrolls, the cursor left behind
        await pilot.pause()
        reading = shown()
        ingest(jsonl([send(BASE + 6000 + i, f"newer{i}@x.example") for i in range(3)]), store=store)
        app.tick()
        await pilot.pause()
        assert shown() == reading and log.current is chosen


async def test_a_list_of_events_offers_details_and_no_pin():
    """Enter on a row of recent bounces opens that bounce, and an event has no filter term to
    pin: the footer says the one and leaves `F` out."""
    async with showing("2", size=(160, 50)) as (app, pilot):
        table(app, "t-bounce_domains").focus()
        await pilot.pause()
        await settled(pilot, lambda: showing_keys(app, "⏎", "F"))
        assert any(key.description == "Show events" for key in footer_keys(app))
        table(app, "t-recent-bounces").focus()
        await pilot.pause()

        def event_keys() -> None:
            keys = {key.key_display: key.description for key in footer_keys(app)}
            assert keys.get("⏎") == "Details" and "F" not in keys, keys

        await settled(pilot, event_keys)
        await pilot.press("F")
        await pilot.pause()
        assert not app.filter_text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)


def test_the_header_takes_a_shorter_form_where_the_wide_one_does_not_fit():
    as_of = 1_795_175_984.0  # 2026-11-20 11:59:44Z
    wide = header_facts(100, "24h", as_of, 1234)
    assert wide == "window 24h  ·  as of 2026-11-20 11:59:44Z  ·  1,234 ev/s"
    assert header_facts(len(wide) - 1, "24h", as_of, 1234) == "window 24h · as of 11-20 11:59:44Z · 1,234 ev/s"
    assert header_facts(40, "24h", as_of, 1234) == "24h · 11-20 11:59:44Z · 1,234 ev/s"
    assert header_facts(40, "24h", as_of, 1234, paused_new=5).startswith("PAUSED · 5 new · 24h")
    # A filter is cut to what the numbers leave, never below 16 cells.
    filtered = header_facts(60, "24h", as_of, 0, filter_text="domain:example.com kind:Bounce")
    assert filtered == "filter: domain:example.com… · 24h · 11-20 11:59:44Z · 0 ev/s"
    assert header_facts(100, "24h", as_of, 0, filter_text="kind:Bounce").startswith("filter: kind:Bounce  ·  window 24h  ·  as of 2026")
    assert header_facts(30, "24h", as_of, 0, filter_text="kind:Bounce") == "24h · 11-20 11:59:44Z · 0 ev/s"


@pytest.mark.parametrize("width", [60, 80])
async def test_a_narrow_header_keeps_as_of_and_the_rate(width):
    """At 60 to 80 columns "as of" used to be cut off, filter or not."""
    async with showing("f", *"kind:Bounce", "enter", size=(width, 30)) as (app, pilot):
        await app.workers.wait_for_complete()
        await pilot.pause()
        header = screen_lines(app)[0]
        assert "11-20 11:59:44Z" in header and header.rstrip().endswith("ev/s"), header
        # At 60 columns the filter gives way; the status line says one is set.
        assert ("filter: kind:Bounce" in header) == (width == 80), header


@pytest.mark.parametrize("width", [120, 160])
async def test_a_long_filter_leaves_the_header_its_numbers(width):
    """At 120 columns the filter used to push "as of" and the rate off the header."""
    long = 'kind:Bounce domain:gmail.com -subtype:OnAccountSuppressionList source:"Acme Billing*"'
    async with showing("f", *long, "enter", size=(width, 30)) as (app, pilot):
        await app.workers.wait_for_complete()
        await pilot.pause()
        header = screen_lines(app)[0]
        assert "filter: kind:Bounce" in header and "…" in header, header
        assert f"as of {full_time(app.current.as_of)}" in header and "ev/s" in header, header
        assert app.filter_text == long  # the filter itself is whole
