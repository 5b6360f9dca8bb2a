"""The filter language shared by the app's filter bar and `report --filter`.

    kind:Bounce domain:gmail.com -type:Transient tag.campaign:winter* "free text"

Space-separated terms are ANDed; `-` before a term excludes; `*` and `?` are globs; matching is
case-insensitive, but `field:=Value` matches that case only (drilldowns write it for values
counted case by case); a value with spaces is quoted. A term without a `field:` written plainly (a
quoted one, `"https://..."`, is text) matches text in any field; an unknown field is an error.
`(missing)` as a value, written without quotes, matches events that lack the field; quoted, it
is the value "(missing)". A syntax error raises `FilterError` and nothing is applied.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from . import events as k
from .dimensions import MISSING, address_key, identity_of
from .events import Event, domain_of
from .geo import Place
from .parsing import message_tags
from .textsafe import mask

Getter = Callable[[Event], Iterable[str]]
Predicate = Callable[[Event], bool]
# Place lookup for `country:`, `city:` and `network:` terms: where an address is (a country code
# or private / aws / unknown, a city, a network); available when a GeoIP database is configured.
Locate = Callable[[str], Place]
# Each place field looks at every address of an event, and with a prefix at one kind of address.
_ADDRESSES = {"": ("source_ip", "remote_ip", "client_ip"), "source_": ("source_ip",), "mta_": ("remote_ip",), "client_": ("client_ip",)}
PLACE_FIELDS = {prefix + part: (attrs, part) for prefix, attrs in _ADDRESSES.items() for part in ("country", "city", "network")}


class FilterError(ValueError):
    """Invalid filter syntax; the message says what and where."""


def _one(value: str | None) -> tuple[str, ...]:
    return (value,) if value else ()


def _many(*values: str | None) -> tuple[str, ...]:
    return tuple(v for v in values if v)


FIELDS: dict[str, Getter] = {
    "kind": lambda e: (e.kind,),
    "address": lambda e: [address_key(r) for r in e.recipients],  # as rankings key them
    "domain": lambda e: [domain_of(r) for r in e.recipients],
    "source": lambda e: _one(e.source),
    "account": lambda e: _one(e.account),
    "configset": lambda e: _one(e.config_set),
    "identity": lambda e: _one(identity_of(e.source_arn) if e.source_arn else None),
    "mta": lambda e: _one(e.mta),
    "type": lambda e: _many(e.bounce_type, e.delay_type),
    "subtype": lambda e: _many(e.bounce_subtype, e.complaint_subtype),
    "feedback": lambda e: _one(e.feedback_type),
    "agent": lambda e: _one(e.user_agent),
    "status": lambda e: [s for s in e.statuses if s],
    "diag": lambda e: [d for d in e.diagnostics if d],
    "event": lambda e: _one(e.event_name),
    "error": lambda e: _one(e.error_code),
    "user": lambda e: _one(e.user),
    "region": lambda e: _one(e.aws_region()),
    "ip": lambda e: _many(e.source_ip, e.remote_ip, e.client_ip),
    "message": lambda e: _one(e.message_id),
    "link": lambda e: _one(e.link),
    "template": lambda e: _one(e.template),
    "subject": lambda e: _one(e.subject),
}
FIELD_NAMES = (*FIELDS, "tag.NAME", *PLACE_FIELDS)

# Fields free text is looked for in.
_TEXT_FIELDS = (
    "kind", "message_id", "source", "source_arn", "account", "caller", "source_ip", "config_set",
    "subject", "bounce_type", "bounce_subtype", "feedback_type", "complaint_subtype", "delay_type",
    "mta", "remote_ip", "smtp_response", "client_ip", "user_agent", "link", "reason", "template",
    "error_message", "contact_list", "event_name", "error_code", "user", "region", "request_id",
)
# SES's own tag names have a colon (`ses:configuration-set`); names a sender chooses cannot.
_TERM = re.compile(r"^(-?)((?i:tag\.ses:)[\w.-]+|[A-Za-z][\w.-]*):(.*)$", re.S)


def _matcher(value: str, exact: bool = False) -> Callable[[str], bool]:
    if value == "":
        raise FilterError("empty value")
    if any(ch in value for ch in "*?["):
        pattern = re.compile(fnmatch.translate(value), re.S if exact else re.IGNORECASE | re.S)
        return lambda text: pattern.match(text) is not None
    if exact:
        return lambda text: text == value
    folded = value.casefold()
    return lambda text: text.casefold() == folded


def _tag_getter(name: str) -> Getter:
    wanted = name.casefold()  # like field names, tag names match whatever their case

    def tag_values(event: Event) -> Iterable[str]:
        if event.kind == k.CLOUDTRAIL:
            return ()
        return [value for tag, values in message_tags(event).items() if tag.casefold() == wanted for value in values]

    return tag_values


def _text_term(value: str) -> Predicate:
    """Text anywhere in the event: a substring of any value, or with `*`, `?` or `[` a glob that
    matches anywhere in one."""
    if any(ch in value for ch in "*?["):
        found = _matcher(f"*{value}*")
    else:
        needle = value.casefold()

        def found(text: str) -> bool:
            return needle in text.casefold()

    def contains(event: Event) -> bool:
        for name in _TEXT_FIELDS:
            text = getattr(event, name)
            if text and found(text):
                return True
        for values in (event.recipients, event.statuses, event.diagnostics):
            if any(found(value) for value in values if value):
                return True
        # Tag values last: they are read back from the record's bytes.
        if event.kind == k.CLOUDTRAIL or not event.raw:
            return False
        return any(found(value) for values in message_tags(event).values() for value in values)

    return contains


def _field_term(getter: Getter, value: str, exact: bool) -> Predicate:
    match = _matcher(value, exact)
    return lambda event: any(match(text) for text in getter(event))


def _lacking(getter: Getter) -> Predicate:
    return lambda event: not any(True for _ in getter(event))


class Term(NamedTuple):
    """A term as the filter reads it; equal terms select the same events."""

    text: str  # quotes and escapes resolved
    missing: bool  # it ends in `(missing)` written without quotes or escapes
    head: str  # its first piece when that is plain text (a `field:` is read only there)


# A term's pieces as a POSIX shell reads a word: 'single-quoted', "double-quoted" (with \" and
# \\ escaped), a backslash-escaped character, plain text; and the blanks between terms.
_PIECE = re.compile(r"""'([^']*)'|"((?:[^"\\]|\\.)*)"|\\(.)|([^ \t\r\n'"\\]+)|([ \t\r\n]+)""", re.S)
_DOUBLE, _PLAIN, _BLANK = 2, 4, 5
_CONTROL_SPACE = re.compile(r"[\t\r\n]")  # the control characters that _PIECE takes for blanks
_ESCAPED = re.compile(r'\\(["\\])')


def parse_terms(text: str) -> list[Term]:
    """The terms of a filter text; raises FilterError on an unclosed quote."""
    terms: list[Term] = []
    pieces: list[str] = []  # of the term being read
    plain = ""  # its last piece when that is plain text
    head = ""  # its first piece when that is plain text
    position = 0
    while position < len(text):
        found = _PIECE.match(text, position)
        if found is None:
            raise FilterError(f"unclosed quote or trailing backslash at column {position + 1}")
        position = found.end()
        kind = found.lastindex
        value = found.group(kind)
        if kind == _BLANK:
            if pieces:
                terms.append(Term("".join(pieces), plain.casefold().endswith(MISSING), head))
            pieces, plain = [], ""
            continue
        if not pieces:
            head = value if kind == _PLAIN else ""
        pieces.append(_ESCAPED.sub(r"\1", value) if kind == _DOUBLE else value)
        plain = value if kind == _PLAIN else ""
    if pieces:
        terms.append(Term("".join(pieces), plain.casefold().endswith(MISSING), head))
    return terms


def add_terms(text: str, terms: list[str]) -> str:
    """A filter text with terms appended, each unless the text already has it; the text itself
    is kept as written."""
    present = set(parse_terms(text))
    added = []
    for term in terms:
        parsed = parse_terms(term)
        if not present.issuperset(parsed):
            added.append(term)
            present.update(parsed)
    return " ".join([text.strip(), *added]).strip()


def _place_getter(locate: Locate, attrs: tuple[str, ...], part: str) -> Getter:
    def where(event: Event) -> Iterable[str]:
        found = (getattr(locate(ip), part) for ip in (getattr(event, attr) for attr in attrs) if ip)
        return [value for value in found if value]

    return where


def compile_filter(text: str, locate: Locate | None = None) -> Predicate:
    """A predicate for a filter expression; raises FilterError on invalid syntax. Control
    characters in it are read as `typed` writes them, wherever the filter comes from."""
    checks: list[tuple[bool, Predicate]] = []
    for term in parse_terms(typed(text)):
        negate = False
        match = _TERM.match(term.text)
        if match and match.end(2) < len(term.head):  # its `field:` written plainly
            negate = match.group(1) == "-"
            field, value = match.group(2).lower(), match.group(3)
            exact = value.startswith("=") and match.start(3) < len(term.head)  # `=` written plainly
            if exact:
                value = value[1:]
            if field in FIELDS:
                getter = FIELDS[field]
            elif field.startswith("tag.") and len(field) > 4:
                getter = _tag_getter(match.group(2)[4:])
            elif field in PLACE_FIELDS:
                if locate is None:
                    raise FilterError(f"{field}: needs a GeoIP database (see the Geo tab)")
                getter = _place_getter(locate, *PLACE_FIELDS[field])
            else:
                raise FilterError(f"unknown field {field!r} (quote the term to find it as text); fields: {', '.join(FIELD_NAMES)}")
            if not value:
                raise FilterError(f"{field}: needs a value (use * for any)")
            placeholder = term.missing and value.casefold() == MISSING
            checks.append((negate, _lacking(getter) if placeholder else _field_term(getter, value, exact)))
        else:
            words = term.text
            if term.head.startswith("-"):  # a `-` written plainly: a quoted one is text
                if len(words) == 1:  # `- kind:Send` would keep the events it means to leave out
                    raise FilterError("a lone '-': write it against the term it leaves out, as in -kind:Send")
                negate, words = True, words[1:]
            checks.append((negate, _text_term(words)))
    if not checks:
        return lambda event: True

    def matches(event: Event) -> bool:
        for negate, check in checks:
            if check(event) == negate:
                return False
        return True

    return matches


def typed(text: str) -> str:
    """A filter as given (on the command line, pasted), with nothing a terminal acts on when the
    header and the filter bar show it: control whitespace becomes a space (it separates terms
    as before), other control characters the glob `?` (which still matches them)."""
    return mask(_CONTROL_SPACE.sub(" ", text), "?")


def quote(value: str) -> str:
    """A value as a filter term must be written to match exactly that value (quoted when it
    reads like the `(missing)` placeholder, or starts with the `=` of a case-exact term).

    Control characters become the glob `?`: the term then still matches the value, and the
    filter text, shown in the header and the filter bar, carries nothing a terminal acts on."""
    value = re.sub(r"([*?\[])", r"[\1]", value)  # glob characters match themselves
    value = mask(value, "?")
    if value and value.casefold() != MISSING and value[0] != "=" and not any(ch.isspace() or ch in "\"'\\" for ch in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
