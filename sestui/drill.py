"""A row of a ranking or breakdown turned into filter terms: what "show me those events" means.

The same terms drive the drilldown screen (events matching the row) and `F` (pin the row as a
global filter), so both always agree with the number in the row.
"""

from __future__ import annotations

from . import events as k
from .dimensions import DIMENSIONS, GROUP_PATTERNS, MISSING, key_value, split_class
from .filters import quote
from .events import Event
from .geo import split_key


def _term(field: str, value: str | None, exact: bool = True) -> str:
    """A term matching the value, in its case unless the row's key ignores case (`exact`
    false); for None, the events lacking the field. Rows count values case by case, so a
    case-insensitive term would drill to the events of both `Deploy` and `deploy`."""
    if value is None:
        return f"{field}:{MISSING}"
    return f"{field}:{'=' if exact else ''}{quote(value)}"


def _kinds(kinds: tuple[str, ...]) -> list[str]:
    if len(kinds) == 1:
        return [_term("kind", kinds[0])]
    excluded = [kind for kind in k.KINDS if kind not in kinds]
    return ["-" + _term("kind", kind) for kind in excluded]


def terms_for(drill: str, key: str) -> list[str]:
    """Filter terms selecting the events counted in a row (`drill` names the table's rows)."""
    if drill == "kind":
        if key == "Other":  # kinds nobody documented, `BOUNCE` among them
            return _kinds(())
        return _kinds((key,))
    if drill == "mta":
        return [*_kinds((k.DELIVERY,)), _term("mta", key_value(key))]
    if drill == "group":
        return [*_kinds((k.CLOUDTRAIL,)), f"event:{GROUP_PATTERNS[key]}"]
    if drill == "bounce_classes":
        kind, sub = split_class(key)
        return [*_kinds((k.BOUNCE,)), _term("type", key_value(kind)), _term("subtype", key_value(sub))]
    if drill.startswith("geo:"):  # a place row of the Geo tab: country, city and network
        dimension = DIMENSIONS[drill[4:]]
        assert dimension.filter_field is not None
        prefix = dimension.filter_field.removesuffix("country")  # the kind of address located
        place = zip(("country", "city", "network"), split_key(key))
        # Places are spelled by the GeoIP database, one way each.
        return [*_kinds(dimension.kinds), *dimension.terms, *(_term(prefix + part, value or None, exact=False) for part, value in place)]
    dimension = DIMENSIONS[drill]
    assert dimension.filter_field is not None
    value = key_value(key) if dimension.counts_missing else key
    folded = dimension.per_recipient is not None  # addresses and domains are keyed lower-case
    return [*_kinds(dimension.kinds), *dimension.terms, _term(dimension.filter_field, value, exact=not folded)]


def recipients_in(drill: str, key: str, events: list[Event]) -> int | None:
    """For a row that counts recipients (an address or a domain): how many recipients of its
    drilled events it counts, the row's own number, which can exceed the events' (a message to
    two addresses at one domain is one event); None for a row that counts events."""
    dimension = DIMENSIONS.get(drill)
    if dimension is None or dimension.per_recipient is None:
        return None
    return dimension.all_keys(events).count(key)


def describe(title: str, key: str) -> str:
    """'Bounced domains: gmail.com' for titles and breadcrumbs; a key of several parts (a
    place: country, city, network) shows those it has."""
    return f"{title}: {' / '.join(part for part in key.split(chr(31)) if part) or key}"
