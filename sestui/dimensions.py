"""What sestui ranks: each dimension names the event kinds it reads and how to key an event.

The same table drives the all-time heavy-hitter counters (fed on ingest) and the exact per-window
counts computed from the ring, so both always agree on what "top bounced domains" means.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from operator import attrgetter

from . import events as k
from .events import Event, domain_of

MISSING = "(missing)"
OTHER = "(other)"  # the key of a row that pools values beyond those counted one by one
_UNTRIMMED = (">", " ", "\t")  # domain_of's trailing characters to strip
SES_KINDS = tuple(kind for kind in k.KINDS if kind != k.CLOUDTRAIL)

# CloudTrail event-name groups of the Sumo Logic SES app: globs on eventName (they overlap),
# matched ignoring case as the filter matches them, so a group's row drills to what it counts.
GROUP_PATTERNS: dict[str, str] = {
    "Identity": "*Identit*",
    "GetSend": "GetSend*",
    "Domain": "*Domain*",
    "Receipt": "*Receipt*",
    "EmailAddress": "*EmailAddress*",
}
GROUPS: tuple[str, ...] = tuple(GROUP_PATTERNS)
_GROUP_MATCHERS = [re.compile(fnmatch.translate(pattern), re.IGNORECASE | re.S).match for pattern in GROUP_PATTERNS.values()]


@lru_cache(maxsize=4096)
def cloudtrail_groups(name: str | None) -> tuple[int, ...]:
    """Indices into GROUPS that an event name belongs to."""
    if not name:
        return ()
    return tuple(index for index, match in enumerate(_GROUP_MATCHERS) if match(name))


def address_key(recipient: str) -> str:
    """Addresses aggregate case-insensitively, and without a display name ("Ann <a@b.example>")."""
    if "<" in recipient:
        inner = recipient[recipient.rfind("<") + 1 :].partition(">")[0]
        if "@" in inner:
            recipient = inner
    return recipient.strip().lower()


def identity_of(arn: str) -> str:
    """The identity an SES sending ARN names: all after ':identity/' (an address or a name may
    hold '/'); the whole value when it is not such an ARN."""
    return arn.partition(":identity/")[2] or arn


def _identity(event: Event) -> tuple[str, ...]:
    return (identity_of(event.source_arn),) if event.source_arn else ()


def value_key(value: str | None) -> str:
    """A value's key where events lacking it are counted too, under MISSING: a value that would
    read as that key or as OTHER, or as such a quoted value, is keyed in quotes, so that
    `(missing)` keys the absence, `(other)` a pool of values (see store.MAX_MTAS), and
    `"(missing)"` and `"(other)"` those values."""
    if not value:
        return MISSING
    if value in (MISSING, OTHER) or value.startswith('"'):
        return f'"{value}"'
    return value


def key_value(key: str) -> str | None:
    """The value a value_key stands for; None for MISSING."""
    if key == MISSING:
        return None
    return key[1:-1] if key.startswith('"') else key


def _bounce_class(event: Event) -> tuple[str, ...]:
    return (f"{value_key(event.bounce_type)}\x1f{value_key(event.bounce_subtype)}",)


def _failed(event: Event) -> bool:
    return event.failed


def _ok(event: Event) -> bool:
    return not event.failed


def split_class(key: str) -> tuple[str, str]:
    """(type, subtype) of a bounce-class key."""
    kind, _, sub = key.partition("\x1f")
    return kind, sub


class Dimension:
    """A rankable attribute of events of some kinds: one attribute, or a key function."""

    __slots__ = ("name", "title", "kinds", "undocumented", "attr", "keys", "per_recipient", "filter_field", "where", "terms", "counts_missing")

    def __init__(
        self,
        name: str,
        title: str,
        kinds: tuple[str, ...],
        filter_field: str | None,
        *,
        attr: str | None = None,
        keys: Callable[[Event], Iterable[str]] | None = None,
        per_recipient: Callable[[str], str] | None = None,
        where: Callable[[Event], bool] | None = None,
        terms: tuple[str, ...] = (),
        counts_missing: bool = False,
        undocumented: bool = False,
    ) -> None:
        """Events are keyed by one attribute, a key function, or each recipient through
        `per_recipient` (addresses, domains; an empty one is not counted); `where` narrows the
        events counted, and `terms` are the filter terms that narrow them the same way (for
        drilldown). With `counts_missing`, events lacking the attribute are counted under
        MISSING (value_key). With `undocumented`, events of kinds nobody documented (the
        Overview's Other) are counted as well as those of `kinds`."""
        self.name = name
        self.title = title
        self.kinds = kinds
        self.undocumented = undocumented
        self.attr = attr
        self.keys = keys
        self.per_recipient = per_recipient
        self.filter_field = filter_field  # the filter term a row of this dimension pins
        self.where = where
        self.terms = terms
        self.counts_missing = counts_missing

    def all_keys(self, events: list[Event]) -> list[str]:
        """The keys of many events at once."""
        if self.where is not None:
            events = [e for e in events if self.where(e)]
        if self.per_recipient is domain_of:
            # domain_of inlined for the plain "user@domain" case, the one nearly every
            # recipient is: a call per recipient costs more than all the rest of this.
            domains = [r[r.rfind("@") + 1 :] for e in events for r in e.recipients]
            # An empty domain (of "", or "user@") is nothing to rank, nor to drill to.
            return list(filter(None, [d.lower() if d[-1:] not in _UNTRIMMED else domain_of(d) for d in domains]))
        if self.per_recipient is not None:
            key = self.per_recipient
            return list(filter(None, [key(r) for e in events for r in e.recipients]))  # nor an empty address
        if self.keys is not None:
            keys = self.keys
            return [k for e in events for k in keys(e)]
        values = map(attrgetter(self.attr), events)  # type: ignore[arg-type]
        if self.counts_missing:
            return [value_key(v) for v in values]
        return [v for v in values if v]


_B, _C, _D = (k.BOUNCE,), (k.COMPLAINT,), (k.DELIVERY,)
_CT = (k.CLOUDTRAIL,)

DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        # Mail of every kind: the kinds nobody documented come from SES records too, and a row's
        # drill (`-kind:=CloudTrail`) selects them.
        Dimension("sources", "Mail sources", SES_KINDS, "source", attr="source", undocumented=True),
        Dimension("accounts", "Sending accounts", SES_KINDS, "account", attr="account", undocumented=True),
        Dimension("config_sets", "Configuration sets", SES_KINDS, "configset", attr="config_set", undocumented=True),
        Dimension("bounce_addresses", "Bounced addresses", _B, "address", per_recipient=address_key),
        Dimension("bounce_domains", "Bounced domains", _B, "domain", per_recipient=domain_of),
        Dimension("bounce_classes", "Bounce type / subtype", _B, None, keys=_bounce_class),
        Dimension("complaint_addresses", "Complained addresses", _C, "address", per_recipient=address_key),
        Dimension("complaint_domains", "Complained domains", _C, "domain", per_recipient=domain_of),
        Dimension("complaint_agents", "Complaint user agents", _C, "agent", attr="user_agent"),
        Dimension("feedback_types", "Feedback types", _C, "feedback", attr="feedback_type", counts_missing=True),
        Dimension("complaint_sources", "Sources with complaints", _C, "source", attr="source"),
        Dimension("complaint_accounts", "Accounts with complaints", _C, "account", attr="account"),
        Dimension("complaint_identities", "Identities with complaints", _C, "identity", keys=_identity),
        Dimension("complaint_ips", "Source IPs with complaints", _C, "ip", attr="source_ip"),
        Dimension("delivery_domains", "Delivered domains", _D, "domain", per_recipient=domain_of),
        Dimension("delay_types", "Delivery delays by type", (k.DELIVERY_DELAY,), "type", attr="delay_type", counts_missing=True),
        Dimension("error_codes", "Error codes", _CT, "error", attr="error_code"),
        Dimension("failed_names", "Failed calls", _CT, "event", attr="event_name", where=_failed, terms=("error:*",)),
        Dimension("ct_users", "CloudTrail users", _CT, "user", attr="user"),
        Dimension("ct_names", "CloudTrail calls", _CT, "event", attr="event_name"),
        # Addresses located on the Geo tab; rows there are places (the country field names the
        # kind of address; drill adds its city and network).
        Dimension("geo_source_ips", "Mail source IPs", SES_KINDS, "source_country", attr="source_ip", undocumented=True),
        Dimension("geo_mta_ips", "Remote MTA IPs", (k.DELIVERY, k.BOUNCE), "mta_country", attr="remote_ip"),
        Dimension("geo_engagement_ips", "Open and click IPs", (k.OPEN, k.CLICK), "client_country", attr="client_ip"),
        Dimension("geo_ct_ok_ips", "CloudTrail callers, successful", _CT, "source_country", attr="source_ip", where=_ok, terms=("-error:*",)),
        Dimension("geo_ct_failed_ips", "CloudTrail callers, failed", _CT, "source_country", attr="source_ip", where=_failed, terms=("error:*",)),
    )
}
GEO_DIMENSIONS = ("geo_source_ips", "geo_mta_ips", "geo_engagement_ips", "geo_ct_ok_ips", "geo_ct_failed_ips")
