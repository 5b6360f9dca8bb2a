"""Throughput of the full `report` pipeline against bare orjson.loads of the same lines.

Prints events/s of both, measured in this process, their ratio (target >= 0.5), and the peak RSS
of `sestui report --json` over the same file run as a separate process (target <= 400 MB).
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys

import orjson

from common import ROOT, Timer, corpus, peak_children_mb

from sestui.commands import tune_gc
from sestui.query import WINDOWS_BY_NAME, Query
from sestui.report import summary, to_json
from sestui.sources import Options, read_to_end
from sestui.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    path = corpus(args.lines)
    size = path.stat().st_size
    print(f"corpus: {args.lines:,} lines, {size / 1e6:.0f} MB, {size / args.lines:.0f} bytes/line ({path.name})")

    # Memory first, from a still-small parent: a child's peak RSS includes its parent's image
    # from before exec.
    subprocess.run(
        [sys.executable, "-m", "sestui", "report", "--json", str(path)],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    peak = peak_children_mb()

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
    store = Store()
    with Timer() as full:
        read_to_end(str(path), store, Options())
        report = summary(Query(store, WINDOWS_BY_NAME["all"]))
        to_json(report)
    events = store.stats.events
    bare_rate = args.lines / bare.seconds
    full_rate = events / full.seconds
    print(f"orjson.loads          {bare_rate:12,.0f} lines/s   ({bare.seconds:.2f} s)")
    print(f"report pipeline       {full_rate:12,.0f} events/s  ({full.seconds:.2f} s, {events:,} events, "
          f"{store.stats.records:,} records, skipped {sum(store.stats.skipped.values())})")
    print(f"ratio pipeline/loads  {full_rate / bare_rate:12.2f}   (target >= 0.5)")
    print(f"peak RSS of `sestui report --json` on it: {peak:.0f} MB (target <= 400 MB)")


if __name__ == "__main__":
    main()
