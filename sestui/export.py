"""Exports: tables as CSV, events as JSON Lines of their original records.

Exported text is the data itself, never markup, terminal codes or formulas: JSON escapes
control characters by construction, and CSV cells have them replaced by visible escapes (a file
someone `cat`s must not be able to retitle their terminal or write their clipboard); a text cell
that a spreadsheet would run as a formula (`=HYPERLINK(...)` as a recipient address) starts with
a `'`, which makes it text there.
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
_FORMULA_START = ("=", "+", "-", "@")


_NAME_KEPT = 120  # characters of <what>: a drilldown's heading, or a kind and a 60-character message id


def export_path(directory: str, what: str, suffix: str, clock: float | None = None) -> str:
    """A fresh file name: sestui-<what>-<UTC time>.<suffix>, never overwriting an export."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock if clock is not None else time.time()))
    name = _NAME.sub("-", what).strip("-")[:_NAME_KEPT].rstrip("-")
    base = os.path.join(directory, f"sestui-{name}-{stamp}")
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
            writer.writerow([_cell(value) for value in row])
            count += 1
    return count


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = clean(str(value))
    if isinstance(value, str) and len(text) > 1 and text.startswith(_FORMULA_START):
        return "'" + text  # a lone "-" (no value) reads as itself
    return text


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
