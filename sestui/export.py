"""Exports: tables as CSV, events as JSON Lines of their original records.

Exported text is the data itself, never markup or terminal codes: JSON escapes control
characters by construction, and CSV cells have them replaced by visible escapes (a file someone
`cat`s must not be able to retitle their terminal or write their clipboard).
"""

from __future__ import annotations

import csv
import os
import re
import time
from collections.abc import Iterable, Sequence

import orjson

from .events import Event
from .records import UNDECODABLE, generic_json
from .textsafe import clean, json_safe

_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def export_path(directory: str, what: str, suffix: str, clock: float | None = None) -> str:
    """A fresh file name: sestui-<what>-<UTC time>.<suffix>, never overwriting an export."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock if clock is not None else time.time()))
    base = os.path.join(directory, f"sestui-{_NAME.sub('-', what).strip('-')[:60]}-{stamp}")
    path, n = f"{base}.{suffix}", 1
    while os.path.exists(path):
        n += 1
        path = f"{base}-{n}.{suffix}"
    return path


def write_csv(path: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write a table; returns the number of data rows."""
    count = 0
    with open(path, "x", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if value is None else clean(str(value)) for value in row])
            count += 1
    return count


def record_json(event: Event) -> bytes:
    """The event's original record as one line of JSON."""
    value = generic_json(bytes(event.raw))
    if value is UNDECODABLE:
        value = {"unparsed": bytes(event.raw).decode("utf-8", "replace")}
    return json_safe(orjson.dumps(value))


def write_jsonl(path: str, events: Iterable[Event]) -> int:
    """Write events' original records, one per line; returns how many."""
    count = 0
    with open(path, "xb") as out:
        for event in events:
            out.write(record_json(event) + b"\n")
            count += 1
    return count
