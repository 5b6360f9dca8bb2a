"""Tests for sestui.synth: determinism, wrapper round trips, lifecycles, incidents, bench corpus."""

from __future__ import annotations

import base64
import gzip
import json
import re
import statistics
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import orjson
import pytest

from sestui import synth

START = 1795003200.0  # 2026-11-18T12:00:00Z
SES_ID = re.compile(r"^01[0-9a-f]{14}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-000000$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ISO_S = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MMDB = Path(__file__).resolve().parents[2] / "shared" / "geoip" / "GeoLite2-City-Test.mmdb"


@pytest.fixture(scope="module")
def stream() -> list[tuple[float, dict]]:
    return list(synth.Traffic(seed=7, start=START, rate=20).records(START + 3600))


def by_message(stream: list[tuple[float, dict]]) -> dict[str, list[tuple[float, dict]]]:
    out: dict[str, list[tuple[float, dict]]] = defaultdict(list)
    for t, rec in stream:
        if "eventType" in rec and "eventVersion" not in rec:
            out[rec["mail"]["messageId"]].append((t, rec))
    return out


def unwrap(data: bytes) -> list[dict]:
    """Recover the inner records from any encoding (written independently of synth)."""
    text = data.decode()
    if not text.startswith("{"):  # aws logs tail: strip colours, JSON starts at the first brace
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
        return [json.loads(text[text.index("{"):])]
    return unwrap_object(json.loads(text))


def unwrap_object(obj: dict) -> list[dict]:
    if obj.get("messageType") == "DATA_MESSAGE":
        return [orjson.loads(event["message"]) for event in obj["logEvents"]]
    if "awslogs" in obj:
        return unwrap_object(orjson.loads(gzip.decompress(base64.b64decode(obj["awslogs"]["data"]))))
    if "Records" in obj:
        out = []
        for rec in obj["Records"]:
            if rec.get("EventSource") == "aws:sns":
                out += unwrap_object(rec["Sns"])
            elif rec.get("eventSource") == "aws:sqs":
                out += unwrap_object(orjson.loads(rec["body"]))
            else:
                out.append(rec)
        return out
    if obj.get("Type") == "Notification":
        assert obj["Message"].endswith("\n")
        return [orjson.loads(obj["Message"])]
    if "detail-type" in obj:
        return [obj["detail"]]
    return [obj]


def samples(stream: list[tuple[float, dict]]) -> list[tuple[float, dict]]:
    """One record of each eventType / notificationType / CloudTrail."""
    seen: dict[str, tuple[float, dict]] = {}
    for t, rec in stream:
        key = "ct" if "eventVersion" in rec else rec.get("eventType") or "n-" + rec["notificationType"]
        seen.setdefault(key, (t, rec))
    return list(seen.values())


def test_same_seed_same_bytes() -> None:
    def run(seed: int) -> list[tuple[float, bytes]]:
        return list(synth.Traffic(seed=seed, start=START, rate=10, incidents=True).lines(START + 900))

    assert run(3) == run(3)
    assert run(3) != run(4)
    assert list(synth.iter_bench_lines(2000, seed=5)) == list(synth.iter_bench_lines(2000, seed=5))


@pytest.mark.parametrize("style", synth.STYLES)
def test_every_style_round_trips(stream: list[tuple[float, dict]], style: str) -> None:
    for t, rec in samples(stream):
        if style not in synth.COMPATIBLE[synth.record_kind(rec)]:
            with pytest.raises(ValueError):  # e.g. CloudTrail through SNS: AWS never does that
                synth.encode(rec, style, t)
            continue
        line = synth.encode(rec, style, t)
        assert line.endswith(b"\n")
        if style not in ("pretty", "logs-tail-json"):
            assert line.count(b"\n") == 1
        assert unwrap(line) == [orjson.loads(orjson.dumps(rec))]


@pytest.mark.parametrize("style", sorted(synth.BATCH_STYLES - {"cloudtrail"}))
def test_batch_styles_carry_several_records(stream: list[tuple[float, dict]], style: str) -> None:
    batch = [rec for _, rec in stream if synth.record_kind(rec) == "event"][:3]
    assert unwrap(synth.encode_batch(batch, style, START)) == [orjson.loads(orjson.dumps(r)) for r in batch]


def test_wrapper_details(stream: list[tuple[float, dict]]) -> None:
    t, rec = next(item for item in stream if item[1].get("eventType") == "Bounce")
    sns = orjson.loads(synth.encode(rec, "sns", t))
    assert sns["Type"] == "Notification" and "SigningCertURL" in sns and "UnsubscribeURL" in sns
    assert ISO_MS.match(sns["Timestamp"]) and sns["Subject"] == "Amazon SES Email Event Notification"
    lam = orjson.loads(synth.encode(rec, "lambda-sns", t))["Records"][0]
    assert lam["EventSource"] == "aws:sns" and "SigningCertUrl" in lam["Sns"] and "UnsubscribeUrl" in lam["Sns"]
    bridge = orjson.loads(synth.encode(rec, "eventbridge", t))
    assert bridge["detail-type"] == "Email Bounced" and bridge["source"] == "aws.ses" and ISO_S.match(bridge["time"])
    detailed = synth.format_tail("msg", 1514766583.079, "stream_name")
    assert detailed == b"2018-01-01T00:29:43.079000+00:00 stream_name msg\n"
    assert synth.format_tail("msg", 1514766583.079, "s", "short") == b"2018-01-01T00:29:43 msg\n"
    assert synth.format_tail("m", 1514766583.0, "s", color=True) == (
        b"\x1b[32m2018-01-01T00:29:43.000000+00:00\x1b[0m \x1b[36ms\x1b[0m m\n")
    pretty = synth.format_tail('{"foo": {"bar": "baz"}}', 1514766583.0, "s", "json")
    assert pretty == b'2018-01-01T00:29:43+00:00 s \n{\n    "foo": {\n        "bar": "baz"\n    }\n}\n'


def test_firehose_object_has_no_separators(stream: list[tuple[float, dict]]) -> None:
    items = [item for item in stream if synth.record_kind(item[1]) == "event"][:20]
    blob = synth.firehose_object(items).decode()
    assert "\n" not in blob and "}{" in blob
    decoder, pos, details = json.JSONDecoder(), 0, []
    while pos < len(blob):
        obj, pos = decoder.raw_decode(blob, pos)
        details.append(obj["detail"])
    assert details == [orjson.loads(orjson.dumps(rec)) for _, rec in items]


def test_record_shapes(stream: list[tuple[float, dict]]) -> None:
    kinds = {rec.get("eventType") or rec.get("notificationType") for _, rec in stream if "eventVersion" not in rec}
    assert {"Send", "Delivery", "Open", "Click", "Bounce", "DeliveryDelay"} <= kinds
    for _, rec in stream:
        if "eventVersion" in rec:
            assert rec["eventVersion"] == "1.08" and ISO_S.match(rec["eventTime"])
            assert rec["eventName"] not in ("SendEmail", "SendRawEmail")
            continue
        mail = rec["mail"]
        assert SES_ID.match(mail["messageId"]) and ISO_MS.match(mail["timestamp"])
        assert mail["sourceArn"].startswith("arn:aws:ses:")
        if "notificationType" in rec:
            assert "sourceIp" in mail and "callerIdentity" in mail and "tags" not in mail
        else:
            assert all(isinstance(v, list) for v in mail["tags"].values())
        if rec.get("eventType") == "Rendering Failure":
            assert "failure" in rec


def test_rates(stream: list[tuple[float, dict]]) -> None:
    assert 20 * 3600 * 0.8 < len(stream) < 20 * 3600 * 1.2
    events = [rec for _, rec in stream if synth.record_kind(rec) == "event"]
    sends = sum(rec["eventType"] == "Send" for rec in events)
    bounces = sum(rec["eventType"] == "Bounce" for rec in events)
    assert 0.015 < bounces / sends < 0.05
    trail = [rec for _, rec in stream if synth.record_kind(rec) == "cloudtrail"]
    assert 0.07 < len(trail) / len(stream) < 0.13
    assert 0.02 < sum("errorCode" in rec for rec in trail) / len(trail) < 0.09
    assert any(rec["eventSource"] != "ses.amazonaws.com" for rec in trail)


def test_lifecycle_ordering(stream: list[tuple[float, dict]]) -> None:
    times = [t for t, _ in stream]
    assert times == sorted(times)
    order = {"Send": 0, "Delivery": 1, "Open": 2, "Click": 3}
    delivered = 0
    for events in by_message(stream).values():
        firsts: dict[str, float] = {}
        for t, rec in events:
            firsts.setdefault(rec["eventType"], t)
        ranked = [firsts[k] for k in sorted(firsts, key=lambda k: order.get(k, 9)) if k in order]
        assert ranked == sorted(ranked)
        if "Delivery" in firsts and "Send" in firsts:
            delivered += 1
            delivery = next(rec for _, rec in events if rec["eventType"] == "Delivery")["delivery"]
            assert delivery["timestamp"] > events[0][1]["mail"]["timestamp"]
            assert delivery["processingTimeMillis"] > 0
    assert delivered > 1000


def test_incidents_present_only_when_enabled() -> None:
    def run(incidents: bool) -> list[dict]:
        traffic = synth.Traffic(seed=11, start=START, rate=30, incidents=incidents)
        return [rec for _, rec in traffic.records(START + 600)]

    def s3150(recs: list[dict]) -> int:
        return sum("S3150" in orjson.dumps(rec.get("bounce", {})).decode() for rec in recs if "eventType" in rec)

    def intruder(recs: list[dict]) -> int:
        return sum(rec.get("sourceIPAddress") == synth.INTRUDER_IP and rec.get("errorCode") == "AccessDenied"
                   for rec in recs)

    def incident_mta_ms(recs: list[dict], slow: bool) -> list[int]:
        clock = synth.Traffic(start=START, incidents=True)

        def sent_in_window(rec: dict) -> bool:
            return "slow-mta" in clock.incidents_at(datetime.fromisoformat(rec["mail"]["timestamp"]).timestamp())

        return [rec["delivery"]["processingTimeMillis"] for rec in recs
                if rec.get("eventType") == "Delivery" and rec["delivery"]["reportingMTA"] == synth.INCIDENT_MTA
                and sent_in_window(rec) == slow]

    on, off = run(True), run(False)
    assert s3150(on) > 20 and s3150(off) == 0
    assert intruder(on) > 10 and intruder(off) == 0
    assert statistics.median(incident_mta_ms(on, True)) > 5 * statistics.median(incident_mta_ms(on, False))
    assert statistics.median(incident_mta_ms(off, True)) < 2 * statistics.median(incident_mta_ms(off, False))
    traffic = synth.Traffic(start=START, incidents=True)
    assert traffic.incidents_at(START + 40) == ("bounce-burst",) and traffic.incidents_at(START + 10) == ()


def test_live_lines_start_at_clock() -> None:
    lines = synth.live_lines(rate=50, clock=lambda: 2000000000.0, seed=1)
    first = [next(lines) for _ in range(300)]
    dues = [due for due, _ in first]
    assert dues == sorted(dues) and 2000000000.0 <= dues[0] < dues[-1] < 2000000000.0 + 30
    for _, line in first:
        assert unwrap(line)


def test_bench_lines_size_and_unique_ids() -> None:
    lines = synth.bench_lines(50000, seed=1)
    average = sum(map(len, lines)) / len(lines)
    # Lean records in the bench mix average ~850 bytes: an SNS envelope alone is ~1.4 kB.
    assert 750 < average < 950
    assert all(line.endswith(b"\n") and line.count(b"\n") == 1 for line in lines)
    event_ids = [json.loads(line)["eventID"] for line in lines if line.startswith(b'{"eventVersion"')]
    assert len(event_ids) == len(set(event_ids)) > 4000
    sends = [json.loads(line)["mail"]["messageId"] for line in lines if line.startswith(b'{"eventType":"Send"')]
    assert len(sends) == len(set(sends))


def test_geo_ips_resolve_in_maxmind_test_db() -> None:
    maxminddb = pytest.importorskip("maxminddb")
    if not MMDB.exists():
        pytest.skip(f"{MMDB} is not part of this checkout")
    with maxminddb.open_database(str(MMDB)) as reader:
        for country, addresses in synth.GEO_IPS.items():
            for address in addresses:
                assert reader.get(address)["country"]["iso_code"] == country, address
