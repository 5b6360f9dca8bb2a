"""The parser against every real payload in ../shared/corpus (see corpus/SOURCES.md).

Expectations come from /work/shared/formats.md, not from the parser's output:

* EXPECTED names, for every corpus file, the event kinds it must yield (in order) and the skip
  reasons of the records that yield none;
* `oracle()` is an independent reading of formats.md that derives each event's key fields
  (time, message id, recipients, kind-specific fields) from the record JSON in the file;
* SPOT pins a few values by hand, so a mistake shared by oracle and parser still shows.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
import pytest

from helpers import CORPUS, events, ingest
from sestui.parsing import message_tags

if not CORPUS.is_dir():
    pytest.skip(f"no SES corpus at {CORPUS} (set SESTUI_SHARED to the shared checkout)", allow_module_level=True)


@dataclass(frozen=True)
class Expect:
    kinds: tuple[str, ...] = ()
    skipped: dict[str, int] = field(default_factory=dict)
    used: int = 1  # records that yield at least one event


def ev(*kinds: str, used: int = 1, **skipped: int) -> Expect:
    return Expect(kinds, skipped, used)


def skip(**skipped: int) -> Expect:
    return Expect((), skipped, 0)


NOT_SES, IGNORED, NOT_JSON, INVALID = skip(not_ses=1), skip(ignored=1), skip(not_json=1), skip(invalid_json=1)

EXPECTED: dict[str, Expect] = {
    "cloudtrail/awsdocs-ses-deleteidentity-root.json": ev("CloudTrail"),
    "cloudtrail/awsdocs-ses-verifyemailidentity-root.json": ev("CloudTrail"),
    "cloudtrail/sumologic-getidentitymailfromdomainattributes-iamuser-console.json": ev("CloudTrail"),
    "cloudtrail-records-file/awsdocs-ct-error-code-updatetrail.json": NOT_SES,  # cloudtrail.amazonaws.com
    "cloudtrail-records-file/awsdocs-ct-insights-event-pair.json": NOT_SES,  # Insights: no eventSource
    "cloudtrail-records-file/awsdocs-ses-deleteidentity-verifyemailidentity.json": ev("CloudTrail", "CloudTrail"),
    "event/anymail-click-minimal.json": ev("Click"),
    "event/anymail-open-minimal.json": ev("Open"),
    "event/anymail-reject-minimal.json": ev("Reject"),
    "event/anymail-rendering-failure-minimal.json": ev("RenderingFailure"),
    "event/anymail-send-minimal-tags.json": ev("Send"),
    "event/awsdocs-2018-click-no-custom-tags.json": ev("Click"),
    "event/awsdocs-2018-open-no-custom-tags.json": ev("Open"),
    "event/awsdocs-2019-open-uses-notificationType-key.json": ev("Open"),
    "event/awsdocs-2019-send-uses-notificationType-key.json": ev("Send"),
    "event/awsdocs-bounce-permanent-general.json": ev("Bounce"),
    "event/awsdocs-click-with-linktags.json": ev("Click"),
    "event/awsdocs-complaint-abuse.json": ev("Complaint"),
    "event/awsdocs-delivery-with-outgoing-ip-and-custom-tags.json": ev("Delivery"),
    "event/awsdocs-deliverydelay-transientcommunicationfailure.json": ev("DeliveryDelay"),
    "event/awsdocs-open.json": ev("Open"),
    "event/awsdocs-reject-bad-content.json": ev("Reject"),
    "event/awsdocs-rendering-failure.json": ev("RenderingFailure"),
    "event/awsdocs-send.json": ev("Send"),
    "event/awsdocs-subscription-unsubscribeheader.json": ev("Subscription"),
    "event/capture2023-delivery-gmail.json": ev("Delivery"),
    "event/djses-bounce-event-offset-timestamps.json": ev("Bounce"),
    "event/djses-click-null-linktags-schemeless-link.json": ev("Click"),
    "event/djses-delivery-empty-smtpresponse.json": ev("Delivery"),
    "event/djses-open-googleimageproxy.json": ev("Open"),
    "event/fixture-bounce-transient-messagetoolarge-minimal.json": ev("Bounce"),
    "event/fixture-complaint-onaccountsuppressionlist.json": ev("Complaint"),
    "event/fixture-deliverydelay-mailboxfull.json": ev("DeliveryDelay"),
    "notification/anymail-bounce-duplicate-headers.json": ev("Bounce"),
    "notification/anymail-bounce-two-recipients-minimal.json": ev("Bounce"),
    "notification/anymail-complaint-minimal-no-timestamp.json": ev("Complaint"),
    "notification/anymail-delivery-minimal.json": ev("Delivery"),
    "notification/awsdocs-bounce-permanent-general-no-dsn.json": ev("Bounce"),
    "notification/awsdocs-bounce-permanent-general-with-dsn.json": ev("Bounce"),
    "notification/awsdocs-complaint-abuse-with-feedback-report.json": ev("Complaint"),
    "notification/awsdocs-complaint-no-feedback-report.json": ev("Complaint"),
    "notification/awsdocs-delivery.json": ev("Delivery"),
    "notification/djses-bounce-transient-no-status.json": ev("Bounce"),
    "notification/djses-received-s3-gmail-headers.json": IGNORED,  # inbound "Received"
    "notification/fixture-bounce-permanent-noemail-minimal.json": ev("Bounce"),
    "notification/fixture-bounce-undetermined-undetermined-minimal.json": ev("Bounce"),
    "notification/fixture-complaint-not-spam-multiline.json": ev("Complaint"),
    "notification/sumologic-bounce-permanent-suppressed.json": ev("Bounce"),
    "notification/sumologic-delivery-mismatched-recipients.json": ev("Delivery"),
    "other/aws-logs-tail-detailed-color.txt": NOT_JSON,  # "my message"
    "other/aws-logs-tail-detailed-nocolor.txt": NOT_JSON,
    "other/aws-logs-tail-detailed-zero-micros-color.txt": NOT_JSON,
    "other/aws-logs-tail-json-pretty.txt": NOT_SES,  # prefix line + {"foo": {"bar": "baz"}}: one record
    "other/aws-logs-tail-short-nocolor.txt": NOT_JSON,
    "other/aws-logs-tail-short-unicode.txt": NOT_JSON,
    "other/awsdocs-bounce-object-mixed-actions.json": NOT_SES,  # bare fragments
    "other/awsdocs-complaint-object.json": NOT_SES,
    "other/awsdocs-delivery-object.json": NOT_SES,
    "other/awsdocs-mail-object-with-headers-bad-timestamp.json": NOT_SES,
    # CloudTrailEvent blob elided by the author: the CLI's own columns still name an SES call.
    "other/cloudtrail-lookup-events-cli-output-partial.json": ev("CloudTrail"),
    # logEvents[].message are truncated JSON strings; the file ends with a whitespace-only line.
    "other/cwl-subscription-data-message-kinesis.json": skip(invalid_json=1, blank=1),
    "other/cwl-subscription-data-message-lambda.json": skip(invalid_json=1, blank=1),
    "other/eventbridge-email-bounced.json": ev("Bounce"),
    "other/eventbridge-email-delivered.json": ev("Delivery"),
    "other/fixture-bounce-object-transient-attachmentrejected.json": NOT_SES,
    "other/lambda-cloudwatch-logs-awslogs-event.decoded.json": NOT_SES,  # "[ERROR] First test message"
    "other/lambda-cloudwatch-logs-awslogs-event.json": NOT_SES,
    "other/lambda-firehose-transform-event.json": NOT_SES,  # data = "Hello World"
    "other/lambda-ses-receipt-event.json": IGNORED,  # SES inbound receipt-rule Lambda event
    "other/lambda-sns-event-generic.json": NOT_SES,  # "Hello from SNS!"
    "other/lambda-sqs-event-generic.json": NOT_SES,  # "Message Body"
    "other/sns-firehose-archived-notification-no-signature.json": NOT_SES,  # "My 1st body"
    "other/sumologic-complaint-aol-INVALID-JSON.json": INVALID,
    "other/sumologic-ses-notifications-3-lines.ndjson": ev("Delivery", "Bounce", used=2, invalid_json=1),
    "other/wazuh-group-real-gmail-bounce-EXCERPT-NOT-JSON.txt": INVALID,  # mangled, truncated
    "sns-envelope/anymail-bounce-notification-full.json": ev("Bounce"),
    "sns-envelope/anymail-notification-plaintext-successfully-validated.json": IGNORED,
    "sns-envelope/anymail-received-on-tracking-topic.json": IGNORED,
    "sns-envelope/anymail-subscriptionconfirmation.json": IGNORED,
    "sns-envelope/anymail-unsubscribeconfirmation.json": IGNORED,
    "sns-envelope/djses-complaint-envelope-empty-signature.json": ev("Complaint"),
    "sns-envelope/rails-amazonsnssubscriptionsucceeded-partial.json": IGNORED,
}

# Hand-checked values (ISO strings are compared as instants).
SPOT: dict[str, dict[str, Any]] = {
    "event/djses-bounce-event-offset-timestamps.json": {
        "time": "2012-05-25T21:59:38.605Z", "mta": "example.com",
        "recipients": ("recipient1@example.com", "recipient2@example.com"),
        "statuses": ("5.0.0", "4.0.0"), "diagnostics": ("smtp; 550 user unknown", None),
    },
    "event/awsdocs-bounce-permanent-general.json": {"mta": "mta.example.com", "config_set": "ConfigSet"},
    "notification/awsdocs-bounce-permanent-general-with-dsn.json": {
        "mta": "email.example.com", "remote_ip": "127.0.2.0",
    },
    "notification/anymail-bounce-two-recipients-minimal.json": {
        "time_guessed": True, "recipients": ("jane@example.com", "richard@example.com"),
        "statuses": (None, None),
    },
    "notification/fixture-bounce-undetermined-undetermined-minimal.json": {
        "bounce_type": "Undetermined", "bounce_subtype": "Undetermined", "message_id": None, "time_guessed": True,
    },
    "notification/fixture-complaint-not-spam-multiline.json": {
        "feedback_type": "not-spam", "recipients": ("rescuer@example.com",),
    },
    "notification/sumologic-delivery-mismatched-recipients.json": {
        "recipients": ("jason@sumo.com",), "time": "2017-12-19T07:58:23.735Z", "source_ip": "19.171.22.2",
    },
    "event/fixture-complaint-onaccountsuppressionlist.json": {
        "complaint_subtype": "OnAccountSuppressionList", "user_agent": "Example FBL",
    },
    "event/djses-delivery-empty-smtpresponse.json": {"smtp_response": "", "processing_ms": 1796},
    "event/capture2023-delivery-gmail.json": {
        "mta": "d208-13.smtp-out.ca-central-1.amazonses.com", "config_set": "email_sns_config",
    },
    "event/anymail-send-minimal-tags.json": {"config_set": "ConfigSet", "source_ip": "192.0.2.0", "caller": "ses_user"},
    "event/awsdocs-2019-send-uses-notificationType-key.json": {"kind": "Send", "time": "2016-10-14T05:02:16.645Z"},
    "event/awsdocs-rendering-failure.json": {"template": "MyTemplate"},
    "event/djses-click-null-linktags-schemeless-link.json": {"link": "github.com/django-ses/django-ses"},
    "sns-envelope/djses-complaint-envelope-empty-signature.json": {"time": "2012-05-25T14:59:38.623Z"},
    "cloudtrail/awsdocs-ses-deleteidentity-root.json": {
        "event_name": "DeleteIdentity", "user": "root", "account": "111122223333",
    },
    "cloudtrail/sumologic-getidentitymailfromdomainattributes-iamuser-console.json": {
        "user": "jbrown", "region": "us-west-3",
    },
    "other/cloudtrail-lookup-events-cli-output-partial.json": {
        "event_name": "CreateConfigurationSet", "user": "axelarator", "time": "2026-02-02T00:12:42Z",
    },
    "other/eventbridge-email-delivered.json": {"processing_ms": 1025, "mta": "a8-21.smtp-out.amazonses.com"},
}


def corpus_files() -> list[str]:
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md")


def physical_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def instant(iso: str | None) -> float | None:
    return None if iso is None else datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def single_value(data: bytes) -> Any:
    """The file's JSON value, or None when it is not exactly one JSON value."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


# -- oracle: what formats.md says each record yields -----------------------------------------------

KIND = {"Rendering Failure": "RenderingFailure"}
OBJECT = {  # eventType -> (object key, recipient list key, has its own timestamp)
    "Bounce": ("bounce", "bouncedRecipients", True), "Complaint": ("complaint", "complainedRecipients", True),
    "Delivery": ("delivery", "recipients", True), "DeliveryDelay": ("deliveryDelay", "delayedRecipients", True),
    "Open": ("open", None, True), "Click": ("click", None, True), "Subscription": ("subscription", None, True),
    "Send": ("send", None, False), "Reject": ("reject", None, False), "RenderingFailure": ("failure", None, False),
}


# Event attribute -> key in the kind's object.
FIELDS = {
    "Bounce": {
        "bounce_type": "bounceType", "bounce_subtype": "bounceSubType",
        "feedback_id": "feedbackId", "remote_ip": "remoteMtaIp",
    },
    "Complaint": {
        "feedback_type": "complaintFeedbackType", "complaint_subtype": "complaintSubType",
        "user_agent": "userAgent", "feedback_id": "feedbackId",
    },
    "Delivery": {"processing_ms": "processingTimeMillis", "remote_ip": "remoteMtaIp", "smtp_response": "smtpResponse"},
    "DeliveryDelay": {"delay_type": "delayType"},
    "Open": {"client_ip": "ipAddress", "user_agent": "userAgent", "link": "link"},
    "Click": {"client_ip": "ipAddress", "user_agent": "userAgent", "link": "link"},
    "Reject": {"reason": "reason"},
    "RenderingFailure": {"template": "templateName", "error_message": "errorMessage"},
    "Subscription": {"contact_list": "contactList"},
}


def inner_records(value: Any) -> list[dict]:
    """The SES / CloudTrail records inside a payload, in order (only the shapes in the corpus)."""
    if value.get("Type") == "Notification":
        return inner_records(json.loads(value["Message"]))
    if value.get("source") == "aws.ses" and "detail" in value:
        return inner_records(value["detail"])
    if isinstance(value.get("Records"), list):
        return [r for r in value["Records"] if r.get("eventSource") == "ses.amazonaws.com"]
    if isinstance(value.get("Events"), list):
        return value["Events"]
    return [value]


def strip_mta(text: str | None) -> str | None:
    """'dns; host' -> 'host' (the DSN type before ';' is not part of the name)."""
    return text.split(";", 1)[1].strip() if text and ";" in text else text


def oracle(rec: dict) -> dict[str, Any]:
    if "EventName" in rec:  # lookup-events summary item
        return {"kind": "CloudTrail", "event_name": rec["EventName"], "user": rec.get("Username"),
                "time": rec["EventTime"]}
    if "eventSource" in rec:
        return cloudtrail_oracle(rec)
    kind = rec.get("eventType") or rec["notificationType"]
    kind = KIND.get(kind, kind)
    key, recipients_key, own_time = OBJECT[kind]
    mail, obj = rec.get("mail") or {}, rec.get(key) or {}
    tags = mail.get("tags")
    tag = lambda name: (tags or {}).get(name, [None])[0]  # noqa: E731
    out: dict[str, Any] = {
        "kind": kind, "message_id": mail.get("messageId"), "source": mail.get("source"),
        "source_arn": mail.get("sourceArn"), "account": mail.get("sendingAccountId"),
        "caller": mail.get("callerIdentity") or tag("ses:caller-identity"),
        "source_ip": mail.get("sourceIp") or tag("ses:source-ip"),
        "config_set": tag("ses:configuration-set"), "tags": tags,
        "subject": (mail.get("commonHeaders") or {}).get("subject"),
        "time": (obj.get("timestamp") if own_time else None) or mail.get("timestamp"),
    }
    affected = obj.get(recipients_key) if recipients_key else None
    if kind == "Delivery":
        out["recipients"] = tuple(affected or mail.get("destination") or ())
    elif affected:
        out["recipients"] = tuple(r["emailAddress"] for r in affected)
    else:
        out["recipients"] = tuple(mail.get("destination") or ())
    if kind in ("Bounce", "DeliveryDelay") and affected:
        out["statuses"] = tuple(r.get("status") for r in affected)
        out["diagnostics"] = tuple(r.get("diagnosticCode") for r in affected)
    fields = FIELDS.get(kind, {})
    out.update({name: obj.get(json_key) for name, json_key in fields.items()})
    if kind in ("Bounce", "Delivery", "DeliveryDelay"):
        out["mta"] = strip_mta(obj.get("reportingMTA"))
    return out


def cloudtrail_oracle(rec: dict) -> dict[str, Any]:
    identity = rec.get("userIdentity") or {}
    arn = identity.get("arn") or ""
    user = identity.get("userName")
    if not user and "assumed-role/" in arn:
        user = arn.split("assumed-role/", 1)[1]
    elif not user and arn.startswith("arn:aws:iam::"):
        user = arn.split(":", 5)[5]
    return {
        "kind": "CloudTrail", "event_name": rec["eventName"], "error_code": rec.get("errorCode"),
        "error_message": rec.get("errorMessage"), "region": rec.get("awsRegion"),
        "source_ip": rec.get("sourceIPAddress"), "user_agent": rec.get("userAgent"),
        "request_id": rec.get("requestID"), "user": user, "time": rec["eventTime"],
        "account": rec.get("recipientAccountId") or identity.get("accountId"),
    }


def assert_fields(event: Any, expected: dict[str, Any], where: str) -> None:
    for name, want in expected.items():
        if name == "time":
            if want is None:
                assert event.time_guessed, f"{where}: no timestamp in the record, time must be guessed"
            else:
                assert not event.time_guessed, f"{where}: time {want} was not parsed"
                assert event.time == pytest.approx(instant(want), abs=1e-3), f"{where}: time != {want}"
        elif name == "tags":  # not kept on the event; read back from its raw record
            assert message_tags(event) == (want or {}), f"{where}: tags"
        else:
            assert getattr(event, name) == want, f"{where}: {name} = {getattr(event, name)!r}, expected {want!r}"


def payload_records(data: bytes) -> list[dict]:
    """The JSON values of a file: the whole file, or (JSON Lines) each line that parses."""
    value = single_value(data)
    if value is not None:
        return [value]
    return [v for v in map(single_value, data.splitlines()) if isinstance(v, dict)]


# -- tests ---------------------------------------------------------------------------------------


def test_every_corpus_file_has_an_expectation() -> None:
    files = set(corpus_files())
    assert not files - EXPECTED.keys(), f"corpus files missing from EXPECTED: {sorted(files - EXPECTED.keys())}"
    assert not EXPECTED.keys() - files, f"EXPECTED names absent files: {sorted(EXPECTED.keys() - files)}"
    assert SPOT.keys() <= EXPECTED.keys()


@pytest.mark.parametrize("name", sorted(set(corpus_files()) | EXPECTED.keys()))
def test_corpus_file(name: str) -> None:
    assert name in EXPECTED, f"{name}: new corpus file, add its expected outcome to EXPECTED"
    expect = EXPECTED[name]
    data = (CORPUS / name).read_bytes()
    store = ingest(data)
    stats, evs = store.stats, events(store)

    # Accounting: every line counted, every record used or skipped with a reason, nothing raised.
    assert "parse_error" not in stats.skipped and "parse_error" not in stats.inner_skipped
    assert stats.lines == physical_lines(data)
    assert [e.kind for e in evs] == list(expect.kinds)
    assert stats.events == len(evs)
    assert stats.skipped == expect.skipped
    assert stats.inner_skipped == {}
    assert stats.records == expect.used + sum(expect.skipped.values())
    assert stats.records - sum(stats.skipped.values()) == expect.used

    if not expect.kinds:
        return
    # Key fields of every event, from the record JSON in the file.
    records = [r for value in payload_records(data) for r in inner_records(value)]
    assert len(records) == len(evs)
    for i, (event, record) in enumerate(zip(evs, records)):
        where = f"{name}[{i}]"
        expected = oracle(record)
        assert_fields(event, expected, where)
        assert orjson.loads(event.raw) == record, f"{where}: raw is not the unwrapped record"
    assert stats.time_guessed == sum(oracle(r)["time"] is None for r in records)
    for field_name, want in SPOT.get(name, {}).items():
        assert_fields(evs[0], {field_name: want}, name)


def test_sns_envelope_raw_is_the_message() -> None:
    for path in sorted((CORPUS / "sns-envelope").glob("*.json")):
        envelope = json.loads(path.read_bytes())
        for event in events(ingest(path.read_bytes())):
            assert event.raw.strip() == envelope["Message"].strip().encode(), path.name
            assert b'"TopicArn"' not in event.raw


def test_cloudtrail_error_fields() -> None:
    """The canonical CloudTrail error record (not SES), relabelled as an SES call."""
    data = (CORPUS / "cloudtrail-records-file/awsdocs-ct-error-code-updatetrail.json").read_bytes()
    [event] = events(ingest(data.replace(b'"cloudtrail.amazonaws.com"', b'"ses.amazonaws.com"')))
    record = json.loads(data)["Records"][0]
    assert_fields(event, cloudtrail_oracle(record), "UpdateTrail as SES")
    assert event.error_code == "TrailNotFoundException" and event.failed
    assert event.error_message == "Unknown trail: myTrail2 for the user: 123456789012"
    assert event.user == "Alice" and event.account == "123456789012" and event.region == "us-east-2"


# -- the same payloads, concatenated -------------------------------------------------------------


@lru_cache(maxsize=1)
def single_value_files() -> list[tuple[str, Any]]:
    found = [(name, single_value((CORPUS / name).read_bytes())) for name in corpus_files()]
    return [(name, value) for name, value in found if value is not None]


def one_by_one() -> tuple[list[str], Counter, int]:
    """Per EXPECTED: kinds in order, skip counts and records with events of the single values
    (a compacted value loses its file's trailing blank line)."""
    kinds: list[str] = []
    skipped: Counter = Counter()
    used = 0
    for name, _ in single_value_files():
        kinds += EXPECTED[name].kinds
        skipped.update({r: n for r, n in EXPECTED[name].skipped.items() if r != "blank"})
        used += EXPECTED[name].used
    return kinds, skipped, used


def json_lines() -> bytes:
    return b"".join(orjson.dumps(value) + b"\n" for _, value in single_value_files())


# Several corpus files hold the same documented example (see test_the_corpus_repeats_...): these
# tests are about framing, so every copy counts, as the files count one by one.
def test_json_lines_concatenation() -> None:
    store = ingest(json_lines(), dedupe=False)
    stats = store.stats
    kinds, skipped, used = one_by_one()
    assert len(single_value_files()) > 60
    assert stats.lines == stats.records == len(single_value_files())
    assert stats.records == used + sum(stats.skipped.values())
    assert stats.events == len(kinds)
    assert Counter(e.kind for e in events(store)) == Counter(kinds)
    assert stats.skipped == dict(skipped)
    assert "parse_error" not in stats.skipped


@pytest.mark.parametrize("chunk", [1, 2, 7, 1 << 16])
def test_gzipped_json_lines_in_any_chunks(chunk: int) -> None:
    """gzip is sniffed by magic bytes (formats.md section 8), however small the first read."""
    store = ingest(gzip.compress(json_lines()), chunk=chunk, dedupe=False)
    kinds, skipped, _ = one_by_one()
    assert [e.kind for e in events(store)] == kinds
    assert store.stats.records == len(single_value_files())
    assert store.stats.skipped == dict(skipped)


@pytest.mark.parametrize(
    "style, separator",
    [("compact", b""), ("pretty", b"\n"), ("pretty", b"")],
    ids=["firehose-no-separator", "pretty-newline", "pretty-touching"],
)
def test_concatenated_values(style: str, separator: bytes) -> None:
    option = orjson.OPT_INDENT_2 if style == "pretty" else 0
    values = [value for _, value in single_value_files()]
    store = ingest(separator.join(orjson.dumps(v, option=option) for v in values), dedupe=False)
    kinds, skipped, _ = one_by_one()
    assert [e.kind for e in events(store)] == kinds
    assert store.stats.records == len(values)
    assert store.stats.skipped == dict(skipped)


def test_the_corpus_repeats_some_documented_examples_and_each_counts_once() -> None:
    """Several sources copied one AWS example, and django-ses writes one bounce both as a feedback
    notification and as an event-publishing record: read together, each of those events counts
    once. Records that share a message id but are other events (another feedback id, another
    time) all count."""
    every = ingest(json_lines(), dedupe=False)
    once = ingest(json_lines())

    def seen(store: Any) -> Counter:
        return Counter((e.kind, e.message_id or e.request_id) for e in events(store))

    example = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"  # AWS's event examples
    django = "000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000"
    assert seen(every) - seen(once) == Counter(
        {
            ("Open", example): 2,  # the 2018, 2019 (notificationType key) and current docs
            ("Click", example): 1,  # 2018 and current docs
            ("Send", example): 1,  # 2019 and current docs
            ("Bounce", django): 1,  # notification and event record of one feedback id
            ("Complaint", django): 1,  # django-ses reuses the AWS example's feedback id
            # Anymail's notification, alone and in its SNS envelope.
            ("Bounce", "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000"): 1,
            ("Delivery", "0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000"): 1,  # docs, Anymail
            ("CloudTrail", "50b87bfe-ab23-11e4-9106-5b36376f9d12"): 1,  # alone and in a Records file
            ("CloudTrail", "eb2ff803-ac09-11e4-8ff5-a56a3119e253"): 1,
        }
    )
    assert once.stats.duplicates == 10 and once.stats.events == every.stats.events


def test_each_record_of_a_records_file_reads_the_same_on_its_own_line() -> None:
    """CloudTrail delivered to CloudWatch Logs or EventBridge arrives one record at a time, without
    the `Records` wrapper: the same records, the same events and skips, in the same order."""
    files = [value for name, value in single_value_files() if name.startswith("cloudtrail-records-file/")]
    assert files
    for value in files:
        whole = ingest(orjson.dumps(value) + b"\n")
        alone = ingest(b"".join(orjson.dumps(record) + b"\n" for record in value["Records"]))
        assert [(e.kind, e.time, e.event_name) for e in events(alone)] == [
            (e.kind, e.time, e.event_name) for e in events(whole)
        ]
        assert alone.stats.events + sum(alone.stats.skipped.values()) == len(value["Records"])
        assert set(alone.stats.skipped) <= set(whole.stats.skipped) | set(whole.stats.inner_skipped)
        assert alone.stats.time_guessed == whole.stats.time_guessed == 0
