"""Records to events: every wrapper and record kind, and hostile shapes that must not break it."""

from __future__ import annotations

import base64
import gzip

import orjson
import pytest

from factory import BASE, bounce, cloudtrail, complaint, delivery, event, jsonl, notification, send, sns, ts
from helpers import NOW, events, ingest
from sestui.parsing import cloudtrail_user, message_tags
from sestui.records import UserIdentity
from sestui.timeparse import iso


def one(record: object) -> object:
    store = ingest(orjson.dumps(record) + b"\n")
    found = events(store)
    assert len(found) == 1, (store.stats.skipped, found)
    return found[0]


def skipped(record: object) -> dict[str, int]:
    store = ingest(orjson.dumps(record) + b"\n")
    assert events(store) == []
    return store.stats.skipped


EVENT_BODIES = {
    "Send": ("send", {}),
    "Reject": ("reject", {"reason": "Bad content"}),
    "Open": ("open", {"ipAddress": "192.0.2.1", "timestamp": ts(BASE + 60), "userAgent": "Mozilla/5.0"}),
    "Click": ("click", {"ipAddress": "192.0.2.1", "timestamp": ts(BASE + 90), "userAgent": "UA", "link": "https://x.example/a", "linkTags": None}),
    "Rendering Failure": ("failure", {"templateName": "Welcome", "errorMessage": "Attribute 'name' is not present"}),
    "DeliveryDelay": ("deliveryDelay", {"delayType": "MailboxFull", "delayedRecipients": [{"emailAddress": "d@x.example", "status": "4.2.2", "diagnosticCode": "smtp; 452 full"}], "timestamp": ts(BASE + 30), "expirationTime": ts(BASE + 3600)}),
    "Subscription": ("subscription", {"contactList": "News", "timestamp": ts(BASE + 5), "source": "UnsubscribeHeader"}),
}


@pytest.mark.parametrize("kind", sorted(EVENT_BODIES))
def test_event_publishing_kinds(kind: str):
    key, body = EVENT_BODIES[kind]
    got = one(event(kind, BASE, ["d@x.example"], key, body, tags={"ses:configuration-set": ["cs1"], "ses:source-ip": ["192.0.2.9"], "campaign": ["winter"]}))
    assert got.kind == kind.replace(" ", "")
    assert got.config_set == "cs1" and got.source_ip == "192.0.2.9"
    assert message_tags(got)["campaign"] == ["winter"]
    assert got.recipients == ("d@x.example",)
    assert got.account == "111122223333"
    assert got.aws_region() == "us-east-1"
    assert not got.time_guessed


def test_kind_specific_fields():
    click = one(event("Click", BASE, ["a@x"], *EVENT_BODIES["Click"]))
    assert (click.client_ip, click.link, click.time) == ("192.0.2.1", "https://x.example/a", pytest.approx(BASE + 90))
    delay = one(event("DeliveryDelay", BASE, ["a@x"], *EVENT_BODIES["DeliveryDelay"]))
    assert (delay.delay_type, delay.statuses, delay.recipients) == ("MailboxFull", ("4.2.2",), ("d@x.example",))
    failure = one(event("Rendering Failure", BASE, ["a@x"], *EVENT_BODIES["Rendering Failure"]))
    assert failure.template == "Welcome" and "not present" in failure.error_message
    assert failure.time == pytest.approx(BASE)  # no own timestamp: mail.timestamp
    got = one(delivery(BASE, "Ann@Example.COM", ms=1234, mta="dns; a8-70.smtp-out.amazonses.com"))
    assert (got.processing_ms, got.mta, got.remote_ip) == (1234, "a8-70.smtp-out.amazonses.com", "203.0.113.5")
    got = one(bounce(BASE, kind="Permanent", sub="SRETeamEatenByDinosaurs"))
    assert (got.bounce_type, got.bounce_subtype, got.mta) == ("Permanent", "SRETeamEatenByDinosaurs", "mx.example.com")
    assert got.diagnostics == ("smtp; 550 5.1.1 user unknown",)


def test_notification_and_event_spellings_normalize_alike():
    as_event = one(bounce(BASE))
    record = bounce(BASE)
    record["notificationType"] = record.pop("eventType")
    as_notification = one(record)
    for field in ("kind", "bounce_type", "bounce_subtype", "recipients", "statuses", "time"):
        assert getattr(as_event, field) == getattr(as_notification, field)
    old = send(BASE)
    old["notificationType"] = old.pop("eventType")  # 2019 docs used notificationType for events
    assert one(old).kind == "Send"


def test_undocumented_event_type_is_kept_not_dropped():
    got = one(event("Unsubscribe", BASE, ["u@x"], "unsubscribe", {"timestamp": ts(BASE)}))
    assert got.kind == "Unsubscribe"


def test_received_and_subscription_succeeded_are_ignored_not_errors():
    assert skipped({"notificationType": "Received", "mail": {}, "receipt": {}}) == {"ignored": 1}
    assert skipped({"notificationType": "AmazonSnsSubscriptionSucceeded", "message": "ok"}) == {"ignored": 1}


def test_sns_envelope_unwraps_to_the_inner_record():
    inner = complaint(BASE)
    got = one(sns(inner))
    assert got.kind == "Complaint" and got.feedback_type == "abuse"
    assert orjson.loads(got.raw) == inner  # raw is the SES record, not the envelope
    plain = sns(inner) | {"Message": "Successfully validated SNS topic for Amazon SES event publishing."}
    assert skipped(plain) == {"ignored": 1}
    other = sns(inner) | {"Message": "Hello from SNS!"}
    assert skipped(other) == {"not_ses": 1}
    confirm = {"Type": "SubscriptionConfirmation", "Message": "You have chosen to subscribe", "Token": "t"}
    assert skipped(confirm) == {"ignored": 1}


def test_lambda_sqs_eventbridge_and_cloudwatch_wrappers():
    inner = delivery(BASE)
    envelope = sns(inner)
    lambda_sns = {"Records": [{"EventSource": "aws:sns", "Sns": envelope | {"SigningCertUrl": "x"}}]}
    sqs = {"Records": [{"eventSource": "aws:sqs", "body": orjson.dumps(envelope).decode()}]}
    bridge = {"version": "0", "detail-type": "Email Delivered", "source": "aws.ses", "region": "eu-west-1", "detail": inner}
    bridge_no_type = bridge | {"detail": {k: v for k, v in inner.items() if k != "eventType"}}
    cwl = {"messageType": "DATA_MESSAGE", "logEvents": [{"id": "1", "timestamp": 1, "message": orjson.dumps(inner).decode()}]}
    awslogs = {"awslogs": {"data": base64.b64encode(gzip.compress(orjson.dumps(cwl))).decode()}}
    firehose = {"invocationId": "i", "records": [{"recordId": "r", "data": base64.b64encode(orjson.dumps(inner)).decode()}]}
    for wrapper in (lambda_sns, sqs, bridge, bridge_no_type, cwl, awslogs, firehose):
        got = one(wrapper)
        assert got.kind == "Delivery" and got.processing_ms == 1000, wrapper
        assert orjson.loads(got.raw)["delivery"] == inner["delivery"]
    assert skipped({"messageType": "CONTROL_MESSAGE", "logEvents": []}) == {"ignored": 1}
    assert skipped({"awslogs": {"data": "not base64 gzip"}}) == {"bad_encoding": 1}


@pytest.mark.parametrize("bad", [b'"maxItems":1e400', b'"note":"caf\xe9"'], ids=["number-out-of-range", "latin-1"])
def test_one_bad_value_in_a_wrapper_costs_that_value_not_the_wrapper(bad: bytes):
    """A value no double holds, or a Latin-1 byte, in a field nobody reads: in a bare record it
    costs nothing, and a CloudTrail file or a CloudWatch Logs payload holding it must still
    yield every record in it."""
    calls = [orjson.dumps(cloudtrail(BASE, "ListIdentities")), orjson.dumps(cloudtrail(BASE, "DeleteIdentity"))]
    spoiled = calls[1][:-1] + b',"requestParameters":{' + bad + b"}}"
    store = ingest(b'{"Records":[' + calls[0] + b"," + spoiled + b"]}\n")
    assert store.stats.skipped == {}
    assert sorted(e.event_name for e in events(store)) == ["DeleteIdentity", "ListIdentities"]
    cwl = b'{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","message":"ok"}],"x":{' + bad + b"}}"
    cwl = cwl.replace(b'"ok"', orjson.dumps(orjson.dumps(delivery(BASE)).decode()))
    awslogs = {"awslogs": {"data": base64.b64encode(gzip.compress(cwl)).decode()}}
    assert one(awslogs).kind == "Delivery"


def test_a_bad_item_costs_that_item_not_the_batch_around_it(monkeypatch):
    """A detail-type that is no string (a lookup that raised), or any parser bug an item meets,
    cost every record of its SQS batch or CloudTrail file."""
    import sestui.parsing as parsing

    good = {"version": "0", "source": "aws.ses", "detail-type": "Email Delivered", "region": "us-east-1", "detail": delivery(BASE)}
    bad = good | {"detail-type": ["Email Sent"], "detail": {"mail": {"messageId": "m-1"}}}
    batch = {"Records": [{"eventSource": "aws:sqs", "body": orjson.dumps(item).decode()} for item in (good, bad)]}
    store = ingest(orjson.dumps(batch) + b"\n")
    assert [e.kind for e in events(store)] == ["Delivery"] and store.stats.skipped == {}

    reader = parsing._cloudtrail

    def buggy(rec, raw):  # type: ignore[no-untyped-def]
        if rec.eventName == "DeleteIdentity":
            raise KeyError("a bug")
        return reader(rec, raw)

    monkeypatch.setattr(parsing, "_cloudtrail", buggy)
    calls = {"Records": [cloudtrail(BASE + i, name) for i, name in enumerate(["ListIdentities", "DeleteIdentity", "GetSendQuota"])]}
    store = ingest(orjson.dumps(calls) + b"\n")
    assert [e.event_name for e in events(store)] == ["ListIdentities", "GetSendQuota"]
    assert store.stats.inner_skipped == {"parse_error": 1} and store.stats.skipped == {}


def test_cloudtrail_single_records_file_and_lookup_events():
    ok = one(cloudtrail(BASE, "VerifyDomainIdentity", user="alice"))
    assert (ok.kind, ok.event_name, ok.error_code, ok.user, ok.region) == ("CloudTrail", "VerifyDomainIdentity", None, "alice", "us-east-1")
    failed = one(cloudtrail(BASE, "GetSendQuota", error="AccessDenied"))
    assert failed.error_code == "AccessDenied" and failed.failed
    records = {"Records": [cloudtrail(BASE), cloudtrail(BASE + 1, source="ec2.amazonaws.com"), cloudtrail(BASE + 2, error="ThrottlingException")]}
    store = ingest(orjson.dumps(records) + b"\n")
    assert [e.error_code for e in events(store)] == [None, "ThrottlingException"]
    assert store.stats.inner_skipped == {"not_ses": 1} and store.stats.skipped == {}
    lookup = {"Events": [{"EventId": "e", "EventName": "ListIdentities", "CloudTrailEvent": orjson.dumps(cloudtrail(BASE, "ListIdentities")).decode()}]}
    assert one(lookup).event_name == "ListIdentities"
    assert skipped(cloudtrail(BASE, source="s3.amazonaws.com")) == {"not_ses": 1}


def test_cloudtrail_is_recognized_before_ses_event_type():
    record = cloudtrail(BASE)  # carries eventType "AwsApiCall"
    assert one(record).kind == "CloudTrail"


@pytest.mark.parametrize("version", ["missing", None, ["1.08"]], ids=["missing", "null", "list"])
@pytest.mark.parametrize("source", ["ses.amazonaws.com", "s3.amazonaws.com"])
def test_a_cloudtrail_call_without_a_usable_event_version_is_still_a_call(version, source):
    """Not an SES event of kind AwsApiCall (its CloudTrail eventType) at arrival time."""
    record = cloudtrail(BASE, "DeleteIdentity", error="AccessDenied", source=source)
    if version == "missing":
        del record["eventVersion"]
    else:
        record["eventVersion"] = version
    store = ingest(jsonl([record, {"Records": [record]}]), dedupe=False)  # one call, read twice
    if source == "ses.amazonaws.com":
        assert [(e.kind, e.event_name, e.error_code, e.time) for e in events(store)] == [("CloudTrail", "DeleteIdentity", "AccessDenied", BASE)] * 2
    else:
        assert events(store) == [] and store.stats.skipped == {"not_ses": 2}


def test_a_cloudtrail_call_without_a_time_is_read_alike_on_its_own_and_in_a_records_file():
    record = cloudtrail(BASE, "DeleteIdentity")
    del record["eventTime"]
    store = ingest(jsonl([record, {"Records": [record]}]), dedupe=False)  # one call, read twice
    assert store.stats.skipped == {} and store.stats.time_guessed == 2
    assert [e.event_name for e in events(store)] == ["DeleteIdentity"] * 2


@pytest.mark.parametrize(
    "identity, user",
    [
        ({"type": "IAMUser", "userName": "bob", "arn": "arn:aws:iam::1:user/bob"}, "bob"),
        ({"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/Admin/jane"}, "Admin/jane"),
        ({"type": "Root", "arn": "arn:aws:iam::111122223333:root"}, "root"),
        ({"type": "AWSService", "invokedBy": "ses.amazonaws.com"}, "ses.amazonaws.com"),
    ],
)
def test_cloudtrail_user_as_sumo_names_it(identity: dict, user: str):
    assert cloudtrail_user(UserIdentity(**identity)) == user


@pytest.mark.parametrize(
    "record",
    [
        {"eventType": "Bounce", "bounce": "x", "mail": {"destination": None}},
        {"eventType": "Bounce", "bounce": {"bouncedRecipients": "x", "bounceType": 5}, "mail": []},
        {"eventType": "Delivery", "delivery": {"processingTimeMillis": "12", "recipients": [1, None, "a@x"]}},
        {"notificationType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": None}, "z@x"]}, "mail": {"tags": {"a": "b"}}},
        {"eventType": ["Send"], "mail": {"messageId": 12}},
        {"eventType": "Send", "mail": {"timestamp": {"nested": [[[[]]]]}}},
    ],
)
def test_wrong_types_cost_the_field_never_the_record(record: dict):
    store = ingest(orjson.dumps(record) + b"\n")
    assert store.stats.records == 1
    assert store.stats.events + sum(store.stats.skipped.values()) == 1


def test_wrong_types_keep_what_fits():
    got = one({"eventType": "Delivery", "mail": {"messageId": "m-1", "destination": None}, "delivery": {"processingTimeMillis": "12", "recipients": [1, None, "a@x"], "reportingMTA": 7}})
    assert (got.message_id, got.processing_ms, got.recipients, got.mta) == ("m-1", 12, ("a@x",), "7")
    assert got.time_guessed


def test_nesting_is_bounded():
    record: dict = bounce(BASE)
    for _ in range(12):
        record = sns(record)
    assert skipped(record) == {"too_deep": 1}
    deep = b'{"eventType":"Send","x":' + b"[" * 5000 + b"]" * 5000 + b"}\n"
    store = ingest(deep)
    assert store.stats.records == 1 and store.stats.events + sum(store.stats.skipped.values()) == 1


def test_missing_and_implausible_times_use_arrival_time_and_are_counted():
    future = send(BASE)
    future["mail"]["timestamp"] = "2099-01-01T00:00:00.000Z"  # far ahead of the clock
    store = ingest(jsonl([send(BASE), {"eventType": "Send", "mail": {}}, future]))
    assert store.stats.time_guessed == 2
    assert [e.time for e in events(store)] == [pytest.approx(BASE)] * 3  # "arrival" = newest time
    assert store.as_of == pytest.approx(BASE)
    fresh = ingest(jsonl([{"eventType": "Send", "mail": {}}]))
    assert events(fresh)[0].time == NOW


def test_epoch_number_timestamps_inside_records_are_event_times():
    """Hand-made and re-serialized logs write epoch numbers (seconds or CloudWatch-style
    milliseconds) where SES writes ISO strings; parse_time reads both, so the record must too."""
    in_seconds = send(BASE)
    in_seconds["mail"]["timestamp"] = BASE - 60
    in_millis = delivery(BASE)
    in_millis["mail"]["timestamp"] = int((BASE - 30) * 1000)
    in_millis["delivery"]["timestamp"] = int((BASE - 20) * 1000)
    trail = cloudtrail(BASE)
    trail["eventTime"] = int(BASE - 10)
    store = ingest(jsonl([in_seconds, in_millis, trail, send(BASE)]))
    assert store.stats.time_guessed == 0
    assert [e.time for e in events(store)] == [pytest.approx(t) for t in (BASE - 60, BASE - 20, BASE - 10, BASE)]


def _epoch_delivery() -> dict:
    record = delivery(BASE, "a@example.com")
    record["mail"]["timestamp"] = int((BASE - 30) * 1000)
    record["delivery"]["timestamp"] = int((BASE - 20) * 1000)
    return record


def _bridge(detail: dict) -> dict:
    return {"version": "0", "detail-type": "Email Delivered", "source": "aws.ses", "region": "us-east-1", "detail": detail}


def _with_a_bad_field(record: dict) -> dict:
    return record | {"mail": record["mail"] | {"commonHeaders": "not an object"}}


def _epoch_call() -> dict:
    call = cloudtrail(BASE)
    call["eventTime"] = int(BASE - 20)
    return call


@pytest.mark.parametrize(
    "wrapped",
    [
        lambda: _bridge(_epoch_delivery()),
        lambda: [_epoch_delivery()],  # a JSON array of records
        lambda: _with_a_bad_field(_epoch_delivery()),
        lambda: {"Records": [_epoch_call()]},
    ],
    ids=["eventbridge", "json-array", "one-bad-field", "records-file"],
)
def test_epoch_number_timestamps_survive_the_lenient_reading_of_wrapped_records(wrapped):
    """Records read field by field (inside a wrapper, or with a field of the wrong type) keep
    an epoch-number time as a number, as the typed reading does."""
    store = ingest(orjson.dumps(wrapped()) + b"\n")
    assert store.stats.time_guessed == 0
    assert [e.time for e in events(store)] == [pytest.approx(BASE - 20)]


def test_one_delivery_read_in_both_shapes_with_epoch_times_is_one_event():
    """The notification read directly and its event-publishing twin from EventBridge name the
    same delivery at the same time: one is dropped as a duplicate."""
    published = _epoch_delivery()
    store = ingest(jsonl([notification(published), _bridge(published)]))
    assert store.stats.duplicates == 1 and len(events(store)) == 1


MID = b'"messageId":"0100018264c6505e-00000001-0593-41de-8df9-38b09a02a206-000000"'


@pytest.mark.parametrize(
    "line",
    [
        b'{"eventType":"Send","mail":{' + MID + b',"timestamp":' + b"9" * 400 + b"}}",  # no float holds it
        b'{"eventType":"Send","mail":{' + MID + b',"timestamp":"2025-11-20T12:00:00.1\xc2\xb23Z"}}',  # "1²3"
        b'{"eventType":"Delivery","mail":{' + MID + b'},"delivery":{"processingTimeMillis":"\xc2\xb2","recipients":["a@x.example"]}}',
    ],
    ids=["huge-int-time", "superscript-millis", "superscript-processing-time"],
)
def test_a_bad_number_costs_the_field_not_the_record(line: bytes):
    store = ingest(line + b"\n")
    assert store.stats.skipped == {}
    [found] = events(store)
    assert found.message_id.startswith("0100018264c6505e")


def test_the_detail_view_lists_when_ses_gives_up_and_when_a_complaint_arrived():
    """A delay's expirationTime and a complaint's arrivalDate (formats.md sections 1 and 2) are
    read back from the record for the detail view: no aggregate needs them."""
    from sestui.describe import fields

    delayed = event("DeliveryDelay", BASE, ["d@x.example"], "deliveryDelay", {
        "delayType": "MailboxFull", "timestamp": ts(BASE + 30), "expirationTime": ts(BASE + 7 * 3600),
        "delayedRecipients": [{"emailAddress": "d@x.example", "status": "4.2.2"}],
    })
    spam = complaint(BASE)
    spam["complaint"]["arrivalDate"] = ts(BASE - 1800)
    shown = [dict(fields(one(record))) for record in (delayed, spam, complaint(BASE))]
    assert shown[0]["Gives up at"] == iso(BASE + 7 * 3600)
    assert shown[1]["Feedback arrived"] == iso(BASE - 1800)
    assert "Feedback arrived" not in shown[2] and "Gives up at" not in shown[1]


def test_feedback_without_its_recipient_list_does_not_blame_every_recipient_of_the_mail():
    """mail.destination lists everyone the message went to (formats.md section 1): a bounce or
    complaint that names nobody affected must not count all of them."""
    hard = bounce(BASE, to="x@example.com")
    del hard["bounce"]["bouncedRecipients"]
    hard["mail"]["destination"] = [f"r{i}@example.com" for i in range(5)]
    noisy = complaint(BASE, to="y@example.com")
    noisy["complaint"]["complainedRecipients"] = []
    noisy["mail"]["destination"] = ["p@example.com", "q@example.com"]
    sent = send(BASE)
    sent["mail"]["destination"] = ["s@example.com", "t@example.com"]
    store = ingest(jsonl([hard, noisy, sent]))
    assert [(e.kind, e.recipients) for e in events(store)] == [
        ("Bounce", ()),
        ("Complaint", ()),
        ("Send", ("s@example.com", "t@example.com")),  # a Send's recipients are its destination
    ]


@pytest.mark.parametrize("broken", [None, {"commonHeaders": "not an object"}])
def test_tags_read_whatever_else_the_record_holds(broken):
    """Ingest reads three tags; other tags of any shape, and a field of the wrong type elsewhere
    (which sends the record down the lenient path), cost none of them."""
    tags = {"ses:configuration-set": ["alerts"], "ses:source-ip": ["192.0.2.9"], "ses:caller-identity": ["ops"], "campaign": 5, "team": ["mail", 7]}
    record = send(BASE, "a@x.example", tags=tags)
    if broken:
        record["mail"].update(broken)
    got = one(record)
    assert (got.config_set, got.source_ip, got.caller, got.recipients) == ("alerts", "192.0.2.9", "ops", ("a@x.example",))
    assert message_tags(got) == {"ses:configuration-set": ["alerts"], "ses:source-ip": ["192.0.2.9"], "ses:caller-identity": ["ops"], "team": ["mail"]}
