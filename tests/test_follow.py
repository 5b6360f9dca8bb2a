"""Following live files: every line written is counted exactly once, whatever happens to the file."""

from __future__ import annotations

import gzip
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from factory import BASE, delivery, jsonl, send
from helpers import events
from sestui.paths import classify
from sestui import sources
from sestui.sources import CLOSED, ERROR, FOLLOWING, WAITING, FileFollower, Follower, Inodes, Options, SourceStatus
from sestui.store import Store

GRACE = 0.5


def lines(n: int, start: int = 0) -> bytes:
    return jsonl([send(BASE + start + i, f"u{start + i}@x.example") for i in range(n)])


def wait_until(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


class Run:
    """A store with a follower thread on some inputs."""

    def __init__(self, *args: str, **options: object) -> None:
        self.store = Store(clock=lambda: BASE + 86400)
        self.follower = Follower([classify(a) for a in args], self.store, Options(grace=GRACE, rescan_interval=0.3, **options))
        self.follower.start()

    def lines(self) -> int:
        with self.store.lock:
            return self.store.stats.lines

    def expect(self, n: int) -> None:
        wait_until(lambda: self.lines() >= n)
        time.sleep(GRACE * 2.5)  # long enough for any double read to show
        assert self.lines() == n
        assert self.store.stats.events == n
        assert self.store.stats.skipped == {}

    def state(self, path: Path) -> str:
        return next(s.state for s in self.follower.statuses if s.path == str(path))

    def stop(self) -> None:
        self.follower.stop()
        self.follower.join(5)


@pytest.fixture
def run():
    runs: list[Run] = []

    def start(*args: str, **options: object) -> Run:
        runs.append(Run(*args, **options))
        return runs[-1]

    yield start
    for r in runs:
        r.stop()


@pytest.fixture
def stepped():
    """A Follower without its thread: the test drives it with `step(now)`, no timing involved."""
    followers: list[Follower] = []

    def start(*args: str, **options: object) -> Follower:
        store = Store(clock=lambda: BASE + 86400)
        followers.append(Follower([classify(a) for a in args], store, Options(rescan_interval=0, **options)))
        followers[-1].start(thread=False)
        return followers[-1]

    yield start
    for follower in followers:
        follower.stop()
        for file in follower.files.values():
            file.close()


def append(path: Path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


def test_backfill_then_bursts_and_partial_lines(tmp_path, run):
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(100))
    r = run(str(log))
    wait_until(lambda: r.lines() == 100)
    for burst in range(5):
        append(log, lines(200, 100 + burst * 200))
    whole = lines(1, 2000)
    append(log, whole[:37])  # a partial line stays buffered...
    wait_until(lambda: r.lines() >= 1100)  # the bursts (the safety poll may take a second)
    time.sleep(0.3)
    assert r.lines() == 1100
    append(log, whole[37:])  # ...until its newline arrives
    r.expect(1101)
    assert r.state(log) == FOLLOWING


def test_a_file_without_a_final_newline_is_shown_while_followed(tmp_path, run):
    # Firehose objects (values glued with no separator) and decompressed CloudTrail files end
    # without a newline; their records must not wait for one that never comes.
    glued = tmp_path / "firehose.json"
    glued.write_bytes(b"".join(orjson.dumps(send(BASE + i, f"g{i}@x.example")) for i in range(30)))
    r = run(str(glued))
    wait_until(lambda: r.store.stats.events == 30)
    assert r.store.stats.records == 30 and r.store.stats.lines == 0  # the line has not ended
    append(glued, b"\n" + lines(5, 100))  # the line ends: counted once, with no blank record
    wait_until(lambda: r.lines() == 6)
    time.sleep(GRACE)
    stats = r.store.stats
    assert (stats.lines, stats.records, stats.events, stats.skipped) == (6, 35, 35, {})
    whole = lines(1, 200)
    append(glued, whole[:37])  # an unfinished record still waits for the rest of its line
    time.sleep(GRACE * 2)
    assert r.store.stats.records == 35
    append(glued, whole[37:])
    wait_until(lambda: r.store.stats.records == 36)
    assert r.lines() == 7 and r.store.stats.skipped == {}


def test_a_pretty_printed_file_without_a_final_newline_is_shown_while_followed(tmp_path, stepped):
    """`json.dump(record, f, indent=2)` writes no final newline: the record is complete once its
    closing brace is there, and the line is counted when its newline comes."""
    path = tmp_path / "event.json"
    path.write_bytes(orjson.dumps(send(BASE), option=orjson.OPT_INDENT_2))
    follower = stepped(str(path))
    follower.step(time.monotonic())
    stats = follower.store.stats
    assert (stats.records, stats.events) == (1, 1)
    lines_so_far = stats.lines
    append(path, b"\n" + lines(1, 10))
    follower.step(time.monotonic())
    assert (stats.lines, stats.records, stats.events, stats.skipped) == (lines_so_far + 2, 2, 2, {})
    append(path, orjson.dumps(send(BASE + 20), option=orjson.OPT_INDENT_2)[:-1])  # not yet closed
    follower.step(time.monotonic())
    assert stats.records == 2
    append(path, b"}")
    follower.step(time.monotonic())
    assert (stats.records, stats.events, stats.skipped) == (3, 3, {})


def test_events_without_a_time_are_shown_once_the_follower_caught_up(tmp_path, run):
    # They wait for a dated event to take its time (a replay); caught up, they arrived now.
    log = tmp_path / "undated.jsonl"
    log.write_bytes(b'{"eventType": "Delivery"}\n')
    r = run(str(log))
    wait_until(lambda: r.store.stats.events == 1)
    assert r.store.stats.time_guessed == 1 and r.store.as_of == BASE + 86400  # the Run's clock


def test_rename_rotation_while_the_writer_keeps_the_old_file_open(tmp_path, run):
    log = tmp_path / "ses.jsonl"
    writer = open(log, "ab", buffering=0)
    writer.write(lines(50))
    r = run(str(log))
    wait_until(lambda: r.lines() == 50)
    os.rename(log, tmp_path / "ses.jsonl.1")  # logrotate's default
    log.touch()
    writer.write(lines(30, 50))  # the writer has not reopened yet
    time.sleep(0.1)
    writer.close()
    append(log, lines(40, 80))  # now it writes the new file
    r.expect(120)
    assert r.follower.statuses[0].rotations == 1


def test_rotation_under_a_glob_that_matches_the_rotated_name_is_not_read_twice(tmp_path, run):
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(60))
    r = run(str(tmp_path / "ses.jsonl*"))
    wait_until(lambda: r.lines() == 60)
    os.rename(log, tmp_path / "ses.jsonl.1")
    append(tmp_path / "ses.jsonl.1", lines(10, 60))
    append(log, lines(20, 70))
    r.expect(90)


def test_a_finished_archive_renamed_later_is_not_read_again(tmp_path, stepped):
    """logrotate's `rotate N` with `compress` renames every numbered archive at each rotation:
    x.1.gz becoming x.2.gz is the file already read, not a new one."""
    (tmp_path / "ses.jsonl.1.gz").write_bytes(gzip.compress(lines(10)))
    follower = stepped(str(tmp_path / "*.gz"))
    follower.step(0.0)
    follower.step(100.0)
    assert follower.files[str(tmp_path / "ses.jsonl.1.gz")].status.state == CLOSED
    (tmp_path / "ses.jsonl.1.gz").rename(tmp_path / "ses.jsonl.2.gz")
    follower.step(200.0)
    follower.step(200.0 + Options().grace)  # nothing left to read: closed like a complete one
    assert follower.store.stats.lines == follower.store.stats.events == 10
    assert follower.files[str(tmp_path / "ses.jsonl.2.gz")].status.state == CLOSED


def test_a_new_archive_under_the_name_of_a_closed_one_is_read(tmp_path, stepped):
    """At the next rotation logrotate writes a new x.1.gz where the one already read was."""
    (tmp_path / "ses.jsonl.1.gz").write_bytes(gzip.compress(lines(10)))
    follower = stepped(str(tmp_path / "*.gz"))
    follower.step(0.0)
    follower.step(100.0)
    (tmp_path / "ses.jsonl.1.gz").rename(tmp_path / "ses.jsonl.2.gz")
    (tmp_path / "ses.jsonl.1.gz").write_bytes(gzip.compress(lines(7, 10)))
    follower.step(200.0)
    follower.step(300.0)
    assert follower.store.stats.lines == follower.store.stats.events == 17
    assert {s.path: s.state for s in follower.statuses} == {
        str(tmp_path / "ses.jsonl.1.gz"): CLOSED,
        str(tmp_path / "ses.jsonl.2.gz"): CLOSED,
    }


def test_a_new_archive_in_the_inode_of_the_closed_one_under_its_name_is_read(tmp_path, stepped):
    """`rm x.1.gz; gzip x.1`: the file system may give the new archive the inode number the old
    one had. Rewritten in place here, which keeps the inode for certain."""
    archive = tmp_path / "ses.jsonl.1.gz"
    archive.write_bytes(gzip.compress(lines(10)))
    follower = stepped(str(tmp_path / "*.gz"))
    follower.step(0.0)
    follower.step(100.0)
    assert follower.files[str(archive)].status.state == CLOSED
    inode = archive.stat().st_ino
    with open(archive, "r+b") as out:  # smaller: nothing of it was read
        out.write(gzip.compress(lines(3, 10)))
        out.truncate()
    assert archive.stat().st_ino == inode
    follower.step(200.0)
    follower.step(300.0)
    assert follower.store.stats.lines == follower.store.stats.events == 13
    assert follower.files[str(archive)].status.state == CLOSED


def test_a_released_file_renamed_later_is_read_on_from_where_reading_stopped(tmp_path):
    """A rotated file let go after the grace period can come back under a followed name at the
    next rotation, with lines its writer added late: only those are new. The same inode with
    other content (as a recycled inode number would hold) is another file, read from its start."""
    store = Store(clock=lambda: BASE + 86400)
    inodes = Inodes()
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(10))
    current = FileFollower(str(log), store, Options(), from_end=False, inodes=inodes)
    current.poll(0.0)
    log.rename(tmp_path / "ses.jsonl.1")  # to a name nobody follows
    current.poll(1.0)
    current.poll(1.0 + Options().grace)  # drained, then let go
    append(tmp_path / "ses.jsonl.1", lines(2, 10))
    (tmp_path / "ses.jsonl.1").rename(tmp_path / "ses.jsonl.2")
    later = FileFollower(str(tmp_path / "ses.jsonl.2"), store, Options(), from_end=False, inodes=inodes)
    later.poll(10.0)
    later.close()
    assert store.stats.lines == store.stats.events == 12
    with open(tmp_path / "ses.jsonl.2", "r+b") as f:
        f.truncate(0)
        f.write(lines(15, 100))
    replaced = FileFollower(str(tmp_path / "ses.jsonl.2"), store, Options(), from_end=False, inodes=inodes)
    replaced.poll(20.0)
    replaced.close()
    current.close()
    assert store.stats.lines == store.stats.events == 27


def compress(path: Path, target: Path) -> None:
    """What logrotate's `compress` does: write the gzip copy, then delete the plain file."""
    target.write_bytes(gzip.compress(path.read_bytes()))
    path.unlink()


def test_compress_writes_no_record_twice(tmp_path, stepped):
    """logrotate with `compress`: `f` is renamed `f.1`, the writer adds a few lines to it before
    it reopens `f`, then `f.1` is compressed to `f.1.gz` and deleted. The archive holds exactly
    the lines already read from `f`: none is counted again."""
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(20))
    follower = stepped(str(tmp_path))
    follower.step(0.0)
    log.rename(tmp_path / "ses.jsonl.1")
    append(tmp_path / "ses.jsonl.1", lines(3, 20))
    follower.step(1.0)
    compress(tmp_path / "ses.jsonl.1", tmp_path / "ses.jsonl.1.gz")
    log.write_bytes(lines(5, 23))
    for now in (2.0, 10.0, 20.0, 30.0):
        follower.step(now)
    stats = follower.store.stats
    assert (stats.lines, stats.events, stats.skipped) == (28, 28, {})
    assert follower.files[str(tmp_path / "ses.jsonl.1.gz")].status.state == CLOSED


def test_delaycompress_writes_no_record_twice_and_reads_what_was_not_read(tmp_path, stepped):
    """logrotate with `compress` and `delaycompress`: at the next rotation the plain `f.1`, read
    already, becomes `f.2.gz` (compressed to `f.1.gz`, renamed). Lines its writer added after
    the rotated file was let go were never read: they are read from the archive. An archive of
    other content is read in full."""
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(10))
    follower = stepped(str(log), str(tmp_path / "*.gz"))  # f.1 is read only as the rotated `f`
    follower.step(0.0)
    log.rename(tmp_path / "ses.jsonl.1")  # day 1
    log.write_bytes(lines(4, 10))
    for now in (1.0, 10.0):
        follower.step(now)
    assert follower.store.stats.lines == 14
    append(tmp_path / "ses.jsonl.1", lines(2, 14))  # a late writer, after f.1 was let go
    compress(tmp_path / "ses.jsonl.1", tmp_path / "ses.jsonl.1.gz")  # day 2
    (tmp_path / "ses.jsonl.1.gz").rename(tmp_path / "ses.jsonl.2.gz")
    log.rename(tmp_path / "ses.jsonl.1")
    log.write_bytes(lines(1, 16))
    (tmp_path / "other.jsonl.gz").write_bytes(gzip.compress(lines(7, 17)))
    for now in (20.0, 30.0, 40.0, 50.0):
        follower.step(now)
    stats = follower.store.stats
    assert (stats.lines, stats.events, stats.skipped) == (24, 24, {})


@pytest.mark.parametrize("before", [10, 30], ids=["head-of-a-short-file", "past-the-head"])
def test_a_line_half_written_when_the_rotated_file_is_let_go_is_read_once_from_its_archive(tmp_path, stepped, before):
    """delaycompress and a block-buffered writer that keeps writing the rotated file after the
    drain: the last line it holds when let go is half written, and its rest reaches only the
    archive. It counts once, whole: not as junk, and not its rest as a second line."""
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(before))
    follower = stepped(str(log), str(tmp_path / "*.gz"))
    follower.step(0.0)
    log.rename(tmp_path / "ses.jsonl.1")
    log.write_bytes(lines(4, before))
    late = lines(3, before + 4)
    append(tmp_path / "ses.jsonl.1", late[:50])  # the writer's buffer, flushed mid-line
    for now in (1.0, 10.0):  # the rotated file is drained, then let go
        follower.step(now)
    assert any("middle of a line" in note for note in follower.store.notes)
    stats = follower.store.stats  # counted, as cut, until the archive gives it whole
    assert (stats.lines, stats.records, stats.events, dict(stats.skipped)) == (before + 5, before + 5, before + 4, {"cut_at_rotation": 1})
    append(tmp_path / "ses.jsonl.1", late[50:])  # the writer's next flush, after the drain
    compress(tmp_path / "ses.jsonl.1", tmp_path / "ses.jsonl.1.gz")
    for now in (20.0, 30.0, 40.0, 100.0):
        follower.step(now)
    stats = follower.store.stats
    assert (stats.lines, stats.events, dict(stats.skipped), stats.duplicates) == (before + 7, before + 7, {}, 0)


def test_a_line_half_written_when_the_rotated_file_is_let_go_counts_as_cut_without_an_archive(tmp_path, stepped):
    """Rotation by rename alone, and a writer that died mid-line: the half line is never read
    whole, and stays counted as skipped, never lost from the accounting."""
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(10))
    follower = stepped(str(log))
    follower.step(0.0)
    log.rename(tmp_path / "ses.jsonl.1")
    log.write_bytes(lines(4, 10))
    append(tmp_path / "ses.jsonl.1", lines(1, 14)[:50])
    for now in (1.0, 10.0, 20.0, 100.0):
        follower.step(now)
    stats = follower.store.stats
    assert (stats.lines, stats.records, stats.events, dict(stats.skipped)) == (15, 15, 14, {"cut_at_rotation": 1})


def test_a_half_line_the_archive_does_not_hold_stays_counted_as_cut(tmp_path, stepped):
    """logrotate's `compress` without `delaycompress`: the rotated file is compressed and deleted
    at once, and the writer, still holding it open, flushes half a line into it. The archive ends
    where that line starts: nothing reads the line, which stays counted as cut."""
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(10))
    follower = stepped(str(log), str(tmp_path / "*.gz"))
    follower.step(0.0)
    with open(log, "ab") as writer:
        log.rename(tmp_path / "ses.jsonl.1")
        log.write_bytes(lines(4, 10))
        compress(tmp_path / "ses.jsonl.1", tmp_path / "ses.jsonl.1.gz")
        writer.write(lines(1, 14)[:50])
        writer.flush()
        for now in (1.0, 10.0, 20.0, 30.0, 40.0, 100.0):
            follower.step(now)
    stats = follower.store.stats
    assert (stats.lines, stats.records, stats.events, dict(stats.skipped)) == (15, 15, 14, {"cut_at_rotation": 1})


@pytest.mark.parametrize("back", ["archived", "renamed"])
def test_a_rotated_file_holding_only_a_half_line_counts_it_once(tmp_path, stepped, back):
    """Nothing of the file was read before its half line, so nothing tells the file (or its
    copy) when it is read again, from its start: the line is left to that read, not counted as
    cut as well."""
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(3))
    follower = stepped(str(log), str(tmp_path / "*.gz"), str(tmp_path / "ses.jsonl.2"))
    follower.step(0.0)
    log.rename(tmp_path / "ses.jsonl.1")
    late = lines(1, 3)
    log.write_bytes(late[:50])  # the new file's first flush, mid-line
    for now in (1.0, 2.0, 10.0):
        follower.step(now)
    log.rename(tmp_path / "ses.jsonl.1")  # rotated again before its line was finished
    log.write_bytes(b"")
    for now in (11.0, 20.0):
        follower.step(now)
    assert any("middle of a line" in note for note in follower.store.notes)
    assert dict(follower.store.stats.skipped) == {}
    append(tmp_path / "ses.jsonl.1", late[50:])
    if back == "archived":
        compress(tmp_path / "ses.jsonl.1", tmp_path / "ses.jsonl.1.gz")
    else:
        (tmp_path / "ses.jsonl.1").rename(tmp_path / "ses.jsonl.2")
    for now in (30.0, 40.0, 50.0, 100.0):
        follower.step(now)
    stats = follower.store.stats
    assert (stats.lines, stats.records, stats.events, dict(stats.skipped)) == (4, 4, 4, {})


def test_a_file_let_go_in_the_middle_of_a_line_that_comes_back_reads_the_line_whole(tmp_path):
    """The rotated file comes back under a followed name with its half line finished: the line
    is read from its start there, and no longer counts as cut."""
    store = Store(clock=lambda: BASE + 86400)
    inodes = Inodes()
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(10))
    late = lines(1, 10)
    append(log, late[:50])
    current = FileFollower(str(log), store, Options(), from_end=False, inodes=inodes)
    current.poll(0.0)
    log.rename(tmp_path / "ses.jsonl.1")
    current.poll(1.0)
    current.poll(1.0 + Options().grace)  # let go in the middle of the line
    assert dict(store.stats.skipped) == {"cut_at_rotation": 1}
    append(tmp_path / "ses.jsonl.1", late[50:])
    (tmp_path / "ses.jsonl.1").rename(tmp_path / "ses.jsonl.2")
    later = FileFollower(str(tmp_path / "ses.jsonl.2"), store, Options(), from_end=False, inodes=inodes)
    later.poll(10.0)
    later.close()
    current.close()
    assert (store.stats.lines, store.stats.records, store.stats.events, dict(store.stats.skipped)) == (11, 11, 11, {})


def test_a_compressed_copy_of_a_file_still_being_read_waits_for_it(tmp_path):
    """The plain file may hold lines not read yet when its copy appears: they are read from the
    plain file, and the copy is looked at once that is let go (here deleted and drained)."""
    store = Store(clock=lambda: BASE + 86400)
    inodes = Inodes()
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(20))
    plain = FileFollower(str(log), store, Options(), from_end=False, inodes=inodes)
    plain.poll(0.0)
    append(log, lines(3, 20))
    (tmp_path / "ses.jsonl.gz").write_bytes(gzip.compress(log.read_bytes()))
    copy = FileFollower(str(tmp_path / "ses.jsonl.gz"), store, Options(), from_end=False, inodes=inodes)
    copy.poll(1.0)
    assert store.stats.lines == 20 and copy.status.state == FOLLOWING
    plain.poll(2.0)
    copy.poll(3.0)
    assert store.stats.lines == 23
    log.unlink()
    plain.poll(4.0)
    plain.poll(4.0 + Options().grace)
    copy.poll(20.0)
    copy.poll(40.0)
    assert copy.status.state == CLOSED
    assert (store.stats.lines, store.stats.events, store.stats.skipped) == (23, 23, {})


def test_copytruncate_and_compress_writes_no_record_twice_and_loses_none(tmp_path, stepped):
    """logrotate with `copytruncate` and `compress`: `f` is copied to `f.1` and cut, and `f.1`
    becomes `f.1.gz`, which gzip dates like `f`. The archive can be looked at before the cut is
    noticed: it waits, then gives only the lines written to `f` after they were last read and
    before the cut (lost from `f` itself)."""
    archive = tmp_path / "ses.jsonl.1.gz"
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(20))
    follower = stepped(str(archive), str(log))  # the archive is looked at first
    follower.step(0.0)
    append(log, lines(3, 20))
    shutil.copy2(log, tmp_path / "ses.jsonl.1")
    with open(log, "r+b") as f:
        f.truncate(0)
    compress(tmp_path / "ses.jsonl.1", archive)
    hour_ago = time.time() - 3600
    os.utime(archive, (hour_ago, hour_ago))
    append(log, lines(2, 23))
    for now in (1.0, 2.0, 20.0, 40.0):
        follower.step(now)
    stats = follower.store.stats
    assert (stats.lines, stats.events, stats.skipped) == (25, 25, {})
    assert follower.files[str(archive)].status.state == CLOSED


def test_copy_truncate(tmp_path, run):
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(80))
    r = run(str(log))
    wait_until(lambda: r.lines() == 80)
    shutil.copy(log, tmp_path / "ses.jsonl.1")
    with open(log, "r+b") as f:
        f.truncate(0)
    time.sleep(0.3)
    append(log, lines(25, 80))
    r.expect(105)
    assert r.follower.statuses[0].truncations == 1


@pytest.mark.parametrize("new_lines", [30, 10])
def test_copy_truncate_refilled_past_the_old_offset_between_two_reads(tmp_path, new_lines):
    """A busy writer can cut the file and write more than was there before the next read, so
    the size never shrinks: the changed bytes before the old offset give the cut away."""
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(10))
    store = Store(clock=lambda: BASE + 86400)
    follower = FileFollower(str(log), store, Options(), from_end=False)
    follower.poll(0.0)
    assert store.stats.lines == 10
    with open(log, "r+b") as f:
        f.truncate(0)
        f.write(lines(new_lines, 10))
    follower.poll(1.0)
    follower.poll(2.0)
    follower.close()
    assert store.stats.lines == store.stats.events == 10 + new_lines
    assert store.stats.skipped == {}
    assert follower.status.truncations == 1


def test_copy_truncate_refilled_with_records_of_one_shape_is_seen(tmp_path):
    """Sends of one length to one recipient put the same last bytes at the old offset again:
    the first bytes give the cut away."""
    log = tmp_path / "ses.jsonl"

    def same_shape(n: int, start: int) -> bytes:
        return jsonl([send(BASE + start + i, "ops@x.example") for i in range(n)])

    log.write_bytes(same_shape(10, 0))
    store = Store(clock=lambda: BASE + 86400)
    follower = FileFollower(str(log), store, Options(), from_end=False)
    follower.poll(0.0)
    with open(log, "r+b") as f:
        f.truncate(0)
        f.write(same_shape(20, 100))
    assert log.read_bytes()[:len(same_shape(10, 0))][-64:] == same_shape(10, 0)[-64:]
    follower.poll(1.0)
    follower.poll(2.0)
    follower.close()
    assert store.stats.lines == store.stats.events == 30
    assert follower.status.truncations == 1


def test_from_end_in_the_middle_of_a_line_starts_at_the_next_one(tmp_path, stepped):
    """A block-buffered writer (`aws logs tail --follow > ses.log`) leaves the file ending
    mid-line: the rest of that line ends an old record and is not read as a new one."""
    log = tmp_path / "ses.jsonl"
    old = lines(1, 70)
    log.write_bytes(lines(3) + old[:25])
    follower = stepped(str(log), from_end=True)
    follower.step(time.monotonic())
    append(log, old[25:40])  # still no newline
    follower.step(time.monotonic())
    append(log, old[40:] + lines(2, 80))
    follower.step(time.monotonic())
    stats = follower.store.stats
    assert (stats.lines, stats.records, stats.events, stats.skipped) == (2, 2, 2, {})
    assert [e.recipients for e in events(follower.store)] == [("u80@x.example",), ("u81@x.example",)]


def test_delete_and_recreate(tmp_path, run):
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(40))
    r = run(str(log))
    wait_until(lambda: r.lines() == 40)
    log.unlink()
    wait_until(lambda: r.state(log) == WAITING)
    log.write_bytes(lines(15, 40))
    r.expect(55)


def test_new_file_matching_a_quoted_glob_is_read_from_its_start(tmp_path, run):
    (tmp_path / "a.jsonl").write_bytes(lines(10))
    (tmp_path / "ignored.txt").write_bytes(b"not a match\n")
    r = run(str(tmp_path / "**" / "*.jsonl"))
    wait_until(lambda: r.lines() == 10)
    sub = tmp_path / "deeper"
    sub.mkdir()
    (sub / "b.jsonl").write_bytes(lines(7, 10))
    r.expect(17)


def test_quoted_globs_skip_hidden_entries_and_read_the_directories_they_match(tmp_path):
    """Like a shell's globs, `*`, `?` and `**` match no hidden name unless the pattern part
    itself starts with a dot (editor swap files, `.tmp` downloads, state directories); a
    directory a glob matches is read like a directory argument, by `tail` and `report` alike."""
    for name in ["v.jsonl", ".top.jsonl", "a/x.jsonl", "a/.x.jsonl.swp", "a/.hide/y.jsonl", "day-1/z.jsonl", "day-2/sub/w.jsonl"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(lines(1))

    def matches(pattern: str) -> list[str]:
        return [os.path.relpath(p, tmp_path) for p in classify(str(tmp_path / pattern)).matches()]

    visible = ["a/x.jsonl", "day-1/z.jsonl", "day-2/sub/w.jsonl", "v.jsonl"]
    assert matches("**/*.jsonl") == visible
    assert matches("**") == visible
    assert matches("*") == visible
    assert matches("day-*") == ["day-1/z.jsonl", "day-2/sub/w.jsonl"]
    assert matches("*/sub") == ["day-2/sub/w.jsonl"]
    assert matches("**/.*") == [".top.jsonl", "a/.hide/y.jsonl", "a/.x.jsonl.swp"]
    assert matches("a/.h*") == ["a/.hide/y.jsonl"]
    # Character classes and ranges match within a name as `*` does, with `**` or without.
    assert matches("**/day-[0-2]") == matches("day-[0-2]") == ["day-1/z.jsonl", "day-2/sub/w.jsonl"]
    assert matches("**/day-[!1]/**/*.jsonl") == ["day-2/sub/w.jsonl"]
    assert matches("**/[a-z]?jsonl") == visible
    result = subprocess.run(
        [sys.executable, "-m", "sestui", "report", "--json", str(tmp_path / "day-*"), str(tmp_path / "**" / "*.jsonl")],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert result.returncode == 0, result.stderr
    assert orjson.loads(result.stdout)["input"]["lines"] == 4


def test_a_directory_matched_by_a_quoted_glob_is_followed(tmp_path, run):
    (tmp_path / "day-1").mkdir()
    (tmp_path / "day-1" / "a.jsonl").write_bytes(lines(4))
    r = run(str(tmp_path / "day-*"))
    wait_until(lambda: r.lines() == 4)
    (tmp_path / "day-2" / "deeper").mkdir(parents=True)
    (tmp_path / "day-2" / "deeper" / "b.jsonl").write_bytes(lines(3, 4))
    (tmp_path / "day-2" / ".b.jsonl.swp").write_bytes(b"not a log\n")
    append(tmp_path / "day-1" / "a.jsonl", lines(2, 7))
    r.expect(9)


def test_a_file_found_in_a_directory_then_deleted_is_no_longer_followed(tmp_path, stepped):
    """`gzip d/app.log.1` deletes the plain file: it is not waited for as a named path is, and
    listed as such would read like an input problem."""
    rotated = tmp_path / "app.log.1"
    rotated.write_bytes(lines(3))
    named = tmp_path / "named.jsonl"
    follower = stepped(str(tmp_path), str(named))
    follower.step(0.0)
    assert {s.path: s.state for s in follower.statuses} == {str(rotated): FOLLOWING, str(named): WAITING}
    (tmp_path / "app.log.1.gz").write_bytes(gzip.compress(rotated.read_bytes()))
    rotated.unlink()
    for now in (1.0, 1.0 + Options().grace, 2.0 + 2 * Options().grace):  # let go, then dropped
        follower.step(now)
    states = {s.path: s.state for s in follower.statuses}
    assert states == {str(tmp_path / "app.log.1.gz"): CLOSED, str(named): WAITING}
    assert follower.store.stats.lines == follower.store.stats.events == 3  # the copy was not read again
    rotated.write_bytes(lines(2, 3))  # a new file under the name: found again, read whole
    follower.step(100.0)
    assert follower.files[str(rotated)].status.state == FOLLOWING
    assert follower.store.stats.lines == follower.store.stats.events == 5


def test_a_directory_that_cannot_be_listed_is_a_source_in_error_until_it_can_be(tmp_path, stepped, monkeypatch):
    from test_report_cli import unlistable

    (tmp_path / "ok.jsonl").write_bytes(lines(2))
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "ses.jsonl").write_bytes(lines(3, 2))
    with monkeypatch.context() as patch:
        unlistable(patch, locked)
        follower = stepped(str(tmp_path))
        follower.step(1.0)
        follower.step(2.0)
        states = {s.path: (s.state, s.error) for s in follower.statuses}
        assert states[str(locked)] == (ERROR, f"{locked}: Permission denied (its files are not read)")
        assert follower.store.notes == [f"{locked}: Permission denied (its files are not read)"]  # once
        assert follower.store.stats.lines == 2
    follower.step(3.0)
    assert str(locked) not in {s.path for s in follower.statuses}
    assert follower.store.stats.lines == 5


def test_a_missing_path_is_waited_for(tmp_path, run):
    log = tmp_path / "later.jsonl"
    r = run(str(log))
    wait_until(lambda: r.state(log) == WAITING)
    assert any("does not exist yet" in note for note in r.store.notes)
    log.write_bytes(lines(12))
    r.expect(12)


def test_an_unreadable_path_is_reported_once_and_the_rest_keep_flowing(tmp_path, run):
    good = tmp_path / "good.jsonl"
    good.write_bytes(lines(5))
    bad = tmp_path / "bad.jsonl"  # will turn out to be a socket
    r = run(str(good), str(bad))
    wait_until(lambda: r.lines() == 5)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(bad))
        wait_until(lambda: r.state(bad) == ERROR)
        append(good, lines(5, 5))
        r.expect(10)
    assert sum("not a regular file" in note for note in r.store.notes) == 1
    status = next(s for s in r.follower.statuses if s.path == str(bad))
    assert "not a regular file" in status.error


@pytest.mark.parametrize("arg", ["later/", "later"])
def test_a_directory_that_does_not_exist_yet_is_waited_for_then_followed(tmp_path, run, arg):
    later = tmp_path / "later"
    r = run(str(tmp_path / arg))
    wait_until(lambda: r.state(tmp_path / arg) == WAITING)
    assert r.store.notes == [f"{tmp_path / arg}: does not exist yet, waiting for it"]
    (later / "deeper").mkdir(parents=True)
    (later / "a.jsonl").write_bytes(lines(5))
    (later / "deeper" / "b.jsonl").write_bytes(lines(3, 5))
    r.expect(8)
    append(later / "a.jsonl", lines(2, 8))
    r.expect(10)
    # The files inside take the place of the path that was waited for; nothing was an error.
    assert sorted(s.path for s in r.follower.statuses) == [os.path.join(later, "a.jsonl"), os.path.join(later, "deeper", "b.jsonl")]
    assert {s.state for s in r.follower.statuses} == {FOLLOWING}
    assert len(r.store.notes) == 1


def test_sources_can_be_listed_while_the_follow_thread_finds_new_files(tmp_path):
    """`report --follow` lists the sources from its own thread while the follow thread adds
    files (and drops waited-for paths): a listing never sees the set of files change under it."""
    (tmp_path / "a.jsonl").write_bytes(lines(1))
    follower = Follower([classify(str(tmp_path))], Store(clock=lambda: BASE), Options())
    follower._scan()

    class ScannedMeanwhile:
        """A source whose status is read just as the follow thread scans and finds b.jsonl."""

        @property
        def status(self) -> SourceStatus:
            (tmp_path / "b.jsonl").write_bytes(lines(1))
            follower._scan()
            return SourceStatus("meanwhile", FOLLOWING)

    follower.files["meanwhile"] = ScannedMeanwhile()  # type: ignore[assignment]
    try:
        assert [s.path for s in follower.statuses] == [str(tmp_path / "a.jsonl"), "meanwhile"]
        assert [s.path for s in follower.statuses][-1] == str(tmp_path / "b.jsonl")
    finally:
        follower.stop()


def test_stdin_named_twice_is_read_once_and_whole():
    """`tail - -`: one reader takes stdin; two would deal its bytes between them, cutting
    records in half."""
    data = lines(12000)
    assert len(data) > 8 * sources.CHUNK  # many reads' worth
    read_end, write_end = os.pipe()
    store = Store(clock=lambda: BASE + 86400)
    follower = Follower([classify("-"), classify("-")], store, Options(), stdin_fd=read_end)
    follower.start()
    try:
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        wait_until(lambda: store.stats.lines >= 12000)
        time.sleep(GRACE)
        assert (store.stats.lines, store.stats.events, store.stats.skipped, len(follower.streams)) == (12000, 12000, {}, 1)
    finally:
        follower.stop()
        follower.join(5)


def test_a_complete_value_on_stdin_without_a_newline_is_shown_while_the_pipe_stays_open():
    read_end, write_end = os.pipe()
    store = Store(clock=lambda: BASE + 86400)
    follower = Follower([classify("-")], store, Options(), stdin_fd=read_end)
    follower.start()
    try:
        with os.fdopen(write_end, "wb", buffering=0) as pipe:
            pipe.write(lines(2) + orjson.dumps(send(BASE + 5)))  # the last value's newline comes later
            wait_until(lambda: store.stats.events == 3)
            pipe.write(b"\n" + lines(1, 10))
            wait_until(lambda: store.stats.events == 4)
        wait_until(lambda: follower.streams[0].status.state == CLOSED)
        assert (store.stats.lines, store.stats.records, store.stats.skipped) == (4, 4, {})
    finally:
        follower.stop()
        follower.join(5)


HIGH_FD = 1500  # past select()'s FD_SETSIZE (1024): a process following ~1000 files has such fds


def test_a_pipe_on_a_high_fd_is_read_whole_when_a_line_ends_without_a_newline():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft <= HIGH_FD:
        if hard != resource.RLIM_INFINITY and hard <= HIGH_FD:
            pytest.skip(f"the open-files limit ({hard}) leaves no fd number above {HIGH_FD}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (HIGH_FD + 1, hard))
    read_end, write_end = os.pipe()
    high = os.dup2(read_end, HIGH_FD)
    os.close(read_end)
    store = Store(clock=lambda: BASE + 86400)
    follower = Follower([classify("-")], store, Options(), stdin_fd=high)
    follower.start()
    try:
        with os.fdopen(write_end, "wb", buffering=0) as pipe:
            pipe.write(lines(2) + orjson.dumps(send(BASE + 5)))
            wait_until(lambda: store.stats.events == 3)
            pipe.write(b"\n" + lines(1, 10))
            wait_until(lambda: store.stats.events == 4)
        wait_until(lambda: follower.streams[0].status.state == CLOSED)
        assert (store.stats.lines, store.stats.events, follower.streams[0].status.error) == (4, 4, None)
    finally:
        follower.stop()
        follower.join(5)
        if soft <= HIGH_FD:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_stdin_from_a_regular_file_is_read_whole(tmp_path):
    """`sestui tail - < saved.jsonl`: stdin is a file, which some pollers refuse."""
    saved = tmp_path / "saved.jsonl"
    saved.write_bytes(lines(3) + orjson.dumps(send(BASE + 9)))  # no final newline
    store = Store(clock=lambda: BASE + 86400)
    follower = Follower([classify("-")], store, Options(), stdin_fd=os.open(saved, os.O_RDONLY))
    follower.start()
    try:
        wait_until(lambda: follower.streams[0].status.state == CLOSED)
        assert (store.stats.lines, store.stats.events, follower.streams[0].status.error) == (4, 4, None)
    finally:
        follower.stop()
        follower.join(5)


def test_from_end_skips_existing_content_but_not_new_files(tmp_path, run):
    log = tmp_path / "a.jsonl"
    log.write_bytes(lines(30))
    r = run(str(tmp_path), from_end=True)
    time.sleep(0.5)
    assert r.lines() == 0
    append(log, lines(3, 30))
    (tmp_path / "b.jsonl").write_bytes(lines(4, 33))
    r.expect(7)


def test_from_end_skips_the_archives_present_at_the_start_too(tmp_path, stepped):
    """A log directory also holds yesterday's archive: it is history, as the plain file's lines
    are; the next rotation's archive is new, and read past what was read (here, nothing)."""
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(5))
    (tmp_path / "ses.jsonl.2.gz").write_bytes(gzip.compress(lines(20, 5)))
    follower = stepped(str(tmp_path), from_end=True)
    for now in (0.0, 1.0, 100.0):
        follower.step(now)
    assert follower.store.stats.lines == 0
    append(log, lines(2, 25))
    follower.step(101.0)
    assert follower.store.stats.lines == 2


def test_gzip_archives_are_read_once_and_closed(tmp_path, run):
    archive = tmp_path / "old.jsonl.gz"
    archive.write_bytes(gzip.compress(lines(9)))
    hour_ago = time.time() - 3600
    os.utime(archive, (hour_ago, hour_ago))  # written earlier: nothing is writing it now
    r = run(str(archive))
    r.expect(9)
    assert r.state(archive) == CLOSED


IDLE = 3600.0  # a gzip writer's pause in these tests, far longer than any test takes


@pytest.mark.parametrize("cut", ["mid-member", "between members"])
def test_a_gzip_file_still_being_written_is_read_as_it_grows(tmp_path, cut):
    """logrotate's `compress` or a download writes a .gz file while it is followed: every record
    is read once, and a file that ends up complete is not counted as truncated. (Here the writer
    pauses for less than the grace period, after which a complete file would be closed.)"""
    first, second = gzip.compress(lines(40)), gzip.compress(lines(20, 40))
    data = first + second
    split = len(first) // 2 if cut == "mid-member" else len(first)
    log = tmp_path / "ses.jsonl.1.gz"
    log.write_bytes(data[:split])
    store = Store(clock=lambda: BASE + 86400)
    follower = FileFollower(str(log), store, Options(gzip_idle=IDLE, grace=IDLE), from_end=False)
    follower.poll(0.0)
    follower.poll(IDLE / 2)
    assert follower.status.state == FOLLOWING and store.stats.skipped == {}
    append(log, data[split:])
    follower.poll(IDLE / 2 + 1)
    follower.poll(IDLE)
    assert follower.status.state == FOLLOWING  # changed half an idle period ago: may still grow
    follower.poll(IDLE * 2)
    assert follower.status.state == CLOSED
    assert (store.stats.lines, store.stats.events, store.stats.skipped) == (60, 60, {})


def test_a_complete_gzip_file_just_written_is_closed_after_the_grace_period(tmp_path):
    """An archive freshly checked out or copied (its mtime is now) that ends where a gzip member
    ends is finished once unchanged for the grace period; one ending inside a member may still
    be being written and waits for gzip_idle. If a complete one grows later (a writer appending
    members paused), the new members are read."""
    options = Options(grace=IDLE / 10, gzip_idle=IDLE)
    store = Store(clock=lambda: BASE + 86400)
    complete = tmp_path / "whole.jsonl.gz"
    complete.write_bytes(gzip.compress(lines(5)))
    member = gzip.compress(lines(5, 5))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(member[: len(member) // 2])
    followers = [FileFollower(str(path), store, options, from_end=False) for path in (complete, cut)]

    def poll(now: float) -> list[str]:
        for follower in followers:
            follower.poll(now)
        return [follower.status.state for follower in followers]

    assert poll(0.0) == [FOLLOWING, FOLLOWING]
    assert poll(IDLE / 20) == [FOLLOWING, FOLLOWING]
    assert poll(IDLE / 5) == [CLOSED, FOLLOWING]
    assert poll(IDLE * 2) == [CLOSED, CLOSED]
    assert store.stats.skipped["truncated_gzip"] == 1
    events, skipped = store.stats.events, dict(store.stats.skipped)
    append(complete, gzip.compress(lines(3, 100)))
    append(cut, member[len(member) // 2 :])  # too late: it was counted as truncated
    assert poll(IDLE * 3) == [FOLLOWING, CLOSED]
    assert poll(IDLE * 4) == [CLOSED, CLOSED]
    assert store.stats.events == events + 3 and store.stats.skipped == skipped


def test_a_gzip_file_whose_writer_died_is_counted_truncated_once_it_stopped_changing(tmp_path):
    data = gzip.compress(lines(40))
    log = tmp_path / "ses.jsonl.1.gz"
    log.write_bytes(data[: len(data) // 2])
    store = Store(clock=lambda: BASE + 86400)
    follower = FileFollower(str(log), store, Options(gzip_idle=IDLE), from_end=False)
    follower.poll(0.0)
    follower.poll(IDLE / 2)
    assert "truncated_gzip" not in store.stats.skipped
    follower.poll(IDLE * 2)
    follower.poll(IDLE * 3)
    assert follower.status.state == CLOSED
    assert store.stats.skipped["truncated_gzip"] == 1
    assert 0 < store.stats.events < 40


def test_fifo_is_read_as_a_stream(tmp_path, run):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = run(str(fifo))
    with open(fifo, "wb") as writer:
        writer.write(lines(6))
    r.expect(6)
    wait_until(lambda: r.state(fifo) == CLOSED)


def report_follow(*args: str, stdin=subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sestui", "report", "--follow", "--every", "0.2", "--json", *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )


def snapshots(output: bytes) -> list[dict]:
    return [orjson.loads(line) for line in output.splitlines() if line.strip()]


def test_report_follow_prints_snapshots_and_a_final_one_on_sigterm(tmp_path):
    log = tmp_path / "ses.jsonl"
    log.write_bytes(lines(20))
    proc = report_follow(str(log))
    time.sleep(1.0)
    append(log, jsonl([delivery(BASE + 100 + i) for i in range(30)]))
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    snaps = snapshots(out)
    assert len(snaps) >= 3
    final = snaps[-1]
    assert final["input"]["lines"] == 50 and final["counts"]["Delivery"] == 30
    assert final["sources"] == [{"path": str(log), "state": FOLLOWING, "offset": log.stat().st_size, "size": log.stat().st_size, "error": None}]
    assert {"schema", "counts", "rates", "bounces"} <= set(final)


def test_report_follow_reads_stdin_until_the_pipe_closes_then_ends(tmp_path):
    proc = report_follow("-", stdin=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(lines(25))
    proc.stdin.flush()
    time.sleep(0.5)
    proc.stdin.write(lines(5, 25))
    proc.stdin.close()
    proc.stdin = None  # closed on purpose: communicate() must not flush it
    out, err = proc.communicate(timeout=20)  # with no signal: nothing is left to follow
    assert proc.returncode == 0, err
    final = snapshots(out)[-1]
    assert final["input"]["lines"] == 30
    assert final["sources"][0]["state"] == CLOSED


def test_report_follows_text_snapshots_each_begin_with_when_they_were_taken():
    """They ran together, one report after another with nothing between."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sestui", "report", "--follow", "--every", "0.2", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert proc.stdin is not None
    proc.stdin.write(lines(3))
    proc.stdin.flush()
    time.sleep(0.8)
    proc.stdin.close()
    proc.stdin = None
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    text = out.decode()
    starts = re.findall(r"^==== snapshot at (\d{4}-\d\d-\d\dT[\d:.]+Z) ====\nsestui report ", text, re.M)
    assert len(starts) >= 2 and len(starts) == text.count("sestui report  as of")


def test_only_the_most_recently_let_go_files_are_remembered(tmp_path, monkeypatch):
    """Memory stays bounded however many files a session reads: compressed copies of files let go
    long ago are read whole, those of recent ones skip what was read."""
    monkeypatch.setattr(sources, "REMEMBERED", 3, raising=False)
    inodes = Inodes()
    contents = []
    for i in range(5):
        path = tmp_path / f"ses-{i}.jsonl"
        contents.append(lines(4, 10 * i))
        path.write_bytes(contents[-1])
        fd = os.open(path, os.O_RDONLY)
        st = os.fstat(fd)
        read = inodes.claim(fd, st)
        read.advance(os.pread(fd, st.st_size, 0))
        inodes.release(fd, (st.st_dev, st.st_ino), read)
        os.close(fd)
    for i, content in enumerate(contents):
        copy = tmp_path / f"ses-{i}.jsonl.gz"
        copy.write_bytes(gzip.compress(content))
        fd = os.open(copy, os.O_RDONLY)
        assert inodes.copied(fd, 64)[0] == (0 if i < 2 else len(content))
        os.close(fd)
    assert len(inodes._done) == len(inodes._read_before) == 3
