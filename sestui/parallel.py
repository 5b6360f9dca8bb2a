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
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import stat
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

import msgspec

from .decompress import GZIP_MAGIC
from .events import Event
from .framing import starts_afresh
from .sources import Options, read_to_end
from .store import Store, UndatedEvent

DEFAULT_MAX_JOBS = 4
MIN_PART_BYTES = 16 << 20  # below this a part costs more to fork and merge than it saves
_BOUNDARY_SEARCH = 4 << 20  # how far past a cut point to look for a record boundary
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
) -> list[list[Span]]:
    """The inputs, in order, cut into at most `jobs` parts of similar size (the last one
    `last_share` of the others). Only plain regular files are cut, and only at a line that starts
    a record whatever came before it."""
    whole = [[Span(path) for path in paths]]
    if jobs <= 1 or "-" in paths or "fork" not in multiprocessing.get_all_start_methods():
        return whole
    sizes = [_splittable_size(path) for path in paths]
    total = sum(size for size, _ in sizes)
    jobs = min(jobs, total // max(1, min_part_bytes))
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
        current.append(Span(path, pos))
        filled += size - pos
        if filled >= target and len(parts) < jobs - 1:
            parts.append(current)
            current, filled = [], 0
    if current:
        parts.append(current)
    return parts


def _splittable_size(path: str) -> tuple[int, bool]:
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            regular = stat.S_ISREG(st.st_mode)
            return st.st_size, regular and f.read(2) != GZIP_MAGIC
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
    # Under a filter or --since, the parts after an earlier one may hold few events of the ring.
    unfiltered = store.keep is None and store.since is None
    enough = store.max_events * _BYTES_PER_EVENT
    parts = plan(paths, jobs, options.max_record_bytes, min_part_bytes)
    if unfiltered and len(parts) > 1:
        lighter = plan(paths, jobs, options.max_record_bytes, min_part_bytes, _RING_PART_SHARE)
        if _size(lighter[-1]) >= enough:  # every earlier part then keeps no ring
            parts = lighter
    if len(parts) > 1:
        sizes = [_size(part) for part in parts]
        keep_ring = [not unfiltered or sum(sizes[index + 1 :]) < enough for index in range(len(parts) - 1)]
        merged = _read_parts(parts, store, make_store, options, keep_ring)
        if merged is not None:
            return merged
        store = make_store()
    _read_spans([Span(path) for path in paths], store, options)
    return store


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


def _read_parts(
    parts: list[list[Span]],
    store: Store,
    make_store: Callable[[], Store],
    options: Options,
    keep_ring: list[bool],
) -> Store | None:
    """The parts read by forked children (all but the last; those with a false `keep_ring` retain
    no events) and into `store` by this process (the last), merged; None when a later part met
    an undated event or a child failed."""
    context = multiprocessing.get_context("fork")
    children: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
    merged = False
    try:
        for index, spans in enumerate(parts[:-1]):
            mine, theirs = context.Pipe()
            ours = [*(connection for _, connection in children), mine]
            child = context.Process(
                target=_child, args=(theirs, ours, spans, make_store, options, index, keep_ring[index]), daemon=True
            )
            child.start()
            theirs.close()
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
