"""sestui demo: a live synthetic stream with incidents, written as a real writer would."""

from __future__ import annotations

import time

from sestui.demo import HISTORY_SECONDS, DemoWriter
from sestui.sources import Options, read_to_end
from sestui.store import Store


def test_demo_writes_history_at_once_then_live_lines(tmp_path):
    now = [1_795_176_000.0]
    path = str(tmp_path / "demo.jsonl")
    writer = DemoWriter(path, rate=50, seed=7, clock=lambda: now[0])
    writer.start()
    deadline = time.monotonic() + 20
    while writer.written < 50 * HISTORY_SECONDS * 0.8 and time.monotonic() < deadline:
        time.sleep(0.05)
    history = writer.written
    assert history >= 50 * HISTORY_SECONDS * 0.8  # twenty minutes of traffic, without waiting
    now[0] += 60  # a minute passes: its lines come due
    deadline = time.monotonic() + 20
    while writer.written < history + 50 * 60 * 0.8 and time.monotonic() < deadline:
        time.sleep(0.05)
    writer.stop()
    store = Store(clock=lambda: now[0])
    read_to_end(path, store, Options())
    assert store.stats.events >= history
    counts = {kind: 0 for kind in ("Send", "Delivery", "Bounce", "CloudTrail")}
    for event in store.main.ring:
        if event.kind in counts:
            counts[event.kind] += 1
    assert all(counts.values())
    assert store.as_of <= now[0] + 5  # nothing from the future
    # The scripted incidents are in the stream: a run of AccessDenied from one caller.
    denied = [e for e in store.main.ring if e.error_code == "AccessDenied"]
    assert len(denied) >= 5
