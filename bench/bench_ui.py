"""The app under load: tick render time per tab and key-to-tab latency at a steady ingest rate.

A writer appends realistic lines to a file at --rate lines/s; the app follows it with the real
source layer (watchfiles + ingest thread) and its real 3 Hz tick, headless (App.run_test). After
a warm-up that fills the ring, each tab is selected by a simulated key press; we time how long
the switch takes to show the tab and how long until its fresh data is applied, then record the
duration of every tick on that tab. Targets: tab switch < 100 ms, tick < 50 ms. A tick's UI-thread work is reading the counters and
applying view data; building that data runs in a worker thread (its time is shown too).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from pathlib import Path

from common import corpus

from sestui.commands import tune_gc
from sestui.paths import classify
from sestui.sources import Follower, Options
from sestui.store import Store
from sestui.ui.app import TABS, make_app


def writer(path: Path, lines: list[bytes], rate: float, stop: threading.Event) -> None:
    """Append `rate` lines per second in 20 ms slices, cycling through `lines`."""
    index, start, written = 0, time.monotonic(), 0
    with open(path, "ab", buffering=0) as out:
        while not stop.is_set():
            due = int((time.monotonic() - start) * rate)
            if due > written:
                batch = []
                for _ in range(due - written):
                    batch.append(lines[index % len(lines)])
                    index += 1
                out.write(b"".join(batch))
                written = due
            time.sleep(0.02)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


async def run(args: argparse.Namespace) -> None:
    tune_gc()
    lines = corpus(200_000).read_bytes().splitlines(keepends=True)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "live.jsonl"
        log.touch()
        store = Store()
        follower = Follower([classify(str(log))], store, Options())
        app = make_app(store=store, follower=follower, window="1h")
        stop = threading.Event()
        thread = threading.Thread(target=writer, args=(log, lines, args.rate, stop), daemon=True)
        async with app.run_test(size=(160, 50)) as pilot:
            thread.start()
            await asyncio.sleep(args.warmup)
            ingested_before, t_before = store.stats.events, time.monotonic()
            print(f"warm-up {args.warmup:.0f} s at {args.rate:,.0f} lines/s: {store.stats.events:,} events, ring {len(store.main.ring):,}")
            print(f"{'tab':<12} {'switch ms':>9} {'data ms':>8} {'tick p50':>9} {'tick p95':>9} {'tick max':>9} {'ticks':>6} {'gather p50 (worker)':>20}")
            order = [*range(2, len(TABS) + 1), 1]  # Overview is showing already
            for index in order:
                title = TABS[index - 1][1]
                before = app.switched_at
                pressed = time.perf_counter()
                app.simulate_key(str(index))
                while app.switched_at == before:
                    await asyncio.sleep(0.001)
                switch_ms = (app.switched_at - pressed) * 1000
                while app.applied_at < app.switched_at:
                    await asyncio.sleep(0.001)
                data_ms = (app.applied_at - pressed) * 1000
                app.tick_seconds_log.clear()
                app.gather_seconds_log.clear()
                await asyncio.sleep(args.dwell)
                ticks = [t * 1000 for t in app.tick_seconds_log]
                gathers = [t * 1000 for t in app.gather_seconds_log] or [float("nan")]
                print(
                    f"{title:<12} {switch_ms:9.1f} {data_ms:8.1f} {statistics.median(ticks):9.1f} {pct(ticks, 0.95):9.1f} "
                    f"{max(ticks):9.1f} {len(ticks):6d} {statistics.median(gathers):20.1f}"
                )
            rate = (store.stats.events - ingested_before) / (time.monotonic() - t_before)
            print(f"sustained ingest while measuring: {rate:,.0f} events/s (target rate {args.rate:,.0f} lines/s)")
            stop.set()
            await pilot.pause(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=20_000)
    parser.add_argument("--warmup", type=float, default=8.0)
    parser.add_argument("--dwell", type=float, default=3.0, help="seconds on each tab")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
