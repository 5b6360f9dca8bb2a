"""Hostile input: arbitrary bytes and mangled records never raise and are always accounted for."""

from __future__ import annotations

import orjson
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from factory import BASE, bounce, cloudtrail, complaint, delivery, event, send, sns, ts
from helpers import ingest

_EVENTS = [
    event("Open", BASE, ["o@x.example"], "open", {"ipAddress": "192.0.2.1", "timestamp": ts(BASE), "userAgent": "UA"}),
    event("Click", BASE, ["c@x.example"], "click", {"ipAddress": "192.0.2.1", "timestamp": ts(BASE), "link": "https://x", "linkTags": {"a": ["b"]}}),
    event("Reject", BASE, ["r@x.example"], "reject", {"reason": "Bad content"}),
    event("Rendering Failure", BASE, ["f@x.example"], "failure", {"templateName": "T", "errorMessage": "E"}),
    event("DeliveryDelay", BASE, ["d@x.example"], "deliveryDelay", {"delayType": "MailboxFull", "delayedRecipients": [{"emailAddress": "d@x.example"}], "timestamp": ts(BASE)}),
    event("Subscription", BASE, ["s@x.example"], "subscription", {"contactList": "L", "timestamp": ts(BASE), "source": "UnsubscribeHeader"}),
]
SINGLE = [send(BASE), delivery(BASE), bounce(BASE), complaint(BASE), cloudtrail(BASE), *_EVENTS]  # one event each
TEMPLATES = [
    *SINGLE,
    sns(bounce(BASE)),
    sns(sns(complaint(BASE))),  # nested envelopes
    {"Records": [cloudtrail(BASE), cloudtrail(BASE, source="ec2.amazonaws.com")]},
    {"Records": [{"EventSource": "aws:sns", "Sns": sns(delivery(BASE))}]},
    {"version": "0", "detail-type": "Email Bounced", "source": "aws.ses", "detail": bounce(BASE)},
    {"messageType": "DATA_MESSAGE", "logEvents": [{"id": "1", "timestamp": 1, "message": "x"}]},
]
junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=True)
    | st.text(max_size=30)
    | st.just("x" * 200_000)  # huge strings
    | st.just("\ud800\x1b]52;c;ZXZpbA==\x07[@click=app.quit]")  # surrogate, escapes, markup
    | st.builds(lambda n: [[[[n]]]] * 3, st.integers()),  # nesting
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def check_accounting(data: bytes, chunk: int) -> None:
    store = ingest(data, chunk=chunk, max_events=50)
    stats = store.stats
    used = stats.records - sum(stats.skipped.values())
    assert 0 <= used <= stats.records
    assert stats.events - stats.time_guessed >= 0
    if not data.startswith(b"\x1f\x8b"):  # gzip: lines are counted after decompression
        assert stats.lines == data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    assert len(store.main.ring) <= 50


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.integers(1, 64))
def test_arbitrary_bytes_never_raise_and_every_line_is_counted(data: bytes, chunk: int):
    check_accounting(data, chunk)


def _mangle(record: object, path: list[object], value: object) -> object:
    if not path:
        return value
    key = path[0]
    if isinstance(record, dict) and record:
        keys = sorted(record)
        name = keys[key % len(keys)]  # type: ignore[operator]
        return {**record, name: _mangle(record[name], path[1:], value)}
    if isinstance(record, list) and record:
        index = key % len(record)  # type: ignore[operator]
        return [*record[:index], _mangle(record[index], path[1:], value), *record[index + 1 :]]
    return value


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(TEMPLATES), st.lists(st.integers(0, 50), max_size=4), junk, st.integers(1, 4))
def test_records_with_any_field_replaced_by_junk_are_used_or_skipped_once(template, path, value, copies):
    record = _mangle(template, path, value)
    try:
        line = orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS) + b"\n"
    except orjson.JSONEncodeError:  # a lone surrogate: write it the way a log would, escaped
        import json

        line = json.dumps(record).encode() + b"\n"
    store = ingest(line * copies, max_events=3)
    stats = store.stats
    assert stats.lines == stats.records == copies
    records_with_events = stats.records - sum(stats.skipped.values())
    assert 0 <= records_with_events <= stats.events  # containers may yield several events
    assert len(store.main.ring) <= 3  # memory stays bounded by the ring


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(SINGLE), min_size=1, max_size=6), st.integers(1, 200))
def test_any_mix_of_framings_frames_the_same_records(records, chunk):
    compact = b"".join(orjson.dumps(r) + b"\n" for r in records)
    pretty = b"\n".join(orjson.dumps(r, option=orjson.OPT_INDENT_2) for r in records)
    glued = b"".join(orjson.dumps(r) for r in records)
    # A record drawn twice is two records to frame: every copy counts.
    kinds = [[e.kind for e in ingest(data, chunk=chunk, dedupe=False).main.ring] for data in (compact, pretty, glued)]
    assert kinds[0] == kinds[1] == kinds[2]
    assert len(kinds[0]) == len(records)


def _framed(data: bytes, chunk: int, drain: bool) -> tuple[list[str], int, int]:
    from sestui.framing import Framer, Junk

    framer = Framer(4096)
    out = []
    for i in range(0, len(data), chunk):
        out += framer.feed(data[i : i + chunk])
        if drain:
            out += framer.drain()
    out += framer.close()
    shown = [value.reason if isinstance(value, Junk) else orjson.dumps(orjson.loads(raw)).decode() for value, raw in out]
    return shown, framer.lines, len(out)


_PIECES = st.sampled_from(
    [orjson.dumps(r) for r in SINGLE[:4]]
    + [orjson.dumps(SINGLE[0], option=orjson.OPT_INDENT_2)]  # pretty-printed: its end may come with no newline
    + [b"\n", b"\r\n", b" ", b"x", b"[1,2]", b'{"a":', b"}", b'"}{"', b"2025-11-20T12:00:00Z s ", b"\x1b[32m", b"{\n", b"A" * 5000]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=12), st.integers(1, 300))
# A colour code between a pretty value's end and a value, on a line that outgrows the limit.
@example([orjson.dumps(SINGLE[0], option=orjson.OPT_INDENT_2), b"\x1b[32m", orjson.dumps(SINGLE[0]), b"A" * 5000], 1)
def test_draining_a_followed_file_at_each_read_frames_what_the_newlines_would(pieces, chunk):
    """What `drain` frames early (the complete values of an unterminated line) is exactly what
    the plain read frames, with the same line count and no extra records."""
    data = b"".join(pieces)
    assert _framed(data, chunk, drain=True) == _framed(data, chunk, drain=False)
