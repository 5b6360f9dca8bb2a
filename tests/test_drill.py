"""Drilldown, message timelines, the global filter and exports, driven from the keyboard."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import orjson
import pytest
from textual.geometry import Region

from helpers import SAMPLE_LOGS, SHARED
from sestui import events as k
from sestui.drill import terms_for
from sestui.filters import FilterError, compile_filter
from sestui.query import WINDOWS_BY_NAME, Query
from sestui.textsafe import clean_line
from sestui.ui.screens.detail import DetailScreen
from sestui.ui.screens.events import EventsScreen
from sestui.ui.widgets.eventlog import EventLog
from sestui.ui.widgets.filterbar import FilterBar
from sestui.ui.widgets.tables import Table
from ui_support import cells, sample_app, sample_store, showing


async def settle(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()


async def type_filter(app, pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """`f`, the filter, Enter; then wait until it is applied."""
    await pilot.press("f", *text, "enter")
    await settle(app, pilot)


async def test_drill_from_a_bounced_domain_to_an_event_and_back():
    app = sample_app()
    async with app.run_test(size=(140, 44)) as pilot:
        app.tick()
        await pilot.press("2", "tab")  # Top bounced domains
        await pilot.pause()
        domains = app.focused
        assert isinstance(domains, Table) and domains.drill == "bounce_domains"
        domain, count = cells(domains)[0][:2]
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, EventsScreen)
        listed = screen.query_one(EventLog).events
        assert listed and all(e.kind == k.BOUNCE for e in listed)
        assert all(any(r.lower().endswith("@" + domain) for r in e.recipients) for e in listed)
        assert sum(sum(r.lower().endswith("@" + domain) for r in e.recipients) for e in listed) == int(count)
        assert [e.time for e in listed] == sorted((e.time for e in listed), reverse=True)
        assert f"{domain} · {len(listed)} events · {count} recipients · 24h" in screen.title_text
        assert "Bounces" in str(screen.query_one("#crumbs").render())
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.event is listed[1]
        raw = str(app.screen.query_one("#raw-record").render())
        assert '"bounceType"' in raw
        await pilot.press("escape")
        assert isinstance(app.screen, EventsScreen)
        await pilot.press("escape")
        assert app.screen is app.screen_stack[0]
        assert app.focused is domains


async def test_timeline_of_a_message_with_send_delivery_open_and_click():
    store = sample_store()
    by_message: dict[str, set[str]] = {}
    for event in store.main.ring:
        if event.message_id:
            by_message.setdefault(event.message_id, set()).add(event.kind)
    message = next(m for m, kinds in sorted(by_message.items()) if {"Send", "Delivery", "Open", "Click"} <= kinds)
    click = next(e for e in store.main.ring if e.message_id == message and e.kind == k.CLICK)
    app = sample_app(store)
    async with app.run_test(size=(140, 44)) as pilot:
        app.tick()
        app.open_detail(["Events"], click)
        await pilot.pause()
        rows = cells(app.screen.query_one("#timeline", Table))
        kinds = [row[2].strip("▶ ") for row in rows]
        expected = [e.kind for e in sorted((e for e in store.main.ring if e.message_id == message), key=lambda e: (e.time, e.seq))]
        assert kinds == expected
        assert kinds.index("Send") < kinds.index("Delivery") < kinds.index("Open") < kinds.index("Click")
        assert rows[0][0] == "+0.000 s"
        assert "▶" in rows[kinds.index("Click")][2]  # the event we came from is marked
        offsets = [e.time for e in sorted((e for e in store.main.ring if e.message_id == message), key=lambda e: (e.time, e.seq))]
        assert offsets == sorted(offsets)


def report_counts(filter_text: str, window: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "sestui", "report", "--json", "--window", window, "--filter", filter_text, str(SAMPLE_LOGS)],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert result.returncode == 0, result.stderr
    return orjson.loads(result.stdout)


async def test_a_filter_changes_every_tab_like_report_filter_does():
    filter_text = "-kind:Open -domain:outlook.com"
    expected = report_counts(filter_text, "24h")
    app = sample_app()
    async with app.run_test(size=(160, 50)) as pilot:
        app.tick()
        await type_filter(app, pilot, filter_text)
        assert app.filter_text == filter_text and "filter: " + filter_text in app.sub_title
        kinds = {row[0]: int(row[1].replace(",", "")) for row in cells(app.query_one("#t-kinds", Table))}
        assert {kind: n for kind, n in expected["counts"].items() if n} == {kind: n for kind, n in kinds.items() if n}
        assert "Open" not in kinds or kinds["Open"] == 0
        await pilot.press("2")
        await pilot.pause()
        shown = [[row[0], int(row[1])] for row in cells(app.query_one("#t-bounce_domains", Table))]
        assert shown == expected["bounces"]["top_domains"]
        assert all(domain != "outlook.com" for domain, _ in shown)
        await pilot.press("3")
        await pilot.pause()
        feedback = {row[0]: int(row[1]) for row in cells(app.query_one("#t-feedback_types", Table))}
        assert feedback == expected["complaints"]["feedback_types"]
        await pilot.press("4")
        await pilot.pause()
        mta = cells(app.query_one("#t-mta", Table))
        assert [[row[0], int(row[1])] for row in mta][:10] == [[m["reporting_mta"], m["count"]] for m in expected["deliveries"]["mta"]]
        await pilot.press("5")
        await pilot.pause()
        errors = [[row[0], int(row[1])] for row in cells(app.query_one("#t-error_codes", Table))]
        assert errors == expected["cloudtrail"]["top_error_codes"]
        # Ctrl+F clears it: back to the unfiltered numbers.
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert app.filter_text == "" and app.store.view is None


async def test_an_invalid_filter_shows_an_error_and_applies_nothing():
    app = sample_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await type_filter(app, pilot, "kind:Bounce nosuchfield:x")
        bar = app.query_one(FilterBar)
        assert bar.display and bar.error is not None and "nosuchfield" in bar.error
        assert app.store.view is None and app.filter_text == ""
        await pilot.press("escape")
        assert not bar.display


async def test_pin_a_row_as_a_filter():
    app = sample_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.press("2", "tab")
        await pilot.pause()
        domain = cells(app.focused)[0][0]
        await pilot.press("F")
        await settle(app, pilot)
        assert app.filter_text == f"kind:=Bounce domain:{domain}"
        counts = Query(app.store, WINDOWS_BY_NAME["24h"]).counts()
        assert counts["Bounce"] > 0 and counts["Delivery"] == 0


async def test_search_inside_a_list_moves_to_the_next_match():
    async with showing("7") as (app, pilot):
        log = app.focused
        assert isinstance(log, EventLog)
        app.open_drill(["Events"], "Events by kind", "kind", "CloudTrail")
        await pilot.pause()
        await pilot.press("slash", *"error:AccessDenied", "enter")
        await pilot.pause()
        drill = app.screen.query_one(EventLog)
        assert drill.current is not None and drill.current.error_code == "AccessDenied"
        first = drill.cursor
        await pilot.press("n")
        assert drill.cursor != first and drill.current.error_code == "AccessDenied"


async def test_search_on_the_events_tab_types_into_the_box_not_into_commands(tmp_path):
    app = sample_app()
    app.export_dir = str(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.press("7")
        await pilot.pause()
        log = app.focused
        assert isinstance(log, EventLog) and log.current.kind != "CloudTrail"
        await pilot.press("slash", *"kind:CloudTrail error:AccessDenied", "enter")  # 'e' 's' 'r' ...
        await pilot.pause()
        assert app.focused is log and log.current.error_code == "AccessDenied"
        assert not list(tmp_path.iterdir()) and app.screen is app.screen_stack[0]  # no export, no screen
        first = log.cursor
        await pilot.press("n")
        assert log.cursor > first and log.current.error_code == "AccessDenied"
        await pilot.press("N")
        assert log.cursor == first
        await pilot.press("slash", "x", "escape")  # Esc closes the box, and the keys come back
        await pilot.pause()
        assert app.focused is log
        await pilot.press("1")
        assert app.query_one("TabbedContent").active == "overview"


async def test_exports_write_the_expected_rows(tmp_path):
    app = sample_app()
    app.export_dir = str(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.press("2", "tab", "e")
        await pilot.pause()
        table_rows = cells(app.focused)
        [csv_file] = list(tmp_path.glob("*.csv"))
        with open(csv_file, newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == ["Domain", "Count", "Share"]
        assert [[row[0], f"{int(row[1]):,}", row[2] + "%"] for row in rows[1:]] == table_rows
        await pilot.press("7", "e")
        await pilot.pause()
        [jsonl] = list(tmp_path.glob("*events*.jsonl"))
        lines = jsonl.read_bytes().splitlines()
        log = app.query_one("#event-log", EventLog)
        assert len(lines) == len(log.events)
        assert orjson.loads(lines[0]) == orjson.loads(bytes(log.events[0].raw))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert list(tmp_path.glob("*.svg"))


async def test_an_80_column_header_still_shows_the_filter():
    app = sample_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.tick()
        await type_filter(app, pilot, "kind:Bounce")
        app.tick()
        await pilot.pause()

        def shown(widget) -> str:  # type: ignore[no-untyped-def]
            strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
            return "".join(segment.text for strip in strips for segment in strip)

        assert "filter: kind:Bounce" in shown(app.query_one("HeaderTitle"))
        status = shown(app.query_one("#status-line"))
        assert "skipped" in status and "0 error" in status, status


async def test_after_a_filter_the_keys_drive_the_app_again_even_across_a_modal_screen():
    # The hidden filter input kept focus: after `?` and Esc, keys were typed into it.
    app = sample_app()
    async with app.run_test(size=(140, 44)) as pilot:
        app.tick()
        await type_filter(app, pilot, "kind:Bounce")
        assert not app.query_one(FilterBar).display
        assert isinstance(app.focused, Table)
        for modal in ("question_mark", "s"):
            await pilot.press(modal)
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.focused, Table), modal
        await pilot.press("2")
        await pilot.pause()
        assert app.query_one("TabbedContent").active == "bounces"
        assert app.filter_text == "kind:Bounce"
        await pilot.press("f", "escape")  # clearing the filter also gives the keys back
        await settle(app, pilot)
        assert app.filter_text == "" and isinstance(app.focused, Table)


CONTROL = "\x1b]2;pwned-title\x1b\\a\x9b31m\x07@evil.example"


async def test_pinning_a_value_with_control_characters_keeps_them_off_the_terminal():
    from factory import BASE, bounce, jsonl
    from helpers import ingest

    async with showing("2", app=sample_app(ingest(jsonl([bounce(BASE, CONTROL), bounce(BASE + 1, "plain@example.com")])))) as (app, pilot):
        rows = [row[0] for row in cells(app.focused)]
        await pilot.press(*["down"] * next(i for i, r in enumerate(rows) if "pwned" in r), "F")
        await settle(app, pilot)
        app.tick()
        await pilot.pause()
        assert "pwned-title" in app.filter_text
        # The header shows the filter's start (cut to leave its numbers room), cleaned the same way.
        in_header = app.sub_title.split("  ·  ")[0].removeprefix("filter: ").removesuffix("…")
        assert len(in_header) > 16 and clean_line(app.filter_text).startswith(in_header)
        for shown in (app.filter_text, app.sub_title):
            assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in shown)
        output = app.screen._compositor.render_update(full=True).render_segments(app.console)  # noqa: SLF001
        assert "\x1b]2;" not in output and "\x9b" not in output and "\x07" not in output
        # The pinned term still matches the value it was pinned from, and only that.
        assert Query(app.store, WINDOWS_BY_NAME["24h"]).counts()["Bounce"] == 1
        await pilot.press("f")
        await pilot.pause()
        assert app.screen.query_one(FilterBar).query_one("Input").value == app.filter_text


async def test_enter_on_the_events_tab_opens_the_event():
    async with showing("7", "down", "down", "enter") as (app, _):
        assert isinstance(app.screen, DetailScreen)
        log = app.query_one("#event-log", EventLog)
        assert app.screen.event is log.events[2]


async def test_an_event_that_left_the_ring_still_opens_with_its_message():
    """A drilldown list keeps events the ring has since dropped; its sibling events remain."""
    from factory import BASE, delivery, jsonl, send
    from helpers import ingest

    store = ingest(jsonl([send(BASE, messageId="m-1"), delivery(BASE + 1, messageId="m-1")]), max_events=2)
    app = sample_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.pause()
        app.open_drill(["Overview"], "Sends", "kind", "Send")
        await pilot.pause()
        ingest(jsonl([delivery(BASE + 2, messageId="m-2")]), store=store)  # evicts the Send
        assert [e.kind for e in store.main.ring] == ["Delivery", "Delivery"]
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, DetailScreen)
        assert [e.kind for _, e in app.screen.timeline] == ["Send", "Delivery"]
        assert app.screen.query_one("#timeline", Table).cursor_row == 0


async def test_an_address_row_drills_to_as_many_events_as_it_counts():
    """Rankings key an address without its display name, case or spaces; so does the filter."""
    from factory import BASE, bounce, jsonl
    from helpers import ingest

    written = ["Ann Lee <Ann@Example.com>", "ann@example.com", " ANN@example.com "]
    store = ingest(jsonl([bounce(BASE + i, to) for i, to in enumerate(written)]))
    async with showing("2", app=sample_app(store)) as (app, pilot):
        assert cells(app.focused)[0][:2] == ["ann@example.com", "3"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)
        assert len(app.screen.events) == 3
        assert "ann@example.com · 3 events · 3 recipients · 24h" in app.screen.title_text


async def test_a_domain_row_drills_to_its_events_and_says_how_many_recipients_it_counts():
    """A message to two addresses at one domain is one event and two recipients: the row counts
    recipients, so the drilldown shows both numbers."""
    from factory import BASE, bounce, jsonl
    from helpers import ingest

    two = bounce(BASE, "a@example.com")
    two["bounce"]["bouncedRecipients"].append({"emailAddress": "B@Example.com", "status": "5.1.1"})
    store = ingest(jsonl([two, bounce(BASE + 1, "c@example.com"), bounce(BASE + 2, "d@other.example")]))
    async with showing("2", app=sample_app(store)) as (app, pilot):
        await pilot.press("tab")  # Top bounced domains
        await pilot.pause()
        assert cells(app.focused)[0][:2] == ["example.com", "3"]
        await pilot.press("enter")
        await pilot.pause()
        assert len(app.screen.events) == 2
        assert "example.com · 2 events · 3 recipients · 24h" in app.screen.title_text
        await pilot.press("escape", "shift+tab", "enter")  # the events of one address
        await pilot.pause()
        assert "· 1 event · 1 recipient · 24h" in app.screen.title_text


def drilled(store, drill: str, key: str) -> int:  # type: ignore[no-untyped-def]
    """How many events of the window 'all' a row's drilldown (and pin) selects."""
    match = compile_filter(" ".join(terms_for(drill, key)))
    return sum(map(match, Query(store, WINDOWS_BY_NAME["all"]).all_events()))


def test_an_identity_with_slashes_drills_to_as_many_events_as_it_counts():
    from factory import BASE, complaint, jsonl
    from helpers import ingest

    arns = ["arn:aws:ses:us-east-1:123:identity/foo/bar", "arn:aws:ses:us-east-1:123:identity/a/b@example.com", "arn:aws:ses:us-east-1:123:identity/bar"]
    store = ingest(jsonl([complaint(BASE + i, sourceArn=arn) for i, arn in enumerate(arns + arns[:1])]))
    rows = Query(store, WINDOWS_BY_NAME["all"]).ranked("complaint_identities").rows
    assert rows == [("foo/bar", 2), ("a/b@example.com", 1), ("bar", 1)]
    assert [drilled(store, "complaint_identities", key) for key, _ in rows] == [2, 1, 1]


def test_mail_rows_count_and_drill_to_the_kinds_nobody_documented_too():
    from factory import BASE, cloudtrail, jsonl, send
    from helpers import ingest

    undocumented = send(BASE + 1, source="a@x.example", tags={"ses:configuration-set": ["news"]})
    undocumented["eventType"] = "Quarantine"  # a kind nobody documented: the Overview's Other
    records = [send(BASE, source="a@x.example", tags={"ses:configuration-set": ["news"]}), undocumented, cloudtrail(BASE + 2)]
    for store in (ingest(jsonl(records)), ingest(jsonl(records), max_events=1)):  # the ring, the all-time counters
        query = Query(store, WINDOWS_BY_NAME["all"])
        assert query.counts()["Other"] == 1
        for name, key in (("sources", "a@x.example"), ("config_sets", "news")):
            assert dict(query.ranked(name).rows)[key] == 2
            if store.stats.events == len(query.all_events()):  # drills list what the ring holds
                assert drilled(store, name, key) == 2


def test_rows_that_differ_only_in_case_each_drill_to_their_own_events():
    from factory import BASE, bounce, cloudtrail, jsonl, send
    from helpers import ingest

    records = [cloudtrail(BASE + i, user=user) for i, user in enumerate(["Deploy", "deploy", "deploy", "DEPLOY"])]
    records += [cloudtrail(BASE + 5, name="GetSendQuota", error="Throttling"), cloudtrail(BASE + 6, error="throttling")]
    records += [send(BASE + 7, source=s) for s in ("News@x.example", "news@x.example", "news@x.example")]
    shouted = bounce(BASE + 8, "b@y.example")
    shouted["eventType"] = "BOUNCE"  # a kind nobody documented: the Overview's Other, not Bounce
    records += [bounce(BASE + 9, "A@Y.example"), shouted]
    store = ingest(jsonl(records))
    query = Query(store, WINDOWS_BY_NAME["all"])
    for name in ("ct_users", "error_codes", "sources", "bounce_domains", "bounce_addresses"):
        rows = query.ranked(name).rows
        assert [drilled(store, name, key) for key, _ in rows] == [n for _, n in rows], name
    assert dict(query.ranked("ct_users").rows) == {"deploy": 2, "Deploy": 1, "DEPLOY": 1, "alice": 2}
    assert dict(query.ranked("bounce_domains").rows) == {"y.example": 1}  # keyed lower-case
    counts = query.counts()
    assert counts["Bounce"] == counts["Other"] == 1
    assert drilled(store, "kind", "Bounce") == drilled(store, "kind", "Other") == 1


def test_an_equals_sign_after_the_field_matches_that_case_only():
    from factory import BASE, cloudtrail, jsonl
    from helpers import ingest
    from sestui.filters import quote

    store = ingest(jsonl([cloudtrail(BASE + i, user=user) for i, user in enumerate(["Deploy", "deploy", "=Deploy", "Deployer"])]))
    users = lambda text: [e.user for e in Query(store, WINDOWS_BY_NAME["all"]).all_events() if compile_filter(text)(e)]  # noqa: E731
    assert users("user:Deploy") == ["Deploy", "deploy"]
    assert users("user:=Deploy") == ["Deploy"]
    assert users("-user:=Deploy") == ["deploy", "=Deploy", "Deployer"]
    assert users("user:=D*") == ["Deploy", "Deployer"]
    # Quoted, the `=` is part of the value, which matches in any case.
    assert users('user:"=deploy"') == users("user:'=DEPLOY'") == ["=Deploy"]
    assert users('user:="=Deploy"') == ["=Deploy"] and users('user:="=deploy"') == []
    # A value that starts with `=` is quoted so a row keyed by it still matches it.
    assert quote("=Deploy") == '"=Deploy"' and users("user:" + quote("=Deploy")) == ["=Deploy"]
    with pytest.raises(FilterError, match="needs a value"):
        compile_filter("user:=")


def test_a_value_written_as_the_missing_placeholder_drills_to_that_value():
    from factory import BASE, complaint, jsonl, send
    from helpers import ingest

    config_sets = [["(missing)"], ["(missing)"], None, ["marketing"]]
    records = [send(BASE + i, tags=None if c is None else {"ses:configuration-set": c}) for i, c in enumerate(config_sets)]
    records += [complaint(BASE + 10 + i, feedback=f) for i, f in enumerate(["(missing)", None, None])]
    store = ingest(jsonl(records))
    query = Query(store, WINDOWS_BY_NAME["all"])
    configs = query.ranked("config_sets").rows
    assert configs == [("(missing)", 2), ("marketing", 1)]
    assert [drilled(store, "config_sets", key) for key, _ in configs] == [2, 1]
    # A ranking that also counts events lacking the value keeps the two apart.
    feedback = query.ranked("feedback_types").rows
    assert feedback == [("(missing)", 2), ('"(missing)"', 1)]
    assert [drilled(store, "feedback_types", key) for key, _ in feedback] == [2, 1]
    # Written plainly, (missing) is the placeholder; quoted, the value.
    assert sum(map(compile_filter("kind:Send configset:(missing)"), query.all_events())) == 1
    assert sum(map(compile_filter('kind:Send configset:"(missing)"'), query.all_events())) == 2


def test_deliveries_without_a_reporting_mta_drill_from_their_row():
    from factory import BASE, delivery, jsonl
    from helpers import ingest

    data = jsonl([delivery(BASE + i, mta=mta) for i, mta in enumerate([None, None, "(missing)", "a1.example", None])])
    rows = [(row.mta, row.count) for row in Query(ingest(data), WINDOWS_BY_NAME["all"]).mta_stats()]
    assert rows == [("(missing)", 3), ('"(missing)"', 1), ("a1.example", 1)]
    assert [drilled(ingest(data), "mta", mta) for mta, _ in rows] == [3, 1, 1]
    # The all-time counters, used once events have left the ring, key them the same way.
    assert [row.mta for row in Query(ingest(data, max_events=1), WINDOWS_BY_NAME["all"]).mta_stats()] == [mta for mta, _ in rows]


def test_an_mta_row_counts_every_delivery_it_drills_to():
    """Deliveries without a processing time count in their MTA's row, not in its quantiles."""
    from factory import BASE, delivery, jsonl
    from helpers import ingest
    from sestui.report import summary

    untimed = [delivery(BASE + i, mta=mta) for i, mta in enumerate(["a1.example", "b1.example"])]
    for record in untimed:
        del record["delivery"]["processingTimeMillis"]
    data = jsonl([*untimed, delivery(BASE + 2, mta="a1.example", ms=500)])
    for max_events in (10, 1):  # from the ring, and from the all-time counters
        query = Query(ingest(data, max_events=max_events), WINDOWS_BY_NAME["all"])
        rows = [(row.mta, row.count, row.p50, row.max) for row in query.mta_stats()]
        assert rows == [("a1.example", 2, 500.0, 500.0), ("b1.example", 1, None, None)]
    assert [drilled(ingest(data), "mta", mta) for mta, *_ in rows] == [2, 1]
    reported = summary(Query(ingest(data), WINDOWS_BY_NAME["all"]))["deliveries"]["mta"]
    assert [(row["reporting_mta"], row["count"], row["p50_ms"], row["max_ms"]) for row in reported] == [("a1.example", 2, 500, 500), ("b1.example", 1, None, None)]


def test_a_cloudtrail_group_counts_the_calls_it_drills_to_whatever_their_case():
    from factory import BASE, cloudtrail, jsonl
    from helpers import ingest

    names = ["ListIdentities", "listidentities", "GETSENDQUOTA", "verifydomaindkim", "DeleteReceiptRule", "verifyEmailAddress"]
    store = ingest(jsonl([cloudtrail(BASE + i, name) for i, name in enumerate(names)]))
    groups = Query(store, WINDOWS_BY_NAME["all"]).groups()
    assert groups == {"Identity": 2, "GetSend": 1, "Domain": 1, "Receipt": 1, "EmailAddress": 1}
    assert {group: drilled(store, "group", group) for group in groups} == groups


def test_an_empty_recipient_is_ranked_neither_as_an_address_nor_as_a_domain():
    """Its row could not drill: `address:""` is no filter. Its recipient still counts."""
    from factory import BASE, bounce, jsonl
    from helpers import ingest
    from sestui.report import summary

    data = jsonl([bounce(BASE + i, to) for i, to in enumerate(["", "   ", "user@", "x@y.example"])])
    for max_events in (10, 1):  # from the ring, and from the all-time counters
        query = Query(ingest(data, max_events=max_events), WINDOWS_BY_NAME["all"])
        assert query.ranked("bounce_addresses").rows == [("user@", 1), ("x@y.example", 1)]
        assert query.ranked("bounce_domains").rows == [("y.example", 1)]
    store = ingest(data)
    assert [drilled(store, "bounce_addresses", key) for key in ("user@", "x@y.example")] == [1, 1]
    assert drilled(store, "bounce_domains", "y.example") == 1
    report = summary(Query(store, WINDOWS_BY_NAME["all"]))
    assert report["bounces"]["top_addresses"] == [["user@", 1], ["x@y.example", 1]]
    assert report["bounces"]["top_domains"] == [["y.example", 1]]
    assert (report["counts"]["Bounce"], report["bounces"]["recipients"], report["rates"]["bounce"]) == (4, 4, 1.0)


async def test_pinning_keeps_the_filter_as_written_and_adds_a_term_once():
    app = sample_app()
    async with app.run_test(size=(140, 44)) as pilot:
        app.tick()
        assert app.apply_filter('-subject:"no  such  subject"')  # two spaces, matching every event
        await settle(app, pilot)
        sources = app.query_one("#t-sources", Table)
        sources.focus()
        await pilot.pause()
        source = cells(sources)[0][0]
        assert " " in source
        await pilot.press("F")
        await settle(app, pilot)
        pinned = app.filter_text
        assert pinned.startswith('-subject:"no  such  subject" -kind:=CloudTrail source:="')
        await pilot.press("F")
        await settle(app, pilot)
        assert app.filter_text == pinned
        assert Query(app.store, WINDOWS_BY_NAME["24h"]).counts()["CloudTrail"] == 0


GEOIP = SHARED / "geoip"


@pytest.mark.skipif(not (GEOIP / "GeoLite2-City-Test.mmdb").exists(), reason="MaxMind test databases (../shared/geoip) are not here")
async def test_a_place_row_of_the_geo_tab_drills_to_that_place():
    from factory import BASE, jsonl, send
    from helpers import events, ingest
    from sestui.geo import Geo
    from sestui.ui.app import make_app

    geo = Geo([str(GEOIP / "GeoLite2-City-Test.mmdb"), str(GEOIP / "GeoLite2-ASN-Test.mmdb")])
    # London twice and Boxford, both in GB; two unlocated addresses, one of them in a known network.
    ips = ["81.2.69.160", "81.2.69.142", "2.125.160.216", "89.160.20.112", "1.128.0.1", "2.2.3.4"]
    store = ingest(jsonl([send(BASE + i, tags={"ses:source-ip": [ip]}) for i, ip in enumerate(ips)]))
    app = make_app(store=store, clock=lambda: BASE, window="all", auto_tick=False, geo=geo)
    async with app.run_test(size=(140, 50)) as pilot:
        app.tick()
        await pilot.press("6")
        await pilot.pause()
        table = app.query_one("#t-geo_source_ips", Table)
        table.focus()
        rows = [(row[0], row[1], row[2], int(row[3])) for row in cells(table)]
        assert len(rows) == 5 and ("GB United Kingdom", "London", "", 2) in rows
        drilled = []
        for index in range(len(rows)):
            table.move_cursor(row=index)
            await pilot.press("enter")
            await pilot.pause()
            drilled.append(len(app.screen.events))
            await pilot.press("escape")
            await pilot.pause()
        assert drilled == [n for *_, n in rows]
    # The terms are the filter's own: city and network, each also for one kind of address.
    london = compile_filter("source_country:GB source_city:London", geo.place)
    assert sum(map(london, events(store))) == 2
    assert sum(map(compile_filter('network:"AS1221 Telstra*"', geo.place), events(store))) == 1
    assert sum(map(compile_filter("city:(missing) country:unknown", geo.place), events(store))) == 2


def pooled_mta_store(monkeypatch):  # type: ignore[no-untyped-def]
    """Three reporting MTAs counted one by one, one of them named "(other)" in the log, and eight
    more pooled; a ring too small for the window "all", which then reads the all-time counters."""
    import sestui.store
    from factory import BASE, delivery, jsonl
    from helpers import ingest

    monkeypatch.setattr(sestui.store, "MAX_MTAS", 3)
    mtas = ["a.example", "(other)", "b.example", *(f"p{i}.example" for i in range(8)), "(other)", "(other)"]
    return ingest(jsonl([delivery(BASE + i, mta=mta, ms=100 + i) for i, mta in enumerate(mtas)]), max_events=4)


POOL_NOTE = "(other) pools the deliveries of 8 reporting MTAs beyond the first 3, which are not counted one by one"


async def test_the_pooled_mta_row_says_why_its_events_cannot_be_listed_and_stays_put(monkeypatch):
    app = sample_app(pooled_mta_store(monkeypatch), window="all")
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        await pilot.press("4")
        await pilot.pause()
        table = app.query_one("#t-mta", Table)
        assert app.focused is table and table.cursor_row == 0
        # The pool and the MTA named like it are two rows.
        assert [row[:2] for row in cells(table)] == [["(other)", "8"], ['"(other)"', "3"], ["a.example", "1"], ["b.example", "1"]]
        notice = f"{POOL_NOTE}: their events cannot be listed."
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.screen_stack[0] and app.focused is table and table.cursor_row == 0
        assert [n.message for n in app._notifications] == [notice]
        await pilot.press("F")
        await settle(app, pilot)
        assert app.filter_text == "" and app.store.view is None
        assert [n.message for n in app._notifications] == [notice, notice]
        await pilot.press("down", "enter")  # the MTA named "(other)": its deliveries still in the ring
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)
        listed = app.screen.query_one(EventLog).events
        assert [e.mta for e in listed] == ["(other)", "(other)"]


def test_the_report_labels_the_pooled_mta_row(monkeypatch):
    from sestui.report import summary, to_json, to_text

    report = summary(Query(pooled_mta_store(monkeypatch), WINDOWS_BY_NAME["all"]))
    rows = [(row["reporting_mta"], row["count"], row["pooled_mtas"]) for row in orjson.loads(to_json(report))["deliveries"]["mta"]]
    assert rows == [("(other)", 8, 8), ('"(other)"', 3, None), ("a.example", 1, None), ("b.example", 1, None)]
    text = to_text(report)
    table = text[text.index("Reporting MTAs") : text.index("Slowest deliveries")].split("\n")
    assert [line.split()[0] for line in table[2:6]] == ["(other)", '"(other)"', "a.example", "b.example"]
    assert table[6] == f"  {POOL_NOTE}"


async def test_a_filter_applied_or_cleared_from_the_bar_gives_the_keys_back_to_the_table_left():
    """Enter, `e` and `F` act on the focused table: after `f` it must still be the one the user
    chose, on the row they were on, not the tab's first table at its first row."""
    app = sample_app()
    async with app.run_test(size=(140, 44)) as pilot:
        app.tick()
        await pilot.press("2", "tab", "down")  # Top bounced domains, second row
        await pilot.pause()
        domains = app.focused
        assert isinstance(domains, Table) and domains.id == "t-bounce_domains" and domains.cursor_row == 1
        await type_filter(app, pilot, "-kind:Open")
        assert app.filter_text == "-kind:Open"
        assert app.focused is domains and domains.cursor_row == 1
        await pilot.press("tab", "tab")  # Recent bounces
        await pilot.pause()
        recent = app.focused
        assert isinstance(recent, Table) and recent.id == "t-recent-bounces"
        await pilot.press("f", "escape")
        await settle(app, pilot)
        assert app.filter_text == "" and app.focused is recent


def test_a_minus_excludes_only_where_written_plainly_and_never_alone():
    """`- kind:Send` (a space after the minus) would keep the very events it means to leave out,
    so a lone `-` is refused; a quoted `"-5.7.1"` is text to find, minus and all."""
    from factory import BASE, bounce, jsonl, send
    from helpers import ingest

    store = ingest(jsonl([send(BASE, "a@x.example"), bounce(BASE + 1, "b@x.example", status="5.7.1"), send(BASE + 2, "c@-x.example")]))
    events = Query(store, WINDOWS_BY_NAME["all"]).all_events()
    recipients = lambda text: [e.recipients[0] for e in events if compile_filter(text)(e)]  # noqa: E731
    for text in ("-", "- kind:Send", "kind:Send -"):
        with pytest.raises(FilterError, match="lone '-'"):
            compile_filter(text)
    assert recipients("-kind:Send") == ["b@x.example"]
    assert recipients('"-x.example"') == ["c@-x.example"]
    assert recipients('-"x.example"') == []


def test_a_place_row_is_described_by_the_parts_it_has():
    from sestui.drill import describe

    assert describe("Remote MTA IPs", "unknown\x1f\x1f") == "Remote MTA IPs: unknown"
    assert describe("Mail source IPs", "SE\x1fLinköping\x1fAS29518 Bredband2 AB") == "Mail source IPs: SE / Linköping / AS29518 Bredband2 AB"
    assert describe("Bounced domains", "gmail.com") == "Bounced domains: gmail.com"
