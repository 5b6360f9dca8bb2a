"""Deterministic synthetic Amazon SES and CloudTrail traffic.

Used by ``sample_logs/generate.py`` (the committed sample files), the benchmark
(:func:`iter_bench_lines`, a million realistic lines in seconds) and ``sestui demo``
(:func:`live_lines`, records stamped "now" with scripted incidents).

Record shapes follow ``formats.md`` (SES event publishing, feedback notifications,
CloudTrail 1.08) and the wrappers they travel in. Everything is a pure function of the
seed. Records of one message share their ``mail`` dict: treat yielded records as read-only.
"""

from __future__ import annotations

import base64
import bisect
import calendar
import gzip
import hashlib
import heapq
import itertools
import json
import math
import random
import re
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson

# ----------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class _Identity:
    source: str  # mail.source as the application set it
    address: str
    account: str
    region: str
    config_set: str | None  # None: no event publishing, feedback notifications only
    notify: tuple[str, ...]  # identity-level SNS feedback topics
    notify_headers: bool  # "include original headers" in notifications
    caller: str  # IAM user/role name seen as callerIdentity
    source_ips: tuple[str, ...]  # application servers calling SES
    operation: str
    team: str
    subjects: tuple[str, ...]
    link: str
    weight: int

    @property
    def domain(self) -> str:
        return self.address.split("@")[1]


_INITECH_NAME = "Initech Équipe Rapports"  # non-ASCII display name -> RFC 2047 source
IDENTITIES = (
    _Identity("Acme Billing <billing@mail.acme.example>", "billing@mail.acme.example", "123456789012",
              "us-east-1", "transactional", (), True, "acme-billing-svc",
              ("10.0.12.34", "10.0.13.8"), "SendTemplatedEmail", "billing",
              ("Your invoice INV-{n} is ready", "Payment received - thank you", "Your Acme receipt #{n}"),
              "https://billing.acme.example/invoices/INV-{n}", 26),
    _Identity("Acme <news@news.acme.example>", "news@news.acme.example", "123456789012", "us-east-1",
              "marketing", (), False, "acme-campaigns-role",
              ("216.160.83.57", "216.160.83.59"), "SendBulkTemplatedEmail", "growth",
              ("{season} sale: 30% off everything", "New this week at Acme", "Last chance: {season} deals end tonight"),
              "https://www.acme.example/sale/{season}?utm_source=ses&utm_medium=email&utm_campaign={season}", 32),
    _Identity("Acme Security <no-reply@acme.example>", "no-reply@acme.example", "123456789012", "us-east-1",
              "alerts", (), False, "ses-smtp-user.20220504-132337",
              ("81.2.69.161", "2001:480::25"), "SendRawEmail", "identity",
              ("Your sign-in code is {n}", "Password reset requested", "New sign-in from Chrome on Windows"),
              "https://account.acme.example/security/review?event={n}", 14),
    _Identity("Globex Receipts <receipts@globex.example>", "receipts@globex.example", "210987654321", "us-west-2",
              None, ("Bounce", "Complaint", "Delivery"), False, "globex-app-role",
              ("89.160.20.113", "192.168.40.12"), "SendEmail", "payments",
              ("Your Globex order #{n}", "Your order #{n} has shipped"),
              "https://globex.example/orders/{n}/track", 20),
    _Identity("=?utf-8?B?" + base64.b64encode(_INITECH_NAME.encode()).decode() + "?= <reports@initech.example>",
              "reports@initech.example", "555566667777", "eu-west-1", None, ("Bounce", "Complaint", "Delivery"),
              True, "initech-reports-lambda", ("89.160.20.120",), "SendEmail", "reporting",
              ("Weekly TPS report", "Your monthly statement"), "https://initech.example/reports/{n}", 8),
)
CAMPAIGNS = ("winter", "spring", "summer", "autumn", "black-friday")
REGION_ID_PREFIX = {"us-east-1": "0100", "us-west-2": "0101", "eu-west-1": "0102"}

# Addresses inside networks of MaxMind's GeoLite2-City-Test.mmdb (see tests), by country.
GEO_IPS = {
    "GB": ("81.2.69.160", "81.2.69.142", "81.2.69.195", "2.125.160.217"),
    "SE": ("89.160.20.112", "89.160.20.130", "89.160.20.200"),
    "US": ("216.160.83.56", "216.160.83.61", "214.78.12.9", "2001:480::1"),
    "CN": ("175.16.199.1", "175.16.199.77", "2001:252::8"),
    "BT": ("67.43.156.14",), "PH": ("202.196.224.9",), "JP": ("2001:218::35",),
    "KR": ("2001:220::1",), "DE": ("2a02:d180::1",), "FR": ("2a02:cfc0::8",),
}
# Receiving side: MX profile per recipient domain, and that MX's addresses (test-db ones + real-looking ones).
RECIPIENT_DOMAINS = (("gmail.com", "google", 34), ("yahoo.com", "yahoo", 10), ("outlook.com", "microsoft", 8),
                     ("hotmail.com", "microsoft", 8), ("icloud.com", "apple", 8), ("aol.com", "yahoo", 3),
                     ("comcast.net", "postfix", 2), ("gmx.de", "postfix", 2), ("orange.fr", "postfix", 1),
                     ("fabrikam.example", "microsoft", 5), ("northwind.example", "postfix", 4),
                     ("contoso-corp.example", "google", 3))
MX_IPS = {"google": ("216.160.83.58", "214.78.1.27", "142.250.27.26", "2001:480::1b"),
          "yahoo": ("67.43.156.2", "98.136.96.74", "202.196.224.30"),
          "microsoft": ("81.2.69.170", "52.101.68.18", "2a02:d180::25"),
          "apple": ("17.57.155.25", "216.160.83.62"),
          "postfix": ("89.160.20.140", "2a02:cfc0::19", "2001:218::4")}
OPEN_IPS = tuple(itertools.chain(*GEO_IPS.values())) + ("66.249.84.135", "10.8.0.14")
APPLE_PROXY_IPS = ("17.58.63.12", "17.58.101.9")
FIRST_NAMES = ("james", "mary", "wei", "olga", "ahmed", "sofia", "liam", "chloe", "raj", "yuki", "lucas", "emma",
               "noah", "ana", "ivan", "fatima", "kenji", "laura", "omar", "mia")
LAST_NAMES = ("smith", "garcia", "chen", "ivanova", "khan", "rossi", "murphy", "martin", "patel", "tanaka",
              "silva", "muller", "nowak", "haddad", "kim", "lopez")

# ~20 SES sending hosts; aA-B.smtp-out hosts send from 54.240.A.B.
REPORTING_MTAS = {
    "us-east-1": tuple(f"a{a}-{b}.smtp-out.amazonses.com"
                       for a, b in ((8, 70), (8, 41), (8, 23), (9, 12), (9, 88), (10, 5), (10, 61), (48, 93),
                                    (48, 108), (48, 15), (48, 201), (8, 147), (9, 230), (10, 190))),
    "us-west-2": tuple(f"a27-{b}.smtp-out.us-west-2.amazonses.com" for b in (30, 13, 112)),
    "eu-west-1": tuple(f"b224-{b}.smtp-out.eu-west-1.amazonses.com" for b in (13, 77, 140)),
}
SLOW_MTA = "a8-41.smtp-out.amazonses.com"  # always ~4x slower (a congested host)
INCIDENT_MTA = "a48-93.smtp-out.amazonses.com"  # 10x slower during the "slow-mta" incident
INCIDENT_DOMAIN = "outlook.com"  # bounce burst: our IPs land on Microsoft's block list
INCIDENT_DIAG = ("smtp; 550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet "
                 "service provider since part of their network is on our block list (S3150). You can also refer "
                 "your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.")
INTRUDER_USER, INTRUDER_IP = "ci-deployer", "175.16.199.23"
# Incident windows as fractions of the incident period.
INCIDENT_WINDOWS = {"bounce-burst": (0.10, 0.20), "slow-mta": (0.35, 0.60), "access-denied": (0.70, 0.80)}

USER_AGENTS = {
    "gmail-proxy": "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    "apple-proxy": "Mozilla/5.0",
    "iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "outlook": "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18129; Pro)",
    "yahoo-proxy": "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
    "chrome": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "android": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.39 Mobile Safari/537.36",
}
# (weight, bounceType, bounceSubType, status, diagnosticCode); {addr}, {dom} and {ip} (our sending IP) are filled in.
ISP_BOUNCES = (
    (48, "Permanent", "General", "5.1.1", None),  # None: the recipient MX's own "user unknown" text
    (22, "Permanent", "NoEmail", "5.1.1", "smtp; 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"),
    (9, "Transient", "MailboxFull", "5.2.2", "smtp; 552 5.2.2 <{addr}>: Recipient mailbox full"),
    (8, "Transient", "General", "4.7.0", "smtp; 421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"),
    (2, "Transient", "MessageTooLarge", "5.3.4", "smtp; 552 5.3.4 Message size exceeds fixed maximum message size"),
    (4, "Transient", "ContentRejected", "5.7.1", "smtp; 554 5.7.1 Message rejected because of unacceptable content"),
    (1, "Transient", "AttachmentRejected", "5.7.1", "smtp; 554 5.7.1 Attachment type not allowed: invoice.zip"),
    (2, "Undetermined", "Undetermined", None, None),
)
USER_UNKNOWN = {
    "google": "smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient's email address for typos or\n550-5.1.1 unnecessary spaces. For more information, go to\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser 41be03b00d2f7-7f8c0bd2a4si2837151a12.318 - gsmtp",
    "yahoo": "smtp; 554 delivery error: dd This user doesn't have a {dom} account ({addr}) [0] - mta4012.mail.gq1.yahoo.com",
    "microsoft": "smtp; 550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [DM6NAM12FT067.eop-nam12.prod.protection.outlook.com]",
    "apple": "smtp; 550 5.1.1 <{addr}>: user does not exist",
    "postfix": "smtp; 550 5.1.1 <{addr}>: Recipient address rejected: User unknown in virtual mailbox table",
}
SUPPRESSION = {
    "Suppressed": "Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address. For more information about how to remove an address from the suppression list, see the Amazon SES Developer Guide: http://docs.aws.amazon.com/ses/latest/DeveloperGuide/remove-from-suppressionlist.html ",
    "OnAccountSuppressionList": "Amazon SES did not send the message to this address because it is on the suppression list for your account. For more information about removing addresses from the suppression list, see the Amazon SES Developer Guide at https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html",
}
# (delayType, weight, status, diagnosticCode)
DELAYS = (
    ("TransientCommunicationFailure", 30, "4.4.1", "smtp; 421 4.4.1 Unable to connect to remote host"),
    ("RecipientServerError", 20, "4.3.0", "smtp; 451 4.3.0 Temporary server error. Please try again later"),
    ("MailboxFull", 14, "4.2.2", "smtp; 452 4.2.2 The recipient's inbox is out of storage space"),
    ("SpamDetected", 10, "4.7.0", "smtp; 421 4.7.0 [TSS04] Messages temporarily deferred due to user complaints"),
    ("General", 8, "4.0.0", "smtp; 450 4.0.0 Requested mail action not taken: try again later"),
    ("IPFailure", 5, "4.7.1", "smtp; 421 4.7.1 Service unavailable, client host blocked using Spamhaus"),
    ("SendingDeferral", 4, None, None),
    ("Undetermined", 4, "4.0.0", None),
    ("InternalFailure", 3, None, None),
    ("BYOIPHostNameLookupUnavailable", 2, None, None),
)
# (feedbackType, weight); userAgent comes from the complaining mailbox provider's feedback loop.
COMPLAINT_TYPES = (("abuse", 88), ("other", 5), ("not-spam", 4), ("fraud", 2), ("virus", 1))
FBL_AGENTS = {"yahoo": "Yahoo!-Mail-Feedback/2.0", "microsoft": "Microsoft Junk Mail Reporting Program",
              "google": "Gmail-FBL", "apple": "iCloud Feedback Loop", "postfix": "AOL SComp"}
DETAIL_TYPES = {"Send": "Email Sent", "Delivery": "Email Delivered", "Bounce": "Email Bounced",
                "Complaint": "Email Complaint Received", "Reject": "Email Rejected", "Open": "Email Opened",
                "Click": "Email Clicked", "Rendering Failure": "Email Rendering Failed",
                "DeliveryDelay": "Email Delivery Delayed", "Subscription": "Email Subscribed"}
OBJECT_KEYS = {"Send": "send", "Delivery": "delivery", "Bounce": "bounce", "Complaint": "complaint",
               "Reject": "reject", "Open": "open", "Click": "click", "Rendering Failure": "failure",
               "DeliveryDelay": "deliveryDelay", "Subscription": "subscription"}

# CloudTrail: SES operations weighted as seen in practice (reads dominate; sends are not recorded).
CT_OPERATIONS = (("GetSendQuota", 24), ("ListIdentities", 15), ("GetIdentityVerificationAttributes", 14),
                 ("GetSendStatistics", 6), ("GetIdentityDkimAttributes", 6), ("GetIdentityNotificationAttributes", 5),
                 ("GetAccount", 5), ("ListConfigurationSets", 4), ("GetEmailIdentity", 4),
                 ("GetAccountSendingEnabled", 3), ("ListEmailIdentities", 3), ("DescribeConfigurationSet", 2),
                 ("ListSuppressedDestinations", 2), ("ListTemplates", 1), ("GetTemplate", 1),
                 ("VerifyDomainIdentity", 1), ("VerifyEmailIdentity", 1), ("SetIdentityNotificationTopic", 1),
                 ("PutSuppressedDestination", 1), ("DeleteSuppressedDestination", 1), ("CreateEmailIdentity", 1),
                 ("UpdateConfigurationSetEventDestination", 1), ("DeleteIdentity", 1))
_CT_PARAMS: dict[str, Callable[[random.Random, _Identity], dict | None]] = {
    "ListIdentities": lambda r, i: {"identityType": r.choice(("Domain", "EmailAddress")), "maxItems": 100},
    "GetIdentityVerificationAttributes": lambda r, i: {"identities": [i.domain, i.address]},
    "GetIdentityDkimAttributes": lambda r, i: {"identities": [i.domain]},
    "GetIdentityNotificationAttributes": lambda r, i: {"identities": [i.domain]},
    "GetEmailIdentity": lambda r, i: {"emailIdentity": i.domain},
    "ListEmailIdentities": lambda r, i: {"pageSize": 100},
    "DescribeConfigurationSet": lambda r, i: {"configurationSetName": i.config_set or "transactional"},
    "ListSuppressedDestinations": lambda r, i: {"reasons": ["BOUNCE", "COMPLAINT"], "pageSize": 100},
    "GetTemplate": lambda r, i: {"templateName": "InvoiceReady"},
    "VerifyDomainIdentity": lambda r, i: {"domain": i.domain},
    "VerifyEmailIdentity": lambda r, i: {"emailAddress": i.address},
    "SetIdentityNotificationTopic": lambda r, i: {
        "identity": i.domain, "notificationType": "Bounce",
        "snsTopic": f"arn:aws:sns:{i.region}:{i.account}:ses-bounce-notifications"},
    "PutSuppressedDestination": lambda r, i: {"emailAddress": _address(r, "gmail.com"), "reason": "BOUNCE"},
    "DeleteSuppressedDestination": lambda r, i: {"emailAddress": _address(r, "yahoo.com")},
    "CreateEmailIdentity": lambda r, i: {"emailIdentity": f"campaigns.{i.domain}"},
    "UpdateConfigurationSetEventDestination": lambda r, i: {"configurationSetName": i.config_set or "transactional",
                                                            "eventDestinationName": "sns-all-events"},
    "DeleteIdentity": lambda r, i: {"identity": f"old.{i.domain}"},
}
_CT_UA = {
    "cli": "aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/linux#6.8.0-48-generic md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#ses.{cmd}",
    "boto": "Boto3/1.35.60 md/Botocore#1.35.60 ua/2.0 os/linux#5.10.227-219.884.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.35.60",
    "java": "aws-sdk-java/2.29.6 Linux/5.10.227-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy",
    "console": "AWS Internal",
    "service": "cloudformation.amazonaws.com",
    "intruder": "python-requests/2.32.3",
}
# (identity type, name, account, source IPs, user-agent key, weight)
CT_ACTORS = (
    ("IAMUser", "alice.ops", "123456789012", ("81.2.69.180", "81.2.69.181"), "console", 14),
    ("IAMUser", INTRUDER_USER, "123456789012", ("216.160.83.60",), "cli", 10),
    ("AssumedRole", "acme-billing-svc", "123456789012", ("10.0.12.34", "10.0.13.8"), "boto", 38),
    ("AssumedRole", "globex-app-role", "210987654321", ("89.160.20.150", "192.168.40.12"), "java", 22),
    ("AssumedRole", "cfn-deploy-role", "123456789012", ("cloudformation.amazonaws.com",), "service", 4),
    ("AssumedRole", "AWSServiceRoleForSupport", "555566667777", ("AWS Internal",), "console", 3),
    ("Root", "root", "555566667777", ("202.196.224.9", "2001:220::1"), "console", 2),
    ("IAMUser", "yuki.tanaka", "210987654321", ("2001:218::35",), "cli", 7),
)
CT_ERRORS = (
    ("AccessDenied", "User: {arn} is not authorized to perform: ses:{op} on resource: arn:aws:ses:{region}:{account}:identity/* because no identity-based policy allows the ses:{op} action", 45),
    ("ThrottlingException", "Rate exceeded", 25),
    ("ValidationError", "1 validation error detected: Value null at 'identities' failed to satisfy constraint: Member must not be null", 15),
    ("InvalidParameterValue", "Invalid domain name: acme..example.", 15),
)
# Non-SES records mixed into CloudTrail streams; sestui must skip them.
OTHER_CALLS = (("ec2.amazonaws.com", "DescribeInstances"), ("s3.amazonaws.com", "GetBucketAcl"),
               ("sts.amazonaws.com", "AssumeRole"), ("iam.amazonaws.com", "ListRoles"),
               ("kms.amazonaws.com", "GenerateDataKey"))

STYLES = ("raw", "sns", "lambda-sns", "sqs", "eventbridge", "cwl", "awslogs", "logs-tail-detailed",
          "logs-tail-short", "logs-tail-color", "logs-tail-json", "pretty", "cloudtrail")
BATCH_STYLES = frozenset({"lambda-sns", "sqs", "cwl", "awslogs", "cloudtrail"})
# Which wrappers can really carry each record kind (SES never sends CloudTrail through SNS, etc.).
COMPATIBLE = {"event": set(STYLES) - {"cloudtrail"},
              "notification": set(STYLES) - {"cloudtrail", "eventbridge"},
              "cloudtrail": set(STYLES) - {"sns", "lambda-sns", "sqs"}}
DEFAULT_STYLES: dict[str, dict[str, float]] = {
    "event": {"raw": 50, "sns": 22, "eventbridge": 8, "lambda-sns": 4, "sqs": 4, "cwl": 2, "awslogs": 2,
              "logs-tail-detailed": 4, "logs-tail-color": 2, "logs-tail-short": 1, "pretty": 1},
    "notification": {"raw": 45, "sns": 40, "lambda-sns": 6, "sqs": 6, "logs-tail-json": 2, "pretty": 1},
    "cloudtrail": {"raw": 80, "cloudtrail": 8, "cwl": 6, "eventbridge": 6},
}
# Bench mix (lean records): ~59% raw events, ~16% SNS-wrapped, ~10% raw notifications, ~14% CloudTrail.
BENCH_STYLES: dict[str, dict[str, float]] = {
    "event": {"raw": 78, "sns": 16, "eventbridge": 2, "lambda-sns": 1, "sqs": 1, "logs-tail-detailed": 2},
    "notification": {"raw": 3, "sns": 1}, "cloudtrail": {"raw": 1}}
_CT_RECORD_SHARE = 0.10  # target share of CloudTrail records among all records
_RECORDS_PER_MESSAGE = 2.06  # measured mean records per message; converts rate to arrivals


class _Weighted:
    """Weighted choice with precomputed cumulative weights (``random.choices`` rebuilds them per call)."""

    def __init__(self, pairs: Iterable[tuple[object, float]]) -> None:
        pairs = list(pairs)
        self.values = [v for v, _ in pairs]
        self.cum = list(itertools.accumulate(w for _, w in pairs))

    def __call__(self, r: random.Random) -> Any:
        return self.values[bisect.bisect(self.cum, r.random() * self.cum[-1])]


_PICK_IDENTITY = _Weighted((i, i.weight) for i in IDENTITIES)
_PICK_DOMAIN = _Weighted((d, w) for d, _, w in RECIPIENT_DOMAINS)
_PICK_ISP_BOUNCE = _Weighted((b[1:], b[0]) for b in ISP_BOUNCES)
_PICK_DELAY = _Weighted(((d, s, c), w) for d, w, s, c in DELAYS)
_PICK_COMPLAINT = _Weighted(COMPLAINT_TYPES)
_PICK_OPERATION = _Weighted(CT_OPERATIONS)
_PICK_ACTOR = _Weighted((a[:5], a[5]) for a in CT_ACTORS)
_PICK_ERROR = _Weighted((e[:2], e[2]) for e in CT_ERRORS)
_MX_GROUP = {d: g for d, g, _ in RECIPIENT_DOMAINS}

# ----------------------------------------------------------------------------- small helpers


def iso_ms(t: float) -> str:
    """Epoch seconds -> ``2026-11-20T10:15:30.123Z`` (how SES writes timestamps)."""
    ms = round(t * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def iso_s(t: float) -> str:
    """Epoch seconds -> ``2026-11-20T10:15:30Z`` (CloudTrail eventTime, EventBridge time)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(t)))


def _uuid(r: random.Random) -> str:
    h = f"{r.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def _ses_id(r: random.Random, region: str, t: float) -> str:
    # SES ids start with a region marker and the hex epoch-ms, then a UUID and "-000000".
    return f"{REGION_ID_PREFIX[region]}{round(t * 1000):012x}-{_uuid(r)}-000000"


def _address(r: random.Random, domain: str) -> str:
    first, last = r.choice(FIRST_NAMES), r.choice(LAST_NAMES)
    if domain.endswith(".example"):
        return f"{first}.{last}@{domain}"
    local = r.choice((f"{first}.{last}", f"{first[0]}{last}{r.randint(1, 99)}",
                      f"{first}{last[0]}{r.randint(70, 99)}", f"{first}_{last}"))
    if r.random() < 0.06:  # people type their address with capitals; SES keeps the case
        local, domain = local.title(), domain.capitalize()
    return f"{local}@{domain}"


def _outgoing_ip(host: str) -> str:
    """SES host aA-B.smtp-out... sends from 54.240.A.B (bA-B hosts: 69.169.A.B)."""
    a, b = host.split(".")[0][1:].split("-")
    return f"{'54.240' if host.startswith('a') else '69.169'}.{a}.{b}"


def record_kind(record: Mapping) -> str:
    """``event`` (eventType), ``notification`` (notificationType), ``cloudtrail`` or ``other``."""
    if "eventVersion" in record and "eventSource" in record:
        return "cloudtrail"
    if "eventType" in record:
        return "event"
    return "notification" if "notificationType" in record else "other"


def _origin(record: Mapping) -> tuple[str, str]:
    """(region, account) a record belongs to, for the ARNs of its wrappers."""
    if "awsRegion" in record:
        return record["awsRegion"], record.get("recipientAccountId", "123456789012")
    arn = record.get("mail", {}).get("sourceArn", "arn:aws:ses:us-east-1:123456789012:identity/x")
    region, account = arn.split(":")[3:5]
    return region, account


# ----------------------------------------------------------------------------- traffic model


class _Message:
    __slots__ = ("ident", "t", "mid", "mail", "nmail")

    def __init__(self, ident: _Identity, t: float, mid: str, mail: dict, nmail: dict) -> None:
        self.ident, self.t, self.mid, self.mail, self.nmail = ident, t, mid, mail, nmail


class Traffic:
    """Synthetic SES + CloudTrail traffic as a time-ordered stream.

    ``rate`` is the target number of records per second of event time (all kinds together);
    ``incidents`` turns on the scripted problems described in ``INCIDENT_WINDOWS``, which repeat
    every ``incident_period`` seconds counted from ``start``. ``headers=False`` leaves out the
    original headers (``headers``/``commonHeaders``), roughly halving record sizes; ``lean`` also
    keeps only the tags and CloudTrail fields sestui reads (the benchmark's ~650-byte lines). ``rare``
    multiplies the odds of the rare outcomes (Complaint, Reject, Rendering Failure, Subscription)
    so that small samples still contain them.
    """

    _r: random.Random  # set by records(), so that every call replays the same stream

    def __init__(self, seed: int = 1, start: float = 1795176000.0, rate: float = 5.0,
                 incidents: bool = False, incident_period: float = 300.0, headers: bool = True,
                 rare: float = 1.0, lean: bool = False) -> None:
        self.seed, self.start, self.rate, self.rare, self.lean = seed, start, rate, rare, lean
        self.incidents, self.incident_period, self.headers = incidents, incident_period, headers
        p_msg = (1 - _CT_RECORD_SHARE) / _RECORDS_PER_MESSAGE
        self._p_ct = _CT_RECORD_SHARE / (_CT_RECORD_SHARE + p_msg)  # P(an arrival is a CloudTrail call)
        self._arrival_rate = rate / (self._p_ct + (1 - self._p_ct) * _RECORDS_PER_MESSAGE)

    def incidents_at(self, t: float) -> tuple[str, ...]:
        """Names of the incidents active at epoch time ``t`` (empty unless incidents are on)."""
        if not self.incidents:
            return ()
        phase = ((t - self.start) % self.incident_period) / self.incident_period
        return tuple(name for name, (lo, hi) in INCIDENT_WINDOWS.items() if lo <= phase < hi)

    def records(self, until: float = math.inf) -> Iterator[tuple[float, dict]]:
        """Yield ``(event_time, record)`` in non-decreasing event time, stopping before ``until``."""
        self._r = r = random.Random(self.seed)
        pending: list[tuple[float, int, dict]] = []
        seq, t = itertools.count(), self.start
        while True:
            t += r.expovariate(self._arrival_rate)
            while pending and pending[0][0] <= t and pending[0][0] < until:
                when, _, rec = heapq.heappop(pending)
                yield when, rec
            if t >= until:
                return
            ct_share = self._p_ct + (0.3 if "access-denied" in self.incidents_at(t) else 0.0)
            new = [(t, self._cloudtrail(t))] if r.random() < ct_share else self._message(t)
            for when, rec in new:
                heapq.heappush(pending, (round(when, 3), next(seq), rec))

    def lines(self, until: float = math.inf,
              styles: Mapping[str, Mapping[str, float]] | None = None) -> Iterator[tuple[float, bytes]]:
        """The :meth:`records` stream encoded as lines; ``styles`` maps record kind -> {style: weight}."""
        usable = {kind: [(s, w) for s, w in mix.items() if s in COMPATIBLE[kind] and w > 0]
                  for kind, mix in (styles or DEFAULT_STYLES).items()}
        pickers = {kind: _Weighted(pairs) for kind, pairs in usable.items() if pairs}
        r = random.Random(self.seed * 7919 + 17)  # separate stream: the style mix never changes the records
        for t, rec in self.records(until):
            picker = pickers.get(record_kind(rec))
            yield t, encode(rec, picker(r) if picker else "raw", t, r)

    # -- mail flow ---------------------------------------------------------------------------

    def _message(self, t: float) -> list[tuple[float, dict]]:
        r = self._r
        ident = _PICK_IDENTITY(r)
        burst = "bounce-burst" in self.incidents_at(t)
        n = 1 if r.random() < 0.9 else r.choice((2, 3))
        rcpts = [_address(r, INCIDENT_DOMAIN if burst and r.random() < 0.4 else _PICK_DOMAIN(r))
                 for _ in range(n)]
        msg = self._compose(ident, t, rcpts)
        if ident.operation.endswith("TemplatedEmail") and r.random() < 0.0015 * self.rare:
            slim = {k: v for k, v in msg.mail.items() if k not in ("headers", "commonHeaders")}
            body = {"errorMessage": "Attribute 'invoice_total' is not present in the rendering data.",
                    "templateName": "InvoiceReady"}
            return [(t, {"eventType": "Rendering Failure", "mail": slim, "failure": body})]
        steps = [(t, "Send", {})]
        if r.random() < 0.0008 * self.rare:  # virus found after acceptance
            steps.append((t + r.uniform(0.05, 0.4), "Reject", {"reason": "Bad content"}))
        else:
            for rcpt in rcpts:
                steps += self._fate(msg, rcpt, burst)
        return self._emit(msg, steps)

    def _compose(self, ident: _Identity, t: float, rcpts: list[str]) -> _Message:
        r = self._r
        mid = _ses_id(r, ident.region, t)
        season = r.choice(CAMPAIGNS)
        season_name = season.title().replace("-", " ")
        subject = r.choice(ident.subjects).format(n=r.randint(10000, 99999), season=season_name)
        to = ", ".join(rcpts)
        boundary = f"----=_Part_{r.randint(1, 9999999)}_{r.randint(10**8, 10**9)}.{round(t * 1000)}"
        headers = [{"name": "From", "value": ident.source}, {"name": "To", "value": to},
                   {"name": "Subject", "value": subject}, {"name": "MIME-Version", "value": "1.0"},
                   {"name": "Content-Type", "value": f'multipart/alternative; boundary="{boundary}"'}]
        common = {"from": [ident.source], "to": [to], "messageId": mid, "subject": subject}
        if ident.operation == "SendRawEmail":  # applications that build MIME themselves set Date and Message-ID
            rfc_id = f"<{r.getrandbits(64):016x}.{round(t)}@{ident.domain}>"
            date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(t - r.uniform(0.1, 2)))
            headers[1:1] = [{"name": "Date", "value": date}, {"name": "Message-ID", "value": rfc_id}]
            common.update(date=date, messageId=rfc_id)
        src_ip = r.choice(ident.source_ips)
        base = {"timestamp": iso_ms(t), "source": ident.source,
                "sourceArn": f"arn:aws:ses:{ident.region}:{ident.account}:identity/{ident.domain}"}
        mail = {**base, "sendingAccountId": ident.account, "messageId": mid, "destination": rcpts}
        if not self.lean:
            mail["headersTruncated"] = False
        if self.headers:
            mail.update(headers=headers, commonHeaders=common)
        tags = {"ses:configuration-set": [ident.config_set], "ses:source-ip": [src_ip]}
        if not self.lean:
            tags.update({"ses:operation": [ident.operation], "ses:from-domain": [ident.domain],
                         "ses:caller-identity": [ident.caller],
                         "ses:source-tls-version": ["TLSv1.2" if ident.operation == "SendRawEmail" else "TLSv1.3"],
                         "team": [ident.team]})
        if ident.config_set == "marketing":
            tags["campaign"] = [season]
        mail["tags"] = tags
        nmail = {**base, "sourceIp": src_ip, "callerIdentity": ident.caller, "sendingAccountId": ident.account,
                 "messageId": mid, "destination": rcpts}
        if ident.notify_headers and self.headers:
            nmail.update(headersTruncated=False, headers=headers, commonHeaders=common)
        return _Message(ident, t, mid, mail, nmail)

    def _emit(self, msg: _Message, steps: list[tuple[float, str, dict]]) -> list[tuple[float, dict]]:
        """Turn lifecycle steps into event records and/or identity feedback notifications."""
        out = []
        for when, kind, body in steps:
            if msg.ident.config_set:
                mail = msg.mail
                if kind == "Delivery":  # only Delivery carries the outgoing-IP tags
                    out_ip = _outgoing_ip(body["reportingMTA"])
                    mail = {**mail, "tags": {**mail["tags"], "ses:outgoing-ip": [out_ip],
                                             "ses:outgoing-tls-version": ["TLSv1.3"]}}
                out.append((when, {"eventType": kind, "mail": mail, OBJECT_KEYS[kind]: body}))
            if kind in msg.ident.notify:
                out.append((when + 0.002, {"notificationType": kind, OBJECT_KEYS[kind]: body, "mail": msg.nmail}))
        return out

    def _host(self, region: str) -> str:
        return self._r.choice(REPORTING_MTAS[region])

    def _processing_ms(self, t: float, host: str) -> int:
        ms = self._r.lognormvariate(math.log(1500), 0.55)
        if host == SLOW_MTA:
            ms *= 4
        if host == INCIDENT_MTA and "slow-mta" in self.incidents_at(t):
            ms *= 10
        return int(ms)

    def _fate(self, msg: _Message, rcpt: str, burst: bool) -> list[tuple[float, str, dict]]:
        """Lifecycle steps for one recipient after Send."""
        r, t0 = self._r, msg.t
        dom = rcpt.split("@")[1].lower()
        group = _MX_GROUP.get(dom, "postfix")
        host = self._host(msg.ident.region)
        mx_ip = r.choice(MX_IPS[group])
        t1 = t0 + self._processing_ms(t0, host) / 1000
        u = r.random()
        if burst and dom == INCIDENT_DOMAIN and u < 0.85:
            diag = INCIDENT_DIAG.format(ip=_outgoing_ip(host))
            return [(t1, "Bounce", self._bounce(t1, rcpt, ("Permanent", "General", "5.7.1", diag), host, mx_ip))]
        if u < 0.004:  # on a suppression list: SES answers itself, without contacting any MX
            sub = "Suppressed" if r.random() < 0.6 else "OnAccountSuppressionList"
            tb = t0 + r.uniform(0.2, 1.2)
            return [(tb, "Bounce", self._bounce(tb, rcpt, ("Permanent", sub, "5.1.1", SUPPRESSION[sub]),
                                                "amazonses.com", None, reporting="dns"))]
        if u < 0.026:
            btype, sub, status, diag = _PICK_ISP_BOUNCE(r)
            if diag is None and btype == "Permanent":
                diag = USER_UNKNOWN[group]
            kind = (btype, sub, status, diag and diag.replace("{ip}", _outgoing_ip(host)))
            if kind[1] == "General" and r.random() < 0.2:  # accepted, then a DSN arrives minutes later
                tb = t1 + r.lognormvariate(math.log(300), 0.8)
                dsn = self._bounce(tb, rcpt, kind, f"mx.{dom}", None, reporting="dns")
                return [(t1, "Delivery", self._delivery(t1, t0, rcpt, host, mx_ip, group, msg.mid)),
                        (tb, "Bounce", dsn)]
            return [(t1, "Bounce", self._bounce(t1, rcpt, kind, host, mx_ip))]
        if u < 0.038:
            return self._delayed(msg, rcpt, t1, host, mx_ip, group)
        return self._delivered(msg, rcpt, t1, host, mx_ip, group)

    def _bounce(self, t: float, rcpt: str, kind: tuple, mta: str, mx_ip: str | None,
                reporting: str = "dsn") -> dict:
        btype, sub, status, diag = kind
        r = self._r
        addr = rcpt.lower() if r.random() < 0.5 else rcpt  # DSNs often lower-case the Final-Recipient
        rec = {"emailAddress": addr}
        if status:
            rec.update(action="failed", status=status)
        if diag:
            rec["diagnosticCode"] = diag.format(addr=addr, dom=addr.split("@")[1])
        body = {"bounceType": btype, "bounceSubType": sub, "bouncedRecipients": [rec],
                "timestamp": iso_ms(t), "feedbackId": _ses_id(r, "us-east-1", t)}
        if mx_ip:
            body["remoteMtaIp"] = mx_ip
        if btype != "Undetermined":
            body["reportingMTA"] = f"{reporting}; {mta}"
        return body

    def _delivery(self, t: float, t0: float, rcpt: str, host: str, mx_ip: str, group: str, mid: str) -> dict:
        return {"timestamp": iso_ms(t), "processingTimeMillis": round((t - t0) * 1000), "recipients": [rcpt],
                "smtpResponse": self._smtp_ok(group, t, mid), "remoteMtaIp": mx_ip, "reportingMTA": host}

    def _smtp_ok(self, group: str, t: float, mid: str) -> str:
        r = self._r
        if group == "google":
            return (f"250 2.0.0 OK  {int(t)} {r.choice('abdy')}{r.randint(10, 99)}-{r.getrandbits(80):020x}"
                    f"si{r.randint(1000000, 9999999)}qtw.{r.randint(100, 999)} - gsmtp")
        if group == "yahoo":
            return "250 ok dirdel"
        if group == "microsoft":
            return (f"250 2.6.0 <{mid}@email.amazonses.com> [InternalId={r.randint(10**12, 10**13)}, "
                    f"Hostname=DM6PR11MB{r.randint(1000, 9999)}.namprd11.prod.outlook.com] "
                    f"{r.randint(9000, 60000)} bytes in 0.{r.randint(100, 999)}, "
                    f"{r.randint(20, 300)}.{r.randint(0, 9)} KB/sec Queued mail for delivery")
        return f"250 2.0.0 Ok: queued as {r.getrandbits(44):011X}"

    def _delayed(self, msg: _Message, rcpt: str, t1: float, host: str, mx_ip: str,
                 group: str) -> list[tuple[float, str, dict]]:
        r, expires = self._r, msg.t + 14 * 3600  # SES retries for up to 14 hours
        dtype, status, diag = _PICK_DELAY(r)
        delayed = {"emailAddress": rcpt}
        if status:
            delayed["status"] = status
        if diag:
            delayed["diagnosticCode"] = diag
        steps, t = [], t1
        for _ in range(1 if r.random() < 0.7 else 2):
            steps.append((t, "DeliveryDelay", {"timestamp": iso_ms(t), "delayType": dtype,
                                               "expirationTime": iso_ms(expires), "delayedRecipients": [delayed],
                                               "reportingMTA": mx_ip}))
            t += r.uniform(900, 3600)
        u = r.random()
        if u < 0.65:
            return steps + self._delivered(msg, rcpt, t + r.lognormvariate(math.log(1200), 0.8), host, mx_ip, group)
        if u < 0.82:  # never got through: SES gives up at expiration
            sub = "MailboxFull" if dtype == "MailboxFull" else "General"
            kind = ("Transient", sub, status or "4.0.0", diag or "smtp; 421 4.4.2 Connection dropped")
            return steps + [(expires, "Bounce", self._bounce(expires, rcpt, kind, host, mx_ip))]
        tb = t + r.uniform(60, 1800)  # a later retry got a hard 5xx
        kind = ("Permanent", "General", "5.1.1", USER_UNKNOWN[group])
        return steps + [(tb, "Bounce", self._bounce(tb, rcpt, kind, host, mx_ip))]

    def _delivered(self, msg: _Message, rcpt: str, t1: float, host: str, mx_ip: str,
                   group: str) -> list[tuple[float, str, dict]]:
        r, cs = self._r, msg.ident.config_set
        steps = [(t1, "Delivery", self._delivery(t1, msg.t, rcpt, host, mx_ip, group, msg.mid))]
        open_p, click_p = {"marketing": (0.22, 0.15), "alerts": (0.55, 0.3)}.get(cs, (0.4, 0.12))
        if r.random() < open_p:
            to = t1 + self._open_delay(group)
            steps.append((to, "Open", self._engagement(to, group)))
            if r.random() < 0.2:
                t2 = to + r.lognormvariate(math.log(3600), 1.0)
                steps.append((t2, "Open", self._engagement(t2, group)))
            if r.random() < click_p:
                tc = to + r.lognormvariate(math.log(40), 1.0)
                click = self._engagement(tc, group)
                campaign = msg.mail["tags"].get("campaign")
                click["link"] = msg.ident.link.format(n=r.randint(10000, 99999), season=(campaign or ["winter"])[0])
                # ses:tags link attributes on campaign mail; elsewhere SES writes {} or null
                click["linkTags"] = ({"campaign": campaign, "position": [r.choice(("hero", "footer"))]}
                                     if campaign else r.choice(({}, None)))
                steps.append((tc, "Click", click))
        fbl = (0.004 if cs == "marketing" else 0.001) * self.rare
        if (group in ("yahoo", "microsoft") and r.random() < fbl * 3) or r.random() < fbl / 4:  # FBL providers
            tc = t1 + r.lognormvariate(math.log(5400), 1.0)
            steps.append((tc, "Complaint", self._complaint(tc, rcpt, group)))
        if cs == "marketing" and r.random() < 0.004 * self.rare:
            ts = t1 + r.lognormvariate(math.log(1800), 1.0)
            steps.append((ts, "Subscription", self._subscription(ts)))
        return steps

    def _open_delay(self, group: str) -> float:
        r = self._r
        if group == "apple" or r.random() < 0.2:  # Apple Mail Privacy Protection prefetches at once
            return r.uniform(2, 90)
        return min(r.lognormvariate(math.log(1500), 1.3), 3 * 86400)

    def _engagement(self, t: float, group: str) -> dict:
        r = self._r
        if group == "google" and r.random() < 0.7:
            ip, ua = "66.249.84.135", USER_AGENTS["gmail-proxy"]
        elif group == "apple" or r.random() < 0.15:
            ip, ua = r.choice(APPLE_PROXY_IPS), USER_AGENTS["apple-proxy"]
        else:
            ip = r.choice(OPEN_IPS)
            client = "yahoo-proxy" if group == "yahoo" else r.choice(("iphone", "outlook", "chrome", "android"))
            ua = USER_AGENTS[client]
        return {"ipAddress": ip, "timestamp": iso_ms(t), "userAgent": ua}

    def _complaint(self, t: float, rcpt: str, group: str) -> dict:
        r = self._r
        body = {"complainedRecipients": [{"emailAddress": rcpt}], "timestamp": iso_ms(t),
                "feedbackId": _ses_id(r, "us-east-1", t), "complaintSubType": None}
        if r.random() < 0.9:  # the rest arrive without an ARF feedback report
            body.update(userAgent=FBL_AGENTS[group], complaintFeedbackType=_PICK_COMPLAINT(r),
                        arrivalDate=iso_ms(t - r.uniform(1, 120)))
        return body

    def _subscription(self, t: float) -> dict:
        topic = self._r.choice(("weekly-deals", "product-news"))

        def prefs(opted_out: bool) -> dict:
            status = {"topicName": topic, "subscriptionStatus": "OptOut" if opted_out else "OptIn"}
            return {"unsubscribeAll": opted_out, "topicSubscriptionStatus": [status]}

        return {"contactList": "acme-newsletter", "timestamp": iso_ms(t), "source": "UnsubscribeHeader",
                "newTopicPreferences": prefs(True), "oldTopicPreferences": prefs(False)}

    # -- CloudTrail --------------------------------------------------------------------------

    def _cloudtrail(self, t: float) -> dict:
        r = self._r
        if "access-denied" in self.incidents_at(t) and r.random() < 0.7:
            op = r.choice(("ListIdentities", "GetSendQuota", "CreateEmailIdentity", "PutSuppressedDestination",
                           "UpdateAccountSendingEnabled", "ListEmailIdentities"))
            actor = ("IAMUser", INTRUDER_USER, "123456789012", (INTRUDER_IP,), "intruder")
            return self._ct_record(t, actor, "ses.amazonaws.com", op, CT_ERRORS[0][:2])
        actor = _PICK_ACTOR(r)
        if r.random() < 0.08:
            source, op = r.choice(OTHER_CALLS)
            return self._ct_record(t, actor, source, op, None)
        return self._ct_record(t, actor, "ses.amazonaws.com", _PICK_OPERATION(r),
                               _PICK_ERROR(r) if r.random() < 0.05 else None)

    def _ct_record(self, t: float, actor: tuple, source: str, op: str, error: tuple | None) -> dict:
        r = self._r
        itype, name, account, ips, ua_key = actor
        ident = next((i for i in IDENTITIES if i.account == account), IDENTITIES[0])
        region = ident.region
        if itype == "Root":
            arn = f"arn:aws:iam::{account}:root"
            uid = {"type": "Root", "principalId": account, "arn": arn, "accountId": account,
                   "accessKeyId": f"ASIA{r.getrandbits(64):016X}"}  # console sessions use temporary keys
        elif itype == "IAMUser":
            arn = f"arn:aws:iam::{account}:user/{name}"
            key = hashlib.md5(arn.encode()).hexdigest().upper()  # stable per user, like real ids
            uid = {"type": "IAMUser", "principalId": f"AIDA{key[:17]}", "arn": arn, "accountId": account,
                   "accessKeyId": f"AKIA{key[-16:]}", "userName": name}
        else:
            began = t // 21600 * 21600  # SDKs keep one role session (and its key) for hours
            session = {"boto": f"botocore-session-{began:.0f}", "java": f"aws-sdk-java-{began * 1000:.0f}",
                       "service": "AWSCloudFormation"}.get(ua_key, "SupportSession")
            arn = f"arn:aws:sts::{account}:assumed-role/{name}/{session}"
            role_id = f"AROA{hashlib.md5(name.encode()).hexdigest()[:17].upper()}"
            uid = {"type": "AssumedRole", "principalId": f"{role_id}:{session}", "arn": arn, "accountId": account,
                   "accessKeyId": f"ASIA{hashlib.md5(arn.encode()).hexdigest()[:16].upper()}",
                   "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": role_id,
                                                        "arn": f"arn:aws:iam::{account}:role/{name}",
                                                        "accountId": account, "userName": name},
                                      "attributes": {"creationDate": iso_s(began + 7), "mfaAuthenticated": "false"}}}
            if ua_key == "service":
                uid["invokedBy"] = "cloudformation.amazonaws.com"
        cmd = re.sub(r"(?<!^)(?=[A-Z])", "-", op).lower()
        rec = {"eventVersion": "1.08", "userIdentity": uid, "eventTime": iso_s(t), "eventSource": source,
               "eventName": op, "awsRegion": region, "sourceIPAddress": r.choice(ips),
               "userAgent": _CT_UA[ua_key].format(cmd=cmd)}
        if error:
            rec["errorCode"] = error[0]
            rec["errorMessage"] = error[1].format(arn=arn, op=op, region=region, account=account)
        params = _CT_PARAMS.get(op)
        rec["requestParameters"] = params(r, ident) if params and source == "ses.amazonaws.com" else None
        rec["responseElements"] = ({"verificationToken": base64.b64encode(r.randbytes(32)).decode()}
                                   if op.startswith("Verify") and not error else None)
        rec.update(requestID=_uuid(r), eventID=_uuid(r), readOnly=op.startswith(("Get", "List", "Describe")),
                   eventType="AwsApiCall", managementEvent=True, recipientAccountId=account,
                   eventCategory="Management")
        if self.lean:
            for extra in ("requestParameters", "responseElements", "managementEvent", "eventCategory", "readOnly"):
                rec.pop(extra, None)
            uid.pop("sessionContext", None)
        elif source == "ses.amazonaws.com":
            rec["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                                 "clientProvidedHostHeader": f"email.{region}.amazonaws.com"}
        if ua_key == "console":
            rec["sessionCredentialFromConsole"] = "true"
        return rec


# ----------------------------------------------------------------------------- encodings


def sns_envelope(message: str, topic_arn: str, when: float, r: random.Random, *, subject: str | None = None,
                 type_: str = "Notification", lambda_style: bool = False) -> dict:
    """An SNS HTTP(S) body (or, with ``lambda_style``, the ``Sns`` object of an SNS->Lambda record)."""
    region = topic_arn.split(":")[3]
    env = {"Type": type_, "MessageId": _uuid(r), "TopicArn": topic_arn}
    if type_ != "Notification":  # (Un)SubscriptionConfirmation: token + subscribe URL, no unsubscribe URL
        env["Token"] = f"{r.getrandbits(512):0128x}"
    if subject or lambda_style:
        env["Subject"] = subject
    env["Message"] = message
    if type_ != "Notification":
        env["SubscribeURL"] = (f"https://sns.{region}.amazonaws.com/?Action=ConfirmSubscription"
                               f"&TopicArn={topic_arn}&Token={env['Token']}")
    signature = base64.b64encode(r.randbytes(256)).decode()  # 344 characters, like an RSA-2048 signature
    env.update(Timestamp=iso_ms(when), SignatureVersion="1", Signature=signature)
    cert_id = hashlib.md5(region.encode()).hexdigest()
    cert = f"https://sns.{region}.amazonaws.com/SimpleNotificationService-{cert_id}.pem"
    unsub = (f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic_arn}:"
             f"{hashlib.md5(topic_arn.encode()).hexdigest()[:8]}-5c4e-4b8a-9f0e-2d1c3b4a5f60")
    if lambda_style:
        env.update(SigningCertUrl=cert, UnsubscribeUrl=unsub, MessageAttributes={})
    else:
        env["SigningCertURL"] = cert
        if type_ == "Notification":
            env["UnsubscribeURL"] = unsub
    return env


def _topic_arn(record: Mapping) -> str:
    region, account = _origin(record)
    if "notificationType" in record:
        return f"arn:aws:sns:{region}:{account}:ses-{record['notificationType'].lower()}-notifications"
    config_set = record.get("mail", {}).get("tags", {}).get("ses:configuration-set", ["events"])[0]
    return f"arn:aws:sns:{region}:{account}:ses-{config_set}-events"


def _sns_of(record: dict, when: float, r: random.Random, lambda_style: bool = False) -> dict:
    subject = "Amazon SES Email Event Notification" if "eventType" in record else None
    return sns_envelope(orjson.dumps(record).decode() + "\n", _topic_arn(record), when + r.uniform(0.05, 0.6), r,
                        subject=subject, lambda_style=lambda_style)


def _lambda_sns(records: Sequence[dict], when: float, r: random.Random) -> dict:
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "EventSubscriptionArn": f"{_topic_arn(rec)}:{_uuid(r)}",
                         "Sns": _sns_of(rec, when, r, lambda_style=True)} for rec in records]}


def _sqs(records: Sequence[dict], when: float, r: random.Random) -> dict:
    out = []
    for rec in records:
        body = orjson.dumps(_sns_of(rec, when, r)).decode()
        region, account = _origin(rec)
        sent = round((when + r.uniform(0.3, 1.0)) * 1000)
        out.append({"messageId": _uuid(r), "receiptHandle": "AQEB" + base64.b64encode(r.randbytes(120)).decode(),
                    "body": body, "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(sent),
                                                 "SenderId": "AIDAIT2UOQQY3AUEKVGXU",
                                                 "ApproximateFirstReceiveTimestamp": str(sent + r.randint(5, 900))},
                    "messageAttributes": {}, "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
                    "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:{region}:{account}:ses-feedback",
                    "awsRegion": region})
    return {"Records": out}


def _eventbridge(record: dict, when: float, r: random.Random) -> dict:
    region, account = _origin(record)
    if "eventType" in record and "eventVersion" not in record:
        detail_type, source = DETAIL_TYPES.get(record["eventType"], record["eventType"]), "aws.ses"
    else:  # CloudTrail management event forwarded by EventBridge
        detail_type, source = "AWS API Call via CloudTrail", "aws." + record["eventSource"].split(".")[0]
    return {"version": "0", "id": _uuid(r), "detail-type": detail_type, "source": source, "account": account,
            "time": iso_s(when), "region": region, "resources": [], "detail": record}


def log_stream(record: Mapping, when: float) -> tuple[str, str]:
    """(logGroup, logStream) a record would be logged under; one Lambda stream per day."""
    if record_kind(record) == "cloudtrail":
        region, account = _origin(record)
        return "aws-cloudtrail-logs-ses", f"{account}_CloudTrail_{region}"
    day = time.strftime("%Y/%m/%d", time.gmtime(when))
    return "/aws/lambda/ses-feedback-logger", f"{day}/[$LATEST]{hashlib.md5(day.encode()).hexdigest()}"


def _cwl(records: Sequence[dict], when: float, r: random.Random) -> dict:
    group, stream = log_stream(records[0], when)
    ms = round(when * 1000)
    return {"messageType": "DATA_MESSAGE", "owner": _origin(records[0])[1], "logGroup": group, "logStream": stream,
            "subscriptionFilters": ["sestui-forwarder"],
            "logEvents": [{"id": str(r.randrange(10**55, 10**56)), "timestamp": ms + i,
                           "message": orjson.dumps(rec).decode()} for i, rec in enumerate(records)]}


def format_tail(message: str, when: float, stream: str, fmt: str = "detailed", color: bool = False) -> bytes:
    """One ``aws logs tail`` event exactly as CLI v2 prints it (fmt: detailed, short or json)."""
    ts = datetime.fromtimestamp(round(when * 1000) / 1000, timezone.utc)
    if fmt == "short":
        stamp, stream_part = ts.strftime("%Y-%m-%dT%H:%M:%S"), None
    elif fmt == "json":  # plain isoformat(): drops ".000000" when microseconds are 0
        stamp, stream_part = ts.isoformat(), stream
        try:
            message = "\n" + json.dumps(json.loads(message), indent=4)
        except ValueError:
            pass
    else:
        stamp, stream_part = ts.isoformat(timespec="microseconds"), stream
    if color:
        stamp = f"\x1b[32m{stamp}\x1b[0m"
        stream_part = stream_part and f"\x1b[36m{stream_part}\x1b[0m"
    line = " ".join([stamp] + ([stream_part] if stream_part else []) + [message])
    return line.rstrip().encode() + b"\n"


def _tail(fmt: str, color: bool = False) -> Callable[[Sequence[dict], float, random.Random], bytes]:
    def enc(records: Sequence[dict], when: float, r: random.Random) -> bytes:
        logged = when + r.uniform(0.02, 0.5)
        return format_tail(orjson.dumps(records[0]).decode(), logged, log_stream(records[0], logged)[1], fmt, color)
    return enc


def _json_line(build: Callable[[Sequence[dict], float, random.Random], object]):
    return lambda records, when, r: orjson.dumps(build(records, when, r)) + b"\n"


def _awslogs(records: Sequence[dict], when: float, r: random.Random) -> dict:
    packed = gzip.compress(orjson.dumps(_cwl(records, when, r)), compresslevel=6, mtime=0)
    return {"awslogs": {"data": base64.b64encode(packed).decode()}}


_ENCODERS = {
    "raw": _json_line(lambda recs, when, r: recs[0]),
    "pretty": lambda recs, when, r: orjson.dumps(recs[0], option=orjson.OPT_INDENT_2) + b"\n",
    "sns": _json_line(lambda recs, when, r: _sns_of(recs[0], when, r)),
    "lambda-sns": _json_line(_lambda_sns),
    "sqs": _json_line(_sqs),
    "eventbridge": _json_line(lambda recs, when, r: _eventbridge(recs[0], when, r)),
    "cwl": _json_line(_cwl),
    "awslogs": _json_line(_awslogs),
    "cloudtrail": _json_line(lambda recs, when, r: {"Records": list(recs)}),
    "logs-tail-detailed": _tail("detailed"),
    "logs-tail-short": _tail("short"),
    "logs-tail-color": _tail("detailed", color=True),
    "logs-tail-json": _tail("json"),
}


def encode(record: dict, style: str, when: float, r: random.Random | None = None) -> bytes:
    """Encode one inner record in ``style`` (see ``STYLES``); returns bytes ending in ``\\n``.

    ``when`` is the record's event time (wrapper timestamps follow it by a fraction of a
    second); ``r`` supplies wrapper ids and defaults to a generator seeded from the arguments.
    """
    return encode_batch([record], style, when, r)


def encode_batch(records: Sequence[dict], style: str, when: float, r: random.Random | None = None) -> bytes:
    """Several records in one payload of a batch style (``BATCH_STYLES``: Lambda, SQS, CWL, CloudTrail file)."""
    if style not in _ENCODERS:
        raise ValueError(f"unknown style {style!r}; expected one of {STYLES}")
    if len(records) != 1 and style not in BATCH_STYLES:
        raise ValueError(f"style {style!r} carries exactly one record")
    if any(style not in COMPATIBLE.get(record_kind(rec), {"raw", "pretty"}) for rec in records):
        raise ValueError(f"AWS never delivers this kind of record as {style!r}")
    r = r or random.Random(f"{style}/{when}/{zlib.crc32(orjson.dumps(list(records)))}")  # distinct ids per record
    return _ENCODERS[style](records, when, r)


def firehose_object(items: Iterable[tuple[float, dict]], style: str = "eventbridge",
                    r: random.Random | None = None) -> bytes:
    """A Firehose S3 object: records encoded compactly and concatenated with no separator."""
    r = r or random.Random(style)
    return b"".join(encode(rec, style, when, r).rstrip(b"\n") for when, rec in items)


def live_lines(rate: float = 20.0, clock: Callable[[], float] = time.time, seed: int | None = None,
               incidents: bool = True, incident_period: float = 300.0,
               styles: Mapping[str, Mapping[str, float]] | None = None) -> Iterator[tuple[float, bytes]]:
    """Endless ``(due_time, line)`` stream starting at ``clock()``: sleep until due, then append the line."""
    start = clock()
    traffic = Traffic(seed=int(start) if seed is None else seed, start=start, rate=rate, incidents=incidents,
                      incident_period=incident_period)
    return traffic.lines(math.inf, styles)


# ----------------------------------------------------------------------------- benchmark corpus

BENCH_START = 1795176000.0  # 2026-11-20T12:00:00Z
_BENCH_BLOCK_SECONDS = 1800  # one generated block, replayed with shifted times and ids
_BENCH_RATE = 12.0
_TOKEN = re.compile(rb'(?:^|(?<=["\-:< m]))(?:'  # tokens follow these; testing first halves compile time
                    rb'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{3}Z|\.\d{6}\+00:00|Z)'  # ISO timestamps
                    rb'|(01[0-9a-f]{2})([0-9a-f]{12})-'  # hex epoch-ms inside SES message/feedback ids
                    rb'|([0-9a-f]{8})(?=-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'  # UUID head
                    rb'|"(1\d{12})")')  # epoch-ms strings (SQS attributes)


def _compile_template(line: bytes) -> tuple[list[bytes], list[tuple[int, object]]]:
    """Split a line into literal pieces and (kind, value) slots that vary per replay."""
    pieces, slots, pos = [], [], 0
    for m in _TOKEN.finditer(line):
        pieces.append(line[pos:m.start()])
        pos = m.end()
        if m.group(1):
            stamp = m.group(1)
            fields = (stamp[:4], stamp[5:7], stamp[8:10], stamp[11:13], stamp[14:16], stamp[17:19])
            slots.append((0, (calendar.timegm(tuple(map(int, fields))), m.group(2))))
        elif m.group(3):
            slots.append((1, (m.group(3), int(m.group(4), 16))))
        elif m.group(5):
            slots.append((2, int(m.group(5), 16)))
        else:
            slots.append((3, int(m.group(6))))
    pieces.append(line[pos:])
    return pieces, slots


def _render(pieces: list[bytes], slots: list[tuple[int, object]], shift: int, key: int,
            seconds: dict[int, bytes]) -> bytes:
    out = [pieces[0]]
    for (kind, v), lit in zip(slots, pieces[1:]):
        if kind == 0:  # ~36 timestamps share each second: format it once per replay
            sec = v[0] + shift
            stamp = seconds.get(sec)
            if stamp is None:
                stamp = seconds[sec] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)).encode()
            out.append(stamp + v[1])
        elif kind == 1:
            out.append(b"%s%012x-" % (v[0], v[1] + shift * 1000))
        elif kind == 2:
            out.append(b"%08x" % (v ^ key))
        else:
            out.append(b'"%d"' % (v + shift * 1000))
        out.append(lit)
    return b"".join(out)


def iter_bench_lines(count: int, seed: int = 1,
                     styles: Mapping[str, Mapping[str, float]] = BENCH_STYLES,
                     rate: float = _BENCH_RATE) -> Iterator[bytes]:
    """``count`` realistic mixed lines (each ending in ``\\n``) for throughput benchmarks.

    One half-hour block of :class:`Traffic` (without original headers) is encoded once, then
    replayed with every timestamp, SES id and UUID shifted per replay, so ids stay unique and
    lifecycles stay coherent. Records are lean (no original headers, only the tags sestui reads);
    with ``BENCH_STYLES`` lines still average ~850 bytes, as an SNS envelope alone is ~1.4 kB.
    About 2 s per million lines. ``rate`` is records per second of event time.
    """
    traffic = Traffic(seed=seed, start=BENCH_START, rate=rate, headers=False, lean=True)
    block = [_compile_template(line) for _, line in traffic.lines(BENCH_START + _BENCH_BLOCK_SECONDS, styles)]
    for rep in itertools.count():
        shift, key, seconds = rep * _BENCH_BLOCK_SECONDS, (rep * 2654435761) & 0xFFFFFFFF, {}
        for pieces, slots in block[:count - rep * len(block)]:
            yield _render(pieces, slots, shift, key, seconds)
        if (rep + 1) * len(block) >= count:
            return


def bench_lines(count: int, seed: int = 1) -> list[bytes]:
    """:func:`iter_bench_lines` as a list (1,000,000 lines need ~0.8 GB; prefer the iterator)."""
    return list(iter_bench_lines(count, seed))
