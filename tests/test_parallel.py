"""A report read on several cores must equal the same report read sequentially."""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from sestui import commands, parallel
from sestui import store as store_module
from sestui.cli import build_parser, main
from sestui.commands import _backfill
from sestui.filters import compile_filter
from sestui.parallel import Backfill, Span, plan, read_parallel, record_boundary
from sestui.paths import classify
from sestui.query import WINDOWS_BY_NAME, Query, window_for
from sestui.report import summary
from sestui.sources import FOLLOWING, Follower, Options, read_to_end
from sestui.store import Store, matching
from sestui.synth import iter_bench_lines

from factory import bounce, cloudtrail, delivery, jsonl, sns
from helpers import NOW, ROOT, ingest

PART = 64 << 10  # tests cut parts this small; the CLI default is 16 MB


def _lines(count: int, seed: int) -> bytes:
    return b"".join(iter_bench_lines(count, seed))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Several files of every framing: JSON Lines, `aws logs tail` prefixes, pretty-printed
    values, junk, an oversized line, a CloudTrail `Records` file, gzip."""
    root = tmp_path_factory.mktemp("parallel")
    first = root / "a.jsonl"
    first.write_bytes(_lines(1500, 3))
    mixed = root / "b.log"
    pieces = []
    base = 1_763_640_000.0
    for i in range(600):
        at = base + 7200 + i * 3
        if i % 50 == 7:
            pieces.append(json.dumps(bounce(at, to=f"u{i}@example.org"), indent=2).encode() + b"\n")
        elif i % 50 == 11:
            pieces.append(b"2025-11-20T14:00:00.000000+00:00 stream/1 " + orjson.dumps(delivery(at)) + b"\n")
        elif i % 50 == 13:
            pieces.append(b"not json at all\n")
        elif i % 50 == 17:
            pieces.append(b'{"padding": "' + b"x" * 9000 + b'"}\n')
        elif i % 50 == 19:
            records = {"Records": [cloudtrail(at + j, error="Throttling" if j % 2 else None) for j in range(5)]}
            pieces.append(orjson.dumps(records) + b"\n")
        else:
            pieces.append(jsonl([delivery(at, to=f"d{i % 40}@example.net", ms=100 + i * 37 % 5000)]))
    mixed.write_bytes(b"".join(pieces) + _lines(800, 5))
    packed = root / "c.jsonl.gz"
    packed.write_bytes(gzip.compress(_lines(400, 7)))
    last = root / "d.jsonl"
    last.write_bytes(_lines(1200, 9))
    return [str(first), str(mixed), str(packed), str(last)]


def _store(**kwargs: object) -> Store:
    return Store(clock=lambda: NOW, **kwargs)  # type: ignore[arg-type]


def _read(paths: list[str], jobs: int, options: Options | None = None, **store_args: object) -> Store:
    return read_parallel(paths, lambda: _store(**store_args), options or Options(max_record_bytes=4096), jobs, PART)


def _state(store: Store) -> dict[str, object]:
    """Everything a front end can see: reports over several windows, the ring, the buckets."""
    main = store.main
    return {
        "reports": [
            summary(Query(store, window, top=25))
            for window in (WINDOWS_BY_NAME["all"], WINDOWS_BY_NAME["1h"], window_for(600))
        ],
        "stats": store.stats.as_dict(),
        "as_of": store.as_of,
        "ring": [(e.kind, e.time, e.time_guessed, e.raw) for e in main.ring],
        "lanes": {kind: [e.raw for e in lane] for kind, lane in main.by_kind.items()},
        "evicted": (main.evicted, main.evicted_max_time, main.first_time),
        "tiers": [{key: bucket.values for key, bucket in tier.buckets.items()} for tier in main.series.tiers],
        "slowest": sorted((ms, e.raw) for ms, _, e in main.slowest),
        "notes": store.notes,
    }


def test_many_reporting_mtas_and_equal_times_merge_as_a_sequential_read(tmp_path, monkeypatch):
    """Past MAX_MTAS reporting MTAs, the first seen are counted one by one and the rest pooled;
    of equal processing times, the earliest deliveries are the slowest kept. Parts merged must
    decide both as a sequential read does."""
    monkeypatch.setattr(store_module, "MAX_MTAS", 50)
    monkeypatch.setattr(store_module, "SLOWEST_KEPT", 20)
    path = tmp_path / "mtas.jsonl"
    path.write_bytes(jsonl([delivery(NOW - 3600 + i, f"u{i}@example.com", ms=5000, mta=f"mta{i}.example") for i in range(900)]))
    reports = []
    for jobs in (1, 4):
        store = _read([str(path)], jobs, max_events=10)
        assert store.absorbed == (jobs > 1) * 3
        reports.append(summary(Query(store, WINDOWS_BY_NAME["all"], top=100), outlier_ms=1000)["deliveries"])
    sequential, merged = reports
    named = sorted(row["reporting_mta"] for row in sequential["mta"])
    assert "mta49.example" in named and "mta50.example" not in named
    assert merged == sequential
    assert [row["recipient"] for row in sequential["outliers"]] == [f"u{i}@example.com" for i in range(20)]


def _undated() -> dict[str, object]:
    record = delivery(0)
    del record["mail"]["timestamp"], record["delivery"]["timestamp"]
    return record


def _falls_back_to_the_sequential_read(paths: list[str], spy: list[bool]) -> Store:
    sequential = _read(paths, 1)
    assert _state(_read(paths, 4)) == _state(sequential)
    assert spy == [False]
    return sequential


@pytest.fixture()
def spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records whether each parallel read was merged (True) or fell back (False)."""
    outcomes: list[bool] = []
    real = parallel._read_parts

    def recording(*args: object, **kwargs: object) -> Store | None:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        outcomes.append(result is not None)
        return result

    monkeypatch.setattr(parallel, "_read_parts", recording)
    return outcomes


def test_plan_cuts_only_at_lines_that_start_a_record(inputs: list[str]) -> None:
    parts = plan(inputs, 4, 4096, PART)
    assert len(parts) == 4
    spans = [span for part in parts for span in part]
    # In input order, contiguous, every byte in exactly one part; gzip is never cut.
    for path in inputs:
        mine = [s for s in spans if s.path == path]
        assert mine[0].start == 0 and mine[-1].end is None
        assert all(a.end == b.start for a, b in zip(mine, mine[1:]))
        if path.endswith(".gz"):
            assert mine == [Span(path)]
    cuts = [s.end for s in spans if s.end is not None]
    assert cuts
    for span in spans:
        if span.end is None:
            continue
        data = Path(span.path).read_bytes()
        assert data[span.end - 1 : span.end] == b"\n"
        line = data[span.end : data.index(b"\n", span.end)]
        assert line.startswith(b"{") and orjson.loads(line)


def test_a_file_of_pretty_printed_records_is_not_cut(tmp_path: Path) -> None:
    path = tmp_path / "pretty.json"
    path.write_bytes(b"".join(json.dumps(bounce(1_763_640_000 + i), indent=2).encode() + b"\n" for i in range(600)))
    assert record_boundary(str(path), 1000, 4096) is None
    assert plan([str(path)], 2, 4096, 1024) == [[Span(str(path))]]


def test_no_part_starts_inside_a_value_laid_out_one_element_per_line(tmp_path: Path, spy: list[bool]) -> None:
    base = 1_763_640_000.0

    def laid_out() -> bytes:  # other calls (request ids) each time
        elements = [orjson.dumps(cloudtrail(base + i, name=f"Call{i}")) for i in range(300)]
        return b'{"Records": [\n' + b",\n".join(elements) + b"\n]}\n"

    first, last = laid_out(), laid_out()
    # A compact value after a bare `aws logs tail --format json` prefix is that prefix's value.
    prefixed = b"".join(b"2025-11-20T14:00:00.000000+00:00 stream/1\n" + orjson.dumps(delivery(base + i)) + b"\n" for i in range(300))
    lines = jsonl([delivery(base + 400 + i) for i in range(300)])
    path = tmp_path / "laid-out.json"
    path.write_bytes(first + prefixed + lines + last)
    for offset in range(1, len(first) + len(prefixed), 997):
        cut = record_boundary(str(path), offset, 1 << 20)
        assert cut is None or cut >= len(first) + len(prefixed)
    options = Options(max_record_bytes=1 << 20)
    sequential = _read([str(path)], 1, options)
    assert sequential.stats.skipped == {} and sequential.stats.events == 1200
    assert _state(_read([str(path)], 4, options)) == _state(sequential)
    assert spy == [True]


@pytest.fixture()
def parent_reads(monkeypatch: pytest.MonkeyPatch) -> list[list[Span]]:
    """The parts this process read itself (a forked child records into its own copy)."""
    parent = os.getpid()
    reads: list[list[Span]] = []
    real = parallel._read_spans

    def recording(spans: list[Span], *args: object, **kwargs: object) -> None:
        if os.getpid() == parent:
            reads.append(spans)
        real(spans, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "_read_spans", recording)
    return reads


@pytest.mark.parametrize("max_events", [100_000, 1500, 40])
@pytest.mark.parametrize("bytes_per_event", [4096, 1])
def test_parallel_read_equals_sequential(
    inputs: list[str],
    spy: list[bool],
    parent_reads: list[list[Span]],
    monkeypatch: pytest.MonkeyPatch,
    max_events: int,
    bytes_per_event: int,
) -> None:
    # With 1 byte per event every earlier part keeps no ring, and where the later parts hold
    # fewer than max_events events, the parts before are read again by the merging process.
    monkeypatch.setattr(parallel, "_BYTES_PER_EVENT", bytes_per_event)
    sequential = _read(inputs, 1, max_events=max_events)
    merged = _read(inputs, 4, max_events=max_events)
    assert spy == [True]
    assert _state(merged) == _state(sequential)
    assert sequential.stats.events > 4000 and sum(sequential.stats.skipped.values()) > 20
    seqs = [e.seq for e in merged.main.ring]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    # The merging process read the sequential input and its own part, the last one; it read an
    # earlier part again only when that part kept no ring and the ring was not full without it.
    sequential_read, own, *again = parent_reads
    assert own[-1] == Span(inputs[-1], own[-1].start)
    alone = _store(max_events=10**6)
    for span in own:
        read_to_end(span.path, alone, Options(max_record_bytes=4096), span.start, span.end)
    assert bool(again) == (bytes_per_event == 1 and len(alone.main.ring) < max_events)


def test_copies_found_in_each_part_add_up_to_those_a_sequential_read_finds(tmp_path: Path, spy: list[bool]) -> None:
    # SNS -> Lambda batches that hold a notification twice: no cut comes between the copies.
    def batch(record: dict[str, object]) -> dict[str, object]:
        return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": sns(record)}] * 2}

    path = tmp_path / "lambda.jsonl"
    path.write_bytes(jsonl([batch(delivery(1_763_640_000.0 + i, to=f"u{i}@example.org", ms=100 + i)) for i in range(1500)]))
    sequential = _read([str(path)], 1)
    merged = _read([str(path)], 4)
    assert spy == [True]
    assert _state(merged) == _state(sequential)
    assert merged.stats.duplicates == 1500 and merged.stats.events == 3000


def test_earlier_parts_keep_no_ring_when_the_later_input_holds_it(inputs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    kept: list[bool] = []
    real = parallel._read_parts

    def recording(parts: list[list[Span]], store: Store, make_store: object, options: Options, keep_ring: list[bool]) -> Store | None:
        kept.extend(keep_ring)
        return real(parts, store, make_store, options, keep_ring)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "_read_parts", recording)
    total = sum(os.path.getsize(path) for path in inputs)
    monkeypatch.setattr(parallel, "_BYTES_PER_EVENT", total // 1000)
    _read(inputs, 4, max_events=40)  # the last part alone holds 4 % of the input
    assert kept == [False, False, False]
    kept.clear()
    _read(inputs, 4, max_events=300)  # only parts with 30 % of the input after them
    assert kept[0] is False and kept[-1] is True
    kept.clear()
    _read(inputs, 4, max_events=40, keep=compile_filter("kind:Bounce", None))
    assert kept == [True, True, True]  # under a filter the later parts may hold few events


def test_the_ring_keeping_part_is_lighter_when_the_others_keep_none(inputs: list[str]) -> None:
    even = plan(inputs, 2, 4096, PART)
    lighter = plan(inputs, 2, 4096, PART, 0.5)
    assert parallel._size(lighter[-1]) < parallel._size(even[-1])
    assert abs(parallel._size(lighter[-1]) / parallel._size(lighter[0]) - 0.5) < 0.1


def test_filter_and_since_apply_in_every_part(inputs: list[str], spy: list[bool]) -> None:
    keep = compile_filter("-kind:Open -kind:Click", None)
    args = {"keep": keep, "since": 1_763_640_000.0 + 3 * 3600}
    assert _state(_read(inputs, 3, **args)) == _state(_read(inputs, 1, **args))
    assert spy == [True]


def test_an_undated_record_in_a_later_part_falls_back_to_one_reader(inputs: list[str], tmp_path: Path, spy: list[bool]) -> None:
    late = tmp_path / "late.jsonl"
    late.write_bytes(_lines(600, 11) + jsonl([_undated()]) + _lines(600, 12))
    sequential = _falls_back_to_the_sequential_read([*inputs, str(late)], spy)
    assert sequential.stats.time_guessed == 1


def test_a_first_part_with_no_event_time_falls_back_to_one_reader(inputs: list[str], tmp_path: Path, spy: list[bool]) -> None:
    # Read whole, its events would wait for the first time of the next part.
    undated = tmp_path / "undated.jsonl.gz"  # gzip is never cut: the first part is this file
    ids = (os.urandom(100).hex().encode() for _ in range(20_000))  # little to compress
    undated.write_bytes(gzip.compress(b"".join(b'{"eventType": "Delivery", "mail": {"messageId": "%s"}}\n' % m for m in ids)))
    paths = [str(undated), *inputs]
    assert plan(paths, 4, 4096, PART)[0] == [Span(str(undated))]
    sequential = _falls_back_to_the_sequential_read(paths, spy)
    assert sequential.stats.time_guessed == 20_000


def test_a_part_that_keeps_no_ring_still_lets_undated_events_wait(tmp_path: Path, spy: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    # A first read of only undated events, then dated ones, in a part that keeps no ring: the
    # undated events must wait for the first time as they do in a sequential read.
    monkeypatch.setattr(parallel, "_BYTES_PER_EVENT", 1)
    lead = tmp_path / "lead.jsonl"
    lead.write_bytes(b'{"eventType": "Delivery"}\n' * 12_000 + _lines(600, 4))  # > one read
    rest = tmp_path / "rest.jsonl"
    rest.write_bytes(_lines(20_000, 5))
    paths = [str(lead), str(rest)]
    sequential = _read(paths, 1, max_events=12_500)
    merged = _read(paths, 4, max_events=12_500)  # the later parts fill the ring
    assert spy == [True] and sequential.stats.time_guessed == 12_000
    assert _state(merged) == _state(sequential)


def test_a_fallback_does_not_wait_for_parts_still_being_read(inputs: list[str], tmp_path: Path, spy: list[bool]) -> None:
    late = tmp_path / "late.jsonl"
    late.write_bytes(jsonl([_undated()]) + _lines(600, 12))
    parent = os.getpid()

    def make_store() -> Store:
        if os.getpid() != parent:
            time.sleep(60)  # a part that takes long to read
        return _store()

    started = time.monotonic()
    merged = read_parallel([*inputs, str(late)], make_store, Options(max_record_bytes=4096), 2, PART)
    assert spy == [False] and merged.stats.time_guessed == 1
    # The children are stopped at once; waiting for them used to stall the fallback 5 s.
    assert time.monotonic() - started < 4


def test_a_failing_child_costs_the_parallelism_not_the_report(inputs: list[str], spy: list[bool], capfd: pytest.CaptureFixture[str]) -> None:
    parent = os.getpid()

    def make_store() -> Store:
        if os.getpid() != parent:
            raise RuntimeError("a bug in a part's reader")
        return _store()

    merged = read_parallel(inputs, make_store, Options(max_record_bytes=4096), 4, PART)
    assert spy == [False]
    assert _state(merged) == _state(_read(inputs, 1))
    assert "Traceback" not in capfd.readouterr().err


def test_an_unreadable_input_is_reported_whatever_the_jobs(inputs: list[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.jsonl")
    for jobs in (1, 4):
        with pytest.raises(OSError) as caught:
            _read([*inputs, missing], jobs)
        assert caught.value.filename == missing


def test_report_jobs_flag_gives_the_same_json(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(_lines(40_000, 2))  # about 34 MB: two parts at the CLI's 16 MB minimum
    assert len(plan([str(path)], 2, 1 << 20)) == 2

    def report(jobs: int) -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-m", "sestui", "report", "--json", "--jobs", str(jobs), str(path)],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        return orjson.loads(done.stdout)

    one, two = report(1), report(2)
    assert one == two
    assert one["input"]["lines"] == 40_000


# -- the reading processes --------------------------------------------------------------------


class Gate:
    """Makes the forked readers of a parallel read wait, after they set their signals up, until
    `open` is called; `arrived` counts those waiting."""

    def __init__(self, directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.directory = directory
        parent = os.getpid()
        reading = parallel.read_to_end
        flag = directory / "open"

        def gated(*args: object, **kwargs: object) -> object:
            if os.getpid() != parent:
                (directory / f"arrived-{os.getpid()}").touch()
                while not flag.exists():
                    time.sleep(0.01)
            return reading(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(parallel, "read_to_end", gated)
        self._flag = flag

    @property
    def arrived(self) -> int:
        return len(list(self.directory.glob("arrived-*")))

    def open(self) -> None:
        self._flag.touch()


@pytest.fixture()
def gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Gate:
    directory = tmp_path / "gate"
    directory.mkdir()
    return Gate(directory, monkeypatch)


def _wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def _ended(pid: int) -> bool:
    """Whether a process ended (one not waited for yet has too). Its `Process` object is not asked:
    the reader waits for it at the same time, and a process waited for twice looks alive to one."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):  # gone before or while it was read
        return True


def _readers() -> list[int]:
    return [child.pid for child in multiprocessing.active_children() if child.pid is not None]


def test_a_reader_ends_on_a_signal_whatever_the_process_it_was_forked_from_does_with_it(tmp_path: Path, gate: Gate) -> None:
    # A process may take signals through an event loop, woken through a file that the readers it
    # forks share, and fork them from a thread, as this read does.
    taken: list[int] = []
    wakeup, woken = socket.socketpair()
    wakeup.setblocking(False)
    woken.setblocking(False)
    previous = {signum: signal.signal(signum, lambda signum, frame: taken.append(signum)) for signum in (signal.SIGTERM, signal.SIGINT)}
    previous_fd = signal.set_wakeup_fd(wakeup.fileno())
    path = tmp_path / "ses.jsonl"
    path.write_bytes(_lines(4000, 3))
    reading = threading.Thread(target=read_parallel, args=([str(path)], _store, Options(max_record_bytes=4096), 4, PART))
    try:
        reading.start()
        _wait_until(lambda: gate.arrived == 3)
        first, second, _ = _readers()
        os.kill(first, signal.SIGTERM)
        os.kill(second, signal.SIGINT)
        _wait_until(lambda: _ended(first) and _ended(second))
        assert taken == []
        with pytest.raises(BlockingIOError):
            woken.recv(1)
    finally:
        gate.open()
        reading.join(30)  # the read goes on without them, on one core
        signal.set_wakeup_fd(previous_fd)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        wakeup.close()
        woken.close()


def test_readers_end_when_the_process_merging_them_is_killed(tmp_path: Path, gate: Gate) -> None:
    path = tmp_path / "ses.jsonl"
    path.write_bytes(_lines(4000, 3))

    def merge() -> None:  # gated too: it waits with its readers
        read_parallel([str(path)], _store, Options(max_record_bytes=4096), 4, PART)

    merging = multiprocessing.get_context("fork").Process(target=merge)  # a daemon could not fork
    merging.start()
    readers: list[int] = []
    try:
        _wait_until(lambda: gate.arrived == 4)
        readers = [int(p.name.split("-")[1]) for p in gate.directory.glob("arrived-*") if p.name != f"arrived-{merging.pid}"]
        merging.kill()
        merging.join(10)
        gate.open()  # the readers read their parts and find no one to hand them to
        _wait_until(lambda: all(_ended(pid) for pid in readers))
    finally:
        merging.kill()
        for pid in readers:
            if not _ended(pid):
                os.kill(pid, signal.SIGKILL)


# -- tail: the content of followed files read on several cores ---------------------------------

FOLLOW_OPTIONS = Options(max_record_bytes=4096, rescan_interval=0)


@pytest.fixture()
def tail() -> Iterator[Callable[..., Follower]]:
    """`tail`'s follower on some paths, started without its thread: with more than one job, the
    files present are read in parallel before `start` returns, and merged at the first step."""
    followers: list[Follower] = []

    def start(paths: list[str], jobs: int, options: Options = FOLLOW_OPTIONS, **store_args: object) -> Follower:
        backfill = Backfill(jobs, PART) if jobs > 1 else None
        follower = Follower([classify(path) for path in paths], _store(**store_args), options, backfill=backfill)
        followers.append(follower)
        follower.start(thread=False)
        return follower

    yield start
    for follower in followers:
        follower.stop()
        for file in follower.files.values():
            file.close()


def _catch_up(follower: Follower, now: float = 0.0) -> Store:
    """Step until every file is read to its end, then release undated events, as the thread does."""
    while follower.step(now):
        pass
    follower.store.release_waiting()
    return follower.store


def _history(path: Path, inputs: list[str]) -> Path:
    """One file of every plain framing of `inputs`, ending in a line still being written."""
    plain = [Path(p).read_bytes() for p in inputs if not p.endswith(".gz")]
    path.write_bytes(b"".join(plain) + b'{"eventType": "Delivery", "mail": {"timestamp": "2025-11-2')
    return path


def _append(path: Path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


def _deliveries(n: int, start: int) -> bytes:
    return jsonl([delivery(1_763_650_000.0 + start + i, to=f"later{start + i}@example.org") for i in range(n)])


@pytest.mark.parametrize("max_events", [100_000, 1500, 40])
@pytest.mark.parametrize("bytes_per_event", [4096, 1])
def test_tail_reads_existing_content_in_parallel_as_it_would_alone(
    inputs: list[str],
    tmp_path: Path,
    tail: Callable[..., Follower],
    spy: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    max_events: int,
    bytes_per_event: int,
) -> None:
    monkeypatch.setattr(parallel, "_BYTES_PER_EVENT", bytes_per_event)
    path = str(_history(tmp_path / "history.log", inputs))
    sequential = _catch_up(tail([path], 1, max_events=max_events))
    follower = tail([path], 4, max_events=max_events)
    merged = _catch_up(follower)
    assert spy == [True]
    for store in (sequential, merged):
        store.settle()  # drop the time buckets the newest event left behind, as a report does
    assert _state(merged) == _state(sequential)
    assert sequential.stats.events > 4000 and sum(sequential.stats.skipped.values()) > 20
    seqs = [e.seq for e in merged.main.ring]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    # The follower took over close before the end, past the last complete line: the partial
    # line is still waiting for the rest of it.
    (status,) = follower.statuses
    assert status.state == FOLLOWING and status.offset == os.path.getsize(path)
    _append(Path(path), b'0T14:00:00Z"}}\n')
    assert _catch_up(follower).stats.lines == sequential.stats.lines + 1


def test_since_applies_to_every_part_tail_reads(inputs: list[str], tmp_path: Path, tail: Callable[..., Follower], spy: list[bool]) -> None:
    path = str(_history(tmp_path / "history.log", inputs))
    since = 1_763_640_000.0 + 3 * 3600
    sequential = _catch_up(tail([path], 1, since=since))
    merged = _catch_up(tail([path], 3, since=since))
    assert spy == [True]
    for store in (sequential, merged):
        store.settle()
    assert _state(merged) == _state(sequential)
    assert sequential.stats.skipped["before_since"] > 500


def test_tail_reads_several_files_in_parallel_and_the_rest_as_before(
    inputs: list[str], tmp_path: Path, tail: Callable[..., Follower], spy: list[bool]
) -> None:
    for path in inputs:  # a glob over plain files, some cut, and a gzip file read as before
        shutil.copy(path, tmp_path)
    pattern = str(tmp_path / "*")
    sequential = _catch_up(tail([pattern], 1))
    follower = tail([pattern], 4)
    merged = _catch_up(follower)
    assert spy == [True]
    assert merged.stats.as_dict() == sequential.stats.as_dict()
    assert merged.as_of == sequential.as_of
    assert sorted(e.raw for e in merged.main.ring) == sorted(e.raw for e in sequential.main.ring)
    assert [(s.state, s.offset) for s in follower.statuses] == [(FOLLOWING, os.path.getsize(s.path)) for s in follower.statuses]


def test_an_empty_file_beside_files_read_in_parallel_is_followed(tmp_path: Path, tail: Callable[..., Follower], spy: list[bool]) -> None:
    (tmp_path / "a.jsonl").write_bytes(_lines(4000, 3))
    empty = tmp_path / "b.jsonl"
    empty.touch()
    follower = tail([str(tmp_path / "*.jsonl")], 4)
    _catch_up(follower)
    _append(empty, _deliveries(3, 0))
    assert _catch_up(follower).stats.lines == 4003
    assert spy == [True]


def test_lines_written_while_and_after_a_file_is_read_in_parallel_are_read_once(
    tmp_path: Path, tail: Callable[..., Follower], spy: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ses.jsonl"
    path.write_bytes(_lines(4000, 3) + _deliveries(1, 0)[:40])  # ending in a line being written
    reading = parallel._read_parts

    def appending(*args: object, **kwargs: object) -> Store | None:
        _append(path, _deliveries(1, 0)[40:] + _deliveries(300, 1))  # written while the parts are read
        return reading(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "_read_parts", appending)
    follower = tail([str(path)], 4)
    _append(path, _deliveries(200, 301))  # written after the parallel read, before the follower reads
    store = _catch_up(follower)
    assert spy == [True]
    assert store.stats.lines == 4000 + 501
    monkeypatch.setattr(parallel, "_read_parts", reading)
    alone = _catch_up(tail([str(path)], 1))
    for each in (store, alone):
        each.settle()
    assert _state(store) == _state(alone)


def test_a_copy_written_after_tail_read_its_original_in_parallel_is_a_duplicate(
    tmp_path: Path, tail: Callable[..., Follower], spy: list[bool]
) -> None:
    records = [delivery(1_763_640_000.0 + i, to=f"u{i}@example.org") for i in range(3000)]
    path = tmp_path / "ses.jsonl"
    path.write_bytes(jsonl(records))
    follower = tail([str(path)], 4)
    assert _catch_up(follower).stats.duplicates == 0
    assert spy == [True]
    _append(path, jsonl([sns(records[1500])]))  # SNS delivers that notification again, later
    store = _catch_up(follower)
    assert store.stats.duplicates == 1 and store.stats.events == 3001


def test_a_file_rotated_after_a_parallel_backfill_is_followed(tmp_path: Path, tail: Callable[..., Follower], spy: list[bool]) -> None:
    log = tmp_path / "ses.jsonl"
    log.write_bytes(_lines(4000, 3))
    # The glob also matches the rotated names: what was read under one is not read again.
    follower = tail([str(tmp_path / "ses.jsonl*")], 4, Options(max_record_bytes=4096, rescan_interval=0, grace=1.0))
    store = _catch_up(follower)
    assert spy == [True] and store.stats.lines == 4000
    skipped = dict(store.stats.skipped)
    rotated = tmp_path / "ses.jsonl.1"
    log.rename(rotated)
    _append(rotated, _deliveries(10, 0))  # the writer's last lines before it reopens the path
    log.write_bytes(_deliveries(20, 10))
    _catch_up(follower, 1.0)
    _catch_up(follower, 3.0)  # the rotated file is let go, and its new name looked at
    assert store.stats.lines == 4030
    # logrotate's compress: the same content, as a new .gz file, and the plain file deleted
    rotated.with_name("ses.jsonl.1.gz").write_bytes(gzip.compress(rotated.read_bytes()))
    rotated.unlink()
    _catch_up(follower, 4.0)
    assert store.stats.lines == 4030
    with open(log, "wb") as f:  # copy-truncate
        f.write(_deliveries(5, 30))
    _catch_up(follower, 5.0)
    assert store.stats.lines == 4035 and store.stats.skipped == skipped
    assert any("truncated" in note for note in store.notes)


def test_a_file_renamed_while_it_is_read_in_parallel_is_read_by_its_follower(
    tmp_path: Path, tail: Callable[..., Follower], spy: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "ses.jsonl"
    log.write_bytes(_lines(4000, 3))
    reading = parallel._read_parts

    def rotating(*args: object, **kwargs: object) -> Store | None:
        log.rename(tmp_path / "ses.jsonl.1")  # before the parts are opened: they read another file
        log.write_bytes(_deliveries(20, 0) * 200)
        return reading(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "_read_parts", rotating)
    store = _catch_up(tail([str(log)], 4))
    assert spy == [True]
    assert store.stats.lines == 4000 + 4000  # the old file whole, then the new one


def test_an_undated_record_in_a_later_part_leaves_the_file_to_its_follower(
    tmp_path: Path, tail: Callable[..., Follower], spy: list[bool]
) -> None:
    path = tmp_path / "late.jsonl"
    path.write_bytes(_lines(2000, 11) + jsonl([_undated()]) + _lines(2000, 12))
    sequential = _catch_up(tail([str(path)], 1))
    store = _catch_up(tail([str(path)], 4))
    assert spy == [False]
    assert _state(store) == _state(sequential) and store.stats.time_guessed == 1


def test_from_end_reads_nothing_in_parallel(tmp_path: Path, tail: Callable[..., Follower], spy: list[bool]) -> None:
    path = tmp_path / "ses.jsonl"
    path.write_bytes(_lines(4000, 3))
    follower = tail([str(path)], 4, Options(max_record_bytes=4096, rescan_interval=0, from_end=True))
    _catch_up(follower)
    _append(path, _deliveries(7, 0))
    assert _catch_up(follower).stats.lines == 7
    assert spy == []


def test_a_filter_set_while_files_are_read_in_parallel_counts_what_they_held(
    inputs: list[str], tmp_path: Path, tail: Callable[..., Follower], spy: list[bool]
) -> None:
    path = str(_history(tmp_path / "history.log", inputs))
    match = compile_filter("kind:Delivery", None)
    sequential = tail([path], 1)
    sequential.store.set_filter(match)
    _catch_up(sequential)
    follower = tail([path], 4)
    follower.store.set_filter(match)  # the app's filter, set before the parallel read is merged
    store = _catch_up(follower)
    assert spy == [True]
    view, expected = store.view, sequential.store.view
    assert view is not None and expected is not None
    assert [e.raw for e in view.ring] == [e.raw for e in expected.ring] != []
    assert view.totals == expected.totals


def test_a_filter_built_while_earlier_input_is_merged_counts_it_too(monkeypatch: pytest.MonkeyPatch) -> None:
    store, earlier = _store(), _store()
    Backfill(2).number_after(store)  # as the follower numbers its events after a parallel read's
    for target, base in ((earlier, 1_763_640_000.0), (store, 1_763_650_000.0)):
        ingest(jsonl([delivery(base + i, to=f"u{i}@example.org") for i in range(50)]), target)
    building = matching
    merged: list[bool] = []

    def merging_meanwhile(*args: object, **kwargs: object) -> object:
        view = building(*args, **kwargs)  # type: ignore[arg-type]
        if not merged:  # `tail`'s follower merges its parallel read while the filter is built
            merged.append(True)
            store.absorb_earlier(earlier.summary(), *earlier.newest(store.max_events))
        return view

    monkeypatch.setattr(store_module, "matching", merging_meanwhile)
    match = compile_filter("kind:Delivery", None)
    store.set_filter(match)
    assert store.view is not None and len(store.main.ring) == 100
    assert [e.seq for e in store.view.ring] == [e.seq for e in store.main.ring]


def test_tail_reads_on_one_core_with_jobs_1_or_a_filter() -> None:
    parse = build_parser().parse_args
    assert isinstance(_backfill(parse(["tail", "--jobs", "2", "x"])), Backfill)
    assert _backfill(parse(["tail", "--jobs", "1", "x"])) is None
    assert _backfill(parse(["tail", "--jobs", "2", "--filter", "kind:Bounce", "x"])) is None


def test_report_follow_reads_existing_content_on_several_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy: list[bool], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = tmp_path / "ses.jsonl"
    path.write_bytes(_lines(1500, 3))
    assert main(["report", "--json", "--jobs", "1", str(path)]) == 0
    expected = orjson.loads(capsysbinary.readouterr().out)
    monkeypatch.setattr(commands, "Backfill", functools.partial(Backfill, min_part_bytes=PART))
    handlers: dict[int, Callable[[int, object], None]] = {}
    monkeypatch.setattr(commands.signal, "signal", lambda signum, handler: handlers.__setitem__(signum, handler))
    printed = commands._print_report

    def print_then_stop_when_read(args: object, store: Store, *rest: object) -> None:
        printed(args, store, *rest)  # type: ignore[arg-type]
        if store.stats.lines == 1500:
            handlers[signal.SIGINT](signal.SIGINT, None)  # as Ctrl+C does

    monkeypatch.setattr(commands, "_print_report", print_then_stop_when_read)
    assert main(["report", "--follow", "--json", "--every", "0.05", "--jobs", "2", str(path)]) == 0
    assert spy == [True]
    final = orjson.loads(capsysbinary.readouterr().out.splitlines()[-1])
    assert [source["state"] for source in final.pop("sources")] == [FOLLOWING]
    assert final == expected


def _live(path: Path) -> Follower:
    return Follower([classify(str(path))], _store(), Options(max_record_bytes=4096), backfill=Backfill(4, PART))


def test_stopping_a_follower_during_its_parallel_read_ends_the_processes(tmp_path: Path, gate: Gate) -> None:
    path = tmp_path / "ses.jsonl"
    path.write_bytes(_lines(4000, 3))
    follower = _live(path)
    follower.start()
    try:
        _wait_until(lambda: gate.arrived == 3)
        readers = _readers()
    finally:
        follower.stop()
        follower.join(5)
    assert len(readers) == 3
    _wait_until(lambda: all(_ended(pid) for pid in readers))


async def _until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_the_app_answers_and_shows_progress_while_files_are_read_in_parallel(tmp_path: Path, gate: Gate) -> None:
    from textual.widgets import ProgressBar, TabbedContent

    from sestui.ui.app import make_app

    path = tmp_path / "ses.jsonl"
    path.write_bytes(_lines(4000, 3))
    size = path.stat().st_size
    follower = _live(path)
    store = follower.store
    app = make_app(store=store, follower=follower, clock=lambda: NOW, auto_tick=False)
    async with app.run_test() as pilot:
        await _until(lambda: gate.arrived == 3)
        # This process read its own part; the bar shows it while the others are still read.
        await _until(lambda: store.progress == (size, size))
        app.tick()
        bar = app.main("#backfill", ProgressBar)
        assert bar.display and bar.total == size and bar.progress == size
        await pilot.press("2")
        assert app.main("#tabs", TabbedContent).active == "bounces"
        assert store.stats.lines == 0
        gate.open()
        await _until(lambda: store.progress is None and store.stats.lines == 4000)
        app.tick()
        assert not bar.display


async def test_quitting_the_app_during_a_parallel_read_leaves_no_process_behind(tmp_path: Path, gate: Gate) -> None:
    from sestui.ui.app import make_app

    path = tmp_path / "ses.jsonl"
    path.write_bytes(_lines(4000, 3))
    follower = _live(path)
    app = make_app(store=follower.store, follower=follower, clock=lambda: NOW, auto_tick=False)
    async with app.run_test() as pilot:
        await _until(lambda: gate.arrived == 3)
        readers = _readers()
        await pilot.press("q")
    assert len(readers) == 3
    await _until(lambda: all(_ended(pid) for pid in readers))
