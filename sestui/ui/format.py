"""How numbers, times and durations look on screen."""

from __future__ import annotations

import time

from ..textsafe import cell_width, clean_line

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


HEADER_CHROME = 21  # the header's icon and clock room (it centres the title) and the " — " after the title
FILTER_SHOWN = 16  # cells of a filter the header shows however narrow


def header_facts(room: int, window: str, as_of: float | None, rate: float, paused_new: int | None = None, filter_text: str = "") -> str:
    """The header's facts in the widest form that fits `room` cells. What changes the numbers
    comes first, so a header that still overflows loses its end; a filter takes what room the
    numbers leave, at least FILTER_SHOWN cells (`f` shows it whole)."""
    paused = [f"PAUSED · {paused_new:,} new"] if paused_new is not None else []
    rate_text = f"{rate:,.0f} ev/s"
    short_time = "-" if as_of is None else clock_time(as_of) + "Z"
    forms = (
        ("  ·  ", [f"window {window}", f"as of {full_time(as_of)}", rate_text]),
        (" · ", [f"window {window}", f"as of {short_time}", rate_text]),
        (" · ", [window, short_time, rate_text]),
    )
    label = "filter: "
    least = len(label) + min(cell_width(clean_line(filter_text)), FILTER_SHOWN) if filter_text else 0
    for separator, facts in forms:
        numbers = separator.join(paused + facts)
        fits = len(numbers) + (least + len(separator) if least else 0) <= room
        if fits:
            break
    if not filter_text:
        return numbers
    left = room - len(numbers) - len(separator) - len(label)
    if not fits and left < 4:
        return numbers  # the numbers first; the status line's "filter on" says one is set
    return f"{label}{clean_line(filter_text, left if not fits else max(FILTER_SHOWN, left))}{separator}{numbers}"


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
