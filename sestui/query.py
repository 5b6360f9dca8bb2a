"""Windowed questions asked of the store, answered as plain data for every front end.

A window is relative to "as of", the newest event time seen, so a replay of old logs behaves like
watching them live. Its start is aligned to its display-bucket width, which makes every count,
rate and trend exact (the tiers hold exactly those buckets). Rankings come from the ring, exact
while the window's events are all still in it (`exact`), else from the all-time heavy-hitter
counters (window "all") or from the part of the window the ring still holds.
"""

from __future__ import annotations

import math
from collections import _count_elements  # type: ignore[attr-defined]  # Counter.update's C loop
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING

from . import events as k
from .aggregates import OTHER_KIND, TIER_SPECS, Bucket, LatencyHistogram, Metric, exact_quantile, top_items
from .dimensions import DIMENSIONS, GROUPS, value_key
from .events import Event

if TYPE_CHECKING:
    from .store import Aggregates, MtaDeliveries, Snapshot, Store

TARGET_BUCKETS = 60
# AWS account-review thresholds: (warning, at risk).
BOUNCE_THRESHOLDS = (0.05, 0.10)
COMPLAINT_THRESHOLDS = (0.001, 0.005)
RATE_DIGITS = {"bounce": 2, "complaint": 3}  # decimals of a percentage: enough to place it against its thresholds


@dataclass(frozen=True, slots=True)
class Window:
    name: str
    seconds: float | None  # None: everything seen
    width: int | None = None  # display-bucket width; None: chosen from the span


WINDOWS: tuple[Window, ...] = (
    Window("5m", 300, 5),
    Window("15m", 900, 15),
    Window("1h", 3600, 60),
    Window("6h", 21600, 360),
    Window("24h", 86400, 1440),
    Window("7d", 604800, 10800),
    Window("all", None),
)
WINDOWS_BY_NAME = {w.name: w for w in WINDOWS}
DEFAULT_WINDOW = "24h"


def window_for(seconds: float | None) -> Window:
    """A named window when the duration matches one, else a custom one."""
    for window in WINDOWS:
        if window.seconds == seconds:
            return window
    assert seconds is not None
    return Window(_duration_name(seconds), seconds, _width_for(seconds))


def _width_for(span: float) -> int:
    """A display-bucket width giving about TARGET_BUCKETS buckets, a multiple of the width of
    the finest tier that keeps the whole window: the span and the bucket its start is aligned
    into."""
    for tier_width, retention in TIER_SPECS:
        width = max(tier_width, math.ceil(span / TARGET_BUCKETS / tier_width) * tier_width)
        if span + width <= retention:
            return width
    return TIER_SPECS[-1][0]


def _duration_name(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def rate_percent(rate: float | None, digits: int, thresholds: tuple[float, float]) -> str:
    """A rate as a percentage for people ('n/a' without data), to the nearest `digits`
    decimals, but rounded down where the nearest would reach a threshold the rate has not:
    0.0999 % must not read as the 0.1 % it is below while its level says ok."""
    if rate is None:
        return "n/a"
    shown = round(rate * 100, digits)
    if any(rate < limit and round(limit * 100, digits) <= shown for limit in thresholds):
        shown = math.floor(rate * 100 * 10**digits) / 10**digits
    return f"{shown:.{digits}f}%"


def rate_level(rate: float | None, thresholds: tuple[float, float]) -> str:
    """'ok', 'warning' or 'at risk' against AWS's review thresholds ('none' without data)."""
    if rate is None:
        return "none"
    if rate >= thresholds[1]:
        return "at risk"
    if rate >= thresholds[0]:
        return "warning"
    return "ok"


@dataclass(frozen=True, slots=True)
class Ranked:
    """A ranking and whether it is exact over the whole window."""

    rows: list[tuple[str, int]]
    exact: bool


@dataclass(frozen=True, slots=True)
class Counts:
    """Counts per key and whether they are exact over the whole window."""

    counts: dict[str, int]
    exact: bool


@dataclass(frozen=True, slots=True)
class MtaRow:
    mta: str
    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None
    pooled: int | None = None  # the pool's row (see store.MAX_MTAS): how many MTAs it holds


class Query:
    """One window over the store's active aggregates at one moment; results are memoized.

    Everything it answers comes from one read under the store's lock: "as of", the window's
    counts, the retained events (as references) and the input accounting, so nothing that arrives
    while a view is being built shows up in it, and its counts, event lists and input counts agree
    with its "as of".
    """

    def __init__(self, store: Store | Snapshot, window: Window, top: int = 10) -> None:
        self.store = store
        self.window = window
        self.top = top
        with store.lock:
            self.agg: Aggregates = store.active
            self.filtered = store.view is not None  # a filter's view: rates over its events only
            self.as_of = store.as_of
            self.version = store.version
            self.stats = store.stats.copy()
            self._first = self.agg.first_time
            self._evicted = self.agg.evicted
            self._evicted_max = self.agg.evicted_max_time
            self._uncounted, self._uncounted_max = self.agg.uncounted, self.agg.uncounted_max
            self.retained = len(self.agg.ring)
            self._bounds()
            self._ring = list(self.agg.ring)
            self._lanes = {kind: list(lane) for kind, lane in self.agg.by_kind.items()}
            self._undocumented = list(self.agg.other)
            self._trend_buckets = self._sum_buckets()
            self._all_time = _AllTime(self.agg, self.exact) if self.window.seconds is None else None
        self._events_cache: dict[tuple[tuple[str, ...], bool], list[Event]] = {}
        self._ranked_cache: dict[str, Counts] = {}

    # -- bounds ---------------------------------------------------------------------------

    def _bounds(self) -> None:
        as_of = self.as_of
        if as_of is None:
            self.start = self.end = None
            self.width = self.window.width or TIER_SPECS[0][0]
            self.buckets = 0
            self.first_key = 0
            return
        if self.window.seconds is None:
            first = self._first if self._first is not None else as_of
            self.width = _width_for(max(as_of - first, 1.0))
            self.first_key = int(first // self.width)
        else:
            # Aligned down: a window covers at least its length, up to one bucket more.
            self.width = self.window.width or _width_for(self.window.seconds)
            self.first_key = int((as_of - self.window.seconds) // self.width)
        self.buckets = int(as_of // self.width) - self.first_key + 1
        self.start = float(self.first_key * self.width)
        self.end = as_of

    @property
    def exact(self) -> bool:
        """True when every event of the window is still in the ring."""
        if self.start is None:
            return True
        if self.window.seconds is None:
            return self._evicted == 0
        return self._evicted_max < self.start

    @property
    def uncounted(self) -> int:
        """How many events the window's counts, rates and trends may lack: under a filter set
        after the ring had let events go, those it had let go, unless all were older than the
        window (0 otherwise: they cover every event)."""
        if self.start is None or (self.window.seconds is not None and self._uncounted_max < self.start):
            return 0
        return self._uncounted

    # -- counts, rates, trends ------------------------------------------------------------

    def _sum_buckets(self) -> list[Bucket]:
        """Per display bucket sums, oldest first (under the store's lock)."""
        result = [Bucket() for _ in range(self.buckets)]
        if self.start is None:
            return result
        tier = self.agg.series.tier_for(self.width, self.start, self.as_of)  # type: ignore[arg-type]
        first = int(self.start // tier.width)
        last = int(self.end // tier.width)  # type: ignore[operator]
        per = self.width // tier.width
        for key, bucket in tier.range(first, last):
            index = (key - first) // per
            if 0 <= index < len(result):
                result[index].merge(bucket)
        return result

    @cached_property
    def totals(self) -> list[int]:
        """Every metric summed over the window (all-time totals for window 'all')."""
        if self._all_time is not None:
            return self._all_time.totals
        sums = [0] * Metric.COUNT
        for bucket in self._trend_buckets:
            for index, n in enumerate(bucket.values):
                if n:
                    sums[index] += n
        return sums

    def counts(self) -> dict[str, int]:
        totals = self.totals
        counts = {kind: totals[index] for index, kind in enumerate(k.KINDS)}
        counts["Other"] = totals[OTHER_KIND]
        return counts

    def trend(self, metric: int) -> list[int]:
        return [bucket.values[metric] for bucket in self._trend_buckets]

    def kind_trend(self, kind: str) -> list[int]:
        return self.trend(k.KIND_INDEX.get(kind, OTHER_KIND))

    def bucket_starts(self) -> list[float]:
        return [(self.first_key + i) * self.width for i in range(self.buckets)]

    def rates(self) -> dict[str, float | None]:
        totals = self.totals
        delivered = totals[Metric.DELIVERED_RCPT]
        bounced = totals[Metric.BOUNCED_RCPT]
        sent = delivered + bounced
        return {
            "bounce": totals[Metric.HARD_BOUNCED_RCPT] / sent if sent else None,
            "complaint": totals[Metric.COMPLAINED_RCPT] / delivered if delivered else None,
        }

    def groups(self) -> dict[str, int]:
        totals = self.totals
        return {name: totals[Metric.GROUP_FIRST + i] for i, name in enumerate(GROUPS)}

    def latency_trend(self) -> list[tuple[float | None, float | None]]:
        """(p50, p95) of processing time per display bucket."""
        out: list[tuple[float | None, float | None]] = []
        for bucket in self._trend_buckets:
            if bucket.latency is None:
                out.append((None, None))
            else:
                p50, p95 = bucket.latency.quantiles((0.5, 0.95))
                out.append((p50, p95))
        return out

    # -- the ring -------------------------------------------------------------------------

    def events(self, kinds: tuple[str, ...], undocumented: bool = False) -> list[Event]:
        """Retained events of these kinds inside the window (arrival order within each kind),
        and with `undocumented`, of every kind nobody documented."""
        cache = self._events_cache
        selection = (kinds, undocumented)
        if selection in cache:
            return cache[selection]
        lanes = [self._lanes[kind] for kind in kinds if kind in self._lanes]
        if undocumented:
            lanes.append(self._undocumented)
        start = self.start
        if start is None:
            found: list[Event] = []
        else:
            found = [e for lane in lanes for e in lane if e.time >= start]
        cache[selection] = found
        return found

    @cached_property
    def _all_events(self) -> list[Event]:
        start = self.start
        return [] if start is None else [e for e in self._ring if e.time >= start]

    def all_events(self) -> list[Event]:
        """Every retained event in the window, in arrival order."""
        return self._all_events

    def newest_first(self) -> list[Event]:
        """Every retained event of the window, newest event time first (newest arrival first
        among equal times). Arrival order is nearly time order, which timsort makes cheap."""
        return sorted(reversed(self.all_events()), key=_TIME, reverse=True)

    def recent(self, kind: str, n: int, where: Callable[[Event], bool] | None = None) -> list[Event]:
        """The n newest events of a kind in the window (of those `where` takes), newest (by event
        time) first."""
        found = self.events((kind,))
        if where is not None:
            found = [e for e in found if where(e)]
        return sorted(found, key=_time_seq, reverse=True)[:n]

    def ranked(self, name: str, n: int | None = None) -> Ranked:
        """Top keys of a dimension over the window."""
        n = self.top if n is None else n
        counted = self.ranked_counts(name)
        return Ranked(top_items(counted.counts, n), counted.exact)

    def ranked_counts(self, name: str) -> Counts:
        """Every key of a dimension over the window with its count."""
        cache = self._ranked_cache
        if name in cache:
            return cache[name]
        dimension = DIMENSIONS[name]
        if self._all_time is not None and self._all_time.sketches is not None:
            result = self._all_time.sketches[name]
        else:
            counts: dict[str, int] = {}
            _count_elements(counts, dimension.all_keys(self.events(dimension.kinds, dimension.undocumented)))
            result = Counts(counts, self.exact)
        cache[name] = result
        return result

    # -- deliveries -----------------------------------------------------------------------

    @cached_property
    def _exact_mtas(self) -> dict[str, tuple[int, list[int]]]:
        """Per reporting MTA: its deliveries, and the processing times of those that have one
        (ascending)."""
        counts: dict[str, int] = {}
        times: dict[str, list[int]] = {}
        for event in self.events((k.DELIVERY,)):
            name = value_key(event.mta)
            counts[name] = counts.get(name, 0) + 1
            if event.processing_ms is not None:
                times.setdefault(name, []).append(event.processing_ms)
        return {name: (n, sorted(times.get(name, ()))) for name, n in counts.items()}

    def mta_stats(self) -> list[MtaRow]:
        """Per reporting MTA: how many deliveries it reported, and the processing-time quantiles
        of those that have a time (None when none has), busiest first."""
        rows: list[MtaRow] = []
        if self._all_time is not None and self._all_time.mta is not None:
            for name, reported in self._all_time.mta.items():
                latency = reported.latency
                p50, p95, p99 = latency.quantiles((0.5, 0.95, 0.99))
                pooled = None if reported.names is None else len(reported.names)
                rows.append(MtaRow(name, reported.count, p50, p95, p99, float(latency.max) if latency.count else None, pooled))
        else:
            for name, (count, values) in self._exact_mtas.items():
                rows.append(
                    MtaRow(
                        name,
                        count,
                        exact_quantile(values, 0.5),
                        exact_quantile(values, 0.95),
                        exact_quantile(values, 0.99),
                        float(values[-1]) if values else None,
                    )
                )
        rows.sort(key=lambda row: (-row.count, row.mta))
        return rows

    @cached_property
    def _overall(self) -> dict[str, float | None]:
        if self.exact:
            values = sorted(v for _, vs in self._exact_mtas.values() for v in vs)
            return {
                "p50": exact_quantile(values, 0.5),
                "p95": exact_quantile(values, 0.95),
                "p99": exact_quantile(values, 0.99),
                "max": float(values[-1]) if values else None,
            }
        merged = LatencyHistogram()
        if self._all_time is not None and self._all_time.mta is not None:
            for reported in self._all_time.mta.values():
                merged.merge(reported.latency)
        else:
            for bucket in self._trend_buckets:
                if bucket.latency is not None:
                    merged.merge(bucket.latency)
        p50, p95, p99 = merged.quantiles((0.5, 0.95, 0.99))
        return {"p50": p50, "p95": p95, "p99": p99, "max": float(merged.max) if merged.count else None}

    def latency_overall(self) -> dict[str, float | None]:
        """Processing-time quantiles over all deliveries of the window."""
        return self._overall

    def outlier_threshold(self, fixed_ms: float | None = None) -> int | None:
        """`fixed_ms`, else the window's p99, in whole milliseconds as processing times are:
        rounded down, it picks the same deliveries and no listed one equals the number shown."""
        threshold = fixed_ms if fixed_ms is not None else self.latency_overall()["p99"]
        return None if threshold is None else math.floor(threshold)

    def outliers(self, fixed_ms: float | None = None, n: int | None = None) -> list[Event]:
        """Deliveries slower than the threshold, slowest first."""
        n = self.top if n is None else n
        threshold = self.outlier_threshold(fixed_ms)
        if threshold is None:
            return []
        if self._all_time is not None and self._all_time.slowest is not None:
            pool = self._all_time.slowest
        else:
            pool = self.events((k.DELIVERY,))
        slow = [e for e in pool if e.processing_ms is not None and e.processing_ms > threshold]
        slow.sort(key=lambda e: (-(e.processing_ms or 0), e.seq))
        return slow[:n]


class _AllTime:
    """Window "all": the all-time totals, and while the ring no longer holds every event, the
    all-time counters that answer for it (copied: ingest keeps updating the originals)."""

    def __init__(self, agg: Aggregates, exact: bool) -> None:
        self.totals = list(agg.totals)
        self.sketches: dict[str, Counts] | None = None
        self.mta: dict[str, MtaDeliveries] | None = None
        self.slowest: list[Event] | None = None
        if not exact:
            self.sketches = {name: Counts(dict(sketch.counts), sketch.exact) for name, sketch in agg.sketches.items()}
            self.mta = {name: reported.copy() for name, reported in agg.mta.items()}
            self.slowest = [event for _, _, event in agg.slowest]


_TIME = attrgetter("time")


def _time_seq(event: Event) -> tuple[float, int]:
    return (event.time, event.seq)

