"""Bounded aggregate structures: heavy-hitter counters, latency histograms, time-bucket series.

All of them keep memory bounded whatever the volume or cardinality of the input, because the
input is untrusted: a stream of a million distinct addresses must not exhaust memory.
"""

from __future__ import annotations

import math
from collections import _count_elements  # type: ignore[attr-defined]  # Counter.update's C loop
from collections.abc import Iterable, Iterator

from .events import MAX_MILLIS

# -- heavy hitters --------------------------------------------------------------------------


class TopCounter:
    """Counts per key, exact until `capacity` distinct keys, then heavy-hitter approximate.

    When the table passes twice its capacity, all but the `capacity` largest keys are dropped
    and the largest dropped count becomes `error`: from then on any key's count may be low by
    at most `error` (a key dropped earlier restarts from zero), and keys rarer than `error` may
    be missing. `dropped` is the total count no longer attributed to a key (the "other" row).
    """

    __slots__ = ("capacity", "counts", "error", "dropped")

    def __init__(self, capacity: int = 5000) -> None:
        self.capacity = capacity
        self.counts: dict[str, int] = {}
        self.error = 0
        self.dropped = 0

    def update(self, keys: Iterable[str]) -> None:
        _count_elements(self.counts, keys)
        if len(self.counts) > 2 * self.capacity:
            self._prune()

    def merge(self, other: TopCounter) -> None:
        """Add another counter's counts; a key may then be low by both counters' errors."""
        counts = self.counts
        for key, n in other.counts.items():
            counts[key] = counts.get(key, 0) + n
        self.error += other.error
        self.dropped += other.dropped
        if len(counts) > 2 * self.capacity:
            self._prune()

    def _prune(self) -> None:
        ranked = sorted(self.counts.items(), key=lambda item: item[1], reverse=True)
        kept, gone = ranked[: self.capacity], ranked[self.capacity :]
        self.counts = dict(kept)
        self.dropped += sum(n for _, n in gone)
        self.error = max(self.error, max((n for _, n in gone), default=0))

    def copy(self) -> TopCounter:
        copy = TopCounter(self.capacity)
        copy.counts = dict(self.counts)
        copy.error = self.error
        copy.dropped = self.dropped
        return copy

    def top(self, n: int) -> list[tuple[str, int]]:
        """The n largest, count descending then key ascending."""
        return top_items(self.counts, n)

    @property
    def exact(self) -> bool:
        return self.error == 0

    def __len__(self) -> int:
        return len(self.counts)


def top_items(counts: dict[str, int], n: int) -> list[tuple[str, int]]:
    """The n largest entries of a count table: count descending, then key ascending."""
    if n <= 0:
        return []
    items = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return items[:n]


# -- latency --------------------------------------------------------------------------------

# Log-spaced bins with ratio 1.04: reporting a bin's geometric middle is within 2 % of any value in
# it. Bin 0 holds 0 ms; the last reaches the largest time a record may give, far beyond the hours
# SES keeps retrying a delivery, so no value is flattened into an open-ended bin. Bins are kept
# sparse: only those used cost memory.
_GAMMA = 1.04
_LOG_GAMMA = math.log(_GAMMA)
_log = math.log
LATENCY_BINS = 2 + int(_log(MAX_MILLIS) / _LOG_GAMMA)


def bin_value(index: int) -> float:
    """A representative value for a bin (its geometric middle)."""
    if index <= 0:
        return 0.0
    return _GAMMA ** (index - 1) * math.sqrt(_GAMMA)


class LatencyHistogram:
    """Processing-time distribution in sparse log bins: count and max exact, quantiles within 2 %."""

    __slots__ = ("bins", "count", "max")

    def __init__(self) -> None:
        self.bins: dict[int, int] = {}
        self.count = 0
        self.max = 0

    def add(self, ms: int) -> None:
        bins = self.bins
        # Inline, not a helper call: this runs twice for every delivery.
        if ms <= 0:
            index = 0
        else:
            index = 1 + int(_log(ms) / _LOG_GAMMA)
            if index >= LATENCY_BINS:
                index = LATENCY_BINS - 1
        bins[index] = bins.get(index, 0) + 1
        self.count += 1
        if ms > self.max:
            self.max = ms

    def copy(self) -> LatencyHistogram:
        copy = LatencyHistogram()
        copy.bins = dict(self.bins)
        copy.count = self.count
        copy.max = self.max
        return copy

    def merge(self, other: LatencyHistogram) -> None:
        bins = self.bins
        for index, n in other.bins.items():
            bins[index] = bins.get(index, 0) + n
        self.count += other.count
        if other.max > self.max:
            self.max = other.max

    def quantiles(self, qs: Iterable[float]) -> list[float | None]:
        """Nearest-rank quantiles, None when empty; never above the true maximum."""
        qs = list(qs)
        if self.count == 0:
            return [None] * len(qs)
        ordered = sorted(self.bins.items())
        results: list[float | None] = []
        for q in qs:
            rank = max(1, math.ceil(q * self.count))
            seen = 0
            value = float(self.max)
            for index, n in ordered:
                seen += n
                if seen >= rank:
                    value = min(bin_value(index), float(self.max))
                    break
            results.append(value)
        return results


def exact_quantile(sorted_values: list[int], q: float) -> float | None:
    """Nearest-rank quantile of an ascending list (what the histogram approximates)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q * len(sorted_values)))
    return float(sorted_values[rank - 1])


# -- time series ----------------------------------------------------------------------------

# Metrics counted per time bucket. Kinds first (KINDS order, then Other), then the rest.
class Metric:
    DELIVERED_RCPT = 12
    BOUNCED_RCPT = 13
    HARD_BOUNCED_RCPT = 14
    COMPLAINED_RCPT = 15
    BOUNCE_PERMANENT = 16
    BOUNCE_TRANSIENT = 17
    BOUNCE_UNDETERMINED = 18
    BOUNCE_OTHER = 19
    CT_OK = 20
    CT_FAILED = 21
    GROUP_FIRST = 22  # five CloudTrail groups, in GROUPS order
    COUNT = 27


OTHER_KIND = 11


class Bucket:
    """Counts of one time bucket, plus the processing times of its deliveries."""

    __slots__ = ("values", "latency")

    def __init__(self) -> None:
        self.values = [0] * Metric.COUNT
        self.latency: LatencyHistogram | None = None

    def copy(self) -> Bucket:
        copy = Bucket.__new__(Bucket)
        copy.values = self.values.copy()
        copy.latency = None if self.latency is None else self.latency.copy()
        return copy

    def merge(self, other: Bucket) -> None:
        values = self.values
        for index, n in enumerate(other.values):
            if n:
                values[index] += n
        if other.latency is not None:
            if self.latency is None:
                self.latency = LatencyHistogram()
            self.latency.merge(other.latency)


class Tier:
    """Buckets of one width, kept for `retention` seconds behind the newest event time."""

    __slots__ = ("width", "retention", "buckets")

    def __init__(self, width: int, retention: float) -> None:
        self.width = width
        self.retention = retention
        self.buckets: dict[int, Bucket] = {}

    def copy(self) -> Tier:
        copy = Tier(self.width, self.retention)
        copy.buckets = {key: bucket.copy() for key, bucket in self.buckets.items()}
        return copy

    def merge(self, start: float, bucket: Bucket, as_of: float) -> None:
        if start < as_of - self.retention:
            return
        key = int(start // self.width)
        target = self.buckets.get(key)
        if target is None:
            target = self.buckets[key] = Bucket()
        target.merge(bucket)

    def prune(self, as_of: float) -> None:
        oldest = int((as_of - self.retention) // self.width)
        stale = [key for key in self.buckets if key < oldest]
        for key in stale:
            del self.buckets[key]

    def covers(self, start: float, as_of: float) -> bool:
        return start >= as_of - self.retention

    def range(self, first: int, last: int) -> Iterator[tuple[int, Bucket]]:
        """Buckets with first <= key <= last, in key order."""
        buckets = self.buckets
        if last - first + 1 > len(buckets):
            for key in sorted(key for key in buckets if first <= key <= last):
                yield key, buckets[key]
        else:
            for key in range(first, last + 1):
                bucket = buckets.get(key)
                if bucket is not None:
                    yield key, bucket


# Widths divide each other, so every window's display buckets align with one tier. Retention
# covers the longest window served by the tier (15m by 5 s, 24h by 1 min, 7d and "all" up to a
# month by 1 h, longer spans by day, up to the longest --window, ten years, and the 61-day
# display bucket its start is aligned into); events older than that go only to coarser tiers,
# and nothing older is bucketed at all (totals still count it), so the number of buckets is
# bounded whatever times a log claims.
FINE = 5
TIER_SPECS = ((5, 2 * 3600.0), (60, 26 * 3600.0), (3600, 35 * 86400.0), (86400, (3650 + 61) * 86400.0))


class Series:
    """Multi-resolution time buckets, fed a batch at a time.

    Each batch is first summed into 5-second buckets, then each of those is merged into every
    tier, so the per-event cost is one small update whatever the number of tiers.
    """

    def __init__(self) -> None:
        self.tiers = [Tier(width, retention) for width, retention in TIER_SPECS]

    def merge(self, fine: dict[int, Bucket], as_of: float) -> None:
        for key, bucket in fine.items():
            start = key * FINE
            for tier in self.tiers:
                tier.merge(start, bucket, as_of)

    def copy(self) -> Series:
        copy = Series.__new__(Series)
        copy.tiers = [tier.copy() for tier in self.tiers]
        return copy

    def add(self, other: Series) -> None:
        """Add another series bucket by bucket (the caller prunes afterwards)."""
        for tier, theirs in zip(self.tiers, other.tiers):
            buckets = tier.buckets
            for key, bucket in theirs.buckets.items():
                target = buckets.get(key)
                if target is None:
                    target = buckets[key] = Bucket()
                target.merge(bucket)

    def prune(self, as_of: float) -> None:
        for tier in self.tiers:
            tier.prune(as_of)

    def tier_for(self, width: float, start: float, as_of: float) -> Tier:
        """The coarsest tier whose width divides `width` (fewest buckets to sum), among those
        whose retention reaches `start`; the coarsest that divides it when none does."""
        dividing = [tier for tier in self.tiers if width % tier.width == 0]
        return next((tier for tier in reversed(dividing) if tier.covers(start, as_of)), dividing[-1])
