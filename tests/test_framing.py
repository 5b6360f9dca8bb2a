"""Bytes to records: every framing sestui auto-detects, and that nothing vanishes."""

from __future__ import annotations

import gzip

import orjson
import pytest

from factory import BASE, bounce, cloudtrail, delivery, jsonl, send
from helpers import NOW, events, ingest
from sestui.framing import Framer, Junk
from sestui.ingest import StreamIngest
from sestui.sources import Options, read_to_end
from sestui.store import Store


def frame(data: bytes, chunk: int = 7, limit: int = 1 << 20) -> tuple[list[object], Framer]:
    framer = Framer(limit)
    out = []
    for i in range(0, len(data), chunk):
        out += framer.feed(data[i : i + chunk])
    out += framer.close()
    return [value for value, _ in out], framer


def reasons(values: list[object]) -> list[str]:
    return [v.reason if isinstance(v, Junk) else "value" for v in values]


def test_json_lines_lf_crlf_and_bom_give_one_record_per_line():
    body = jsonl([send(BASE), delivery(BASE + 1), bounce(BASE + 2)])
    for data in (body, body.replace(b"\n", b"\r\n"), b"\xef\xbb\xbf" + body):
        values, framer = frame(data)
        assert reasons(values) == ["value"] * 3
        assert framer.lines == 3


def test_partial_final_line_waits_for_its_newline_and_is_parsed_at_close():
    line = orjson.dumps(send(BASE))
    framer = Framer()
    assert framer.feed(line[:40]) == []
    assert framer.feed(line[40:]) == []  # still no newline: stays buffered
    assert framer.buffered == len(line)
    closed = framer.close()
    assert len(closed) == 1 and not isinstance(closed[0][0], Junk)
    assert framer.lines == 1


def test_aws_logs_tail_detailed_short_and_colour_prefixes():
    first, second, third, fourth, fifth = (orjson.dumps(bounce(BASE)).decode() for _ in range(5))  # five bounces
    lines = [
        f"2025-11-20T12:00:00.079060+00:00 2025/11/20/[$LATEST]abc {first}",
        f"2025-11-20T12:00:00 {second}",
        f"\x1b[32m2025-11-20T12:00:00.000000+00:00\x1b[0m \x1b[36mstream\x1b[0m {third}",
        f"2025-11-20T12:00:00.000Z\tc0ffee-request\tINFO\t{fourth}",  # Lambda Node.js log line
        f"[INFO]\t2025-11-20T12:00:00.000Z\tc0ffee-request\t{fifth}",  # Lambda Python log line
    ]
    store = ingest(("\n".join(lines) + "\n").encode())
    assert [e.kind for e in events(store)] == ["Bounce"] * 5
    assert store.stats.lines == store.stats.records == 5


def test_aws_logs_tail_json_format_spans_lines_and_counts_as_one_record():
    first, second = (orjson.dumps(delivery(BASE), option=orjson.OPT_INDENT_2).decode() for _ in range(2))
    text = f"2025-11-20T12:00:00+00:00 stream-1 \n{first}\n2025-11-20T12:00:01+00:00 stream-1 \n{second}\n"
    store = ingest(text.encode())
    assert [e.kind for e in events(store)] == ["Delivery", "Delivery"]
    assert store.stats.records == 2
    assert store.stats.lines == text.count("\n")


@pytest.mark.parametrize(
    "prefix",
    [
        "2025-11-20T12:00:00.079060+00:00 2025/11/20/[$LATEST]abc ",
        "2025-11-20T12:00:00.000Z\tc0ffee-request\tINFO\t",
        "[ERROR]\t2025-11-20T12:00:00.000Z\tc0ffee-request\t",
    ],
    ids=["aws-logs-tail", "lambda-node", "lambda-python"],
)
def test_an_array_after_a_log_prefix_yields_every_element(prefix: str):
    """A Lambda logging its batch writes one array; the `[` of its stream name is no array."""
    line = prefix + orjson.dumps([bounce(BASE), bounce(BASE + 1)]).decode() + "\n"
    store = ingest(line.encode())
    assert (store.stats.lines, len(events(store)), dict(store.stats.skipped)) == (1, 2, {})


@pytest.mark.parametrize("between", [" \n", " "], ids=["prefix-alone", "prefix-then-bracket"])
def test_a_pretty_printed_array_after_a_log_tail_prefix_is_one_record(between: str):
    array = orjson.dumps([bounce(BASE), bounce(BASE + 1)], option=orjson.OPT_INDENT_2).decode()
    text = "2025-11-20T12:00:00.079060+00:00 stream" + between + array + "\n"
    store = ingest(text.encode())
    assert (len(events(store)), store.stats.records, dict(store.stats.skipped)) == (2, 1, {})


def test_pretty_printed_and_concatenated_values():
    records = [send(BASE), delivery(BASE + 1), bounce(BASE + 2)]
    pretty = b"\n".join(orjson.dumps(r, option=orjson.OPT_INDENT_2) for r in records) + b"\n"
    glued = b"".join(orjson.dumps(r) for r in records)  # Firehose: no separator at all
    for data in (pretty, glued, glued + b"\n"):
        for chunk in (1, 13, 4096):
            values, _ = frame(data, chunk)
            assert reasons(values) == ["value"] * 3, (data[:30], chunk)


def test_text_lines_blank_lines_and_broken_json_are_counted_with_reasons():
    data = b'START RequestId: 1 Version: $LATEST\n\n{"notificationType": "Bounce", \n' + jsonl([send(BASE)])
    store = ingest(data)
    assert store.stats.skipped == {"not_json": 1, "blank": 1, "invalid_json": 1}
    assert [e.kind for e in events(store)] == ["Send"]
    assert store.stats.lines == 4


def test_a_good_line_after_a_truncated_pretty_value_is_not_swallowed():
    truncated = b'{\n  "eventType": "Bounce",\n  "mail": {\n'
    store = ingest(truncated + jsonl([delivery(BASE)]))
    assert [e.kind for e in events(store)] == ["Delivery"]
    assert store.stats.skipped == {"invalid_json": 1}


def test_a_truncated_pretty_value_does_not_swallow_the_pretty_values_after_it():
    pretty = [orjson.dumps(send(BASE), option=orjson.OPT_INDENT_2) for _ in range(51)]
    cut = pretty[0][: len(pretty[0]) // 2].rstrip(b"\n")  # ends inside "mail": an open object
    store = ingest(cut + b"\n" + b"\n".join(pretty[1:]) + b"\n")
    assert store.stats.skipped == {"invalid_json": 1}
    assert store.stats.records == 51 and len(events(store)) == 50


@pytest.mark.parametrize("separator", [b",\n", b"\n,"])
@pytest.mark.parametrize("opening", [b'{"Records": [', b'{"Records":\n[', b"["])
def test_a_value_laid_out_one_element_per_line_is_one_record(opening: bytes, separator: bytes):
    elements = [orjson.dumps(cloudtrail(BASE + i, name=f"Call{i}")) for i in range(3)]
    closing = b"]}" if opening.startswith(b"{") else b"]"
    store = ingest(opening + b"\n" + separator.join(elements) + b"\n" + closing + b"\n")
    assert store.stats.skipped == {}
    assert store.stats.records == 1
    assert [e.event_name for e in events(store)] == ["Call0", "Call1", "Call2"]


def test_a_json_line_cut_after_a_comma_does_not_take_the_next_line_with_it():
    whole = jsonl([send(BASE)])
    cut = whole[: whole.index(b'"mail"')]  # ends with '{"eventType": "Send", '
    assert cut.rstrip().endswith(b",")
    store = ingest(cut + b"\n" + jsonl([delivery(BASE)]))
    assert store.stats.skipped == {"invalid_json": 1}
    assert [e.kind for e in events(store)] == ["Delivery"]


def test_oversized_line_is_skipped_without_being_buffered_whole():
    framer = Framer(max_record_bytes=1 << 20)
    huge = b'{"eventType":"Send","x":"' + b"a" * (5 << 20) + b'"}\n'
    out = []
    peak = 0
    for i in range(0, len(huge), 1 << 16):
        out += framer.feed(huge[i : i + (1 << 16)])
        peak = max(peak, framer.buffered)
    out += framer.feed(jsonl([send(BASE)]))
    assert peak <= (1 << 20) + (1 << 16)
    assert reasons([v for v, _ in out]) == ["oversized", "value"]
    assert framer.lines == 2


@pytest.mark.parametrize("chunk", [997, 4096, 1 << 16])
def test_a_value_a_little_over_the_limit_is_oversized_however_reads_split_it(chunk: int) -> None:
    """Whole in the read that passes the limit, or not yet: the same record, the same answer."""
    line = orjson.dumps(bounce(BASE))
    limit = len(line) - 10
    values, _ = frame(line + b"\n" + line[:-1] + b"}" + jsonl([send(BASE)]), chunk=chunk, limit=limit)
    assert reasons(values) == ["oversized", "oversized", "value"]


def test_a_long_line_of_concatenated_small_values_is_framed_not_dropped():
    records = [delivery(BASE + i) for i in range(3000)]
    glued = b"".join(orjson.dumps(r) for r in records)
    assert len(glued) > 1 << 20
    values, _ = frame(glued, chunk=1 << 16)
    assert reasons(values) == ["value"] * 3000


def test_multi_line_value_larger_than_the_limit_is_oversized():
    pretty = orjson.dumps(bounce(BASE), option=orjson.OPT_INDENT_2) + b"\n"
    line = jsonl([send(BASE)])
    limit = len(line) + 10
    assert len(pretty) > limit
    values, _ = frame(pretty + line, limit=limit)
    assert reasons(values) == ["oversized", "value"]


def _trail_file(count: int) -> tuple[bytes, int]:
    """A one-line CloudTrail `Records` file (as a busy account writes them) and how many of its
    records are SES calls."""
    records = [
        cloudtrail(BASE + i, name=f"SendEmail{i}", source="ses.amazonaws.com" if i % 4 else "ec2.amazonaws.com")
        for i in range(count)
    ]
    return orjson.dumps({"Records": records}) + b"\n", sum(1 for i in range(count) if i % 4)


@pytest.mark.parametrize("chunk", [997, 1 << 16, 1 << 18])
def test_a_records_file_longer_than_the_limit_is_framed_record_by_record(chunk: int) -> None:
    data, ses = _trail_file(6000)
    limit = 256 << 10
    assert len(data) > 10 * limit
    store = Store(clock=lambda: NOW)
    stream = StreamIngest(store, "trail", max_record_bytes=limit)
    peak = 0
    for i in range(0, len(data), chunk):
        stream.feed(data[i : i + chunk])
        peak = max(peak, stream.framer.buffered)
    stream.feed(jsonl([send(BASE)]))
    stream.close()
    assert peak <= limit + chunk  # never held whole
    assert store.stats.events == ses + 1
    assert store.stats.skipped == {"not_ses": 6000 - ses}
    assert store.stats.records == 6001 and store.stats.lines == 2
    names = [e.event_name for e in events(store) if e.kind == "CloudTrail"]
    assert names == [f"SendEmail{i}" for i in range(6000) if i % 4]


@pytest.mark.parametrize("chunk", [997, 64 << 10, 1 << 20])
def test_a_records_line_that_passes_the_limit_only_in_its_last_read_is_framed_record_by_record(chunk: int) -> None:
    """A line a little over the limit: with 64 KiB reads its first read holds exactly the limit
    and the second the rest and the newline; with 1 MiB reads it comes whole in one."""
    data, _ = _trail_file(160)
    limit = 64 << 10
    assert limit < len(data) < 2 * limit
    values, framer = frame(data + jsonl([send(BASE)]), chunk=chunk, limit=limit)
    assert reasons(values) == ["value"] * 161
    assert framer.lines == 2


@pytest.mark.parametrize("chunk", [997, 1 << 16, 1 << 20])
@pytest.mark.parametrize(
    "after, found",
    [
        (b'{"Records":[{"eventSource":"ses.amazonaws.com"}]}', ["value"]),  # `cat a.json b.json`
        (b"  ", []),  # the line ends
        (b', "digest": "x"}', []),  # other keys close the object: nothing lost, nothing counted
        (b' trailing junk', ["not_json"]),
    ],
    ids=["glued file", "space", "other keys", "junk"],
)
def test_what_follows_a_long_records_file_on_its_line_is_framed_too(chunk: int, after: bytes, found: list[str]) -> None:
    data, _ = _trail_file(600)
    limit = 64 << 10
    assert len(data) > 3 * limit
    line = data.rstrip(b"\n")
    if after.startswith(b","):
        line = line[:-1]  # '{"Records": [...]' then the other keys and '}'
    values, framer = frame(line + after + b"\n" + jsonl([send(BASE)]), chunk=chunk, limit=limit)
    assert reasons(values) == ["value"] * 600 + found + ["value"]
    assert framer.lines == 2


def test_a_gzipped_records_line_a_little_over_the_limit_is_read_record_by_record(tmp_path) -> None:
    """gzip hands over at most 1 MiB of text a read: a line of 1-2 MiB passes the limit in the
    read that ends it."""
    data, ses = _trail_file(3000)
    assert 1 << 20 < len(data) < 2 << 20
    path = tmp_path / "trail.json.gz"
    path.write_bytes(gzip.compress(data))
    store = Store(clock=lambda: NOW)
    read_to_end(str(path), store, Options())
    assert store.stats.events == ses
    assert store.stats.skipped == {"not_ses": 3000 - ses}


def test_a_truncated_records_file_keeps_its_whole_records_and_counts_the_cut_one() -> None:
    data, _ = _trail_file(4000)
    cut = data[: len(data) * 3 // 4]
    values, framer = frame(cut, chunk=1 << 16, limit=128 << 10)
    found = reasons(values)
    assert found[-1] == "invalid_json"
    assert set(found[:-1]) == {"value"} and len(found) > 2500
    assert framer.lines == 1


@pytest.mark.parametrize("chunk", [997, 4099, 1 << 16, 1 << 21])  # the last holds the whole element
def test_a_records_element_longer_than_the_limit_is_skipped_and_the_rest_is_read(chunk: int) -> None:
    data, _ = _trail_file(300)
    # Escaped quotes and backslashes and brackets inside the string: skipping must track the
    # string across chunk boundaries, or a '}' in it would end the element early.
    filler = b'a\\"}]{[\\\\' * ((300 << 10) // 11)
    huge = data.replace(b'"SendEmail150"', b'"' + filler + b'"', 1)
    assert orjson.loads(huge)["Records"][150]["eventName"].startswith('a"}]{[')
    values, framer = frame(huge + jsonl([send(BASE)]), chunk=chunk, limit=128 << 10)
    assert reasons(values) == ["value"] * 150 + ["oversized"] + ["value"] * 149 + ["value"]
    assert framer.lines == 2
    store = Store(clock=lambda: NOW)
    stream = StreamIngest(store, "trail", max_record_bytes=128 << 10)
    for i in range(0, len(huge), chunk):
        stream.feed(huge[i : i + chunk])
    stream.close()
    names = [e.event_name for e in events(store)]
    assert names == [f"SendEmail{i}" for i in range(300) if i % 4 and i != 150]
    assert store.stats.records == 300 and store.stats.skipped["oversized"] == 1
