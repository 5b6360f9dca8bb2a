"""The store: a bounded ring of recent events plus incremental aggregates keyed by event time.

Written by one ingest thread, read by front ends; one lock guards both. Readers copy what they
need under the lock (`query.Query`, `Store.snapshot`) and compute outside it.

Two `Aggregates` can exist: `main` sees every event; `view` sees only the events matching the
active filter (rebuilt from the ring when the filter changes, then fed as events arrive).
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace

from . import events as k
from .aggregates import FINE, OTHER_KIND, Bucket, LatencyHistogram, Metric, Series, TopCounter
from .dedupe import RecentKeys, event_key
from .dimensions import DIMENSIONS, OTHER, cloudtrail_groups, value_key
from .events import BOUNCE, CLOUDTRAIL, COMPLAINT, DELIVERY, Event

DEFAULT_MAX_EVENTS = 100_000
MAX_MTAS = 2000  # reporting MTAs counted one by one; the rest are pooled under OTHER
MAX_POOLED_NAMES = 20_000  # names of pooled MTAs kept, to say how many the pool holds
SLOWEST_KEPT = 1000
FUTURE_TOLERANCE = 86400.0  # event times further ahead of the clock are not believed
_PRUNE_EVERY = 64  # batches between tier prunes


@dataclass(slots=True)
class Stats:
    """Input accounting: every line and record is counted, every skip has a reason."""

    lines: int = 0
    records: int = 0
    events: int = 0
    bytes: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # records that yielded no event
    inner_skipped: dict[str, int] = field(default_factory=dict)  # items inside used containers
    time_guessed: int = 0  # events whose time was missing or implausible (arrival time used)
    filtered: int = 0  # events left out by `report --filter`
    duplicates: int = 0  # events dropped as another copy of one read shortly before (dedupe.py)

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n

    def skip_inner(self, reason: str, n: int = 1) -> None:
        self.inner_skipped[reason] = self.inner_skipped.get(reason, 0) + n

    def merge(self, other: Stats) -> None:
        """Add another part's accounting (a report read on several cores)."""
        self.lines += other.lines
        self.records += other.records
        self.events += other.events
        self.bytes += other.bytes
        self.time_guessed += other.time_guessed
        self.filtered += other.filtered
        self.duplicates += other.duplicates
        for reason, n in other.skipped.items():
            self.skip(reason, n)
        for reason, n in other.inner_skipped.items():
            self.skip_inner(reason, n)

    def copy(self) -> Stats:
        return replace(self, skipped=dict(self.skipped), inner_skipped=dict(self.inner_skipped))

    def as_dict(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "records": self.records,
            "events": self.events,
            "skipped": dict(sorted(self.skipped.items())),
            "inner_skipped": dict(sorted(self.inner_skipped.items())),
            "time_guessed": self.time_guessed,
            "filtered": self.filtered,
            "duplicates": self.duplicates,
            "bytes": self.bytes,
        }


class MtaDeliveries:
    """One reporting MTA's deliveries (or the pool's, of the MTAs beyond MAX_MTAS): all of
    them, and the processing times of those that have one."""

    __slots__ = ("count", "latency", "names")

    def __init__(self, pool: bool = False) -> None:
        self.count = 0
        self.latency = LatencyHistogram()
        # The pool's: the keys of the MTAs it holds, the first MAX_POOLED_NAMES of them.
        self.names: set[str] | None = set() if pool else None

    def hold(self, name: str) -> None:
        """The pool holds the deliveries of the MTA keyed `name` too."""
        names = self.names
        assert names is not None
        if len(names) < MAX_POOLED_NAMES:
            names.add(name)

    def merge(self, other: MtaDeliveries) -> None:
        self.count += other.count
        self.latency.merge(other.latency)
        if not other.names:
            return
        if self.names is not None and len(self.names) + len(other.names) <= MAX_POOLED_NAMES:
            self.names.update(other.names)  # in one step: a copy for every view of window "all"
        else:
            for name in other.names:
                self.hold(name)

    def copy(self) -> MtaDeliveries:
        copy = MtaDeliveries(self.names is not None)
        copy.merge(self)
        return copy


def pool_note(mtas: int) -> str:
    """What the pool of reporting MTAs holds, for a pool of `mtas` (as `len(names)` counts them)."""
    held = f"at least {mtas:,}" if mtas >= MAX_POOLED_NAMES else f"{mtas:,}"
    return f"{OTHER} pools the deliveries of {held} reporting MTAs beyond the first {MAX_MTAS:,}, which are not counted one by one"


class Aggregates:
    """Incremental aggregates over a stream of events, and the ring of those still retained."""

    def __init__(self) -> None:
        self.ring: deque[Event] = deque()
        self.by_kind: dict[str, deque[Event]] = {kind: deque() for kind in k.KINDS}
        self.other: deque[Event] = deque()  # kinds nobody documented
        self.series = Series()
        self.totals = [0] * Metric.COUNT
        self.sketches = {name: TopCounter() for name in DIMENSIONS}
        self.mta: dict[str, MtaDeliveries] = {}
        # Min-heap of the slowest deliveries, keyed (ms, -seq): of equal times the earliest stay,
        # an order that holds whatever parts an input was read in.
        self.slowest: list[tuple[int, int, Event]] = []
        self.first_time: float | None = None
        self.evicted = 0
        self.evicted_max_time = -math.inf  # newest event time no longer in the ring
        # A filtered view set up from a ring that had let events go never counted those: how
        # many, and the newest of their times (a window that starts after it lacks none).
        self.uncounted = 0
        self.uncounted_max = -math.inf
        self._batches = 0

    def add(self, batch: list[Event], as_of: float) -> None:
        fine: dict[int, Bucket] = {}
        totals = self.totals
        ring_append = self.ring.append
        by_kind = self.by_kind
        sketches = self.sketches
        first = self.first_time
        kinds: dict[str, list[Event]] = {}
        kind_index = k.KIND_INDEX
        for event in batch:
            ring_append(event)
            kind = event.kind
            lane = kinds.get(kind)
            if lane is None:
                lane = kinds[kind] = []
            lane.append(event)
            moment = event.time
            if first is None or moment < first:
                first = moment
            key = int(moment // FINE)
            bucket = fine.get(key)
            if bucket is None:
                bucket = fine[key] = Bucket()
            # Counted inline: a helper call per event cost ~6 % of aggregating a batch.
            values = bucket.values
            values[kind_index.get(kind, OTHER_KIND)] += 1
            if kind == DELIVERY:
                values[Metric.DELIVERED_RCPT] += len(event.recipients)
                ms = event.processing_ms
                if ms is not None:
                    latency = bucket.latency
                    if latency is None:
                        latency = bucket.latency = LatencyHistogram()
                    latency.add(ms)
            elif kind == BOUNCE:
                n = len(event.recipients)
                values[Metric.BOUNCED_RCPT] += n
                bounce_type = event.bounce_type
                if bounce_type == k.HARD_BOUNCE:
                    values[Metric.BOUNCE_PERMANENT] += 1
                    if event.bounce_subtype != k.NOT_COUNTED_SUBTYPE:
                        values[Metric.HARD_BOUNCED_RCPT] += n
                elif bounce_type == "Transient":
                    values[Metric.BOUNCE_TRANSIENT] += 1
                elif bounce_type == "Undetermined":
                    values[Metric.BOUNCE_UNDETERMINED] += 1
                else:
                    values[Metric.BOUNCE_OTHER] += 1
            elif kind == COMPLAINT:
                # "not-spam" is a reversal and OnAccountSuppressionList was never sent: neither
                # is a recipient complaining about mail they received.
                if event.feedback_type != "not-spam" and event.complaint_subtype != k.NOT_COUNTED_SUBTYPE:
                    values[Metric.COMPLAINED_RCPT] += len(event.recipients)
            elif kind == CLOUDTRAIL:
                values[Metric.CT_FAILED if event.error_code is not None else Metric.CT_OK] += 1
                for group in cloudtrail_groups(event.event_name):
                    values[Metric.GROUP_FIRST + group] += 1
        self.first_time = first
        for kind, events in kinds.items():
            lane = by_kind.get(kind)
            (self.other if lane is None else lane).extend(events)
        selections: dict[tuple[tuple[str, ...], bool], list[Event]] = {}  # dimensions share kind sets
        for dimension in DIMENSIONS.values():
            selection = (dimension.kinds, dimension.undocumented)
            found = selections.get(selection)
            if found is None:
                found = selections[selection] = [e for kind in dimension.kinds for e in kinds.get(kind, ())]
                if dimension.undocumented:
                    found += [e for kind, events in kinds.items() if kind not in kind_index for e in events]
            if found:
                sketches[dimension.name].update(dimension.all_keys(found))
        self._reporting_mtas(kinds.get(DELIVERY, ()))
        for bucket in fine.values():
            values = bucket.values
            for index, n in enumerate(values):
                if n:
                    totals[index] += n
        self.series.merge(fine, as_of)
        self._batches += 1
        if self._batches % _PRUNE_EVERY == 0:
            self.series.prune(as_of)

    def _reporting_mtas(self, deliveries: Iterable[Event]) -> None:
        mta = self.mta
        slowest = self.slowest
        for event in deliveries:
            name = value_key(event.mta)
            reported = mta.get(name)
            if reported is None:
                reported = self._deliveries_of(name)
            reported.count += 1
            ms = event.processing_ms
            if ms is None:
                continue
            reported.latency.add(ms)
            if len(slowest) < SLOWEST_KEPT:
                heapq.heappush(slowest, (ms, -event.seq, event))
            elif ms > slowest[0][0]:
                heapq.heapreplace(slowest, (ms, -event.seq, event))

    def _deliveries_of(self, name: str) -> MtaDeliveries:
        """Where the deliveries of an MTA without an entry (or of another store's pool) are
        counted: a new entry while fewer than MAX_MTAS are counted, else the pool."""
        mta = self.mta
        if len(mta) < MAX_MTAS:
            reported = mta[name] = MtaDeliveries(pool=name == OTHER)
            return reported
        pool = mta.get(OTHER)
        if pool is None:
            pool = mta[OTHER] = MtaDeliveries(pool=True)
        if name != OTHER:
            pool.hold(name)
        return pool

    def frozen(self) -> Aggregates:
        """A copy that events added later leave unchanged (the events themselves are shared)."""
        copy = Aggregates.__new__(Aggregates)
        copy.__dict__.update(self.__dict__)
        copy.ring = self.ring.copy()
        copy.by_kind = {kind: lane.copy() for kind, lane in self.by_kind.items()}
        copy.other = self.other.copy()
        copy.series = self.series.copy()
        copy.totals = self.totals.copy()
        copy.sketches = {name: sketch.copy() for name, sketch in self.sketches.items()}
        copy.mta = {name: histogram.copy() for name, histogram in self.mta.items()}
        copy.slowest = self.slowest.copy()
        return copy

    def detached(self) -> Aggregates:
        """Everything but the retained events, to send to another process."""
        copy = Aggregates.__new__(Aggregates)
        copy.__dict__.update(self.__dict__)
        copy.ring = deque()
        copy.by_kind = {kind: deque() for kind in k.KINDS}
        copy.other = deque()
        return copy

    def merge_earlier(self, earlier: Aggregates, tail: list[Event], untold: int, untold_max: float) -> None:
        """Fold in the aggregates of the input read before this one's: `tail` are its newest
        retained events, still in arrival order; `untold` more were retained but not sent (the
        ring is full without them), the newest of them at `untold_max`."""
        self.ring.extendleft(reversed(tail))
        by_kind, other = self.by_kind, self.other
        for event in reversed(tail):
            lane = by_kind.get(event.kind)
            (other if lane is None else lane).appendleft(event)
        self.evicted += earlier.evicted + untold
        self.evicted_max_time = max(self.evicted_max_time, earlier.evicted_max_time, untold_max)
        if earlier.first_time is not None and (self.first_time is None or earlier.first_time < self.first_time):
            self.first_time = earlier.first_time
        self.series.add(earlier.series)
        self.totals = [a + b for a, b in zip(self.totals, earlier.totals)]
        for name, sketch in earlier.sketches.items():
            self.sketches[name].merge(sketch)
        # Counted again in arrival order, the earlier input's first: the same reporting MTAs are
        # counted one by one, and the same pooled, as in a sequential read.
        later, self.mta = self.mta, {}
        for mtas in (earlier.mta, later):
            for name, reported in mtas.items():
                mine = self.mta.get(name)
                if mine is None:
                    mine = self._deliveries_of(name)
                mine.merge(reported)
        self.slowest = heapq.nlargest(SLOWEST_KEPT, self.slowest + earlier.slowest)
        heapq.heapify(self.slowest)

    def drop_oldest(self) -> Event:
        """Forget the oldest retained event (aggregates keep counting it)."""
        event = self.ring[0]
        self.drop_many(1)
        return event

    def drop_many(self, n: int) -> None:
        """Forget the n oldest retained events, in one loop."""
        pop, by_kind, other = self.ring.popleft, self.by_kind, self.other
        newest = self.evicted_max_time
        for _ in range(n):
            event = pop()
            lane = by_kind.get(event.kind)
            (other if lane is None else lane).popleft()
            if event.time > newest:
                newest = event.time
        self.evicted += n
        self.evicted_max_time = newest


def _undated(event: Event, latest: float) -> bool:
    """No usable event time: missing, or implausible (before 1970, or after `latest`)."""
    return event.time_guessed or event.time > latest or event.time < 1


class UndatedEvent(Exception):
    """A store with `strict_times` met an event whose time must be guessed."""


@dataclass(slots=True)
class PartSummary:
    """What a store that read one part of a report's input hands to the one that merges."""

    stats: Stats
    as_of: float | None
    aggregates: Aggregates  # without the retained events
    retained: int
    notes: list[str]


def matching(
    ring: list[Event],
    match: Callable[[Event], bool],
    as_of: float,
    evicted: int,
    evicted_max: float,
    progress: Callable[[int, int], None] | None = None,
) -> Aggregates:
    """Aggregates of the events of a ring that match a filter (the filtered view of a ring that
    has lost `evicted` events, the newest of them at `evicted_max`)."""
    view = Aggregates()
    step = 10_000
    for start in range(0, len(ring), step):
        chunk = [e for e in ring[start : start + step] if match(e)]
        if chunk:
            view.add(chunk, as_of)
        if progress is not None:
            progress(min(start + step, len(ring)), len(ring))
    # What the main ring had already lost is lost to the view too, its counts included.
    view.evicted = view.uncounted = evicted
    view.evicted_max_time = view.uncounted_max = evicted_max
    return view


def arrived_after(ring: deque[Event], seq: int) -> list[Event]:
    """The events of a ring numbered after `seq`, oldest first. A ring holds them in arrival
    order, numbered one by one: only those are walked, from its newest end."""
    newer: list[Event] = []
    for event in reversed(ring):
        if event.seq <= seq:
            break
        newer.append(event)
    newer.reverse()
    return newer


def view_of(main: Aggregates, match: Callable[[Event], bool], as_of: float | None) -> Aggregates:
    """The filtered view of `main`'s ring as it is now (the caller holds its store's lock)."""
    return matching(list(main.ring), match, as_of or 0.0, main.evicted, main.evicted_max_time)


@dataclass(frozen=True, slots=True, eq=False)
class Snapshot:
    """The store's aggregates, "as of" and input accounting at one moment, left unchanged by later
    events: what a paused display shows. `Query` reads it as it reads a store (nothing writes it, so its lock
    is a no-op)."""

    main: Aggregates
    view: Aggregates | None
    as_of: float | None
    version: int
    stats: Stats
    lock: AbstractContextManager[object] = nullcontext()

    @property
    def active(self) -> Aggregates:
        return self.view if self.view is not None else self.main

    def filtered(self, match: Callable[[Event], bool] | None) -> Snapshot:
        """The same moment under another filter (None: without one)."""
        if match is None:
            return replace(self, view=None)
        return replace(self, view=view_of(self.main, match, self.as_of))


class Store:
    """Ring + aggregates + input accounting, shared by the ingest thread and the front ends."""

    def __init__(
        self,
        max_events: int = DEFAULT_MAX_EVENTS,
        clock: Callable[[], float] = time.time,
        since: float | None = None,
        keep: Callable[[Event], bool] | None = None,
        keep_raw: bool = True,
        dedupe: bool = True,
    ) -> None:
        self.max_events = max(1, max_events)
        self.clock = clock
        self.since = since
        self.keep = keep  # headless filter: events it rejects are counted, not stored
        # False for `report`, which never shows a record's bytes: they are half of what a
        # retained event costs in memory.
        self.keep_raw = keep_raw
        self.lock = threading.RLock()
        self.stats = Stats()
        self.main = Aggregates()
        self.view: Aggregates | None = None  # filtered aggregates, when a filter is active
        self.view_match: Callable[[Event], bool] | None = None
        self.absorbed = 0  # inputs read elsewhere folded in (see absorb_earlier)
        self.as_of: float | None = None
        self.version = 0  # bumped by every change a front end may want to redraw
        self.seq = 0
        self.sources: list[object] = []  # source status objects, owned by the source layer
        self.progress: tuple[int, int] | None = None  # backfill (bytes done, bytes total)
        self.notes: list[str] = []  # one-line operator notes (unreadable paths, ...)
        # Set on a store that reads a later part of a report's input in parallel: an event with
        # no usable time would take the newest time of the parts before, unknown here.
        self.strict_times = False
        self.waiting: list[Event] = []  # events without a time, before any event with one
        # As many as the ring holds; fixed here, as a report part may shrink its ring.
        self.max_waiting = self.max_events
        # The keys of as many recent events as the ring holds: duplicates arrive close together.
        self.recent = RecentKeys(self.max_events) if dedupe else None

    @property
    def active(self) -> Aggregates:
        """The aggregates front ends show: the filtered view when a filter is active."""
        return self.view if self.view is not None else self.main

    def add_events(self, batch: Iterable[Event], wait: bool = True) -> None:
        """Timestamp-check, sequence and aggregate a batch of freshly parsed events. Until one
        with a usable time arrives, events without one wait for it (unless `wait` is False)."""
        with self.lock:
            if self.as_of is None and wait and not self.strict_times:
                batch = self._until_first_time(batch)
            accepted = self._admit(batch)
            if not accepted:
                return
            main = self.main
            main.add(accepted, self.as_of or 0.0)
            view = self.view
            if view is not None and self.view_match is not None:
                matching = [e for e in accepted if self.view_match(e)]
                if matching:
                    view.add(matching, self.as_of or 0.0)
            overflow = len(main.ring) - self.max_events
            if view is None:
                if overflow > 0:
                    main.drop_many(overflow)
            else:
                for _ in range(overflow):
                    gone = main.drop_oldest()
                    if view.ring and view.ring[0] is gone:
                        view.drop_oldest()
            self.version += 1

    def _until_first_time(self, batch: Iterable[Event]) -> list[Event]:
        """Hold events without a usable time until the first with one: that is their best
        arrival time in a replay, where the clock would drag "as of" to today and leave the
        replayed events outside every window. The held events come first, in arrival order."""
        batch = list(batch)
        waiting = self.waiting
        waiting.extend(batch)
        latest = self.clock() + FUTURE_TOLERANCE
        first = next((event.time for event in batch if not _undated(event, latest)), None)
        if first is None and len(waiting) <= self.max_waiting:
            return []
        self.waiting = []
        if first is not None:
            self.as_of = first  # what _admit gives the events without a time
        # else: no more are held than the ring holds (memory stays bounded); they get the clock
        return waiting

    def release_waiting(self) -> None:
        """No event with a time came (the end of a one-shot read, or every followed file is
        caught up): the waiting events get the arrival time."""
        with self.lock:
            waiting, self.waiting = self.waiting, []
            if waiting:
                self.add_events(waiting, wait=False)

    def _admit(self, batch: Iterable[Event]) -> list[Event]:
        stats = self.stats
        latest = self.clock() + FUTURE_TOLERANCE
        as_of = self.as_of
        since = self.since
        keep = self.keep
        keep_raw = self.keep_raw
        first = None if self.recent is None else self.recent.first
        seq = self.seq
        accepted = []
        events = 0
        for event in batch:
            if _undated(event, latest):
                if self.strict_times:
                    raise UndatedEvent
                # Missing or implausible time: the arrival time stands in (in a replay, the
                # newest event time is the best idea of "arrival").
                event.time = as_of if as_of is not None else self.clock()
                event.time_guessed = True
            elif as_of is None or event.time > as_of:
                as_of = event.time
            if as_of is None:
                as_of = event.time
            if since is not None and event.time < since:
                stats.skip("before_since")  # skipped, so not an event: events + skipped = records
                continue
            events += 1
            if event.time_guessed:  # among events only, as the status line and report show it
                stats.time_guessed += 1
            if first is not None:
                key = event_key(event)  # after the time checks: a guessed time is keyed apart
                if key is not None and not first(key):
                    stats.duplicates += 1
                    continue
            if keep is not None and not keep(event):
                stats.filtered += 1
                continue
            if not keep_raw:
                event.raw = b""
            seq += 1
            event.seq = seq
            accepted.append(event)
        self.seq = seq
        self.as_of = as_of
        stats.events += events
        return accepted

    def settle(self) -> None:
        """After a one-shot read: give waiting events the arrival time, and drop time buckets
        the newest event time has left behind, so the series is the same however the input
        was batched or split."""
        with self.lock:
            self.release_waiting()
            if self.as_of is not None:
                self.main.series.prune(self.as_of)

    def absorb_earlier(self, earlier: PartSummary, tail: list[Event], untold_max: float) -> None:
        """Fold in what another store read from the input before this one's (see parallel.py):
        its summary, its newest retained events as far as this ring has room, and the newest
        event time among its retained events that were not sent."""
        with self.lock:
            self.stats.merge(earlier.stats)
            if earlier.as_of is not None and (self.as_of is None or earlier.as_of > self.as_of):
                self.as_of = earlier.as_of
            untold = earlier.retained - len(tail)
            self.main.merge_earlier(earlier.aggregates, tail, untold, untold_max)
            if self.recent is not None:
                # Later copies of its newest events are duplicates too: a file that `tail` read
                # on several cores is read on here, from where that read ended.
                self.recent.remember_older([key for key in map(event_key, tail) if key is not None])
            if self.view_match is not None:
                # A filter set while that input was read (`tail` reads it in parallel while the
                # app runs): the view counts the retained events again, those new ones included.
                self.view = view_of(self.main, self.view_match, self.as_of)
            self.absorbed += 1
            self.notes[:0] = [note for note in earlier.notes if note not in self.notes]
            del self.notes[:-50]
            self.version += 1
        self.settle()

    def summary(self) -> PartSummary:
        """This store's aggregates and accounting, without the retained events."""
        with self.lock:
            return PartSummary(self.stats, self.as_of, self.main.detached(), len(self.main.ring), list(self.notes))

    def newest(self, n: int) -> tuple[list[Event], float]:
        """The n newest retained events, and the newest event time among the others."""
        with self.lock:
            ring = list(self.main.ring)
        cut = max(0, len(ring) - n)
        return ring[cut:], max((e.time for e in ring[:cut]), default=-math.inf)

    def set_filter(
        self,
        match: Callable[[Event], bool] | None,
        progress: Callable[[int, int], None] | None = None,
        wanted: Callable[[], bool] | None = None,
    ) -> None:
        """Rebuild the filtered view from the ring (None clears it). `wanted`, asked once the
        view is built: False drops it (another filter was set or cleared meanwhile)."""
        if match is None:
            with self.lock:
                self.view = None
                self.view_match = None
                self.version += 1
            return
        with self.lock:
            ring = list(self.main.ring)
            numbered = self.seq
            as_of = self.as_of or 0.0
            evicted = self.main.evicted
            evicted_max = self.main.evicted_max_time
            absorbed = self.absorbed
        view = matching(ring, match, as_of, evicted, evicted_max, progress)
        with self.lock:
            # Events that arrived during the rebuild: feed those newer than the copy. Those the
            # ring let go before now were never seen: the view's counts lack them too.
            last_seq = ring[-1].seq if ring else 0
            arrived = arrived_after(self.main.ring, last_seq)
            late = [e for e in arrived if match(e)]
            if late:
                view.add(late, self.as_of or 0.0)
            lost = self.seq - numbered - len(arrived)  # numbered one by one as they came
            if lost > 0:
                view.uncounted += lost
                view.uncounted_max = max(view.uncounted_max, self.main.evicted_max_time)
            # Events the main ring evicted meanwhile must leave the view too.
            oldest = self.main.ring[0].seq if self.main.ring else last_seq + 1
            while view.ring and view.ring[0].seq < oldest:
                view.drop_oldest()
            if wanted is not None and not wanted():
                return
            if self.absorbed != absorbed:
                # Events older than the copy were folded in meanwhile: count them all again.
                view = view_of(self.main, match, self.as_of)
            self.view = view
            self.view_match = match
            self.version += 1

    def snapshot(self) -> Snapshot:
        """The store as it is now, for a display that must not move (pause)."""
        with self.lock:
            view = None if self.view is None else self.view.frozen()
            return Snapshot(self.main.frozen(), view, self.as_of, self.version, self.stats.copy())

    def touch(self) -> None:
        """Mark a change that is not an event (source state, progress, notes)."""
        with self.lock:
            self.version += 1

    def note(self, text: str) -> None:
        with self.lock:
            if text not in self.notes:
                self.notes.append(text)
                del self.notes[:-50]
            self.version += 1
