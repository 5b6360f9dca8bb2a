"""`sestui report` end to end, as a user runs it."""

from __future__ import annotations

import gzip
import errno
import os
import re
import subprocess
import sys

import orjson
import pytest

from factory import BASE, bounce, cloudtrail, complaint, delivery, jsonl, send
from helpers import ROOT

KEYS = {"schema", "as_of", "window", "input", "counts", "rates", "bounces", "complaints", "deliveries", "cloudtrail"}


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "sestui", "report", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )


@pytest.fixture
def logs(tmp_path):
    records = [send(BASE - 3600, "a@gmail.com"), delivery(BASE + 1, "a@gmail.com", ms=900), bounce(BASE + 2, "B@Gmail.com"), bounce(BASE + 3, "b@gmail.com"), complaint(BASE + 4, "c@yahoo.com"), cloudtrail(BASE + 5, error="AccessDenied")]
    path = tmp_path / "ses.jsonl"
    path.write_bytes(jsonl(records[:4]) + b"not json at all\n")
    (tmp_path / "more.json.gz").write_bytes(gzip.compress(jsonl(records[4:5])) + gzip.compress(jsonl(records[5:])))
    return tmp_path


def test_json_report_has_every_key_and_exact_numbers(logs):
    result = run(str(logs / "ses.jsonl"), str(logs / "more.json.gz"), "--json")
    assert result.returncode == 0, result.stderr
    report = orjson.loads(result.stdout)
    assert KEYS <= set(report)
    assert report["schema"] == 1
    assert report["input"]["lines"] == 7 and report["input"]["records"] == 7
    assert report["input"]["events"] == 6 and report["input"]["skipped"] == {"not_json": 1}
    assert report["counts"]["Bounce"] == 2 and report["counts"]["CloudTrail"] == 1
    assert report["bounces"]["top_addresses"] == [["b@gmail.com", 2]]  # case-insensitive
    assert report["bounces"]["top_domains"] == [["gmail.com", 2]]
    assert report["bounces"]["by_type"] == {"Permanent": {"General": 2}}
    assert report["complaints"]["feedback_types"] == {"abuse": 1}
    assert report["cloudtrail"]["failed"] == 1 and report["cloudtrail"]["top_error_codes"] == [["AccessDenied", 1]]
    assert report["cloudtrail"]["groups"]["GetSend"] == 1
    assert report["deliveries"]["mta"][0]["p50_ms"] == 900
    assert report["rates"]["bounce"] == pytest.approx(2 / 3)


def test_empty_input_still_has_every_key():
    result = run("-", "--json", stdin=b"")
    report = orjson.loads(result.stdout)
    assert KEYS <= set(report)
    assert report["as_of"] is None and report["window"] is None
    assert report["bounces"]["top_addresses"] == [] and report["rates"] == {"bounce": None, "complaint": None}


def test_stdin_glob_and_window(logs):
    data = (logs / "ses.jsonl").read_bytes()
    assert orjson.loads(run("-", "--json", stdin=data).stdout)["counts"]["Bounce"] == 2
    everything = orjson.loads(run(str(logs / "*.json*"), str(logs / "ses.jsonl"), "--json").stdout)
    assert everything["counts"]["CloudTrail"] == 1 and everything["counts"]["Send"] == 1
    recent = orjson.loads(run(str(logs / "ses.jsonl"), "--json", "--window", "5m").stdout)
    assert recent["window"]["name"] == "5m"
    assert recent["counts"]["Send"] == 0 and recent["counts"]["Bounce"] == 2


def test_text_report_is_readable_and_safe(tmp_path):
    hostile = bounce(BASE, "\x1b]52;c;ZXZpbA==\x07[bold]x[/]@evil.example")
    path = tmp_path / "h.jsonl"
    path.write_bytes(jsonl([hostile]))
    result = run(str(path))
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "Top bounced addresses" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]52;c;zxzpba==\\x07[bold]x[/]@evil.example" in out  # shown literally (lower-cased)


def test_the_text_reports_mta_table_keeps_its_numbers_aligned_under_wide_names(tmp_path):
    from rich.cells import cell_len

    names = ["mx.example.com", "郵件伺服器.例子.example", "😀" * 30 + ".example", "mx\u0301\u0301.example", "長" * 40]
    path = tmp_path / "d.jsonl"
    path.write_bytes(jsonl([delivery(BASE + i, mta=name, ms=1000 + i) for i, name in enumerate(names)]))
    lines = run(str(path)).stdout.decode().split("\n")
    start = lines.index("Reporting MTAs (processing time, ms)") + 1
    header, rows = lines[start], lines[start + 1 : start + 1 + len(names)]
    count_end = header.index("count") + len("count")  # the header is ASCII: cells are characters
    for row in rows:
        name, number = re.fullmatch(r"  (.*?) +(1) +\S+ +\S+ +\S+ +\S+", row).groups()
        assert cell_len(row[: row.index(" 1 ", len(name) + 2) + 2]) == count_end, row  # each count under "count"
        assert cell_len(row) == cell_len(header), row
        assert cell_len(name) <= 44 and (name in names or name.endswith("…")), row


def test_the_text_reports_facts_and_mta_table_fit_80_columns():
    """The input and counts lines ran to 115 and 153 characters, wrapping mid-word in a terminal
    or an e-mail; the MTA table was 91 wide for names of 40 characters."""
    from helpers import SAMPLE_LOGS

    result = run(str(SAMPLE_LOGS))
    lines = result.stdout.decode().split("\n")
    report = orjson.loads(run(str(SAMPLE_LOGS), "--json").stdout)
    start = lines.index("Reporting MTAs (processing time, ms)")
    mtas = lines[start : start + 2 + len(report["deliveries"]["mta"])]
    first_input, first_count = lines.index(next(line for line in lines if line.startswith("input "))), lines.index(next(line for line in lines if line.startswith("counts ")))
    inputs = lines[first_input : lines.index("", first_input)]
    counted = lines[first_count : lines.index(next(line for line in lines if line.startswith("observed rates")))]
    facts = inputs + counted + [line for line in lines if line.startswith("  groups: ")]
    assert all(len(line) <= 80 for line in facts + mtas), [line for line in facts + mtas if len(line) > 80]
    counts = " ".join(counted)
    assert all(f"{kind} {n}" in counts for kind, n in report["counts"].items() if n)  # wrapped, never cut
    bounces, deliveries = report["bounces"], report["deliveries"]
    rates = next(line for line in lines if line.startswith("  of recipients: "))
    assert rates == (
        f"  of recipients: delivered {deliveries['recipients']}  bounced {bounces['recipients']} "
        f"(hard {bounces['hard_recipients']})  complained {report['complaints']['recipients']}"
    )


def test_a_geoip_database_that_cannot_be_used_is_said_in_the_report_too(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(jsonl([send(BASE)]))
    missing = tmp_path / "nowhere.mmdb"
    result = run("--json", "--geoip-db", str(missing), str(path))
    assert result.returncode == 0 and str(missing) in result.stderr.decode()
    assert str(missing) in orjson.loads(result.stdout)["geo"]["error"]  # it was null
    assert f"Geo: GeoIP unavailable: {missing}" in run("--geoip-db", str(missing), str(path)).stdout.decode()


def test_rates_under_a_filter_say_so():
    """`--filter kind:Bounce` leaves deliveries out of the rates' base: a 92 % bounce rate."""
    records = jsonl([delivery(BASE, "a@x.example"), bounce(BASE + 1, "b@x.example")])
    assert "observed rates  bounce 50.00% (at risk)" in run(stdin=records).stdout.decode()
    assert "observed rates (filtered)  bounce 100.00% (at risk)" in run("--filter", "kind:Bounce", stdin=records).stdout.decode()


def test_report_without_a_path_reads_a_piped_stdin():
    result = run("--json", stdin=jsonl([send(BASE), bounce(BASE + 1)]))
    assert result.returncode == 0 and orjson.loads(result.stdout)["input"]["events"] == 2


@pytest.fixture
def read_twice(tmp_path):
    bounced = bounce(BASE, "b@x.example")
    path = tmp_path / "ses.jsonl"
    path.write_bytes(jsonl([bounced, send(BASE + 1), bounced]))
    return path


def test_an_event_read_twice_counts_once_and_the_report_says_so(read_twice):
    report = orjson.loads(run(str(read_twice), "--json").stdout)
    assert report["input"]["events"] == 3 and report["input"]["duplicates"] == 1
    assert report["counts"]["Bounce"] == 1 and report["bounces"]["recipients"] == 1
    out = run(str(read_twice)).stdout.decode()
    assert "dropped as copies of an event read shortly before: 1 events" in out


def test_no_dedupe_counts_every_copy(read_twice):
    report = orjson.loads(run(str(read_twice), "--json", "--no-dedupe").stdout)
    assert report["input"]["events"] == 3 and report["input"]["duplicates"] == 0
    assert report["counts"]["Bounce"] == 2 and report["bounces"]["recipients"] == 2


def test_the_text_reports_slowest_deliveries_keep_their_recipients_aligned_under_wide_mta_names(tmp_path):
    from rich.cells import cell_len

    names = ["mx.example.com", "郵件伺服器.例子.example", "😀" * 30 + ".example", "mx\u0301\u0301.example", "長" * 40, ""]
    path = tmp_path / "d.jsonl"
    path.write_bytes(jsonl([delivery(BASE + i, f"r{i}@example.com", mta=name, ms=1000 + i) for i, name in enumerate(names)]))
    lines = run(str(path), "--outlier-ms", "1").stdout.decode().split("\n")
    start = lines.index("Slowest deliveries (over 1 ms)") + 1
    rows = lines[start : start + len(names)]
    starts = {cell_len(row[: row.index(f"r{i}@example.com")]) for i, row in ((int(re.search(r"r(\d)@", row).group(1)), row) for row in rows)}
    assert len(starts) == 1, rows  # every recipient starts in the same cell
    for row in rows:
        mta = re.fullmatch(r"  \S+ +\d+ ms  (.*?) *  r\d@example.com", row).group(1)
        assert mta in names or mta == "-" or mta.endswith("…"), row


def test_every_listed_outlier_is_slower_than_the_threshold_the_report_gives(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(jsonl([delivery(BASE, "a@x.example", ms=150), delivery(BASE + 1, "b@x.example", ms=151)]))
    deliveries = orjson.loads(run("--json", "--outlier-ms", "150.6", str(path)).stdout)["deliveries"]
    assert deliveries["outlier_threshold_ms"] == 150
    assert [row["processing_ms"] for row in deliveries["outliers"]] == [151]
    assert "Slowest deliveries (over 150 ms)" in run("--outlier-ms", "150.6", str(path)).stdout.decode()


@pytest.mark.parametrize("args, message", [(["/nonexistent/x.jsonl"], "/nonexistent/x.jsonl"), (["/nonexistent/logs/"], "/nonexistent/logs/"), (["/nonexistent/*.jsonl"], "no files match"), (["--window", "soon", "-"], "--window"), (["--window", "1000000w", "-"], "--window"), (["--window", "0", "-"], "--window"), (["--since", "0", "-"], "--since"), (["--every", "2", "-"], "--every needs --follow"), (["README.md/"], "README.md/: Not a directory"), (["--from-end", "-"], "--from-end needs --follow")])
def test_usage_errors_exit_2_with_one_line_and_no_traceback(args, message):
    result = run(*args, stdin=b"")
    assert result.returncode == 2
    err = result.stderr.decode()
    assert message in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize("option", ["--jobs", "--top"])
def test_counts_must_be_positive_whole_numbers(option):
    for value in ("0", "two"):
        result = run(option, value, "-", stdin=b"")
        err = result.stderr.decode()
        assert result.returncode == 2
        assert f"argument {option}: not a positive whole number: '{value}'" in err and "Traceback" not in err
        assert err.count("\n") == 1, err  # one line, as every usage error


@pytest.mark.parametrize("option", ["--every", "--outlier-ms", "--max-gzip-ratio"])
def test_amounts_must_be_positive_finite_numbers(option):
    # A zero --every printed snapshots in a busy loop.
    for value in ("0", "-1", "nan", "inf", "soon"):
        result = run("--follow", option, value, "-", stdin=b"")
        err = result.stderr.decode()
        assert result.returncode == 2
        assert f"argument {option}: not a positive number: '{value}'" in err and "Traceback" not in err
        assert err.count("\n") == 1, err


def test_unreadable_file_exits_2_naming_it(tmp_path):
    path = tmp_path / "secret.jsonl"
    path.write_bytes(b"{}\n")
    path.chmod(0)
    if os.access(path, os.R_OK):
        path = "/proc/self/mem"  # root reads anything, but this fails with EIO for everyone
    result = run(str(path))
    assert result.returncode == 2, result.stderr
    assert str(path) in result.stderr.decode() and "Traceback" not in result.stderr.decode()


def unlistable(monkeypatch, directory) -> None:  # type: ignore[no-untyped-def]
    """`directory` cannot be listed (chmod 000 does not stop root, who runs CI)."""
    scandir = os.scandir

    def refusing(path="."):  # type: ignore[no-untyped-def]
        if os.fspath(path) == str(directory):
            raise PermissionError(errno.EACCES, "Permission denied", str(directory))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)


def test_a_directory_that_cannot_be_listed_exits_2_naming_it(tmp_path, monkeypatch, capsys):
    """It used to be passed over: a report of zero events, which reads like a quiet day."""
    from sestui.cli import main

    (tmp_path / "ok.jsonl").write_bytes(jsonl([send(BASE)]))
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "ses.jsonl").write_bytes(jsonl([send(BASE)]))
    unlistable(monkeypatch, tmp_path / "locked")
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"sestui: cannot read {tmp_path / 'locked'}: Permission denied\n"


def test_follow_stops_quietly_when_its_reader_goes_away(logs):
    # `sestui report --follow ... | head -2`: the pipe closes after the first snapshot's start.
    child = subprocess.Popen(
        [sys.executable, "-m", "sestui", "report", "--follow", "--every", "0.1", str(logs / "ses.jsonl")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert child.stdout.readline().startswith(b"==== snapshot at ")
    assert child.stdout.readline().startswith(b"sestui report")
    child.stdout.close()
    assert child.wait(timeout=30) == 0
    assert child.stderr.read() == b""


def test_a_filter_matching_nothing_reads_as_an_empty_window(logs):
    result = run("--filter", "kind:Open", str(logs / "ses.jsonl"))
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "window all: - .. " in text and "None" not in text
    events = orjson.loads(run("--json", str(logs / "ses.jsonl")).stdout)["input"]["events"]
    assert f"left out by --filter: {events} events" in text  # all of them, and the text says so


def test_a_filter_of_exclusions_is_taken_as_the_filter_value(logs):
    path = str(logs / "ses.jsonl")
    spaced = run("--json", "--filter", "-kind:Send", path)
    assert spaced.returncode == 0, spaced.stderr
    report = orjson.loads(spaced.stdout)
    assert report["counts"]["Send"] == 0 and report["counts"]["Bounce"] == 2
    assert spaced.stdout == run("--json", "--filter=-kind:Send", path).stdout
    assert run("--filter", "--json", path).returncode == 2  # a forgotten value is still an error


@pytest.mark.parametrize("command", ["tail", "report", "demo"])
def test_every_option_of_a_command_is_in_its_readme_section(command):
    """The README says what each option does: none exists that its command's section omits."""
    from sestui.cli import build_parser

    readme = (ROOT / "README.md").read_text()

    def section(name: str) -> str:
        start = readme.index(f"### `sestui {name}")
        return readme[start : readme.index("\n## ", start)]  # its subsections (filters) included

    # report takes "the input options of `tail`", documented there.
    documented = section(command) + (section("tail") if command == "report" else "")
    subcommands = next(a for a in build_parser()._actions if a.dest == "command")  # noqa: SLF001
    options = [o for a in subcommands.choices[command]._actions for o in a.option_strings if o.startswith("--") and o != "--help"]  # noqa: SLF001
    assert options and [o for o in options if f"`{o}" not in documented] == []


def test_the_text_report_ranks_bounce_classes_and_feedback_types_by_count():
    """The JSON keys these two by name; the text ranks them as every other table."""
    from helpers import ingest
    from sestui.query import WINDOWS_BY_NAME, Query
    from sestui.report import summary, to_text

    records = [bounce(BASE + i, sub="Suppressed") for i in range(3)] + [bounce(BASE + 3, sub="General")]
    records += [complaint(BASE + 4, feedback=None)] + [complaint(BASE + 5 + i, feedback="abuse") for i in range(2)]
    text = to_text(summary(Query(ingest(jsonl(records)), WINDOWS_BY_NAME["all"])))
    lines = [line.split() for line in text.splitlines()]
    classes = lines[lines.index(["Bounce", "type", "/", "subtype"]) + 1 :][:2]
    assert classes == [["3", "Permanent", "/", "Suppressed"], ["1", "Permanent", "/", "General"]]
    feedback = lines[lines.index(["Complaint", "feedback", "types"]) + 1 :][:2]
    assert feedback == [["2", "abuse"], ["1", "(missing)"]]
