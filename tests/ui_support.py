"""Building the app over a known store, for pilot and snapshot tests."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import TypeVar

from textual.pilot import Pilot

from helpers import NOW, SAMPLE_LOGS
from sestui.paths import walk
from sestui.sources import Options, read_to_end
from sestui.store import Store
from sestui.ui.app import SestuiApp, make_app

SAMPLE_NOW = 1_795_176_000.0  # 2026-11-20T12:00:00Z, just after the newest sample event
T = TypeVar("T")


def sample_store(**store_args: object) -> Store:
    store = Store(clock=lambda: NOW, **store_args)  # type: ignore[arg-type]
    for path in walk(str(SAMPLE_LOGS)):
        read_to_end(path, store, Options())
    store.release_waiting()
    return store


@lru_cache(maxsize=1)
def sample_files() -> tuple[str, ...]:
    return tuple(walk(str(SAMPLE_LOGS)))


def sample_app(store: Store | None = None, window: str = "24h") -> SestuiApp:
    return make_app(store=store or sample_store(), clock=lambda: SAMPLE_NOW, window=window, auto_tick=False)


def cells(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """A DataTable's rows as plain strings."""
    return [[str(getattr(c, "plain", c)) for c in table.get_row_at(i)] for i in range(table.row_count)]


@asynccontextmanager
async def showing(*keys: str, app: SestuiApp | None = None, size: tuple[int, int] = (120, 40)) -> AsyncIterator[tuple[SestuiApp, Pilot]]:
    """The sample app (or `app`) running headless, drawn once, after pressing `keys`."""
    app = app or sample_app()
    async with app.run_test(size=size) as pilot:
        app.tick()
        await pilot.press(*keys)
        await pilot.pause()
        yield app, pilot


async def settled(pilot: Pilot, check: Callable[[], T], timeout: float = 3.0) -> T:
    """What `check` returns once its assertions hold. Some changes finish after a refresh that
    a pause need not wait for (the footer recomposes after the next one), later on a loaded
    machine; past `timeout` the last failure is raised."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        await pilot.pause(0.05)
