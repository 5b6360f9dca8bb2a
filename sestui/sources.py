"""Sources: read files to their end, or follow them forever through rotation and truncation.

A `Follower` owns one thread that reads every followed file; stdin and FIFOs each get a reader
thread of their own (their reads block). Files are identified by (device, inode), not by path:

* rename rotation: the old file keeps being read to its end and for a grace period (writers often
  append a few more lines before reopening), while the new file at the path is read from 0;
* copy-truncate: a file that shrinks below the read offset is read again from 0;
* deletion: the open file is drained, then the path is waited for, like `tail -F`;
* globs and directories are rescanned, and new matches are read from their start, except a file
  already read under another name (see `Inodes`);
* a `.gz` file that appears while following and is a compressed copy of a plain file read
  (logrotate's `compress`) is read only past what was read of that file (see `Inodes`);
* `.gz` files are read as they grow (a writer may still be compressing or downloading them) and
  closed once they have not been modified for `Options.grace` seconds if they end where a gzip
  member ends (if one grows later, it is read on), else for `Options.gzip_idle` seconds;
* given a `Backfill`, the content that plain files hold at the start is read on several cores
  while their followers hold them open, and each follower takes over where that read ended.

watchfiles (inotify where available) wakes the thread within tens of milliseconds of a change; a
slow poll is the safety net for filesystems that send no events.
"""

from __future__ import annotations

import errno
import hashlib
import os
import select
import stat
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .decompress import GZIP_MAGIC, BombError, GzipStream
from .ingest import StreamIngest
from .paths import Target, classify, split_glob, walk
from .store import Store

if TYPE_CHECKING:
    from .parallel import Backfill

CHUNK = 1 << 18  # small enough that a chunk's records are still in cache when counted
READING = "reading"  # backfill of existing content
FOLLOWING = "following"
WAITING = "waiting"  # the path does not exist (yet)
CLOSED = "closed"  # stream ended: stdin EOF, FIFO writer gone, .gz read after it stopped changing
ERROR = "error"
# Seconds between progress updates while a parallel read has the files (nothing wakes the
# follower then).
_PROGRESS_INTERVAL = 0.25


@dataclass(slots=True)
class SourceStatus:
    """What front ends show about one input path."""

    path: str
    state: str
    offset: int = 0
    size: int = 0
    error: str | None = None
    rotations: int = 0
    truncations: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "state": self.state,
            "offset": self.offset,
            "size": self.size,
            "error": self.error,
        }


@dataclass(slots=True)
class Options:
    max_record_bytes: int = 1 << 20
    max_gzip_ratio: float = 64
    from_end: bool = False
    # Seconds a renamed or deleted file is still read after it moved, and a complete .gz file
    # (ending where a gzip member ends) is waited for before it is closed.
    grace: float = 5.0
    poll_interval: float = 1.0
    rescan_interval: float = 2.0
    # A .gz file ending inside a gzip member unmodified this long is finished (its writer died):
    # read for the last time, and counted as truncated.
    gzip_idle: float = 60.0


def open_error(path: str, exc: OSError) -> str:
    return f"{path}: {exc.strerror or exc}"


# -- reading once ---------------------------------------------------------------------------


def read_to_end(path: str, store: Store, options: Options, start: int = 0, end: int | None = None) -> SourceStatus:
    """Read one file or stdin to its end (for `report` without --follow), or only the bytes
    [start, end) of a file. Raises OSError."""
    status = SourceStatus(path, READING, offset=start)
    ingest = StreamIngest(store, path, options.max_record_bytes, options.max_gzip_ratio)
    fd = os.dup(0) if path == "-" else os.open(path, os.O_RDONLY)
    try:
        if path != "-" and stat.S_ISDIR(os.fstat(fd).st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", path)
        if start:
            os.lseek(fd, start, os.SEEK_SET)
        while True:
            size = CHUNK if end is None else min(CHUNK, end - status.offset)
            data = os.read(fd, size) if size > 0 else b""
            if not data:
                break
            status.offset += len(data)
            ingest.feed(data)
    finally:
        os.close(fd)
    ingest.close()
    status.state = CLOSED
    status.size = status.offset
    return status


# -- following ------------------------------------------------------------------------------


_HEAD_BYTES = 4096
REMEMBERED = 1000  # released files, and plain files let go, whose reads are remembered (Inodes)
_TAIL_BYTES = 64


class _Read:
    """How far one file was read, with its first bytes and the last bytes read: appending and
    renaming never change them, replacing the content does."""

    __slots__ = ("offset", "head", "tail", "open", "cut")

    def __init__(self, fd: int, offset: int) -> None:
        self.open = True  # a reader has the file
        self.cut = False  # let go in the middle of the line at `offset`, counted as cut
        self.seek(fd, offset)

    def seek(self, fd: int, offset: int) -> None:
        """Taken as read up to `offset`, its bytes read from the file itself."""
        self.offset = offset
        self.head = os.pread(fd, min(_HEAD_BYTES, offset), 0) if offset else b""
        n = min(_TAIL_BYTES, offset)
        self.tail = os.pread(fd, n, offset - n) if n else b""

    def advance(self, data: bytes) -> None:
        if len(self.head) < _HEAD_BYTES:
            self.head += data[: _HEAD_BYTES - len(self.head)]
        self.offset += len(data)
        self.tail = (self.tail + data[-_TAIL_BYTES:])[-_TAIL_BYTES:]

    def rewritten(self, fd: int) -> bool:
        """The bytes read are no longer in the file: it was truncated and written again past
        the old offset between two reads (copy-truncate by a busy writer). The last bytes read
        are compared, and the first too: records of one length and shape (sends to one list)
        put the same bytes at the same offsets again."""
        n = len(self.tail)
        if n > 0 and os.pread(fd, n, self.offset - n) != self.tail:
            return True
        head = self.head
        return len(head) > 0 and os.pread(fd, len(head), 0) != head

    @property
    def plain(self) -> bool:
        """Its bytes are its content (not gzip data)."""
        return bool(self.head) and not self.head.startswith(GZIP_MAGIC)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class Inodes:
    """Which files, by (device, inode), are open and how far each was read.

    A file is read once whatever names it goes by: a rotated `f.1` that a glob also matches is
    adopted at the offset where reading `f` stopped, never read again from the start, and so is
    a finished file renamed later (logrotate renames every numbered archive at each rotation).
    A released file is recognized by its first bytes and the bytes before its offset, which a
    rename or an append leaves alone, so a recycled inode number holding another file is read
    from its start.

    What was read of plain files is also remembered by content (their first 4 KiB and how many
    bytes were read), deleted ones included: logrotate's `compress` writes a plain file's
    content to a new .gz file and deletes it, and those records must not be counted again.

    Only the files let go most recently are remembered (`REMEMBERED` of each sort), so a session
    following a directory that gains a file a minute keeps a few MB, not one read per file ever.
    """

    def __init__(self) -> None:
        self._open: set[tuple[int, int]] = set()
        # Released files still on disk, oldest first: key -> (read, digest of its head).
        self._done: dict[tuple[int, int], tuple[_Read, bytes]] = {}
        self._reading: set[_Read] = set()
        self._read_before: dict[_Read, None] = {}  # plain files let go, oldest first

    def claim(self, fd: int, st: os.stat_result) -> _Read | None:
        """Where to read an open file from, or None while another reader has it."""
        key = (st.st_dev, st.st_ino)
        if key in self._open:
            return None
        self._open.add(key)
        read, digest = self._done.pop(key, (None, b""))
        if read is None or not _same_file(read, digest, fd, st.st_size):
            read = _Read(fd, 0)
        read.open = True
        self._read_before.pop(read, None)
        self._reading.add(read)
        return read

    def truncated(self, fd: int, read: _Read) -> _Read:
        """The file was cut: what was read of it is history, its new content is read from 0."""
        self._let_go(read)
        read = _Read(fd, 0)
        self._reading.add(read)
        return read

    def release(self, fd: int, key: tuple[int, int], read: _Read) -> None:
        self._open.discard(key)
        try:
            st = os.fstat(fd)
        except OSError:
            st = None
        if st is not None and st.st_nlink > 0:  # still reachable under some name
            self._done[key] = (read, _digest(read.head))
            _forget_oldest(self._done)
        self._let_go(read)

    def _let_go(self, read: _Read) -> None:
        read.open = False
        self._reading.discard(read)
        if read.plain:
            self._read_before[read] = None
            _forget_oldest(self._read_before)
        else:
            read.head = b""  # its digest identifies it; only plain content is compared

    def copied(self, fd: int, max_ratio: float) -> tuple[int, _Read | None] | None:
        """For a .gz file that appeared while following: how many bytes of what it decompresses
        to were read already from the plain file it is a compressed copy of (0 if it is none),
        and that file's read; None to wait while that is not known yet or that plain file is
        still being read."""
        found = _decompressed_head(fd, max_ratio)
        if found is None:
            return 0, None
        head, ended = found
        copies = []
        for read in (*self._reading, *self._read_before):
            if not read.plain:
                continue
            known = read.head
            if head.startswith(known):
                # A matching head ending mid-line could be the start of any similar record.
                if len(known) == _HEAD_BYTES or known.endswith(b"\n") or (ended and len(head) == len(known)):
                    copies.append(read)
                elif len(head) == len(known):
                    return None  # the same so far: wait for more
            elif known.startswith(head):
                if not ended:
                    return None  # the same so far: wait for more
                copies.append(read)  # all of it was read
        if any(read.open for read in copies):
            return None  # the plain file is still being read: the copy takes over where it ends
        furthest = max(copies, key=lambda read: read.offset, default=None)
        return (0, None) if furthest is None else (furthest.offset, furthest)


def _forget_oldest(remembered: dict[Any, Any]) -> None:
    while len(remembered) > REMEMBERED:
        del remembered[next(iter(remembered))]


def _same_file(read: _Read, digest: bytes, fd: int, size: int) -> bool:
    """The open file still holds the bytes read (renamed, or appended to, since)."""
    if not 0 < read.offset <= size or read.rewritten(fd):
        return False
    head = os.pread(fd, min(_HEAD_BYTES, read.offset), 0)
    if _digest(head) != digest:
        return False
    read.head = head
    return True


def _decompressed_head(fd: int, max_ratio: float) -> tuple[bytes, bool] | None:
    """The first 4 KiB a gzip file decompresses to (less if it holds less so far), and whether
    its data ends there, where a gzip member ends; None if it holds no gzip data."""
    if not GZIP_MAGIC.startswith(os.pread(fd, len(GZIP_MAGIC), 0)):
        return None
    stream = GzipStream(max_ratio)
    head = b""
    offset = 0
    try:
        while len(head) < _HEAD_BYTES:
            raw = os.pread(fd, _HEAD_BYTES, offset)
            if not raw:
                return head, offset > 0 and not stream.truncated
            offset += len(raw)
            head += b"".join(stream.feed(raw))
    except (BombError, zlib.error):
        return None  # not a copy of anything: reading it reports the damage
    return head[:_HEAD_BYTES], False


class _Handle:
    """One open file being read: the current file at a path, or a rotated-away one."""

    __slots__ = ("fd", "dev", "ino", "read_state", "start", "ingest", "moved_at", "inodes", "copy_check", "mid_line")

    def __init__(
        self, fd: int, st: os.stat_result, read_state: _Read, ingest: StreamIngest, inodes: Inodes, copy_check: bool
    ) -> None:
        self.fd = fd
        self.dev = st.st_dev
        self.ino = st.st_ino
        self.read_state = read_state
        self.start = read_state.offset
        self.ingest = ingest
        self.inodes = inodes
        self.moved_at: float | None = None
        self.copy_check = copy_check  # a .gz file that may be a compressed copy of one already read
        self.mid_line = False  # read from inside a line (--from-end): its rest is not a new record

    @property
    def offset(self) -> int:
        return self.read_state.offset

    def rewritten(self) -> bool:
        return self.read_state.rewritten(self.fd)

    def read(self, budget: int) -> int:
        """Read what is available, up to `budget` bytes; returns bytes read."""
        if self.copy_check:
            copied = self.inodes.copied(self.fd, self.ingest.max_gzip_ratio)
            if copied is None:
                return 0
            skip, plain = copied
            self.copy_check = False
            self.ingest.skip(skip)
            if plain is not None and plain.cut:
                plain.cut = False  # the line it was let go in the middle of starts the rest
                self.ingest.expect_cut_line()
        total = 0
        while total < budget:
            data = os.pread(self.fd, min(CHUNK, budget - total), self.offset)
            if not data:
                if total:
                    self.ingest.drain()  # caught up: a last line without newline is shown too
                break
            total += len(data)
            self.read_state.advance(data)
            if self.mid_line:
                newline = data.find(b"\n")
                if newline < 0:
                    continue
                self.mid_line = False
                data = data[newline + 1 :]
            self.ingest.feed(data)
        return total

    def close(self) -> None:
        self.ingest.close()
        self._release()

    def let_go(self) -> int:
        """Close a rotated file that its writer may still be writing. A last line not finished
        yet is left unread, and the read taken to end before it, so the file's compressed copy
        (logrotate's delaycompress) is read from that line's start: the line counts once, whole,
        not as junk now and once more then. Until then it counts as cut, where the file can be
        recognized later by what was read before the line; a file holding nothing else cannot
        (its copy is read from its start, the line with it). Returns that line's length so far."""
        unfinished = self.ingest.let_go()
        if unfinished:
            self.read_state.seek(self.fd, self.offset - unfinished)
            if self.offset:
                self.read_state.cut = True
                self.ingest.count_cut_line()
        self._release()
        return unfinished

    def _release(self) -> None:
        self.inodes.release(self.fd, (self.dev, self.ino), self.read_state)
        os.close(self.fd)


class FileFollower:
    """Follows one path through rotation, truncation, deletion and re-creation."""

    def __init__(
        self,
        path: str,
        store: Store,
        options: Options,
        from_end: bool,
        inodes: Inodes | None = None,
        existing: bool = False,
    ) -> None:
        """`existing`: the path names a file present when following began, which is history and
        read in full; any later .gz file there may be a compressed copy of one already read."""
        self.path = path
        self.inodes = inodes if inodes is not None else Inodes()
        self.store = store
        self.options = options
        self.status = SourceStatus(path, WAITING)
        self.gz = path.endswith(".gz")
        self._from_end = from_end  # applies only to the file present at start
        self._existing = existing
        self._current: _Handle | None = None
        self._draining: list[_Handle] = []
        self._backfill_end = 0  # size when first opened: reading below it is backfill
        self._reported: str | None = None
        # (dev, ino, bytes read or -1 if it ended inside a gzip member, size) of the .gz file
        # read to its end
        self._closed: tuple[int, int, int, int] | None = None
        self._gz_seen: tuple[int, int] = (-1, -1)  # (size, mtime_ns) of the current .gz file
        self._gz_changed_at = 0.0  # when it last changed, on the clock of `poll`
        self.held = False  # open, but read by someone else (see hold)

    @property
    def backfill(self) -> tuple[int, int]:
        """(bytes of backfill read, backfill bytes) for progress."""
        return min(self.status.offset, self._backfill_end), self._backfill_end

    def hold(self, now: float) -> int:
        """Open the file present at the start for another reader to read its first bytes, and read
        nothing until `resume`. Returns its size; 0 when it is empty, or no plain file read from its
        start, and then read as usual."""
        if not self._existing or self._from_end or self.gz:
            return 0
        try:
            st = os.stat(self.path)
        except OSError:
            return 0
        handle = self._open(st, now)
        if handle is None or not self.status.size:
            return 0
        try:
            if os.pread(handle.fd, len(GZIP_MAGIC), 0) == GZIP_MAGIC:
                return 0
        except OSError:
            return 0  # reading it reports the error
        self.held = True
        return self.status.size

    def resume(self, offset: int) -> None:
        """Read on from `offset`, up to which the other reader read the file held (0: it read
        none of it). What is known of the file read so far is its real bytes there, which tell
        a rotation or a truncation from an append as if this follower had read them."""
        self.held = False
        handle = self._current
        if handle is not None and offset:
            handle.read_state.seek(handle.fd, offset)
            self.status.offset = offset

    def in_place(self) -> bool:
        """The path still names the open file: it was not renamed or deleted."""
        handle = self._current
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        return handle is not None and (st.st_dev, st.st_ino) == (handle.dev, handle.ino)

    def poll(self, now: float, budget: int = 8 << 20) -> bool:
        """Catch up with the path; True when data was read (more may be waiting)."""
        if self.held:
            return False
        try:
            st: os.stat_result | None = os.stat(self.path)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            self._error(open_error(self.path, exc))
            return False
        if self._closed is not None:
            dev, ino, read, size = self._closed
            if st is None or ((st.st_dev, st.st_ino) == (dev, ino) and size <= st.st_size and not 0 <= read < st.st_size):
                return False
            # Another file has the name now (the next rotation's archive, even in the inode the
            # closed one had: it is then smaller, or its content differs, see Inodes.claim), or a
            # complete one grew: a writer that appends gzip members paused longer than the grace
            # period.
            self._closed = None
        current = self._current
        if current is not None and (st is None or (st.st_dev, st.st_ino) != (current.dev, current.ino)):
            current.moved_at = now
            self._draining.append(current)
            self._current = current = None
            self.status.rotations += 1
        if current is None and st is not None:
            current = self._open(st, now)
        busy = False
        for handle in list(self._draining):
            busy |= handle.read(budget) > 0
            if handle.moved_at is not None and now - handle.moved_at >= self.options.grace:
                handle.read(budget)
                if handle.let_go():
                    counted = " (counted as cut_at_rotation until then)" if handle.read_state.cut else ""
                    self.store.note(
                        f"{self.path}: a rotated file was let go in the middle of a line; the line is read from "
                        f"the file's compressed copy if one appears{counted}"
                    )
                self._draining.remove(handle)
        if current is not None:
            busy |= self._read_current(current, budget, now)
        elif st is None and self.status.state != ERROR:
            self._set_state(WAITING)
        return busy

    @property
    def closed(self) -> bool:
        """A .gz file was read to its end: nothing happens until another file takes the name or
        a complete one grows."""
        return self._closed is not None

    @property
    def idle(self) -> bool:
        """No file is open: nothing would be lost by dropping this follower."""
        return self._current is None and not self._draining

    def _open(self, st: os.stat_result, now: float) -> _Handle | None:
        if stat.S_ISDIR(st.st_mode):
            # Not a file (yet): a path argument that is a directory is followed as one by the
            # Follower's scan, which then drops this follower.
            self._set_state(WAITING)
            return None
        if not stat.S_ISREG(st.st_mode):
            self._error(f"{self.path}: not a regular file")
            return None
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            self._error(open_error(self.path, exc))
            return None
        st = os.fstat(fd)
        read_state = self.inodes.claim(fd, st)
        if read_state is None:
            os.close(fd)  # this very file is being read under another name
            return None
        mid_line = False
        # A file let go in the middle of a line, back under a followed name: the line is read
        # from its start now, whole (unless --from-end skips it).
        whole = read_state.cut and not self._from_end
        read_state.cut = False
        if self._from_end:  # an archive present at the start is old history too
            read_state.seek(fd, st.st_size)
            # A block-buffered writer leaves the file ending mid-line: the rest of that line
            # is the end of an old record, not a new one.
            mid_line = not self.gz and read_state.tail[-1:] not in (b"", b"\n")
        copy_check = self.gz and not self._existing and read_state.offset == 0
        self._from_end = self._existing = False
        offset = read_state.offset
        ingest = StreamIngest(
            self.store, self.path, self.options.max_record_bytes, self.options.max_gzip_ratio
        )
        if whole:
            ingest.expect_cut_line()
        handle = _Handle(fd, st, read_state, ingest, self.inodes, copy_check)
        handle.mid_line = mid_line
        self._current = handle
        self._reported = None
        self.status.error = None
        self.status.offset = offset
        self.status.size = st.st_size
        self._backfill_end = max(st.st_size, offset)
        if copy_check:
            # It appeared now, whatever its mtime (gzip gives a copy its source's): it may have
            # to wait for that source to be let go.
            self._gz_seen, self._gz_changed_at = (st.st_size, st.st_mtime_ns), now
        else:
            self._gz_seen = (-1, -1)
        self._set_state(READING if st.st_size > offset else FOLLOWING)
        return handle

    def _gz_changed(self, st: os.stat_result, now: float) -> None:
        """Note when the .gz file last changed: at its mtime when first seen (an archive written
        long ago is finished at once), then whenever its size or mtime moves."""
        seen = (st.st_size, st.st_mtime_ns)
        if seen != self._gz_seen:
            self._gz_seen = seen
            self._gz_changed_at = now - max(0.0, time.time() - st.st_mtime)

    def _read_current(self, handle: _Handle, budget: int, now: float) -> bool:
        try:
            st = os.fstat(handle.fd)
            size = st.st_size
            cut = size < handle.offset or handle.rewritten()
        except OSError as exc:
            self._error(open_error(self.path, exc))
            return False
        if cut:
            # Copy-truncate: the content before the cut is gone; what follows is new.
            handle.ingest.close()
            handle.ingest = StreamIngest(
                self.store, self.path, self.options.max_record_bytes, self.options.max_gzip_ratio
            )
            handle.read_state = self.inodes.truncated(handle.fd, handle.read_state)
            handle.mid_line = False
            self.status.truncations += 1
            self.store.note(f"{self.path}: truncated, reading again from the start")
        try:
            read = handle.read(budget)
        except OSError as exc:
            self._error(open_error(self.path, exc))
            return False
        self.status.offset = handle.offset
        self.status.size = max(size, handle.offset)
        if self.gz:
            self._gz_changed(st, now)
        if self.gz and read == 0:
            # Taken over where an earlier reader stopped (an archive read, then renamed) with
            # nothing new since: as finished as a complete one.
            complete = handle.ingest.gzip_complete or handle.offset == handle.start > 0
            if now - self._gz_changed_at >= (self.options.grace if complete else self.options.gzip_idle):
                handle.close()
                self._current = None
                self._closed = (handle.dev, handle.ino, handle.offset if complete else -1, size)
                self._set_state(CLOSED)
                return False
        if handle.offset >= self._backfill_end or handle.copy_check:
            self._set_state(FOLLOWING)
        return read > 0

    def _set_state(self, state: str) -> None:
        if self.status.state != state:
            self.status.state = state
            self.store.touch()

    def _error(self, message: str) -> None:
        self.status.state = ERROR
        self.status.error = message
        if self._reported != message:
            self._reported = message
            self.store.note(message)

    def close(self) -> None:
        for handle in [*self._draining, *([self._current] if self._current else [])]:
            handle.close()
        self._draining.clear()
        self._current = None


STREAM_IDLE = 0.05  # seconds without new bytes on a pipe that count as caught up


class StreamReader:
    """stdin or a FIFO, read in a thread of its own because reads block."""

    def __init__(self, path: str, fd: int | None, store: Store, options: Options) -> None:
        self.path = path
        self.status = SourceStatus(path, FOLLOWING)
        self.store = store
        self.options = options
        self._fd = fd
        self._thread = threading.Thread(target=self._run, name=f"sestui-read-{path}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        ingest = StreamIngest(self.store, self.path, self.options.max_record_bytes, self.options.max_gzip_ratio)
        try:
            fd = self._fd if self._fd is not None else os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            self.status.state = ERROR
            self.status.error = open_error(self.path, exc)
            self.store.note(self.status.error)
            return
        # poll, not select: any fd number; not epoll: stdin may be a regular file.
        idle = select.poll()
        idle.register(fd, select.POLLIN)
        try:
            while True:
                data = os.read(fd, CHUNK)
                if not data:
                    break
                self.status.offset += len(data)
                self.status.size = self.status.offset
                ingest.feed(data)
                if ingest.framer.buffered and not idle.poll(STREAM_IDLE * 1000):
                    # Caught up, the last line unterminated (a writer that ends values without
                    # a newline): a complete value in it is shown now, as for a followed file.
                    ingest.drain()
        except OSError as exc:
            self.status.error = open_error(self.path, exc)
            self.store.note(self.status.error)
        finally:
            ingest.close()
            try:
                os.close(fd)
            except OSError:
                pass
            self.status.state = CLOSED
            self.store.touch()


class _Watcher:
    """watchfiles in a thread: sets `wake` on every batch of changes under its roots."""

    def __init__(self, roots: list[str], recursive: bool, wake: threading.Event, changed: Callable[[bool], None]) -> None:
        self.roots = roots
        self._stop = threading.Event()
        self._wake = wake
        self._changed = changed
        self._recursive = recursive
        self._thread = threading.Thread(target=self._run, name="sestui-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import watchfiles

        try:
            for changes in watchfiles.watch(
                *self.roots,
                recursive=self._recursive,
                debounce=100,
                step=20,
                stop_event=self._stop,
                rust_timeout=500,
                yield_on_timeout=False,
                raise_interrupt=False,
                ignore_permission_denied=True,
            ):
                structural = any(change != watchfiles.Change.modified for change, _ in changes)
                self._changed(structural)
                self._wake.set()
        except Exception:  # noqa: BLE001 -- no events then: the poll still finds every change
            return

    def stop(self) -> None:
        self._stop.set()


class Follower:
    """Reads every input and keeps following them until stopped."""

    def __init__(
        self,
        targets: list[Target],
        store: Store,
        options: Options,
        stdin_fd: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        backfill: Backfill | None = None,
    ) -> None:
        self.targets = list(targets)  # a path that appears as a directory becomes a "dir" target
        self.store = store
        self.options = options
        self.clock = clock
        # Replaced, never changed in place: other threads read it (statuses) while this one scans.
        self.files: dict[str, FileFollower] = {}
        self.streams: list[StreamReader] = []
        self._stdin_fd = stdin_fd
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._rescan = True
        self._last_scan = 0.0
        self._watchers: list[_Watcher] = []
        self._thread = threading.Thread(target=self._run, name="sestui-follow", daemon=True)
        self._initial = True
        self._seen: set[str] = set()
        self._found: dict[str, str] = {}  # path -> real path, of files a glob or directory named
        self._unlisted: dict[str, SourceStatus] = {}  # directories that cannot be listed
        self.inodes = Inodes()
        self._backfill = backfill
        self._held: dict[str, FileFollower] = {}  # files read by the backfill, by path
        self._backfilled: tuple[Store, dict[str, int]] | None = None  # what it read, and up to where
        self._backfill_done = threading.Event()

    # -- lifecycle ------------------------------------------------------------------------

    def start(self, thread: bool = True) -> None:
        """Find the inputs, then follow them in a thread of its own, or without one (tests) in
        the caller's calls to `step` (a backfill then reads here, before this returns)."""
        backfill = self._backfill if not self.options.from_end else None
        if backfill is not None:
            backfill.number_after(self.store)  # before any input is read
        if any(target.kind == "stdin" for target in self.targets):
            # One reader however often `-` is named: two would deal stdin's bytes between them.
            self._add_stream("-", self._stdin_fd if self._stdin_fd is not None else os.dup(0))
        self._scan()
        self._initial = False
        if backfill is not None:
            self._hold(backfill, thread)
        self._publish()
        if thread:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for watcher in self._watchers:
            watcher.stop()
        if self._backfill is not None:
            self._backfill.stop()

    # -- backfill on several cores ----------------------------------------------------------

    def _hold(self, backfill: Backfill, thread: bool) -> None:
        """Have the backfill read the plain files present at the start, in a thread of its own."""
        now = self.clock()
        sizes: dict[str, int] = {}
        for path, follower in self.files.items():
            size = follower.hold(now)
            if size:
                sizes[path] = size
                self._held[path] = follower
        if not sizes:
            return
        if thread:
            threading.Thread(target=self._read_held, args=(backfill, sizes), name="sestui-backfill", daemon=True).start()
        else:
            self._read_held(backfill, sizes)

    def _read_held(self, backfill: Backfill, sizes: dict[str, int]) -> None:
        try:
            self._backfilled = backfill.read(sizes, self.store, self.options)
        except OSError:
            pass  # a file went away while it was cut: the followers read what is left
        finally:  # the followers read the files held unless the backfill did
            self._backfill_done.set()
            self._wake.set()

    def _resume_held(self) -> None:
        """Merge what the backfill read as input read before everything else, and follow each file
        from where it read to (from its start if the backfill did not read it, or if a path no
        longer names the file held: what the backfill read of it is then unknown)."""
        held, self._held = self._held, {}
        backfilled, self._backfilled = self._backfilled, None
        ends: dict[str, int] = {}
        if backfilled is not None and all(held[path].in_place() for path in backfilled[1]):
            earlier, ends = backfilled
            with self.store.lock:
                room = max(0, self.store.max_events - len(self.store.main.ring))
                self.store.absorb_earlier(earlier.summary(), *earlier.newest(room))
        for path, follower in held.items():
            follower.resume(ends.get(path, 0))

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def statuses(self) -> list[SourceStatus]:
        """Safe from any thread: reads one version of `files`."""
        files, unlisted = self.files, self._unlisted
        return [f.status for f in files.values()] + list(unlisted.values()) + [s.status for s in self.streams]

    @property
    def ended(self) -> bool:
        """Nothing is left to follow: only stdin or FIFOs were named, and every one has ended."""
        streams = self.streams
        return not self.files and bool(streams) and not any(s.alive for s in streams)

    # -- the loop -------------------------------------------------------------------------

    def step(self, now: float) -> bool:
        """One round: pick up new paths when due, then read every file; True when data was read
        (more may be waiting)."""
        if self._held and self._backfill_done.is_set():
            self._resume_held()
        scan = self._rescan or now - self._last_scan >= self.options.rescan_interval
        if scan:
            self._rescan = False
            self._last_scan = now
            self._scan()
        busy = False
        for follower in list(self.files.values()):
            if scan or not follower.closed:  # a closed file's name is looked at when names change
                busy |= follower.poll(now)
        self._publish()
        return busy

    def _run(self) -> None:
        self._last_scan = self.clock()
        while not self._stop.is_set():
            if not self.step(self.clock()):
                if self._held:  # not caught up: the backfill is reading
                    self._wake.wait(_PROGRESS_INTERVAL)
                else:
                    self.store.release_waiting()  # caught up: events without a time arrived now
                    self._wake.wait(self.options.poll_interval)
                self._wake.clear()
        for follower in self.files.values():
            follower.close()
        self._publish()

    def _scan(self) -> None:
        """Pick up paths that appeared under globs and directories; restart watchers if needed."""
        added: dict[str, FileFollower] = {}
        listed: set[str] = set()
        errors: list[OSError] = []
        for index, target in enumerate(self.targets):
            if target.kind == "stdin":
                continue
            for path in self._paths(index, target, errors):
                listed.add(path)
                real = os.path.realpath(path)
                if real in self._seen:
                    continue  # a file named twice (a glob and its path) is read once
                self._seen.add(real)
                if target.kind in ("glob", "dir") and path != target.arg:
                    self._found[path] = real
                if target.kind != "file" or os.path.exists(path):
                    if _is_fifo(path):
                        self._add_stream(path, None)
                        continue
                existing = self._initial and os.path.exists(path)
                from_end = existing and self.options.from_end
                added[path] = FileFollower(path, self.store, self.options, from_end, self.inodes, existing)
                if not os.path.lexists(path):
                    self.store.note(f"{path}: does not exist yet, waiting for it")
        self._drop_gone(listed)
        self._unlistable(errors)
        if added:
            self.files = {**self.files, **added}
        self._watch()

    def _unlistable(self, errors: list[OSError]) -> None:
        """Directories that cannot be listed are sources in error (the status line counts them)
        until they can be; each is noted once."""
        unlisted = {}
        for exc in errors:
            path = str(exc.filename)
            unlisted[path] = self._unlisted.get(path) or SourceStatus(path, ERROR, error=f"{open_error(path, exc)} (its files are not read)")
            if path not in self._unlisted:
                self.store.note(unlisted[path].error or path)
        self._unlisted = unlisted

    def _drop_gone(self, listed: set[str]) -> None:
        """Files a glob or directory named that are gone, with nothing of them still open (a
        rotated file deleted once compressed), are no longer followed: only paths named on the
        command line are waited for. Found again if they come back."""
        gone = [
            path
            for path, real in self._found.items()
            if path not in listed and path not in self._held and (f := self.files.get(path)) is not None and f.idle and not os.path.lexists(path)
        ]
        if gone:
            for path in gone:
                self._seen.discard(self._found.pop(path))
            self.files = {path: f for path, f in self.files.items() if path not in gone}

    def _paths(self, index: int, target: Target, errors: list[OSError]) -> list[str]:
        """The paths a target names now (directories that cannot be listed go to `errors`). A
        path that does not exist yet is waited for as a file; once it is a directory it is
        followed as one, in place of the path waited for."""
        if target.kind in ("file", "dir") and os.path.isdir(target.arg):
            self.targets[index] = Target(target.arg, "dir")
            waited = self.files.get(target.arg)
            if waited is not None and waited.idle:
                waited.close()
                self.files = {path: f for path, f in self.files.items() if path != target.arg}
            return walk(target.arg, errors)
        if target.kind == "dir":
            # Missing at start: waited for like a file. A directory that went away is just empty.
            return [target.arg] if self._initial else []
        return target.matches(errors)

    def _add_stream(self, path: str, fd: int | None) -> None:
        reader = StreamReader(path, fd, self.store, self.options)
        self.streams.append(reader)
        reader.start()

    def _watch(self) -> None:
        recursive_roots, flat_roots = set(), set()
        for target in self.targets:
            if target.kind == "dir" and os.path.isdir(target.arg):
                recursive_roots.add(os.path.abspath(target.arg))
            elif target.kind == "glob":
                root, _ = split_glob(target.arg)
                if os.path.isdir(root):
                    recursive_roots.add(os.path.abspath(root))
            elif target.kind in ("file", "dir"):  # a file, or a directory that does not exist yet
                parent = os.path.dirname(os.path.abspath(target.arg))
                if os.path.isdir(parent):
                    flat_roots.add(parent)
        wanted = [sorted(recursive_roots), sorted(flat_roots - recursive_roots)]
        if [w.roots for w in self._watchers] == [roots for roots in wanted if roots]:
            return
        for watcher in self._watchers:
            watcher.stop()
        self._watchers = [
            _Watcher(roots, recursive, self._wake, self._on_change)
            for roots, recursive in zip(wanted, (True, False))
            if roots
        ]

    def _on_change(self, structural: bool) -> None:
        if structural:
            self._rescan = True

    def _publish(self) -> None:
        """Share source states and backfill progress with the front ends."""
        done = total = 0
        held = self._backfill.progress if self._held and self._backfill is not None else 0.0
        for follower in self.files.values():
            if follower.status.state == READING:
                part, whole = follower.backfill
                done += int(whole * held) if follower.held else part
                total += whole
        with self.store.lock:
            self.store.sources = self.statuses
            self.store.progress = (done, total) if total else None


def _is_fifo(path: str) -> bool:
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False


def targets_of(args: list[str]) -> list[Target]:
    return [classify(arg) for arg in args]
