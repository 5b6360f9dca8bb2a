"""Which events are one real-world event seen twice, and the memory of recent ones.

The same event reaches a log more than once in common setups: SNS delivers at least once, so
one notification can arrive twice; a sender who publishes both SES feedback notifications
(`notificationType`) and SES event publishing (`eventType`) gets every bounce, complaint and
delivery in both shapes; overlapping CloudTrail exports repeat records. `event_key` names the
event, not its JSON, so that all of these collide (the two SES shapes carry the same bounce,
complaint and delivery bodies, formats.md section 2):

* Bounce, Complaint: kind, message id and feedback id (SES's unique id of that feedback); without
  a feedback id, kind, message id, time and recipients.
* Delivery, DeliveryDelay: kind, message id, time and recipients.
* Send, Reject, RenderingFailure: kind and message id (one of each per message at most).
* Open, Click: kind, message id, time, client IP, link and user agent.
* Subscription: kind, message id, time, contact list and source.
* CloudTrail: kind, request id, event name and time; a record without a request id has no key.
* An SES event without a message id, or of a kind nobody documented, has no key. An empty id
  is no id.

An event whose time was guessed (missing or implausible: the arrival time stands in) or
borrowed (the record has none of its own: the mail's send time stands in) is keyed with no time
where the rest still tells events apart: a Delivery (SES reports one delivery per recipient of a
message) and a CloudTrail call (request ids are unique). Other kinds recur for the same message
and recipients (a soft bounce then a hard one, one delay per retry, every open), and only their
time tells them apart, so such an event has no key: the guessed time of two copies differs, and
the borrowed time of two distinct events is the same.

An event with no key is never taken for a duplicate.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable

from . import events as k
from .events import Event

_BY_MESSAGE = frozenset({k.SEND, k.REJECT, k.RENDERING_FAILURE})
_BY_RECIPIENTS = frozenset({k.BOUNCE, k.COMPLAINT, k.DELIVERY_DELAY})
_ENGAGEMENT = frozenset({k.OPEN, k.CLICK})


def event_key(event: Event) -> tuple[Hashable, ...] | None:
    """What identifies the real-world event behind `event` (see the module docstring); None
    when nothing does, and the event is never deduplicated."""
    kind = event.kind
    if kind == k.CLOUDTRAIL:
        request_id = event.request_id
        if not request_id:
            return None
        return (kind, request_id, event.event_name, None if event.time_guessed else event.time)
    message_id = event.message_id
    if not message_id:
        return None
    untimed = event.time_guessed or event.time_borrowed
    if kind == k.DELIVERY:
        return (kind, message_id, None if untimed else event.time, event.recipients)
    if kind in _BY_MESSAGE:
        return (kind, message_id)
    feedback_id = event.feedback_id  # only bounces and complaints have one
    if feedback_id:
        return (kind, message_id, feedback_id)
    if untimed:
        return None
    if kind in _BY_RECIPIENTS:
        return (kind, message_id, event.time, event.recipients)
    if kind in _ENGAGEMENT:
        return (kind, message_id, event.time, event.client_ip, event.link, event.user_agent)
    if kind == k.SUBSCRIPTION:
        return (kind, message_id, event.time, event.contact_list, event.reason)
    return None


class RecentKeys:
    """The keys of the most recent events, at most `size` of them: a set answers "seen?", a
    queue in arrival order says which to forget first."""

    __slots__ = ("size", "_keys", "_order")

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._keys: set[Hashable] = set()
        self._order: deque[Hashable] = deque()

    def __len__(self) -> int:
        return len(self._keys)

    def first(self, key: Hashable) -> bool:
        """Remember `key`; False when it is remembered already (a duplicate)."""
        keys = self._keys
        known = len(keys)
        keys.add(key)  # one hash and probe: a lookup then an add would cost two
        if len(keys) == known:
            return False
        order = self._order
        order.append(key)
        if len(order) > self.size:
            keys.remove(order.popleft())
        return True

    def remember_older(self, found: list[Hashable]) -> None:
        """Remember keys that arrived before every key remembered so far (input read elsewhere
        and merged in as earlier), oldest first, as far as there is room."""
        keys, order = self._keys, self._order
        for key in reversed(found):
            if len(order) >= self.size:
                break
            if key not in keys:
                keys.add(key)
                order.appendleft(key)
