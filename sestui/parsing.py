"""JSON records to normalized events.

`parse(value, raw)` recognizes one framed JSON value, unwraps every transport it may travel in
(SNS envelope, SNS/SQS -> Lambda, EventBridge, CloudWatch Logs subscription, Firehose transform,
`aws cloudtrail lookup-events`) and returns what it found:

* an `Event` for a single SES or CloudTrail record (the common, fast case),
* a skip reason (a `str`) when the value yields nothing,
* a `Batch` for containers, which may hold several events and skips of their inner items.

The recognition order follows formats.md section 0: CloudTrail is tested before SES event
publishing because CloudTrail records carry an unrelated `eventType`. Wrong types anywhere
(`"bounce": "x"`, `"destination": null`) are read as missing, never raised.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from sys import intern
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import orjson

from . import events as k
from .events import Event
from .records import (
    UNDECODABLE,
    EngagementInfo,
    Mail,
    Record,
    Recipient,
    UserIdentity,
    as_tags,
    decode_json,
    generic_json,
    lenient,
)
from .timeparse import parse_time

# Skip reasons (skip counters are named after them).
NOT_SES = "not_ses"
IGNORED = "ignored"
INVALID_JSON = "invalid_json"
TOO_DEEP = "too_deep"
BAD_ENCODING = "bad_encoding"
PARSE_ERROR = "parse_error"  # a parser bug met the record: it costs that record, never more

_MAX_DEPTH = 6  # wrappers nest at most four deep in practice (CWL -> SQS -> SNS -> SES)
_MAX_INFLATE = 64 << 20  # a CloudWatch Logs payload that inflates past this is a bomb
_NO_MAIL = Mail()
_NO_IDENTITY = UserIdentity()
# CloudTrail's own eventType values: with one, a record is CloudTrail's even when its
# eventVersion is missing or mistyped, never an SES event of kind "AwsApiCall".
_CLOUDTRAIL_TYPES = ("AwsApiCall", "AwsServiceEvent", "AwsConsoleAction", "AwsConsoleSignIn", "AwsCloudTrailInsight")

# eventType / notificationType spellings -> kind.
_EVENT_KINDS = {
    "Send": k.SEND,
    "Delivery": k.DELIVERY,
    "Bounce": k.BOUNCE,
    "Complaint": k.COMPLAINT,
    "Reject": k.REJECT,
    "Open": k.OPEN,
    "Click": k.CLICK,
    "Rendering Failure": k.RENDERING_FAILURE,
    "RenderingFailure": k.RENDERING_FAILURE,
    "DeliveryDelay": k.DELIVERY_DELAY,
    "Subscription": k.SUBSCRIPTION,
}
# EventBridge detail-type -> kind, for a `detail` that lacks its own eventType.
_DETAIL_TYPES = {
    "Email Sent": k.SEND,
    "Email Delivered": k.DELIVERY,
    "Email Bounced": k.BOUNCE,
    "Email Complaint Received": k.COMPLAINT,
    "Email Rejected": k.REJECT,
    "Email Opened": k.OPEN,
    "Email Clicked": k.CLICK,
    "Email Rendering Failed": k.RENDERING_FAILURE,
    "Email Delivery Delayed": k.DELIVERY_DELAY,
    "Email Subscribed": k.SUBSCRIPTION,
}
# Recognized notificationType values that are not sending events.
_IGNORED_NOTIFICATIONS = frozenset({"Received", "AmazonSnsSubscriptionSucceeded"})
_SNS_TYPES = frozenset({"Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"})
_SES_SOURCE = "ses.amazonaws.com"


class Batch:
    """What a container record yielded: events, and skip reasons of inner items."""

    __slots__ = ("events", "skips")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.skips: list[str] = []

    def add(self, result: Event | str | Batch) -> None:
        if type(result) is Event:
            self.events.append(result)
        elif type(result) is str:
            self.skips.append(result)
        else:
            self.events.extend(result.events)  # type: ignore[union-attr]
            self.skips.extend(result.skips)  # type: ignore[union-attr]


def parse(value: object, raw: bytes) -> Event | str | Batch:
    """Normalize one decoded JSON value (a typed Record or a generic value); `raw` is its bytes."""
    if type(value) is Record:
        return _record(value, raw, 0)  # type: ignore[arg-type]
    if type(value) is dict:
        return _generic(value, raw, 0)  # type: ignore[arg-type]
    if type(value) is list:
        return _array(value, 0)  # type: ignore[arg-type]
    return NOT_SES


def _array(items: list[Any], depth: int) -> Event | str | Batch:
    """A JSON array of records (an export, a saved API response): each item as a record."""
    if depth > _MAX_DEPTH:
        return TOO_DEEP
    return _each(items, _array_item, depth)


def _array_item(item: object, depth: int) -> Event | str | Batch:
    if type(item) is dict:
        return _generic(item, None, depth + 1)
    if type(item) is list:
        return _array(item, depth + 1)
    return NOT_SES


def _record(rec: Record, raw: bytes, depth: int) -> Event | str | Batch:
    """A record that fit the schema: the hot path for SES and CloudTrail JSON Lines."""
    # SES records first: no wrapper carries eventType, and CloudTrail records that do also carry
    # eventVersion (Insights records have no eventSource).
    event_type = rec.eventType
    if event_type is not None and rec.eventSource is None and rec.eventVersion is None:
        return _ses(rec, _EVENT_KINDS.get(event_type) or event_type, raw)
    notification_type = rec.notificationType
    if notification_type is not None and event_type is None:
        if notification_type in _IGNORED_NOTIFICATIONS:
            return IGNORED
        return _ses(rec, _EVENT_KINDS.get(notification_type) or notification_type, raw)
    if rec.wrapped:
        # Repaired as any record is: one bad value (invalid UTF-8, 1e400) costs that value.
        value = generic_json(raw)
        return _generic(value, raw, depth) if type(value) is dict else INVALID_JSON  # type: ignore[arg-type]
    if rec.Type in _SNS_TYPES and rec.Message is not None:
        if rec.Type != "Notification":
            return IGNORED  # subscription handshakes
        return _parse_text(rec.Message, depth)
    if _is_cloudtrail(rec):
        return _cloudtrail(rec, raw)
    if rec.eventVersion is not None and rec.eventTime is not None:
        return NOT_SES  # a CloudTrail record that is not an API call (an Insights event)
    if event_type is not None:
        return _ses(rec, _EVENT_KINDS.get(event_type) or event_type, raw)
    return NOT_SES


def _generic(obj: dict[str, Any], raw: bytes | None, depth: int) -> Event | str | Batch:
    """Wrappers and containers (formats.md section 0 order), and records that did not fit the
    schema; whatever record is inside ends on the typed path through `lenient`."""
    if depth > _MAX_DEPTH:
        return TOO_DEEP
    if obj.get("messageType") in ("DATA_MESSAGE", "CONTROL_MESSAGE") and "logEvents" in obj:
        return _cloudwatch_logs(obj, depth)
    awslogs = obj.get("awslogs")
    if type(awslogs) is dict and "data" in awslogs:
        return _awslogs(awslogs.get("data"), depth)
    records = obj.get("Records")
    if type(records) is list:
        return _records(records, depth)
    if obj.get("source") == "aws.ses" and "detail-type" in obj and "detail" in obj:
        return _eventbridge(obj, depth)
    events = obj.get("Events")
    if type(events) is list and "eventType" not in obj and "notificationType" not in obj:
        return _lookup_events(events)
    if "digestStartTime" in obj and "logFiles" in obj:
        return IGNORED  # CloudTrail digest file: integrity data, no events
    if type(obj.get("records")) is list and "invocationId" in obj:
        return _firehose_transform(obj["records"], depth)
    rec = lenient(obj)
    if rec.eventType is None and rec.notificationType is None and rec.Type is None and not _is_cloudtrail(rec):
        return NOT_SES
    return _record(rec, raw if raw is not None else orjson.dumps(obj), depth)


# -- wrappers -------------------------------------------------------------------------------


def _parse_text(text: object, depth: int) -> Event | str | Batch:
    """A JSON record carried as a string (SNS Message, SQS body, log event message)."""
    if depth > _MAX_DEPTH:
        return TOO_DEEP
    if type(text) is not str:
        return NOT_SES
    start = text.find("{")
    if start < 0:
        return IGNORED if "Amazon SES" in text else NOT_SES
    data = text[start:].rstrip().encode("utf-8", "replace")
    value = decode_json(data)
    if type(value) is Record:
        return _record(value, data, depth + 1)  # type: ignore[arg-type]
    if type(value) is dict:
        return _generic(value, data, depth + 1)  # type: ignore[arg-type]
    return INVALID_JSON if value is UNDECODABLE else NOT_SES


def _records(records: list[Any], depth: int) -> Event | str | Batch:
    return _each(records, _records_item, depth)


def _records_item(record: object, depth: int) -> Event | str | Batch:
    if type(record) is not dict:
        return NOT_SES
    if record.get("EventSource") == "aws:sns" and type(record.get("Sns")) is dict:
        sns = record["Sns"]
        if sns.get("Type", "Notification") != "Notification":
            return IGNORED
        return _parse_text(sns.get("Message"), depth + 1)
    if record.get("eventSource") == "aws:sqs" and "body" in record:
        return _parse_text(record.get("body"), depth + 1)
    if record.get("eventSource") == "aws:ses" and type(record.get("ses")) is dict:
        return IGNORED  # inbound receipt-rule event, not sending
    if _is_cloudtrail_dict(record):  # as a record on its own line is: eventTime may be missing
        return _cloudtrail_dict(record)
    return NOT_SES


def _each(items: list[Any], read_item: Callable[..., Event | str | Batch], *args: Any) -> Event | str | Batch:
    """A container's items, each read on its own by `read_item(item, *args)`: a parser bug an
    item meets costs that item (PARSE_ERROR), not the container's others."""
    batch = Batch()
    for item in items:
        try:
            batch.add(read_item(item, *args))
        except Exception:  # noqa: BLE001
            batch.add(PARSE_ERROR)
    return _single(batch)


def _single(batch: Batch) -> Event | str | Batch:
    """Collapse a batch of one result, so accounting matches the bare record."""
    if len(batch.events) == 1 and not batch.skips:
        return batch.events[0]
    if not batch.events and len(batch.skips) == 1:
        return batch.skips[0]
    if not batch.events and not batch.skips:
        return NOT_SES
    return batch


def _eventbridge(obj: dict[str, Any], depth: int) -> Event | str | Batch:
    detail = obj.get("detail")
    if type(detail) is not dict:
        return NOT_SES
    if obj.get("detail-type") == "AWS API Call via CloudTrail":
        return _cloudtrail_dict(detail)
    if "eventType" not in detail and "notificationType" not in detail and not _is_cloudtrail_dict(detail):
        detail_type = obj.get("detail-type")
        kind = _DETAIL_TYPES.get(detail_type) if type(detail_type) is str else None
        if kind is None:
            return IGNORED  # SES account notices such as "Sending Status Enabled"
        return _ses(lenient(detail), kind, orjson.dumps(detail))
    result = _generic(detail, orjson.dumps(detail), depth + 1)
    if type(result) is Event and result.region is None:
        result.region = _str(obj.get("region"))
    return result


def _cloudwatch_logs(obj: dict[str, Any], depth: int) -> Event | str | Batch:
    if obj.get("messageType") == "CONTROL_MESSAGE":
        return IGNORED
    log_events = obj.get("logEvents")
    if type(log_events) is not list:
        return NOT_SES
    return _each(log_events, _log_message, depth)


def _log_message(log_event: object, depth: int) -> Event | str | Batch:
    return _parse_text(log_event.get("message") if type(log_event) is dict else None, depth)


def _awslogs(data: object, depth: int) -> Event | str | Batch:
    value = _inflate_json(data)
    if type(value) is not dict:
        return BAD_ENCODING if value is None else NOT_SES
    return _generic(value, None, depth + 1)  # type: ignore[arg-type]


def _firehose_transform(records: list[Any], depth: int) -> Event | str | Batch:
    return _each(records, _firehose_item, depth)


def _firehose_item(record: object, depth: int) -> Event | str | Batch:
    data = record.get("data") if type(record) is dict else None
    try:
        decoded = base64.b64decode(data, validate=False) if type(data) is str else b""
    except (binascii.Error, ValueError):
        decoded = b""
    if decoded[:2] == b"\x1f\x8b":
        return _awslogs(data, depth)
    return _parse_text(decoded.decode("utf-8", "replace"), depth)


def _inflate_json(data: object) -> object | None:
    """base64 -> gzip -> JSON, with a cap on the inflated size; None when any step fails."""
    if type(data) is not str:
        return None
    try:
        packed = base64.b64decode(data, validate=False)
        inflater = zlib.decompressobj(wbits=47)  # gzip or zlib header, auto-detected
        text = inflater.decompress(packed, _MAX_INFLATE)
        if inflater.unconsumed_tail:
            return None
    except (binascii.Error, ValueError, zlib.error):
        return None
    value = generic_json(text)  # repaired: one bad value costs that value, not the payload
    return None if value is UNDECODABLE else value


def _lookup_events(items: list[Any]) -> Event | str | Batch:
    """`aws cloudtrail lookup-events` output: each CloudTrailEvent is a JSON string."""
    return _each(items, _lookup_item)


def _lookup_item(item: object) -> Event | str:
    if type(item) is not dict:
        return NOT_SES
    blob = item.get("CloudTrailEvent")
    value = decode_json(blob.encode("utf-8", "replace")) if type(blob) is str else UNDECODABLE
    if type(value) is dict:
        value = lenient(value)  # type: ignore[arg-type]
    if type(value) is Record and _is_cloudtrail(value):  # type: ignore[arg-type]
        return _cloudtrail(value, blob.encode("utf-8", "replace"))  # type: ignore[arg-type, union-attr]
    if item.get("EventSource") and item.get("EventName"):
        return _lookup_summary(item)  # the CLI's own columns when the blob is missing
    return NOT_SES


def _lookup_summary(item: dict[str, Any]) -> Event | str:
    if item.get("EventSource") != _SES_SOURCE:
        return NOT_SES
    moment = parse_time(item.get("EventTime"))
    return Event(
        kind=k.CLOUDTRAIL,
        time=moment or 0.0,
        time_guessed=moment is None,
        raw=orjson.dumps(item),
        event_name=_str(item.get("EventName")),
        user=_str(item.get("Username")),
    )


# -- SES records ----------------------------------------------------------------------------


def _ses(rec: Record, kind: str, raw: bytes) -> Event:
    mail = rec.mail or _NO_MAIL
    tags = mail.tags
    caller, source_ip, config_set = mail.callerIdentity, mail.sourceIp, None
    if tags is not None:
        values = tags.configuration_set
        if values:
            config_set = intern(values[0])
        if source_ip is None:
            values = tags.source_ip
            source_ip = values[0] if values else None
        if caller is None:
            values = tags.caller_identity
            caller = values[0] if values else None
    arn, account = mail.sourceArn, mail.sendingAccountId
    event = Event(
        kind=kind,
        time=0.0,
        raw=raw,
        message_id=mail.messageId,
        source=_source(mail.source),
        source_arn=None if arn is None else intern(arn),
        account=None if account is None else intern(account),
        caller=caller,
        source_ip=source_ip,
        config_set=config_set,
    )
    fill = _FILL.get(kind)
    moment = fill(event, rec) if fill is not None else None
    if moment is None:
        moment = parse_time(mail.timestamp)
        event.time_borrowed = moment is not None and kind in _TIMED_KINDS
    if moment is None:
        event.time_guessed = True
    else:
        event.time = moment
    if not event.recipients and mail.destination and kind not in _OWN_RECIPIENTS:
        event.recipients = mail.destination
    if mail.commonHeaders is not None:
        event.subject = mail.commonHeaders.subject
    return event


def _bounce(event: Event, rec: Record) -> float | None:
    bounce = rec.bounce
    if bounce is None:
        return None
    event.bounce_type = _intern(bounce.bounceType)
    event.bounce_subtype = _intern(bounce.bounceSubType)
    event.feedback_id = bounce.feedbackId
    event.mta = _mta(bounce.reportingMTA)
    event.remote_ip = bounce.remoteMtaIp
    _per_recipient(event, bounce.bouncedRecipients)
    return parse_time(bounce.timestamp)


def _complaint(event: Event, rec: Record) -> float | None:
    complaint = rec.complaint
    if complaint is None:
        return None
    event.feedback_type = _intern(complaint.complaintFeedbackType)
    event.complaint_subtype = _intern(complaint.complaintSubType)
    event.user_agent = _intern(complaint.userAgent)
    event.feedback_id = complaint.feedbackId
    _per_recipient(event, complaint.complainedRecipients)
    return parse_time(complaint.timestamp) or parse_time(complaint.arrivalDate)


def _delivery(event: Event, rec: Record) -> float | None:
    delivery = rec.delivery
    if delivery is None:
        return None
    if delivery.recipients:
        event.recipients = delivery.recipients
    event.processing_ms = _millis(delivery.processingTimeMillis)
    event.mta = _mta(delivery.reportingMTA)
    event.remote_ip = delivery.remoteMtaIp
    event.smtp_response = delivery.smtpResponse
    return parse_time(delivery.timestamp)


def _delay(event: Event, rec: Record) -> float | None:
    delay = rec.deliveryDelay
    if delay is None:
        return None
    event.delay_type = _intern(delay.delayType)
    event.mta = _mta(delay.reportingMTA)
    _per_recipient(event, delay.delayedRecipients)
    return parse_time(delay.timestamp)


def _engagement(event: Event, info: EngagementInfo | None) -> float | None:
    if info is None:
        return None
    event.client_ip = info.ipAddress
    event.user_agent = _intern(info.userAgent)
    event.link = info.link or info.url
    return parse_time(info.timestamp)


def _reject(event: Event, rec: Record) -> float | None:
    if rec.reject is not None:
        event.reason = rec.reject.reason
    return None


def _rendering_failure(event: Event, rec: Record) -> float | None:
    if rec.failure is not None:
        event.template = rec.failure.templateName
        event.error_message = rec.failure.errorMessage
    return None


def _subscription(event: Event, rec: Record) -> float | None:
    subscription = rec.subscription
    if subscription is None:
        return None
    event.contact_list = subscription.contactList
    event.reason = subscription.source
    return parse_time(subscription.timestamp)


# Kinds that name their affected recipients: without that list, the mail's destination (every
# recipient of the message) would overstate who bounced, complained or was delayed.
_OWN_RECIPIENTS = frozenset({k.BOUNCE, k.COMPLAINT, k.DELIVERY_DELAY})

# Kinds whose records carry their own time (Send, Reject and RenderingFailure happen at the mail's).
_TIMED_KINDS = frozenset({k.BOUNCE, k.COMPLAINT, k.DELIVERY, k.DELIVERY_DELAY, k.OPEN, k.CLICK, k.SUBSCRIPTION})
_FILL: dict[str, Callable[[Event, Record], float | None]] = {
    k.BOUNCE: _bounce,
    k.COMPLAINT: _complaint,
    k.DELIVERY: _delivery,
    k.DELIVERY_DELAY: _delay,
    k.OPEN: lambda event, rec: _engagement(event, rec.open),
    k.CLICK: lambda event, rec: _engagement(event, rec.click),
    k.REJECT: _reject,
    k.RENDERING_FAILURE: _rendering_failure,
    k.SUBSCRIPTION: _subscription,
}


def _per_recipient(event: Event, items: list[Recipient] | None) -> None:
    if not items:
        return
    present = [item for item in items if item.emailAddress is not None]
    event.recipients = tuple([item.emailAddress for item in present])  # type: ignore[misc]
    event.statuses = tuple([item.status for item in present])
    event.diagnostics = tuple([item.diagnosticCode for item in present])


# -- CloudTrail -----------------------------------------------------------------------------


def _is_cloudtrail(rec: Record) -> bool:
    source = rec.eventSource
    return (
        (rec.eventVersion is not None or rec.eventType in _CLOUDTRAIL_TYPES)
        and source is not None
        and source.endswith(".amazonaws.com")
        and (rec.eventName is not None or rec.eventTime is not None)
    )


def _is_cloudtrail_dict(obj: dict[str, Any]) -> bool:
    versioned = "eventVersion" in obj or obj.get("eventType") in _CLOUDTRAIL_TYPES
    return versioned and "eventSource" in obj and ("eventName" in obj or "eventTime" in obj)


def _cloudtrail_dict(obj: dict[str, Any]) -> Event | str:
    rec = lenient(obj)
    if not _is_cloudtrail(rec):
        return NOT_SES
    return _cloudtrail(rec, orjson.dumps(obj))


def _cloudtrail(rec: Record, raw: bytes) -> Event | str:
    if rec.eventSource != _SES_SOURCE:
        return NOT_SES
    identity = rec.userIdentity or _NO_IDENTITY
    moment = parse_time(rec.eventTime)
    error = rec.errorCode
    return Event(
        kind=k.CLOUDTRAIL,
        time=moment or 0.0,
        time_guessed=moment is None,
        raw=raw,
        event_name=_intern(rec.eventName),
        # Sumo Logic counts a call as failed when errorCode is present at all.
        error_code=_intern(error) if error else None,
        error_message=rec.errorMessage,
        region=_intern(rec.awsRegion),
        source_ip=_intern(rec.sourceIPAddress),
        user_agent=_intern(rec.userAgent),
        request_id=rec.requestID,
        account=_intern(rec.recipientAccountId or identity.accountId),
        caller=_intern(identity.arn),
        user=_intern(cloudtrail_user(identity)),
    )


def message_tags(event: Event) -> dict[str, list[str]]:
    """The message tags of an SES event (mail.tags), read back from its raw record.

    Events do not keep the tags dict, and ingest decodes only the three tags it reads: the rest
    are rarely needed (tag filters, the detail view) and a dict of lists per event is costly to
    build and to hold.
    """
    value = generic_json(bytes(event.raw))
    mail = value.get("mail") if type(value) is dict else None
    return (as_tags(mail.get("tags")) if type(mail) is dict else None) or {}


# Times that no aggregate reads, shown by the detail view: (kind, body, field, label).
_DETAIL_TIMES = (
    (k.DELIVERY_DELAY, "deliveryDelay", "expirationTime", "Gives up at"),
    (k.COMPLAINT, "complaint", "arrivalDate", "Feedback arrived"),
)


def detail_times(event: Event) -> list[tuple[str, float]]:
    """(label, time) of the times an event's record holds beyond its event time, read back from
    its raw record as `message_tags` is: when SES gives up on a delayed recipient, when a
    complaint's feedback report arrived."""
    wanted = [(body, field, label) for kind, body, field, label in _DETAIL_TIMES if kind == event.kind]
    if not wanted:
        return []  # no record of this kind holds one: nothing to decode
    value = generic_json(bytes(event.raw))
    found = []
    for body, field, label in wanted:
        part = value.get(body) if type(value) is dict else None
        moment = parse_time(part.get(field)) if type(part) is dict else None
        if moment is not None:
            found.append((label, moment))
    return found


def cloudtrail_user(identity: UserIdentity) -> str | None:
    """The user as the Sumo Logic app names it: userName, else the tail of the ARN."""
    if identity.userName:
        return identity.userName
    arn = identity.arn or ""
    if "assumed-role/" in arn:
        return arn.split("assumed-role/", 1)[1]
    if arn.startswith("arn:aws:iam::") and arn.count(":") >= 5:
        return arn.split(":", 5)[5]
    context = identity.sessionContext
    issuer = context.sessionIssuer if context is not None else None
    return (
        (issuer.userName if issuer is not None else None)
        or identity.invokedBy
        or identity.principalId
        or identity.type
    )


# -- field helpers --------------------------------------------------------------------------


def _str(value: object) -> str | None:
    if type(value) is str:
        return value
    if type(value) in (int, float):
        return str(value)
    return None


def _millis(value: int | float | None) -> int | None:
    if value is None or value != value or not 0 <= value < k.MAX_MILLIS:  # None, NaN, negative, absurd
        return None
    return int(value)


def _source(text: str | None) -> str | None:
    """mail.source, with RFC 2047 encoded words ("=?utf-8?B?...?=") decoded for people to read."""
    if text is None:
        return None
    return _decoded_source(text)


@lru_cache(maxsize=1024)  # a handful of senders write nearly every record
def _decoded_source(text: str) -> str:
    if "=?" not in text:
        return intern(text)
    try:
        decoded = str(make_header(decode_header(text)))
    except (ValueError, LookupError, UnicodeError, HeaderParseError):
        return intern(text)
    return intern(decoded)


@lru_cache(maxsize=1024)  # a few MTAs report nearly every delivery
def _mta(text: str | None) -> str | None:
    """Reporting MTA without its DSN type ("dns; a8-70.smtp-out.amazonses.com")."""
    if text is None:
        return None
    semi = text.find(";")
    if 0 <= semi < 8:
        text = text[semi + 1 :]
    return _intern(text.strip())


def _intern(value: str | None) -> str | None:
    """Share repeated strings (sources, MTAs, ...) between events. sys.intern is safe with
    untrusted values: an interned string is freed once no event refers to it."""
    return None if value is None else intern(value)
