"""Shared bits of the benchmarks: the corpus file, timing and memory readings."""

from __future__ import annotations

import os
import resource
import subprocess
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


def _tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo.extend(int(child) for child in f.read().split())
        except OSError:
            pass
    return found


def _pss_mb(pid: int) -> float:
    """Proportional set size: pages shared after fork count once across the processes."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1e3
    except OSError:
        pass
    return 0.0


def peak_tree_mb(args: list[str], **popen: object) -> tuple[float, float]:
    """Run a command to its end; (peak RSS of its largest process, peak PSS of its whole process
    tree sampled every 20 ms), MB."""
    before = peak_children_mb()
    process = subprocess.Popen(args, **popen)  # type: ignore[call-overload]
    total = 0.0
    while process.poll() is None:
        total = max(total, sum(_pss_mb(pid) for pid in _tree(process.pid)))
        time.sleep(0.02)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, args)
    return max(before, peak_children_mb()), total


class Timer:
    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
