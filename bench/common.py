"""Shared bits of the benchmarks: the corpus file, timing and memory readings."""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sestui.synth import iter_bench_lines  # noqa: E402

OUT = ROOT / "bench" / "out"


def corpus(lines: int, seed: int = 1) -> Path:
    """A file of `lines` realistic mixed lines, generated once and cached under bench/out/."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"corpus-{lines}-{seed}.jsonl"
    if not path.exists():
        tmp = Path(tempfile.mkstemp(dir=OUT)[1])
        with open(tmp, "wb") as f:
            for line in iter_bench_lines(lines, seed):
                f.write(line)
        tmp.rename(path)
    return path


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e3


class Timer:
    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
