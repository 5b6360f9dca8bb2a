"""Soak: the app headless over a simulated 24 hours of event time, memory and tick time per hour.

Realistic traffic (~58 records per second of event time, ~5 M records a day) is ingested an hour
at a time into the app's store; after each simulated hour every tab is redrawn once (the full,
synchronous gather + apply of a tick) and we print RSS and the slowest tab's tick time. The ring
fills within the first hour; after that RSS must stay flat (it depends on --max-events only).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import subprocess
import sys
import time

from common import ROOT, rss_mb

from sestui.commands import tune_gc
from sestui.ingest import StreamIngest
from sestui.store import Store
from sestui.synth import BENCH_START
from sestui.ui.app import TABS, make_app

RATE = 58.0  # records per second of event time


async def run(hours: int, max_events: int) -> None:
    tune_gc()
    store = Store(max_events=max_events, clock=lambda: BENCH_START + 30 * 86400)
    stream = StreamIngest(store, "soak")
    app = make_app(store=store, clock=lambda: BENCH_START, window="1h", auto_tick=False)
    per_hour = int(RATE * 3600)
    # The traffic generator runs in its own process, so its memory is not counted as ours.
    producer = subprocess.Popen(
        [sys.executable, "-c", f"import sys; from sestui.synth import iter_bench_lines; sys.stdout.buffer.writelines(iter_bench_lines({per_hour * hours}, seed=3, rate={RATE}))"],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert producer.stdout is not None
    lines = iter(producer.stdout)
    baseline = rss_mb()
    print(f"{'hour':>4} {'events':>10} {'ring':>8} {'RSS MB':>8} {'tick max ms':>12} {'ingest ev/s':>12}")
    readings: dict[int, float] = {}
    marks: dict[int, float | None] = {1_000_000: None}
    async with app.run_test(size=(160, 50)) as pilot:
        for hour in range(1, hours + 1):
            started = time.perf_counter()
            for _ in range(0, per_hour, 2000):
                stream.feed(b"".join(itertools.islice(lines, 2000)))
                for mark in marks:
                    if marks[mark] is None and store.stats.events >= mark:
                        marks[mark] = rss_mb()
            ingest_rate = per_hour / (time.perf_counter() - started)
            ticks = []
            for index in range(1, len(TABS) + 1):
                await pilot.press(str(index))
                tick_started = time.perf_counter()
                app._query_key = None  # noqa: SLF001 -- force a full redraw, as new data would
                app.tick()
                ticks.append((time.perf_counter() - tick_started) * 1000)
            await pilot.pause()
            gc.collect()
            readings[hour] = rss_mb()
            print(f"{hour:4d} {store.stats.events:10,} {len(store.main.ring):8,} {readings[hour]:8.0f} {max(ticks):12.1f} {ingest_rate:12,.0f}", flush=True)
    producer.wait()
    settled = readings[min(2, hours)]
    final = readings[hours]
    print()
    print(f"baseline RSS before ingest {baseline:.0f} MB; RSS at 1 M events {marks[1_000_000] or float('nan'):.0f} MB, at the end ({store.stats.events:,} events) {final:.0f} MB")
    print(f"RSS hour {min(2, hours)} -> hour {hours}: {settled:.0f} -> {final:.0f} MB ({(final - settled) / settled * 100:+.1f} %); flat means within +-10 %")
    print(f"bytes per retained event (RSS above baseline / ring): {(final - baseline) * 1e6 / max(1, len(store.main.ring)):,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--max-events", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(run(args.hours, args.max_events))


if __name__ == "__main__":
    main()
