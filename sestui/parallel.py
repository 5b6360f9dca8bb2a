"""Reading a one-shot report's input on several cores.

Everything the store aggregates (counts, time buckets, heavy hitters, latency histograms, the
slowest deliveries) adds up part by part, so `sestui report` cuts large plain files at record
boundaries into one part per core, reads each part into its own store in a forked process, and
folds the parts together in input order. The result is the sequential one: the same counts, the
same newest events in the ring, the same order.

Only the newest `--max-events` events of the whole input are retained, and they nearly always lie
in the last part. So when the input after an earlier part is large enough to hold that many
events, the earlier part keeps none: retaining events only to drop them later costs about 12 % of
the reading (a cold event is slow to free) and a ring's worth of memory per process. Should the
later parts come up short after all (mostly junk, say), that part is read again, whole, by the
merging process.

One thing does not fold: an event without a usable time takes the newest time seen before it,
which for a later part depends on the parts before it. SES and CloudTrail always write a time, so
such events are rare; when a later part meets one, the report is read again sequentially.

`sestui tail` reads the content its plain files hold at the start the same way (`Backfill`), up
to a record boundary shortly before their end, where each file's follower takes over.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

import msgspec

from .decompress import GZIP_MAGIC
from .events import Event
from .framing import starts_afresh
from .sources import Options, read_to_end
from .store import Store, UndatedEvent

DEFAULT_MAX_JOBS = 4
MIN_PART_BYTES = 16 << 20  # below this a part costs more to fork and merge than it saves
_BOUNDARY_SEARCH = 4 << 20  # how far past a cut point to look for a record boundary
# How far before the end of a followed file to look first for where its follower takes over:
# what lies past that point is read by the follower, on the app's core.
_TAKEOVER_SEARCH = 64 << 10
_SEQ_STRIDE = 1 << 40  # part i numbers its events from i * stride: arrival order across parts
# An earlier part keeps no ring when the input after it has at least this many bytes per retained
# event: SES and CloudTrail records are 0.5-4 KB, so the later parts then fill the ring.
_BYTES_PER_EVENT = 4096
# Relative share of the last part, which keeps the ring and so costs ~12 % more per byte, when
# the earlier parts keep none; equal shares finish together.
_RING_PART_SHARE = 0.9
# Retained events cross between processes as MessagePack: twice as fast as pickling them.
_EVENTS_OUT = msgspec.msgpack.Encoder()
_EVENTS_IN = msgspec.msgpack.Decoder(list[Event])


@dataclass(frozen=True, slots=True)
class Span:
    """Bytes [start, end) of one input; end None: to the end of the file."""

    path: str
    start: int = 0
    end: int | None = None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_jobs() -> int:
    """Every usable core, up to DEFAULT_MAX_JOBS: each part's process keeps a ring of its own."""
    return min(usable_cores(), DEFAULT_MAX_JOBS)


def plan(
    paths: list[str],
    jobs: int,
    max_record_bytes: int,
    min_part_bytes: int = MIN_PART_BYTES,
    last_share: float = 1.0,
    ends: dict[str, int] | None = None,
) -> list[list[Span]]:
    """The inputs, in order, cut into at most `jobs` parts of similar size (the last one
    `last_share` of the others). Only plain regular files are cut, and only at a line that starts
    a record whatever came before it. `ends`: read those files only up to that offset."""
    ends = ends or {}
    whole = [[Span(path, 0, ends.get(path)) for path in paths]]
    if jobs <= 1 or "-" in paths or "fork" not in multiprocessing.get_all_start_methods():
        return whole
    sizes = [_splittable_size(path, ends.get(path)) for path in paths]
    total = sum(size for size, _ in sizes)
    jobs = _jobs_for(total, jobs, min_part_bytes)
    if jobs <= 1:
        return whole
    target = total / (jobs - 1 + last_share)
    parts: list[list[Span]] = []
    current: list[Span] = []
    filled = 0
    for path, (size, splittable) in zip(paths, sizes):
        pos = 0
        while len(parts) < jobs - 1 and splittable and size - pos > target - filled:
            cut = record_boundary(path, pos + int(target - filled), max_record_bytes)
            if cut is None or cut >= size:
                break
            current.append(Span(path, pos, cut))
            parts.append(current)
            current, filled, pos = [], 0, cut
        current.append(Span(path, pos, ends.get(path)))
        filled += size - pos
        if filled >= target and len(parts) < jobs - 1:
            parts.append(current)
            current, filled = [], 0
    if current:
        parts.append(current)
    return parts


def _jobs_for(total: int, jobs: int, min_part_bytes: int) -> int:
    """How many parts `total` bytes are worth: none smaller than `min_part_bytes`."""
    return min(jobs, total // max(1, min_part_bytes))


def _splittable_size(path: str, end: int | None = None) -> tuple[int, bool]:
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            regular = stat.S_ISREG(st.st_mode)
            size = st.st_size if end is None else min(end, st.st_size)
            return size, regular and f.read(2) != GZIP_MAGIC
    except OSError:
        return 0, False  # reported when the report reads it


def record_boundary(path: str, offset: int, max_record_bytes: int) -> int | None:
    """The offset of the first line at or after `offset` that is one whole JSON value on its own:
    a line where the sequential framer starts afresh whatever state the lines before left it in
    (see framing.starts_afresh, which also needs the line before it, blank lines aside). None
    when there is none within a few MB."""
    with open(path, "rb") as f:
        f.seek(max(0, offset - 1))
        data = f.read(_BOUNDARY_SEARCH)
    start = data.find(b"\n")
    before = data[:start] if offset <= 1 else b""  # else maybe only the end of a line
    while start >= 0:
        start += 1
        end = data.find(b"\n", start)
        if end < 0:
            return None
        line = data[start:end]
        if starts_afresh(before, line, max_record_bytes):
            return max(0, offset - 1) + start
        if line.strip():
            before = line
        start = end
    return None


def read_parallel(
    paths: list[str],
    make_store: Callable[[], Store],
    options: Options,
    jobs: int,
    min_part_bytes: int = MIN_PART_BYTES,
) -> Store:
    """Read every input to its end into one store, on up to `jobs` cores. Raises OSError for an
    input that cannot be read, as a sequential read would."""
    store = make_store()
    parts, keep_ring = _parts(paths, store, options, jobs, min_part_bytes)
    if len(parts) > 1:
        merged = _read_parts(parts, store, make_store, options, keep_ring)
        if merged is not None:
            return merged
        store = make_store()
    _read_spans([Span(path) for path in paths], store, options)
    return store


def _parts(
    paths: list[str],
    store: Store,
    options: Options,
    jobs: int,
    min_part_bytes: int,
    ends: dict[str, int] | None = None,
) -> tuple[list[list[Span]], list[bool]]:
    """The parts to read into stores like `store`, and whether each but the last keeps a ring."""
    # Under a filter or --since, the parts after an earlier one may hold few events of the ring.
    unfiltered = store.keep is None and store.since is None
    enough = store.max_events * _BYTES_PER_EVENT
    parts = plan(paths, jobs, options.max_record_bytes, min_part_bytes, ends=ends)
    if unfiltered and len(parts) > 1:
        lighter = plan(paths, jobs, options.max_record_bytes, min_part_bytes, _RING_PART_SHARE, ends)
        if _size(lighter[-1]) >= enough:  # every earlier part then keeps no ring
            parts = lighter
    sizes = [_size(part) for part in parts]
    keep_ring = [not unfiltered or sum(sizes[index + 1 :]) < enough for index in range(len(parts) - 1)]
    return parts, keep_ring


def _size(spans: list[Span]) -> int:
    """The bytes of some spans (of a gzip file: compressed, so fewer than it holds)."""
    total = 0
    for span in spans:
        end = span.end
        if end is None:
            try:
                end = os.stat(span.path).st_size
            except OSError:
                end = span.start
        total += max(0, end - span.start)
    return total


def _read_spans(spans: list[Span], store: Store, options: Options, last: bool = True) -> None:
    for span in spans:
        try:
            read_to_end(span.path, store, options, span.start, span.end)
        except OSError as exc:
            if exc.filename is None:
                exc.filename = span.path
            raise
    if store.waiting and not last:
        raise UndatedEvent  # read whole, they would wait for the first time in a later part
    store.settle()


class Workers:
    """The child processes of parallel reads, which `stop` ends at once and for good (an app that
    quits while they read)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopped = False
        self._started: list[BaseProcess] = []

    def start(self, process: BaseProcess) -> bool:
        """Start a process, unless stopped already."""
        with self._lock:
            if self._stopped:
                return False
            process.start()
            self._started.append(process)
            return True

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for process in self._started:
                process.kill()  # a process already waited for is not signalled


def _read_parts(
    parts: list[list[Span]],
    store: Store,
    make_store: Callable[[], Store],
    options: Options,
    keep_ring: list[bool],
    workers: Workers | None = None,
) -> Store | None:
    """The parts read by forked children (all but the last; those with a false `keep_ring` retain
    no events) and into `store` by this process (the last), merged; None when a later part met
    an undated event, a child failed or `workers` were stopped."""
    context = multiprocessing.get_context("fork")
    workers = workers or Workers()
    children: list[tuple[BaseProcess, Connection]] = []
    merged = False
    try:
        for index, spans in enumerate(parts[:-1]):
            mine, theirs = context.Pipe()
            ours = [*(connection for _, connection in children), mine]
            child = context.Process(
                target=_child, args=(theirs, ours, spans, make_store, options, index, keep_ring[index]), daemon=True
            )
            started = workers.start(child)
            theirs.close()
            if not started:
                return None
            children.append((child, mine))
        _as_part(store, len(parts) - 1)
        _read_spans(parts[-1], store, options)
        summaries = [connection.recv() for _, connection in children]
        if any(summary is None for summary in summaries):
            return None
        # Latest part first: each one folded in is older than everything merged so far.
        for index in reversed(range(len(children))):
            connection, summary = children[index][1], summaries[index]
            need = max(0, store.max_events - len(store.main.ring))
            connection.send(need)
            untold_max = connection.recv()
            tail = _EVENTS_IN.decode(connection.recv_bytes())
            if need > summary.retained and summary.aggregates.evicted:
                # The part kept too few events after all: read it again here, with a ring.
                again = _as_part(make_store(), index)
                _read_spans(parts[index], again, options, last=False)
                summary = again.summary()
                tail, untold_max = again.newest(need)
            store.absorb_earlier(summary, tail, untold_max)
        merged = True
        return store
    except UndatedEvent:
        return None
    except (EOFError, OSError):
        return None  # a child died; the sequential read reports whatever went wrong
    finally:
        for child, connection in children:
            connection.close()
            if not merged:
                child.kill()  # still reading a part whose result is no longer wanted
            child.join(timeout=5)
            if child.is_alive():
                child.kill()


def _as_part(store: Store, index: int) -> Store:
    """Make a store the reader of part `index`."""
    store.seq = index * _SEQ_STRIDE
    store.strict_times = index > 0
    return store


def _child(
    connection: Connection,
    merging: list[Connection],
    spans: list[Span],
    make_store: Callable[[], Store],
    options: Options,
    index: int,
    keep_ring: bool,
) -> None:
    """A forked reader of one part: sends its summary, then as many of its newest events as the
    merging process asks for. `merging`: that process's ends of the pipes, which this one holds
    too; closed, the pipes end with that process, and so does this one, however it ends."""
    for end in merging:
        end.close()
    # Forked, a child keeps its parent's handlers: SIGINT would raise KeyboardInterrupt here, and
    # a parent that takes signals through a wakeup file (an event loop) would get them as its own.
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    try:
        store = _as_part(make_store(), index)
        if not keep_ring:
            store.max_events = 1  # every event is dropped while it is still cheap to free
        _read_spans(spans, store, options, last=False)
    except Exception:  # noqa: BLE001 -- an undated event, an unreadable file, a bug: the
        connection.send(None)  # sequential read then gives the answer or the error, no traceback
        return
    try:
        connection.send(store.summary())
        tail, untold_max = store.newest(connection.recv())
        connection.send(untold_max)
        connection.send_bytes(_EVENTS_OUT.encode(tail))
    except (EOFError, OSError):
        return  # the merging process is gone


def resume_point(path: str, size: int, max_record_bytes: int) -> int | None:
    """Where a follower can take over a file whose first `size` bytes are read in parallel: the
    first record boundary (see record_boundary) close before `size`, so that the follower frames
    the last lines, a partial one included, as a sequential reader would. None when there is
    none in its last few MB."""
    for reach in (_TAKEOVER_SEARCH, _BOUNDARY_SEARCH):
        try:
            cut = record_boundary(path, max(0, size - reach), max_record_bytes)
        except OSError:
            return None
        if cut is not None and cut <= size:
            return cut
    return None


class Backfill:
    """`sestui tail`'s read of the content its plain files hold at the start, on several cores.

    The follower holds those files open and unread while `read` reads them, up to a record
    boundary close before their end, in parallel, into a store of its own; then it merges that
    store into its own as input read before everything else, and follows each file from where
    that read ended. `stop` ends the reading processes (the app quits)."""

    def __init__(self, jobs: int, min_part_bytes: int = MIN_PART_BYTES) -> None:
        self.jobs = jobs
        self.min_part_bytes = min_part_bytes
        self._workers = Workers()
        self._reading: tuple[Store, int] | None = None  # this process's store, and its part's bytes

    def number_after(self, store: Store) -> None:
        """Number the events of `store` after every event a read gives (its parts number theirs
        from 0 and up), so that what it read merges in as read before them."""
        store.seq = max(store.seq, self.jobs * _SEQ_STRIDE)

    def read(self, sizes: dict[str, int], like: Store, options: Options) -> tuple[Store, dict[str, int]] | None:
        """The first bytes of plain files (`sizes`: their sizes, in input order) read into a
        store set up like `like`, with the offset up to which each was read; None when reading
        them on several cores would not pay, or did not work out (an undated event in a later
        part, a child that failed, `stop`): the follower then reads them itself."""
        if _jobs_for(sum(sizes.values()), self.jobs, self.min_part_bytes) <= 1:
            return None
        ends: dict[str, int] = {}
        for path, size in sizes.items():
            end = resume_point(path, size, options.max_record_bytes)
            if end:
                ends[path] = end

        def make_store() -> Store:
            return Store(
                max_events=like.max_events,
                clock=like.clock,
                since=like.since,
                keep=like.keep,
                keep_raw=like.keep_raw,
                dedupe=like.recent is not None,
            )

        store = make_store()
        parts, keep_ring = _parts(list(ends), store, options, self.jobs, self.min_part_bytes, ends)
        if len(parts) <= 1:
            return None
        self._reading = (store, _size(parts[-1]))
        merged = _read_parts(parts, store, make_store, options, keep_ring, self._workers)
        return None if merged is None else (merged, ends)

    @property
    def progress(self) -> float:
        """About how much of the read is done, from 0 to 1: as much as of the part this process
        reads (the parts are cut to take the same time)."""
        reading = self._reading
        if reading is None:
            return 0.0
        store, size = reading
        return min(1.0, store.stats.bytes / max(1, size))

    def stop(self) -> None:
        self._workers.stop()
