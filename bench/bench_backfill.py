"""`tail`'s backfill: wall time to read a large existing file before following it, on one core
and on several, headless (Follower + Store) and in the app (App.run_test).

In the app, a coroutine that sleeps 10 ms in a loop measures how late the UI's event loop wakes
while the backfill runs (its responsiveness), and the progress bar's value is sampled to show
that it moves. Both reads must give the same counts.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from common import corpus

from sestui.commands import tune_gc
from sestui.parallel import Backfill, default_jobs
from sestui.paths import classify
from sestui.sources import FOLLOWING, Follower, Options
from sestui.store import Store
from sestui.query import DEFAULT_WINDOW
from sestui.ui.app import TABS, make_app


def follower_for(path: Path, jobs: int) -> tuple[Store, Follower]:
    store = Store()
    backfill = Backfill(jobs) if jobs > 1 else None
    return store, Follower([classify(str(path))], store, Options(), backfill=backfill)


def caught_up(store: Store, follower: Follower) -> bool:
    with store.lock:
        return store.progress is None and all(s.state == FOLLOWING for s in follower.statuses)


def headless(path: Path, jobs: int) -> tuple[float, int]:
    store, follower = follower_for(path, jobs)
    started = time.perf_counter()
    follower.start()
    while not caught_up(store, follower):
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    follower.stop()
    follower.join(5)
    return seconds, store.stats.events


async def in_app(path: Path, jobs: int, window: str, tab: str) -> tuple[float, int, list[float], list[float]]:
    store, follower = follower_for(path, jobs)
    app = make_app(store=store, follower=follower, window=window)
    lags: list[float] = []
    shown: list[float] = []  # the progress bar's share at each sample
    started = time.perf_counter()  # from the app's start: the follower starts on mount
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press(tab)
        while not caught_up(store, follower):
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - before - 0.01)
            progress = store.progress
            if progress is not None:
                shown.append(progress[0] / max(1, progress[1]))
        seconds = time.perf_counter() - started
    return seconds, store.stats.events, lags, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000, help="corpus size (generated once under bench/out/)")
    parser.add_argument("--file", type=Path, help="read this file instead of the corpus")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (shared machines vary)")
    parser.add_argument("--window", default=DEFAULT_WINDOW, help="the app's window (rankings of windows but `all` are read from the ring)")
    parser.add_argument("--tab", default="1", choices=[str(n) for n in range(1, len(TABS) + 1)], help="the tab shown while reading")
    args = parser.parse_args()
    tune_gc()
    path = args.file or corpus(args.lines)
    print(f"{path.name}: {path.stat().st_size / 1e6:,.0f} MB, parallel with {args.jobs} jobs; app on window {args.window}, tab {args.tab}")
    counts = set()
    runs = [jobs for _ in range(args.repeat) for jobs in (1, args.jobs)]
    for jobs in runs:
        seconds, events = headless(path, jobs)
        counts.add(events)
        print(f"headless  jobs {jobs}: backfill {seconds:6.2f} s  ({events:,} events)")
    for jobs in runs:
        seconds, events, lags, shown = asyncio.run(in_app(path, jobs, args.window, args.tab))
        counts.add(events)
        lags_ms = sorted(lag * 1000 for lag in lags)
        moves = len({round(share, 2) for share in shown})
        print(
            f"app       jobs {jobs}: backfill {seconds:6.2f} s  event-loop lag p50 {statistics.median(lags_ms):5.1f} ms"
            f"  p99 {lags_ms[int(0.99 * (len(lags_ms) - 1))]:6.1f} ms  max {lags_ms[-1]:6.1f} ms"
            f"  progress bar: {moves} distinct values"
        )
    assert len(counts) == 1, f"reads disagree: {counts}"


if __name__ == "__main__":
    main()
