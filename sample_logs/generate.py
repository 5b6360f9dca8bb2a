#!/usr/bin/env python3
"""Write the sample files in sample_logs/ (run from the repo root: python sample_logs/generate.py).

Deterministic: every run writes the same bytes. Two days of synthetic traffic ending
2026-11-20T12:00:00Z are split by message, so each message's whole lifecycle lands in one file.
"""

from __future__ import annotations

import calendar
import gzip
import hashlib
import json
import random
import sys
import uuid
import zlib
from collections import defaultdict
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from sestui import synth  # noqa: E402  (needs the sys.path entry above)

OUT = ROOT / "sample_logs"
END = float(calendar.timegm((2026, 11, 20, 12, 0, 0)))
START = END - 2 * 86400
SEED = 20261121  # any seed works; check_coverage() fails loudly if one misses a record kind
RATE = 0.0105  # records per second: ~1,800 records in two days keeps the directory under 3 MB
CT_FILE = "cloudtrail/123456789012_CloudTrail_us-east-1_20261120T1200Z_AbCdEfGh12345678.json.gz"
# messageId hash bucket (0-99) -> file that gets that message's events
EVENT_ROUTES = ((72, "events"), (80, "firehose"), (88, "lambda"), (100, "tail"))


def copy(record: dict) -> dict:
    """Deep copy: records of one message share their mail dict."""
    return orjson.loads(orjson.dumps(record))


def route(record: dict) -> str:
    kind = synth.record_kind(record)
    if kind == "event":
        bucket = zlib.crc32(record["mail"]["messageId"].encode()) % 100
        return next(name for limit, name in EVENT_ROUTES if bucket < limit)
    bucket = zlib.crc32(orjson.dumps(record)) % 100
    if kind == "notification":
        return "notif-sns" if bucket < 55 else "notif-raw" if bucket < 85 else "lambda"
    return "ct-lines" if bucket < 55 else "ct-file" if bucket < 92 else "lambda"


def pick_pretty(stream: list[tuple[float, dict]]) -> list[tuple[float, dict]]:
    """One record of a few interesting kinds, shown pretty-printed instead of in their usual file."""
    wanted = [lambda r: r.get("eventType") == "Bounce", lambda r: r.get("notificationType") == "Complaint",
              lambda r: r.get("eventType") == "Click", lambda r: "errorCode" in r,
              lambda r: r.get("notificationType") == "Delivery"]
    return [next(item for item in stream if test(item[1])) for test in wanted]


def check_coverage(stream: list[tuple[float, dict]]) -> None:
    kinds = {rec.get("eventType") or rec.get("notificationType") for _, rec in stream if "eventVersion" not in rec}
    missing = (set(synth.OBJECT_KEYS) | {"Bounce", "Complaint", "Delivery"}) - kinds
    assert not missing, f"seed {SEED} produced no {missing}"


def check_lifecycles(events: list[tuple[float, dict]]) -> None:
    """ses-events.jsonl must show a full engagement lifecycle and a delayed-then-bounced one."""
    seen: dict[str, set[str]] = defaultdict(set)
    for _, rec in events:
        seen[rec["mail"]["messageId"]].add(rec["eventType"])
    assert any({"Send", "Delivery", "Open", "Click"} <= kinds for kinds in seen.values())
    assert any({"Send", "DeliveryDelay", "Bounce"} <= kinds for kinds in seen.values())


def write_events(items: list[tuple[float, dict]]) -> None:
    check_lifecycles(items)
    (OUT / "ses-events.jsonl").write_bytes(b"".join(synth.encode(r, "raw", t) for t, r in items))


def write_notifications_sns(items: list[tuple[float, dict]], r: random.Random) -> None:
    topic = "arn:aws:sns:us-east-1:123456789012:ses-bounce-notifications"
    confirm = synth.sns_envelope(
        f"You have chosen to subscribe to the topic {topic}.\nTo confirm the subscription, visit the "
        "SubscribeURL included in this message.", topic, START - 3600, r, type_="SubscriptionConfirmation")
    validated = synth.sns_envelope("Successfully validated SNS topic for Amazon SES event publishing.",
                                   "arn:aws:sns:us-east-1:123456789012:ses-transactional-events", START - 1800, r)
    lines = [orjson.dumps(confirm) + b"\n", orjson.dumps(validated) + b"\n"]
    lines += [synth.encode(rec, "sns", t, r) for t, rec in items]
    (OUT / "ses-notifications-sns.jsonl").write_bytes(b"".join(lines))


def write_feedback_raw(items: list[tuple[float, dict]], r: random.Random) -> None:
    succeeded = {"notificationType": "AmazonSnsSubscriptionSucceeded",
                 "message": "You have successfully subscribed your Amazon SNS topic "
                            "'arn:aws:sns:eu-west-1:555566667777:ses-bounce-notifications' to receive 'Bounce' "
                            "notifications from Amazon SES for identity 'initech.example'."}
    lines = [orjson.dumps(succeeded) + b"\n"]
    lines += [synth.encode(rec, "raw", t, r) for t, rec in items]
    lines.insert(len(lines) // 2, orjson.dumps(received_notification(START + 86400)) + b"\n")
    (OUT / "ses-feedback-raw.jsonl").write_bytes(b"".join(lines))


def received_notification(t: float) -> dict:
    """An inbound (receipt rule) notification that arrived on the same topic; sestui should label it."""
    ts = synth.iso_ms(t)
    return {"notificationType": "Received",
            "mail": {"timestamp": ts, "source": "ana.silva@gmail.com",
                     "messageId": "q9m1fa3kq8l2v7r5c0b6n4h2d8s1e3t7u5o9i0aa",
                     "destination": ["billing@mail.acme.example"], "headersTruncated": False,
                     "commonHeaders": {"returnPath": "ana.silva@gmail.com",
                                       "from": ["Ana Silva <ana.silva@gmail.com>"],
                                       "date": "Thu, 19 Nov 2026 12:00:00 +0000", "to": ["billing@mail.acme.example"],
                                       "messageId": "<CAF7x2=mQ9@mail.gmail.com>",
                                       "subject": "Re: Your invoice is ready"}},
            "receipt": {"timestamp": ts, "processingTimeMillis": 612, "recipients": ["billing@mail.acme.example"],
                        "spamVerdict": {"status": "PASS"}, "virusVerdict": {"status": "PASS"},
                        "spfVerdict": {"status": "PASS"}, "dkimVerdict": {"status": "PASS"},
                        "dmarcVerdict": {"status": "PASS"},
                        "action": {"type": "SNS", "encoding": "UTF8",
                                   "topicArn": "arn:aws:sns:us-east-1:123456789012:ses-bounce-notifications"}}}


def write_tail(items: list[tuple[float, dict]], r: random.Random) -> None:
    """aws logs tail output of the Lambda that logs each event, with its START/END/REPORT lines."""
    formats = (("detailed", False), ("detailed", True), ("short", False), ("json", False))
    lines = []
    for i, (t, rec) in enumerate(items):
        fmt, color = formats[i % len(formats)]
        stream = synth.log_stream(rec, t)[1]
        req = str(uuid.UUID(int=r.getrandbits(128), version=4))
        when = float(int(t)) if i == 3 else t + 0.05  # one whole-second json line: isoformat drops ".000000"
        message = orjson.dumps(rec).decode()
        if i % 3 == 1:  # Node.js console.log format: ts, request id, level, then the JSON
            message = f"{synth.iso_ms(when)}\t{req}\tINFO\t{message}"
        if i % 2 == 0:
            lines.append(synth.format_tail(f"START RequestId: {req} Version: $LATEST", t, stream, fmt, color))
        lines.append(synth.format_tail(message, when, stream, fmt, color))
        if i % 2 == 0:
            lines.append(synth.format_tail(f"END RequestId: {req}", t + 0.08, stream, fmt, color))
            lines.append(synth.format_tail(
                f"REPORT RequestId: {req}\tDuration: {r.uniform(1, 40):.2f} ms\tBilled Duration: {r.randint(2, 41)} ms"
                f"\tMemory Size: 128 MB\tMax Memory Used: {r.randint(60, 90)} MB\t", t + 0.09, stream, fmt, color))
    (OUT / "cloudwatch-tail.log").write_bytes(b"".join(lines))


def write_lambda_batches(items: list[tuple[float, dict]], r: random.Random) -> None:
    """Lambda / SQS / CloudWatch Logs payloads carrying 1-4 records each, one payload per line."""
    by_kind: dict[str, list[tuple[float, dict]]] = defaultdict(list)
    for t, rec in items:
        by_kind[synth.record_kind(rec)].append((t, rec))
    styles = {"event": ("lambda-sns", "sqs", "cwl", "awslogs"), "notification": ("lambda-sns", "sqs", "cwl"),
              "cloudtrail": ("cwl", "awslogs")}
    payloads = []
    for kind, recs in by_kind.items():
        i = 0
        while i < len(recs):
            batch = recs[i:i + r.randint(1, 4)]
            i += len(batch)
            style = r.choice(styles[kind])
            payloads.append((batch[-1][0], synth.encode_batch([rec for _, rec in batch], style, batch[-1][0], r)))
    payloads.sort(key=lambda p: p[0])
    (OUT / "lambda-batches.jsonl").write_bytes(b"".join(line for _, line in payloads))


def write_cloudtrail(lines: list[tuple[float, dict]], file_records: list[tuple[float, dict]],
                     r: random.Random) -> None:
    (OUT / "cloudtrail").mkdir(exist_ok=True)
    (OUT / "cloudtrail/ses-api-calls.jsonl").write_bytes(b"".join(synth.encode(x, "raw", t) for t, x in lines))
    records = [rec for _, rec in file_records]
    r.shuffle(records)  # CloudTrail files hold records "in no particular order"
    body = orjson.dumps({"Records": records})
    half = len(body) // 2  # two gzip members, split mid-document: a reader must read past the first
    data = gzip.compress(body[:half], mtime=0) + gzip.compress(body[half:], mtime=0)
    (OUT / CT_FILE).write_bytes(data)


def write_pretty(items: list[tuple[float, dict]], r: random.Random) -> None:
    chunks = [synth.encode(rec, "pretty", t, r) for t, rec in items]
    # A captured SNS HTTP body: 2-space indent with a space before each colon.
    envelope = orjson.loads(synth.encode(items[-1][1], "sns", items[-1][0], r))
    chunks.append(json.dumps(envelope, indent=2, separators=(",", " : ")).encode() + b"\n")
    eventbridge = orjson.loads(synth.encode(items[0][1], "eventbridge", items[0][0], r))
    chunks.append(json.dumps(eventbridge, indent=2).encode() + b"\n")
    (OUT / "pretty-printed.json").write_bytes(b"".join(chunks))


def bad_lines(event: dict, bounce: dict) -> list[bytes]:
    """Hostile or broken input: sestui must count each line as bad (or render it inertly) and go on."""
    good = orjson.dumps(event)
    markup = copy(event)
    markup["mail"]["destination"] = ["[bold]x[/]@evil.example"]
    markup["mail"]["source"] = "[link=https://evil.example]Acme Billing[/link] <billing@mail.acme.example>"
    click = copy(bounce)
    click["bounce"]["bouncedRecipients"][0]["diagnosticCode"] = "smtp; 550 5.1.1 [@click=app.quit]unsubscribe[/]"
    escapes = copy(event)
    escapes["mail"]["commonHeaders"]["subject"] = "\u001b]0;pwned\u0007Invoice \u001b[31mOVERDUE\u001b[0m"
    escapes["mail"]["destination"] = ["\u001b[2J\u001b[Hvictim@gmail.com"]
    mangled = copy(event)
    # Own ids: keep them out of real lifecycles (and from being taken for copies of real events).
    for n, rec in enumerate((markup, click, escapes, mangled), 1):
        rec["mail"]["messageId"] = f"010001a1f0000000-0bad0000-0000-4000-8000-00000000000{n}-000000"
    other_service = {
        "eventVersion": "1.08", "userIdentity": {"type": "IAMUser", "userName": "alice.ops",
                                                 "arn": "arn:aws:iam::123456789012:user/alice.ops"},
        "eventTime": "2026-11-20T11:58:00Z", "eventSource": "ec2.amazonaws.com", "eventName": "RunInstances",
        "awsRegion": "us-east-1", "sourceIPAddress": "81.2.69.180", "userAgent": "AWS Internal",
        "requestParameters": {"instanceType": "t3.micro"}, "responseElements": None,
        "requestID": "c7a3b8f1-0d2e-4c5b-9a61-3e7f2d1b0a94", "eventID": "5e9d2c71-8b4a-4f3e-a1d0-7c6b5a493827",
        "eventType": "AwsApiCall", "recipientAccountId": "123456789012"}
    return [
        # 1. truncated JSON (the writer was killed mid-line)
        good[: len(good) // 3] + b"\n",
        # 2. invalid UTF-8 bytes (0xff 0xfe, a Latin-1 e-acute) inside a JSON string
        orjson.dumps(mangled).replace(b'"Acme Billing', b'"Acme \xff\xfe Caf\xe9 Billing', 1) + b"\n",
        # 3. Rich markup in the recipient address and the source: must be displayed literally
        orjson.dumps(markup) + b"\n",
        # 4. Textual action markup inside a bounce diagnosticCode
        orjson.dumps(click) + b"\n",
        # 5. terminal escapes as \u001b in JSON strings: OSC title change, clear screen, colours
        orjson.dumps(escapes) + b"\n",
        # 6. binary junk (NULs, a PNG header, an ANSI blink, bytes that are never UTF-8)
        b"\x00\x01\x02\x03\x89PNG\r\x1a\x00\x00\x00\rIHDR\xde\xad\xbe\xef\x1b[5m\x7f\x80\x81\xfe\xff" * 3 + b"\n",
        # 7. a valid CloudTrail record of another service (ec2): skipped as not SES, not an error
        orjson.dumps(other_service) + b"\n",
        # 8. invalid JSON, as in Sumo Logic's published sample
        b'{"notificationType":"Bounce","mail":{"destination":([ "bob@example.com" ]}}\n',
        # 9. valid JSON that is not an object
        b"[1, 2, 3]\n",
        # 10. an empty line
        b"\n",
        # 11. the right discriminator with the wrong types
        b'{"eventType": "Delivery", "mail": null, "delivery": "yes"}\n',
    ]


def main() -> None:
    r = random.Random(SEED)
    # rare=6: six times the real odds of complaints, rejects, ... so two days show every kind.
    traffic = synth.Traffic(seed=SEED, start=START, rate=RATE, incidents=True, incident_period=8 * 3600, rare=6)
    stream = list(traffic.records(END))
    check_coverage(stream)
    pretty = pick_pretty(stream)
    skip = {id(rec) for _, rec in pretty}
    files: dict[str, list[tuple[float, dict]]] = defaultdict(list)
    for t, rec in stream:
        if id(rec) not in skip:
            files[route(rec)].append((t, rec))
    write_events(files["events"])
    write_notifications_sns(files["notif-sns"], r)
    write_feedback_raw(files["notif-raw"], r)
    write_tail(files["tail"], r)
    (OUT / "firehose-eventbridge.json").write_bytes(synth.firehose_object(files["firehose"], "eventbridge", r))
    write_lambda_batches(files["lambda"], r)
    write_cloudtrail(files["ct-lines"], files["ct-file"], r)
    write_pretty(pretty, r)
    billing = next(rec for _, rec in files["events"] if "commonHeaders" in rec["mail"]
                   and rec["mail"]["source"].startswith("Acme Billing"))
    (OUT / "bad-lines.jsonl").write_bytes(b"".join(bad_lines(billing, pretty[0][1])))
    for path in sorted(OUT.rglob("*")):
        if path.is_file() and path.suffix != ".py":
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            print(f"{path.relative_to(OUT)}  {path.stat().st_size:>9,} bytes  sha256:{digest}")


if __name__ == "__main__":
    main()
