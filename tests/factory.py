"""Small builders of SES / CloudTrail records for tests (shapes as in formats.md)."""

from __future__ import annotations

import copy
import itertools
from datetime import datetime, timezone
from typing import Any

import orjson

_ids = itertools.count(1)
BASE = 1_763_640_000.0  # 2025-11-20T12:00:00Z


def ts(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def message_id() -> str:
    return f"0100018264c6505e-{next(_ids):08x}-0593-41de-8df9-38b09a02a206-000000"


def mail(at: float, to: list[str], **extra: Any) -> dict[str, Any]:
    record = {
        "timestamp": ts(at),
        "messageId": extra.pop("messageId", None) or message_id(),
        "source": extra.pop("source", "Acme <billing@acme.example>"),
        "sourceArn": "arn:aws:ses:us-east-1:111122223333:identity/acme.example",
        "sendingAccountId": extra.pop("account", "111122223333"),
        "destination": to,
    }
    tags = extra.pop("tags", None)
    if tags is not None:
        record["tags"] = tags
    record.update(extra)
    return record


def event(kind: str, at: float, to: list[str], body_key: str | None = None, body: dict | None = None, **mail_extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"eventType": kind, "mail": mail(at, to, **mail_extra)}
    if body_key:
        record[body_key] = body or {}
    return record


def send(at: float, to: str = "a@example.com", **kw: Any) -> dict[str, Any]:
    return event("Send", at, [to], "send", {}, **kw)


def delivery(at: float, to: str = "a@example.com", ms: int = 1000, mta: str = "a1.smtp-out.amazonses.com", **kw: Any) -> dict[str, Any]:
    body = {
        "timestamp": ts(at),
        "processingTimeMillis": ms,
        "recipients": [to],
        "smtpResponse": "250 2.0.0 OK",
        "reportingMTA": mta,
        "remoteMtaIp": "203.0.113.5",
    }
    return event("Delivery", at, [to], "delivery", body, **kw)


def bounce(at: float, to: str = "b@example.com", kind: str = "Permanent", sub: str = "General", **kw: Any) -> dict[str, Any]:
    body = {
        "bounceType": kind,
        "bounceSubType": sub,
        "bouncedRecipients": [
            {"emailAddress": to, "action": "failed", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown"}
        ],
        "timestamp": ts(at),
        "feedbackId": "0100-feedback",
        "reportingMTA": "dns; mx.example.com",
    }
    return event("Bounce", at, [to], "bounce", body, **kw)


def complaint(at: float, to: str = "c@example.com", feedback: str = "abuse", agent: str = "Yahoo!-Mail-Feedback/2.0", **kw: Any) -> dict[str, Any]:
    body = {
        "complainedRecipients": [{"emailAddress": to}],
        "timestamp": ts(at),
        "feedbackId": "0100-complaint",
        "complaintFeedbackType": feedback,
        "userAgent": agent,
    }
    return event("Complaint", at, [to], "complaint", body, **kw)


def cloudtrail(at: float, name: str = "GetSendQuota", error: str | None = None, user: str = "alice", source: str = "ses.amazonaws.com") -> dict[str, Any]:
    record: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::111122223333:user/{user}", "userName": user, "accountId": "111122223333"},
        "eventTime": ts(at)[:19] + "Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestID": f"req-{next(_ids)}",
        "eventID": f"evt-{next(_ids)}",
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333",
    }
    if error:
        record["errorCode"] = error
        record["errorMessage"] = f"{error} happened"
    return record


def sns(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:us-east-1:111122223333:ses",
        "Message": orjson.dumps(record).decode() + "\n",
        "Timestamp": "2025-11-20T12:00:00.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLE",
    }


def notification(record: dict[str, Any]) -> dict[str, Any]:
    """The SES feedback notification of an event-publishing record (formats.md section 2): the
    same body under `notificationType`, and a `mail` with sourceIp and callerIdentity instead of
    tags."""
    twin = copy.deepcopy(record)
    twin["notificationType"] = twin.pop("eventType")
    mail = twin["mail"]
    mail.pop("tags", None)
    mail.update(sourceIp="198.51.100.20", callerIdentity="billing-app")
    return twin


def jsonl(records: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)
