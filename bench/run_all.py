"""`make bench`: every benchmark, each in its own process. Pass --quick for a short smoke run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = [
    ("report pipeline vs orjson.loads (1,000,000 lines)", ["bench_pipeline.py"]),
    ("live follow at 20,000 lines/s for 30 s", ["bench_follow.py"]),
    ("app under 20,000 events/s", ["bench_ui.py"]),
    ("tail's backfill on one core and on several (1,000,000 lines)", ["bench_backfill.py"]),
    ("soak: the app over 24 simulated hours (5 M records)", ["bench_soak.py"]),
]
QUICK = [
    ("report pipeline vs orjson.loads (100,000 lines)", ["bench_pipeline.py", "--lines", "100000"]),
    ("live follow at 20,000 lines/s for 5 s", ["bench_follow.py", "--seconds", "5"]),
    ("app under 20,000 events/s", ["bench_ui.py", "--warmup", "4", "--dwell", "1", "--rounds", "1"]),
    ("tail's backfill on one core and on several (100,000 lines)", ["bench_backfill.py", "--lines", "100000"]),
    ("soak: the app over 3 simulated hours", ["bench_soak.py", "--hours", "3"]),
]


def main() -> int:
    runs = QUICK if "--quick" in sys.argv else FULL
    failed = 0
    for title, args in runs:
        print(f"\n== {title}", flush=True)
        failed |= subprocess.run([sys.executable, str(HERE / args[0]), *args[1:]], cwd=HERE).returncode
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
