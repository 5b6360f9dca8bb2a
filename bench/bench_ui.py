"""The app under load: tick render time per tab, key-to-tab latency and collector pauses at a
steady ingest rate.

A writer appends realistic lines to a file at --rate lines/s; the app follows it with the real
source layer (watchfiles + ingest thread) and its real 3 Hz tick, headless (App.run_test). After
a warm-up that fills the ring, every tab is selected by a simulated key press, --rounds times
over; for each tab we print the median and slowest of how long the switch took to show it and
how long until its fresh data was applied, and the duration of the ticks spent on it. Targets:
tab switch < 100 ms, tick < 50 ms. A tick's UI-thread work is reading the counters and applying
view data; building that data runs in a worker thread (its time is shown too). Last, the pauses
of the cyclic garbage collector over the measurement, per generation: each holds the GIL, so it
stops drawing and ingest alike, and shows as a spike in switches and ticks.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} / {max(values):.1f}"


class CollectorPauses:
    """Durations of the cyclic garbage collector's passes, per generation, while in effect."""

    def __init__(self) -> None:
        self.by_generation: dict[int, list[float]] = {}
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.by_generation.setdefault(info["generation"], []).append((time.perf_counter() - self._started) * 1000)

    def __enter__(self) -> "CollectorPauses":
        self._since = time.perf_counter()
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)
        self.seconds = time.perf_counter() - self._since


async def visit(app, index: int, dwell: float) -> tuple[float, float, list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Select tab `index` by its key and stay `dwell` s: (switch ms, data ms, tick ms, gather ms)."""
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
    await asyncio.sleep(dwell)
    return switch_ms, data_ms, [t * 1000 for t in app.tick_seconds_log], [t * 1000 for t in app.gather_seconds_log]


async def run(args: argparse.Namespace) -> None:
    tune_gc()
    if args.gc_threshold:  # another setting to compare with the app's
        gc.set_threshold(*(int(n) for n in args.gc_threshold.split(",")))
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
            pauses = CollectorPauses()
            order = [*range(2, len(TABS) + 1), 1] * args.rounds  # Overview is showing already
            seen: dict[str, list[tuple[float, float, list[float], list[float]]]] = {}
            with pauses:
                for index in order:
                    seen.setdefault(TABS[index - 1][1], []).append(await visit(app, index, args.dwell))
            print(f"{'tab':<12} {'switch ms':>15} {'data ms':>15} {'tick p50':>9} {'tick p95':>9} {'tick max':>9} {'ticks':>6} {'gather p50 (worker)':>20}")
            print(f"{'':<12} {'p50 / max':>15} {'p50 / max':>15}")
            for title, visits in seen.items():
                switches = [v[0] for v in visits]
                data = [v[1] for v in visits]
                ticks = [t for v in visits for t in v[2]]
                gathers = [t for v in visits for t in v[3]] or [float("nan")]
                print(
                    f"{title:<12} {spread(switches):>15} {spread(data):>15} {statistics.median(ticks):9.1f} {pct(ticks, 0.95):9.1f} "
                    f"{max(ticks):9.1f} {len(ticks):6d} {statistics.median(gathers):20.1f}"
                )
            print(f"collector pauses over {pauses.seconds:.0f} s (thresholds {gc.get_threshold()}):")
            for generation, durations in sorted(pauses.by_generation.items()):
                print(f"  generation {generation}: {len(durations):5d} pauses, p50 {pct(durations, 0.5):7.1f} ms, "
                      f"p95 {pct(durations, 0.95):7.1f} ms, max {max(durations):7.1f} ms, {sum(durations):,.0f} ms in all")
            rate = (store.stats.events - ingested_before) / (time.monotonic() - t_before)
            print(f"sustained ingest while measuring: {rate:,.0f} events/s (target rate {args.rate:,.0f} lines/s)")
            stop.set()
            await pilot.pause(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=20_000)
    parser.add_argument("--warmup", type=float, default=8.0)
    parser.add_argument("--dwell", type=float, default=3.0, help="seconds on each tab, each time")
    parser.add_argument("--rounds", type=int, default=3, help="times every tab is selected")
    parser.add_argument("--gc-threshold", metavar="N0,N1,N2", help="collector thresholds instead of the app's")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
