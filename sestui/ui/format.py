"""How numbers, times and durations look on screen."""

from __future__ import annotations

import time

_BLOCKS = " ▁▂▃▄▅▆▇█"
# One colour per event kind, everywhere (tables, charts, the event stream).
KIND_COLORS = {
    "Send": "#5f87d7",
    "Delivery": "#5faf5f",
    "Bounce": "#d75f5f",
    "Complaint": "#d75fd7",
    "Reject": "#ff8700",
    "Open": "#5fafaf",
    "Click": "#87d7ff",
    "RenderingFailure": "#d7af5f",
    "DeliveryDelay": "#afaf00",
    "Subscription": "#8787d7",
    "CloudTrail": "#bcbcbc",
}
OTHER_COLOR = "#808080"
LEVEL_STYLES = {"ok": "green", "warning": "bold yellow", "at risk": "bold red", "none": "dim"}


def count(n: int | float | None) -> str:
    if n is None:
        return "-"
    return f"{n:,.0f}"


def count_events(n: int) -> str:
    """'1 event', '2,345 events'."""
    return f"{n:,} event" if n == 1 else f"{n:,} events"


def percent(rate: float | None, digits: int = 2) -> str:
    return "n/a" if rate is None else f"{rate * 100:.{digits}f}%"


def millis(ms: float | None) -> str:
    """Processing times: "850 ms", "12.3 s", "4 m 05 s"."""
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {rest:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} m"


def clock_time(seconds: float | None, with_date: bool = True) -> str:
    """Event times in UTC: "11-20 11:59:44" (or just the time)."""
    if seconds is None:
        return "-"
    fmt = "%m-%d %H:%M:%S" if with_date else "%H:%M:%S"
    return time.strftime(fmt, time.gmtime(seconds))


def full_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(seconds))


def offset(seconds: float) -> str:
    """A timeline offset: "+0.000 s", "+2 m 03 s", "+1 h 02 m"."""
    if seconds < 60:
        return f"+{seconds:.3f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"+{minutes} m {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"+{hours} h {minutes:02d} m"


def sparkline(values: list[int], width: int) -> str:
    """Values squeezed into `width` block characters (bucket maximum), scaled to the largest."""
    if not values or width <= 0:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [max(values[int(i * step) : max(int((i + 1) * step), int(i * step) + 1)]) for i in range(width)]
    top = max(values)
    if top <= 0:
        return " " * len(values)
    return "".join(_BLOCKS[max(1, round(v / top * 8))] if v > 0 else " " for v in values)
