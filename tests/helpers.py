"""Shared test helpers: run bytes through the real pipeline into a store."""

from __future__ import annotations

import os
from pathlib import Path

from sestui.events import Event
from sestui.ingest import StreamIngest
from sestui.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SESTUI_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
SAMPLE_LOGS = ROOT / "sample_logs"
# A fixed "now" for stores in tests: after every sample and corpus timestamp.
NOW = 1_800_000_000.0  # 2027-01-15


def ingest(data: bytes, store: Store | None = None, chunk: int = 1 << 16, **store_args: object) -> Store:
    """Feed bytes through decompress -> frame -> parse -> store, in chunks, then close."""
    store = store or Store(clock=lambda: NOW, **store_args)  # type: ignore[arg-type]
    stream = StreamIngest(store, "test")
    for start in range(0, len(data), chunk):
        stream.feed(data[start : start + chunk])
    stream.close()
    store.release_waiting()  # the end of the input, as a one-shot read ends
    return store


def events(store: Store) -> list[Event]:
    return list(store.main.ring)
