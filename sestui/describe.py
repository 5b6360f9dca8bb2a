"""Events described for people: one-line summaries, field lists, original records, timelines.

Plain strings only; front ends make them safe for their medium (the UI through its safe-text
helper, exports as data).
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from . import events as k
from .events import Event
from .parsing import detail_times
from .records import UNDECODABLE, generic_json
from .timeparse import iso


def target(event: Event) -> str:
    """What the event is about: the first recipient, or the CloudTrail call."""
    if event.kind == k.CLOUDTRAIL:
        return event.event_name or "-"
    if not event.recipients:
        return "-"
    extra = len(event.recipients) - 1
    return event.recipients[0] + (f" +{extra}" if extra else "")


def summary(event: Event) -> str:
    """A one-line summary of the kind-specific facts."""
    kind = event.kind
    if kind == k.BOUNCE:
        status = _first(event.statuses)
        diagnostic = _first(event.diagnostics)
        return _join(f"{event.bounce_type or '?'}/{event.bounce_subtype or '?'}", status, diagnostic)
    if kind == k.COMPLAINT:
        return _join(event.feedback_type or "no feedback report", event.complaint_subtype, event.user_agent)
    if kind == k.DELIVERY:
        ms = f"{event.processing_ms} ms" if event.processing_ms is not None else None
        return _join(ms, event.mta, event.smtp_response)
    if kind == k.DELIVERY_DELAY:
        return _join(event.delay_type, _first(event.statuses), _first(event.diagnostics))
    if kind in (k.OPEN, k.CLICK):
        return _join(event.link, event.client_ip, event.user_agent)
    if kind == k.REJECT:
        return event.reason or ""
    if kind == k.RENDERING_FAILURE:
        return _join(event.template, event.error_message)
    if kind == k.SUBSCRIPTION:
        return _join(event.contact_list, event.reason)
    if kind == k.CLOUDTRAIL:
        outcome = f"{event.error_code}: {event.error_message or ''}" if event.error_code else "ok"
        return _join(outcome, event.user, event.source_ip, event.region)
    return _join(event.source, event.subject)


# The detail view's field list: (label, attribute), in reading order.
_FIELDS = (
    ("Kind", "kind"),
    ("Message id", "message_id"),
    ("Source", "source"),
    ("Identity", "source_arn"),
    ("Account", "account"),
    ("Caller", "caller"),
    ("Source IP", "source_ip"),
    ("Configuration set", "config_set"),
    ("Subject", "subject"),
    ("Bounce type", "bounce_type"),
    ("Bounce subtype", "bounce_subtype"),
    ("Feedback type", "feedback_type"),
    ("Complaint subtype", "complaint_subtype"),
    ("Delay type", "delay_type"),
    ("Feedback id", "feedback_id"),
    ("Reporting MTA", "mta"),
    ("Remote MTA IP", "remote_ip"),
    ("Processing time (ms)", "processing_ms"),
    ("SMTP response", "smtp_response"),
    ("Client IP", "client_ip"),
    ("User agent", "user_agent"),
    ("Link", "link"),
    ("Reason", "reason"),
    ("Template", "template"),
    ("Error message", "error_message"),
    ("Contact list", "contact_list"),
    ("Event name", "event_name"),
    ("Error code", "error_code"),
    ("User", "user"),
    ("Request id", "request_id"),
)


def fields(event: Event) -> list[tuple[str, str]]:
    """Every normalized field that has a value, as (label, text)."""
    note = " (arrival: record had no usable time)" if event.time_guessed else " (the mail's send time: record had none of its own)" if event.time_borrowed else ""
    rows = [("Time", iso(event.time) + note)]
    for label, attr in _FIELDS:
        value = getattr(event, attr)
        if value is not None and value != "":
            rows.append((label, str(value)))
    rows.extend((label, iso(moment)) for label, moment in detail_times(event))
    region = event.aws_region()
    if region:
        rows.append(("Region", region))
    for index, recipient in enumerate(event.recipients):
        parts = [recipient]
        if index < len(event.statuses) and event.statuses[index]:
            parts.append(event.statuses[index] or "")
        if index < len(event.diagnostics) and event.diagnostics[index]:
            parts.append(event.diagnostics[index] or "")
        rows.append(("Recipient" if index == 0 else "", "  ".join(parts)))
    return rows


def original(event: Event) -> str:
    """The original record (unwrapped from its transport), pretty-printed; as-is if not JSON."""
    value = generic_json(bytes(event.raw))
    if value is UNDECODABLE:
        return bytes(event.raw).decode("utf-8", "replace")
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def timeline(events: Iterable[Event], chosen: Event) -> list[tuple[float, Event]]:
    """Every event of the chosen event's message in time order, each with its offset from the
    first; the chosen one is there even when it has left the ring since it was listed."""
    message_id = chosen.message_id
    if not message_id:
        return []
    same = [e for e in events if e.message_id == message_id]
    if not any(e is chosen for e in same):
        same.append(chosen)
    same.sort(key=lambda e: (e.time, e.seq))
    first = same[0].time
    return [(e.time - first, e) for e in same]


def _first(values: tuple[str | None, ...]) -> str | None:
    return values[0] if values else None


def _join(*parts: str | None) -> str:
    return "  ".join(p for p in parts if p)
