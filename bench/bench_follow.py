"""Live following under a steady write rate: write-to-ingest lag and sustained ingest rate.

A writer appends --rate lines/s (in 10 ms slices) to a file for --seconds; each line is an SES
Delivery event whose timestamp is the moment it was written. The real follower (watchfiles +
reader thread) ingests it; the lag of every event is the time it entered the store minus its
timestamp. Target: no growing backlog at 20,000 lines/s, p99 lag < 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import common  # noqa: F401 -- puts the project on sys.path

from sestui.commands import tune_gc
from sestui.paths import classify
from sestui.sources import Follower, Options
from sestui.store import Store

TEMPLATE = (
    '{"eventType":"Delivery","mail":{"timestamp":"%s","source":"Acme <news@news.acme.example>",'
    '"sourceArn":"arn:aws:ses:us-east-1:123456789012:identity/news.acme.example","sendingAccountId":"123456789012",'
    '"messageId":"010001a1f8d3ecab-%012d-f463-4337-920b-5d59db610487-000000","destination":["user%d@gmail.com"],'
    '"tags":{"ses:configuration-set":["marketing"],"ses:source-ip":["216.160.83.59"]}},'
    '"delivery":{"timestamp":"%s","processingTimeMillis":%d,"recipients":["user%d@gmail.com"],'
    '"smtpResponse":"250 2.0.0 OK  1795176002 y27si2749444qtw.428 - gsmtp","remoteMtaIp":"142.250.27.26",'
    '"reportingMTA":"a27-13.smtp-out.us-west-2.amazonses.com"}}\n'
)


def stamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}Z"


class LagStore(Store):
    """A store that notes, for every event, how long after its timestamp it arrived."""

    def __init__(self) -> None:
        super().__init__(max_events=100_000)
        self.lags: list[tuple[float, float]] = []  # (arrival, lag)

    def add_events(self, batch) -> None:  # type: ignore[no-untyped-def]
        now = time.time()
        self.lags.extend((now, now - e.time) for e in batch)
        super().add_events(batch)


def write(path: Path, rate: float, seconds: float, done: threading.Event, counter: list[int]) -> None:
    start = time.time()
    written = 0
    with open(path, "ab", buffering=0) as out:
        while (now := time.time()) - start < seconds:
            due = int((now - start) * rate)
            if due > written:
                ts = stamp(now)
                out.write("".join(TEMPLATE % (ts, i, i % 5000, ts, 800 + i % 900, i % 5000) for i in range(written, due)).encode())
                written = due
            time.sleep(0.01)
    counter.append(written)
    done.set()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=20_000)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    tune_gc()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ses.jsonl"
        path.touch()
        store = LagStore()
        follower = Follower([classify(str(path))], store, Options())
        follower.start()
        done, counter = threading.Event(), []
        started = time.time()
        threading.Thread(target=write, args=(path, args.rate, args.seconds, done, counter), daemon=True).start()
        done.wait()
        written = counter[0]
        deadline = time.time() + 30
        while store.stats.events < written and time.time() < deadline:
            time.sleep(0.05)
        caught_up = time.time()
        follower.stop()
        follower.join(5)
    lags = [lag for _, lag in store.lags]
    half = started + args.seconds / 2
    first = [lag for at, lag in store.lags if at < half]
    second = [lag for at, lag in store.lags if half <= at]
    print(f"wrote {written:,} lines in {args.seconds:.0f} s ({written / args.seconds:,.0f} lines/s); ingested {store.stats.events:,}")
    print(f"lag write->store  p50 {statistics.median(lags) * 1000:6.0f} ms   p99 {pct(lags, 0.99) * 1000:6.0f} ms   max {max(lags) * 1000:6.0f} ms   (target p99 < 1000 ms)")
    print(f"first half p99 {pct(first, 0.99) * 1000:.0f} ms, second half p99 {pct(second, 0.99) * 1000:.0f} ms (a growing backlog would show here)")
    print(f"sustained ingest {store.stats.events / (caught_up - started):,.0f} events/s; caught up {caught_up - started - args.seconds:.2f} s after the writer stopped")


if __name__ == "__main__":
    main()
