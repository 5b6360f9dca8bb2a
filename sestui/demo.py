"""`sestui demo`: a synthetic live stream written to a temp file, as a real writer would.

Twenty minutes of history are written at once, so the monitor has something to show within a
second; from then on lines are appended as their event time comes due, with the scripted
incidents of `synth.Traffic` (bounce bursts, a slow MTA, a run of CloudTrail AccessDenied).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from .synth import Traffic

HISTORY_SECONDS = 1200.0


class DemoWriter:
    """Appends synthetic log lines to `path` in a thread until stopped."""

    def __init__(self, path: str, rate: float, seed: int, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self.traffic = Traffic(seed=seed, start=clock() - HISTORY_SECONDS, rate=rate, incidents=True, rare=3.0)
        self.written = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sestui-demo", daemon=True)

    def start(self) -> None:
        with open(self.path, "ab"):
            pass  # exists before the follower looks
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def _run(self) -> None:
        pending: list[bytes] = []
        with open(self.path, "ab", buffering=0) as out:
            for due, line in self.traffic.lines():
                wait = due - self.clock()
                if wait > 0.05 or len(pending) >= 5000:
                    if pending:
                        out.write(b"".join(pending))
                        self.written += len(pending)
                        pending.clear()
                    if wait > 0 and self._stop.wait(wait):
                        return
                if self._stop.is_set():
                    return
                pending.append(line)


def demo_path(directory: str) -> str:
    return os.path.join(directory, "ses-demo.jsonl")
