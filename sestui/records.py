"""The inbound record schema: the parts of SES, SNS and CloudTrail JSON that sestui reads.

A JSON Lines record is decoded straight into these structs by msgspec, which skips every field
not named here (headers, request parameters, ...) without building it; that is what keeps ingest
fast. When a record does not fit the schema (a wrong type anywhere, as hostile or hand-written
logs have), it is decoded generically and `lenient()` keeps whatever parts do fit, so one bad
field costs that field, never the record. Field names are AWS's, hence the camelCase.
"""

from __future__ import annotations

import json
import re
import typing
from functools import lru_cache
from typing import Any, Union

import msgspec
import orjson
from msgspec import Raw, Struct

Str = Union[str, None]
# SES and CloudTrail write ISO strings; hand-made and re-serialized logs write epoch numbers, which
# parse_time reads too. A number typed as Str would cost the record its time.
Time = Union[str, int, float, None]


class _Record(Struct, gc=False):
    """Base: structs hold only strings, numbers and other structs, so the GC can ignore them."""


class Headers(_Record):
    subject: Str = None


class Tags(_Record):
    """The message tags read for every event. Tags are decoded only as far as these three, as the
    rest (campaign tags and the like, a dict of lists per record) would cost every record several
    objects; `parsing.message_tags` reads them all back from the raw record when asked."""

    configuration_set: Union[list[str], None] = msgspec.field(default=None, name="ses:configuration-set")
    source_ip: Union[list[str], None] = msgspec.field(default=None, name="ses:source-ip")
    caller_identity: Union[list[str], None] = msgspec.field(default=None, name="ses:caller-identity")


class Mail(_Record):
    timestamp: Time = None
    messageId: Str = None
    source: Str = None
    sourceArn: Str = None
    sendingAccountId: Str = None
    sourceIp: Str = None
    callerIdentity: Str = None
    destination: Union[tuple[str, ...], None] = None  # a tuple, as events keep it
    tags: Union[Tags, None] = None
    commonHeaders: Union[Headers, None] = None


class Recipient(_Record):
    emailAddress: Str = None
    status: Str = None
    diagnosticCode: Str = None


Recipients = Union[list[Recipient], None]


class BounceInfo(_Record):
    bounceType: Str = None
    bounceSubType: Str = None
    bouncedRecipients: Recipients = None
    timestamp: Time = None
    feedbackId: Str = None
    remoteMtaIp: Str = None
    reportingMTA: Str = None


class ComplaintInfo(_Record):
    complainedRecipients: Recipients = None
    timestamp: Time = None
    arrivalDate: Time = None
    feedbackId: Str = None
    complaintSubType: Str = None
    complaintFeedbackType: Str = None
    userAgent: Str = None


class DeliveryInfo(_Record):
    timestamp: Time = None
    processingTimeMillis: Union[int, float, None] = None
    recipients: Union[tuple[str, ...], None] = None
    smtpResponse: Str = None
    reportingMTA: Str = None
    remoteMtaIp: Str = None


class DelayInfo(_Record):
    delayType: Str = None
    delayedRecipients: Recipients = None
    reportingMTA: Str = None
    timestamp: Time = None


class EngagementInfo(_Record):
    """`open` and `click` objects (`url`: what SES look-alikes write for `link`)."""

    ipAddress: Str = None
    timestamp: Time = None
    userAgent: Str = None
    link: Str = None
    url: Str = None


class RejectInfo(_Record):
    reason: Str = None


class FailureInfo(_Record):
    templateName: Str = None
    errorMessage: Str = None


class SubscriptionInfo(_Record):
    contactList: Str = None
    timestamp: Time = None
    source: Str = None


class SessionIssuer(_Record):
    userName: Str = None


class SessionContext(_Record):
    sessionIssuer: Union[SessionIssuer, None] = None


class UserIdentity(_Record):
    type: Str = None
    principalId: Str = None
    arn: Str = None
    accountId: Str = None
    userName: Str = None
    invokedBy: Str = None
    sessionContext: Union[SessionContext, None] = None


class Record(_Record):
    """Superset of the top-level shapes: SES event / notification, CloudTrail, SNS envelope.

    The Raw fields only mark wrappers (their content is read by the generic path).
    """

    eventType: Str = None
    notificationType: Str = None
    mail: Union[Mail, None] = None
    bounce: Union[BounceInfo, None] = None
    complaint: Union[ComplaintInfo, None] = None
    delivery: Union[DeliveryInfo, None] = None
    deliveryDelay: Union[DelayInfo, None] = None
    open: Union[EngagementInfo, None] = None
    click: Union[EngagementInfo, None] = None
    reject: Union[RejectInfo, None] = None
    failure: Union[FailureInfo, None] = None
    subscription: Union[SubscriptionInfo, None] = None
    # CloudTrail
    eventVersion: Str = None
    eventSource: Str = None
    eventName: Str = None
    eventTime: Time = None
    awsRegion: Str = None
    sourceIPAddress: Str = None
    userAgent: Str = None
    errorCode: Str = None
    errorMessage: Str = None
    requestID: Str = None
    recipientAccountId: Str = None
    userIdentity: Union[UserIdentity, None] = None
    # SNS envelope
    Type: Str = None
    Message: Str = None
    # Wrappers and other shapes, handled by the generic path.
    Records: Raw = Raw()
    logEvents: Raw = Raw()
    awslogs: Raw = Raw()
    detail: Raw = Raw()
    Events: Raw = Raw()
    records: Raw = Raw()
    digestStartTime: Raw = Raw()

    @property
    def wrapped(self) -> bool:
        """True when the record is a container or another shape the generic path must read."""
        return bool(
            self.Records
            or self.logEvents
            or self.awslogs
            or self.detail
            or self.Events
            or self.records
            or self.digestStartTime
        )


DECODER = msgspec.json.Decoder(Record)
# What a typed decode raises for input that is not (or not only) a Record: wrong types, other
# shapes, malformed JSON, invalid UTF-8 inside a string it reads, nesting past its limit.
NOT_A_RECORD = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)
UNDECODABLE = object()  # decode_json's answer for bytes that are no JSON value at all
_SURROGATE = re.compile("[\ud800-\udfff]")


def decode_json(data: bytes) -> object:
    """One JSON value: a Record when it fits the schema, else the generic value; UNDECODABLE when
    the bytes are not JSON. Invalid UTF-8 and lone surrogates are repaired, not fatal."""
    try:
        return DECODER.decode(data)
    except NOT_A_RECORD:
        return generic_json(data)


def generic_json(data: bytes) -> object:
    """The bytes decoded as plain JSON values (dicts, lists, ...), repaired where possible."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:
        # orjson refuses invalid UTF-8 and lone surrogate escapes; the stdlib decoder accepts the
        # latter, and replacement characters stand in for the former.
        value = json.loads(data.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return UNDECODABLE
    return _scrub_surrogates(value, 0)


def _scrub_surrogates(value: object, depth: int) -> object:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if depth > 64:
        return None
    if isinstance(value, dict):
        return {_scrub_surrogates(k, depth + 1): _scrub_surrogates(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_surrogates(v, depth + 1) for v in value]
    return value




# -- lenient conversion of generically decoded JSON ----------------------------------------


def lenient(value: dict[str, Any]) -> Record:
    """A Record from a decoded dict, keeping every field whose type fits and dropping the rest."""
    return _struct(value, Record)


def _struct(value: dict[str, Any], cls: type[Struct]) -> Any:
    fields = {}
    for name, key, convert in _converters(cls):
        if key in value:
            converted = convert(value[key])
            if converted is not None:
                fields[name] = converted
    return cls(**fields)


@lru_cache(maxsize=None)
def _converters(cls: type[Struct]) -> tuple[tuple[str, str, Any], ...]:
    """(attribute, JSON name, converter) of each field a generic dict may fill."""
    hints = typing.get_type_hints(cls)
    return tuple(
        (name, key, _converter(hints[name]))
        for name, key in zip(cls.__struct_fields__, cls.__struct_encode_fields__)
        if hints[name] is not Raw
    )


def _converter(hint: Any) -> Any:
    if hint == Time:
        return _as_time  # an epoch number stays a number
    args = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    target = args[0]
    origin = typing.get_origin(target)
    if target is str:
        return _as_str
    if target is int:
        return _as_number
    if target is Tags:
        return _as_tag_struct
    if origin is list:
        (item,) = typing.get_args(target)
        return _as_strings if item is str else _as_recipients
    if origin is tuple:
        return _as_string_tuple
    if isinstance(target, type) and issubclass(target, Struct):
        return lambda v: _struct(v, target) if isinstance(v, dict) else None
    raise TypeError(f"no lenient converter for {hint!r}")


def _as_str(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _as_number(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 16:
        return int(value)
    return None


def _as_time(value: object) -> str | int | float | None:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    return None


def _as_strings(value: object) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [v for v in value if isinstance(v, str)]


def _as_string_tuple(value: object) -> tuple[str, ...] | None:
    strings = _as_strings(value)
    return None if strings is None else tuple(strings)


def _as_recipients(value: object) -> list[Recipient] | None:
    if not isinstance(value, list):
        return None
    found = []
    for item in value:
        if isinstance(item, dict):
            found.append(_struct(item, Recipient))
        elif isinstance(item, str):  # hand-written fixtures list bare addresses
            found.append(Recipient(emailAddress=item))
    return found


def _as_tag_struct(value: object) -> Tags | None:
    tags = as_tags(value)
    if tags is None:
        return None
    return Tags(**{name: tags.get(key) for name, key in zip(Tags.__struct_fields__, Tags.__struct_encode_fields__)})


def as_tags(value: object) -> dict[str, list[str]] | None:
    """A decoded `mail.tags` value as tag -> values, keeping the values that are strings (a bare
    string value is a list of one)."""
    if not isinstance(value, dict):
        return None
    tags: dict[str, list[str]] = {}
    for name, values in value.items():
        if isinstance(values, list):
            tags[name] = [v for v in values if isinstance(v, str)]
        elif isinstance(values, str):
            tags[name] = [values]
    return tags
