"""Throughput of the full `report` pipeline against bare orjson.loads of the same lines.

Prints events/s of both, measured in this process, and their ratio (target >= 0.5): the pipeline
on one core, and as `sestui report` runs it, on every usable core. Then the peak memory of
`sestui report --json` over the same file run as a separate process (target <= 400 MB): the
largest process's RSS, and the whole process tree's PSS.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys

import orjson

from common import ROOT, Timer, corpus, peak_tree_mb

from sestui.commands import tune_gc
from sestui.query import WINDOWS_BY_NAME, Query
from sestui.report import summary, to_json
from sestui.parallel import default_jobs, read_parallel
from sestui.sources import Options
from sestui.store import Store


class _Unstored(Store):
    """A store that counts its input and drops every event."""

    def add_events(self, batch, wait=True):  # type: ignore[no-untyped-def]
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    path = corpus(args.lines)
    size = path.stat().st_size
    print(f"corpus: {args.lines:,} lines, {size / 1e6:.0f} MB, {size / args.lines:.0f} bytes/line ({path.name})")

    # Memory first, from a still-small parent: a child's peak RSS includes its parent's image
    # from before exec.
    peak, tree = peak_tree_mb(
        [sys.executable, "-m", "sestui", "report", "--json", str(path)], stdout=subprocess.DEVNULL, cwd=ROOT
    )

    with open(path, "rb") as f:
        lines = f.read().split(b"\n")[:-1]
    # The ~2% of lines with an `aws logs tail` prefix are loaded from their first brace.
    lines = [line if line[:1] == b"{" else line[line.index(b"{") :] for line in lines]
    loads = orjson.loads
    with Timer() as bare:
        for line in lines:
            loads(line)
    del lines
    gc.collect()

    tune_gc()  # as `sestui report` does
    bare_rate = args.lines / bare.seconds
    print(f"orjson.loads          {bare_rate:12,.0f} lines/s   ({bare.seconds:.2f} s)")
    cores = default_jobs()
    for jobs in sorted({1, cores}):
        with Timer() as full:
            store = read_parallel([str(path)], lambda: Store(keep_raw=False), Options(), jobs)  # as report does
            to_json(summary(Query(store, WINDOWS_BY_NAME["all"])))
        events = store.stats.events
        rate = events / full.seconds
        print(f"report, {jobs} core{'s' if jobs > 1 else ' '}       {rate:12,.0f} events/s  ({full.seconds:.2f} s, "
              f"{events:,} events, {store.stats.records:,} records, skipped {sum(store.stats.skipped.values())})")
        print(f"  ratio to loads      {rate / bare_rate:12.2f}   (target >= 0.5)")
        del store
        gc.collect()
    # Where the ceiling is: the same read with every event dropped unstored (framing, decoding
    # and normalizing only), on one core.
    with Timer() as unstored:
        store = read_parallel([str(path)], lambda: _Unstored(keep_raw=False), Options(), 1)
    print(f"read without the store, 1 core  {args.lines / unstored.seconds:12,.0f} lines/s  ({unstored.seconds:.2f} s); "
          f"ratio to loads {args.lines / unstored.seconds / bare_rate:.2f}")
    del store
    print(f"`sestui report --json` on {cores} cores: peak RSS {peak:.0f} MB in its largest process, "
          f"{tree:.0f} MB PSS for all its processes (target <= 400 MB)")


if __name__ == "__main__":
    main()
