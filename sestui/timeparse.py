"""Timestamps in every spelling SES, SNS, CloudTrail and the AWS CLI write them."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

_UTC = timezone.utc
# Values outside this range are not event times (a zero, a typo, or a hostile record trying to
# drag the "as of" clock to year 9999); callers fall back to the arrival time.
EARLIEST = 946684800.0  # 2000-01-01T00:00:00Z
LATEST = 4102444800.0  # 2100-01-01T00:00:00Z
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d|w)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {
    "ms": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}


def parse_time(value: object) -> float | None:
    """Epoch seconds for an ISO 8601 / RFC 2822 string or epoch number, None when unparseable.

    Times without a zone are UTC (CloudTrail exports and `aws logs tail --format short`).
    """
    if type(value) is str:
        # Fast path for SES's own shape, "2026-11-20T10:15:30.123Z": the whole-second prefix is
        # converted once and shared by every event of that second.
        if len(value) == 24:
            base = _SECONDS.get(value[:19])
            if base is not None and value[23] == "Z" and value[19] == ".":
                fraction = _MILLIS.get(value[20:23])
                if fraction is not None:
                    return base + fraction
        seconds = _parse_str(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not abs(value) < 1e15:  # absurd (and an int this large may not even be a float), or NaN
            return None
        # CloudWatch Logs writes epoch milliseconds; anything that large is not seconds.
        seconds = value / 1000.0 if abs(value) > 1e11 else float(value)
    elif isinstance(value, str):  # a str subclass
        seconds = _parse_str(str(value))
    else:
        return None
    if seconds is None or not (EARLIEST <= seconds < LATEST):
        return None
    return seconds


# Whole-second prefixes already converted (only those inside [EARLIEST, LATEST)). Emptied when
# full: recent seconds are what repeats.
_SECONDS: dict[str, float] = {}
_SECONDS_KEPT = 4096
_MILLIS = {f"{n:03d}": n / 1000.0 for n in range(1000)}


def _parse_str(text: str) -> float | None:
    if len(text) == 24 and text[19] == "." and text[23] == "Z" and text[10] == "T":
        base = _slow(text[:19])
        fraction = _MILLIS.get(text[20:23])  # ASCII digits only: str.isdigit() takes "²" too
        if base is not None and fraction is not None:
            if EARLIEST <= base < LATEST - 1:
                if len(_SECONDS) >= _SECONDS_KEPT:
                    _SECONDS.clear()
                _SECONDS[text[:19]] = base
            return base + fraction
    return _slow(text)


def _slow(text: str) -> float | None:
    text = text.strip()
    if not text or len(text) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_UTC)
    try:
        return parsed.timestamp()
    except (OverflowError, ValueError):
        return None


def iso(seconds: float | None) -> str | None:
    """UTC ISO 8601 with milliseconds and a Z, as SES writes it."""
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, _UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# Ten years: what the store buckets at all, and far past any log anyone replays.
MAX_DURATION = 3650 * 86400.0


def parse_duration(text: str) -> float:
    """Seconds in '90', '90s', '5m', '1.5h', '7d', '2w'; raises ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 1h, 7d)")
    seconds = float(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "s").lower()]
    if not 0 < seconds <= MAX_DURATION:
        raise ValueError(f"not a duration from 1ms to 3650d: {text!r}")
    return seconds


def parse_since(text: str, now: float) -> float:
    """A --since value: a duration back from `now`, or an absolute time."""
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    moment = parse_time(text)
    if moment is None:
        raise ValueError(f"not a duration or time: {text!r} (use e.g. 2h or 2026-11-20T10:00Z)")
    return moment
