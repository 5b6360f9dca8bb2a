"""What sestui ranks: each dimension names the event kinds it reads and how to key an event.

The same table drives the all-time heavy-hitter counters (fed on ingest) and the exact per-window
counts computed from the ring, so both always agree on what "top bounced domains" means.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from operator import attrgetter

from . import events as k
from .events import Event, domain_of

MISSING = "(missing)"
SES_KINDS = tuple(kind for kind in k.KINDS if kind != k.CLOUDTRAIL)

# CloudTrail event-name groups of the Sumo Logic SES app (wildcards on eventName; they overlap).
GROUPS: tuple[str, ...] = ("Identity", "GetSend", "Domain", "Receipt", "EmailAddress")


@lru_cache(maxsize=4096)
def cloudtrail_groups(name: str | None) -> tuple[int, ...]:
    """Indices into GROUPS that an event name belongs to."""
    if not name:
        return ()
    found = []
    if "Identit" in name:
        found.append(0)
    if name.startswith("GetSend"):
        found.append(1)
    if "Domain" in name:
        found.append(2)
    if "Receipt" in name:
        found.append(3)
    if "EmailAddress" in name:
        found.append(4)
    return tuple(found)


def _addresses(event: Event) -> Iterable[str]:
    return [r.strip().lower() for r in event.recipients]


def _domains(event: Event) -> Iterable[str]:
    return [domain_of(r) for r in event.recipients]


def _identity(event: Event) -> tuple[str, ...]:
    arn = event.source_arn
    if arn and ":identity/" in arn:
        return (arn.rsplit(":identity/", 1)[1],)
    return (arn,) if arn else ()


def _feedback(event: Event) -> tuple[str, ...]:
    return (event.feedback_type or MISSING,)


def _delay(event: Event) -> tuple[str, ...]:
    return (event.delay_type or MISSING,)


def _bounce_class(event: Event) -> tuple[str, ...]:
    return (f"{event.bounce_type or MISSING}\x1f{event.bounce_subtype or MISSING}",)


def split_class(key: str) -> tuple[str, str]:
    """(type, subtype) of a bounce-class key."""
    kind, _, sub = key.partition("\x1f")
    return kind, sub


class Dimension:
    """A rankable attribute of events of some kinds: one attribute, or a key function."""

    __slots__ = ("name", "title", "kinds", "attr", "keys", "filter_field", "failed_only")

    def __init__(
        self,
        name: str,
        title: str,
        kinds: tuple[str, ...],
        key: str | Callable[[Event], Iterable[str]],
        filter_field: str | None,
        failed_only: bool = False,
    ) -> None:
        self.name = name
        self.title = title
        self.kinds = kinds
        self.attr = key if isinstance(key, str) else None
        self.keys = None if isinstance(key, str) else key
        self.filter_field = filter_field  # the filter term a row of this dimension pins
        self.failed_only = failed_only

    def keys_of(self, event: Event) -> Iterable[str]:
        if self.failed_only and event.error_code is None:
            return ()
        if self.keys is not None:
            return self.keys(event)
        value = getattr(event, self.attr)  # type: ignore[arg-type]
        return (value,) if value else ()

    def all_keys(self, events: list[Event]) -> list[str]:
        """The keys of many events at once (the ingest loop's batch form of `keys_of`)."""
        if self.failed_only:
            events = [e for e in events if e.error_code is not None]
        if self.keys is not None:
            keys = self.keys
            return [key for e in events for key in keys(e)]
        return [v for v in map(attrgetter(self.attr), events) if v]  # type: ignore[arg-type]


_B, _C, _D = (k.BOUNCE,), (k.COMPLAINT,), (k.DELIVERY,)
_CT = (k.CLOUDTRAIL,)

DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("sources", "Mail sources", SES_KINDS, "source", "source"),
        Dimension("accounts", "Sending accounts", SES_KINDS, "account", "account"),
        Dimension("config_sets", "Configuration sets", SES_KINDS, "config_set", "configset"),
        Dimension("bounce_addresses", "Bounced addresses", _B, _addresses, "address"),
        Dimension("bounce_domains", "Bounced domains", _B, _domains, "domain"),
        Dimension("bounce_classes", "Bounce type / subtype", _B, _bounce_class, None),
        Dimension("complaint_addresses", "Complained addresses", _C, _addresses, "address"),
        Dimension("complaint_domains", "Complained domains", _C, _domains, "domain"),
        Dimension("complaint_agents", "Complaint user agents", _C, "user_agent", "agent"),
        Dimension("feedback_types", "Feedback types", _C, _feedback, "feedback"),
        Dimension("complaint_sources", "Sources with complaints", _C, "source", "source"),
        Dimension("complaint_accounts", "Accounts with complaints", _C, "account", "account"),
        Dimension("complaint_identities", "Identities with complaints", _C, _identity, "identity"),
        Dimension("complaint_ips", "Source IPs with complaints", _C, "source_ip", "ip"),
        Dimension("delivery_domains", "Delivered domains", _D, _domains, "domain"),
        Dimension("delay_types", "Delivery delays by type", (k.DELIVERY_DELAY,), _delay, "type"),
        Dimension("error_codes", "Error codes", _CT, "error_code", "error"),
        Dimension("failed_names", "Failed calls", _CT, "event_name", "event", failed_only=True),
        Dimension("ct_users", "CloudTrail users", _CT, "user", "user"),
        Dimension("ct_names", "CloudTrail calls", _CT, "event_name", "event"),
    )
}
