"""The key that tells one real-world event seen twice, and the bounded memory of recent keys."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from factory import BASE, bounce, cloudtrail, complaint, delivery, event, jsonl, notification, send, ts
from helpers import CORPUS, NOW, events, ingest
from sestui.dedupe import RecentKeys, event_key
from sestui.events import Event


def one(record: dict[str, Any]) -> Event:
    [found] = events(ingest(jsonl([record]), dedupe=False))
    return found


def test_each_kind_is_keyed_on_what_names_its_event():
    mid = "0100018264c6505e-00000001-0593-41de-8df9-38b09a02a206-000000"
    sent = one(send(BASE, messageId=mid))
    assert event_key(sent) == ("Send", mid)
    delivered = one(delivery(BASE + 1, "a@x.example", messageId=mid))
    assert event_key(delivered) == ("Delivery", mid, BASE + 1, ("a@x.example",))
    bounced = one(bounce(BASE + 2, "b@x.example", messageId=mid))
    assert event_key(bounced) == ("Bounce", mid, "0100-feedback")
    complained = one(complaint(BASE + 3, "c@x.example", messageId=mid))
    assert event_key(complained) == ("Complaint", mid, "0100-complaint")
    delayed = one(event("DeliveryDelay", BASE + 4, ["d@x.example"], "deliveryDelay",
                        {"delayType": "MailboxFull", "timestamp": ts(BASE + 4),
                         "delayedRecipients": [{"emailAddress": "d@x.example"}]}, messageId=mid))
    assert event_key(delayed) == ("DeliveryDelay", mid, BASE + 4, ("d@x.example",))
    opened = one(event("Open", BASE + 5, ["a@x.example"], "open",
                       {"timestamp": ts(BASE + 5), "ipAddress": "192.0.2.1", "userAgent": "Mail/1.0"}, messageId=mid))
    assert event_key(opened) == ("Open", mid, BASE + 5, "192.0.2.1", None, "Mail/1.0")
    clicked = one(event("Click", BASE + 6, ["a@x.example"], "click",
                        {"timestamp": ts(BASE + 6), "ipAddress": "192.0.2.1", "userAgent": "Mail/1.0",
                         "link": "https://x.example/a"}, messageId=mid))
    assert event_key(clicked) == ("Click", mid, BASE + 6, "192.0.2.1", "https://x.example/a", "Mail/1.0")
    subscribed = one(event("Subscription", BASE + 7, ["a@x.example"], "subscription",
                           {"timestamp": ts(BASE + 7), "contactList": "news", "source": "UnsubscribeHeader"}, messageId=mid))
    assert event_key(subscribed) == ("Subscription", mid, BASE + 7, "news", "UnsubscribeHeader")
    rejected = one(event("Reject", BASE, ["a@x.example"], "reject", {"reason": "Bad content"}, messageId=mid))
    assert event_key(rejected) == ("Reject", mid)
    failed = one(event("Rendering Failure", BASE, ["a@x.example"], "failure", {"templateName": "T"}, messageId=mid))
    assert event_key(failed) == ("RenderingFailure", mid)
    call = cloudtrail(BASE + 8, "GetSendQuota")
    assert event_key(one(call)) == ("CloudTrail", call["requestID"], "GetSendQuota", BASE + 8)


def test_bounces_and_complaints_without_a_feedback_id_are_keyed_on_time_and_recipients():
    record = bounce(BASE, "b@x.example")
    del record["bounce"]["feedbackId"]
    mid = record["mail"]["messageId"]
    assert event_key(one(record)) == ("Bounce", mid, BASE, ("b@x.example",))
    record = complaint(BASE, "c@x.example")
    del record["complaint"]["feedbackId"]
    assert event_key(one(record)) == ("Complaint", record["mail"]["messageId"], BASE, ("c@x.example",))


def test_events_without_an_identity_have_no_key():
    record = send(BASE)
    del record["mail"]["messageId"]
    assert event_key(one(record)) is None
    call = cloudtrail(BASE)
    del call["requestID"]
    assert event_key(one(call)) is None
    unknown = event("Unsubscribe", BASE, ["a@x.example"])  # a look-alike's kind nobody documented
    assert event_key(one(unknown)) is None


def undated(record: dict[str, Any], *bodies: str) -> dict[str, Any]:
    del record["mail"]["timestamp"]
    for body in bodies:
        del record[body]["timestamp"]
    return record


def test_a_guessed_time_is_left_out_of_the_key_only_where_the_rest_still_names_the_event():
    # One delivery per recipient of a message, one CloudTrail call per request id: no time needed.
    record = undated(delivery(BASE, "a@x.example"), "delivery")
    delivered = one(record)
    assert delivered.time_guessed
    assert event_key(delivered) == ("Delivery", record["mail"]["messageId"], None, ("a@x.example",))
    call = cloudtrail(BASE)
    del call["eventTime"]
    assert event_key(one(call)) == ("CloudTrail", call["requestID"], "GetSendQuota", None)
    # Keys without a time do not care.
    assert event_key(one(undated(bounce(BASE), "bounce")))[2] == "0100-feedback"  # type: ignore[index]
    assert event_key(one(undated(send(BASE)))) is not None
    # A message's recipient may soft-bounce then hard-bounce, be delayed once per retry, open it
    # many times: without their time such events cannot be told apart, so they have no key.
    no_feedback = undated(bounce(BASE), "bounce")
    del no_feedback["bounce"]["feedbackId"]
    assert event_key(one(no_feedback)) is None
    opened = undated(event("Open", BASE, ["a@x.example"], "open", {"timestamp": ts(BASE), "ipAddress": "192.0.2.1"}), "open")
    assert event_key(one(opened)) is None


def test_an_implausible_time_is_keyed_as_unknown_not_by_the_arrival_time_that_replaces_it():
    """Two copies of a delivery written a year ahead arrive at different moments of a replay: the
    arrival times they are given differ, their keys do not."""
    mid = "0100018264c6505e-000000ff-0593-41de-8df9-38b09a02a206-000000"
    ahead = delivery(NOW + 365 * 86400, "a@x.example", messageId=mid)
    store = ingest(jsonl([send(BASE), ahead, send(BASE + 600), ahead]))
    assert store.stats.time_guessed == 2 and store.stats.duplicates == 1
    [kept] = [e for e in events(store) if e.kind == "Delivery"]
    assert kept.time == BASE and event_key(kept) == ("Delivery", mid, None, ("a@x.example",))


def test_undated_opens_are_all_counted():
    opened = undated(event("Open", BASE, ["a@x.example"], "open", {"timestamp": ts(BASE), "ipAddress": "192.0.2.1"}), "open")
    store = ingest(jsonl([send(BASE), opened, opened]))
    assert store.stats.duplicates == 0 and len(events(store)) == 3


@pytest.mark.parametrize("make", [delivery, bounce, complaint], ids=["delivery", "bounce", "complaint"])
def test_a_notification_and_its_event_publishing_record_have_one_key(make):
    record = make(BASE + 0.123, "Someone@X.example")
    twin = notification(record)
    twin[twin["notificationType"].lower()]["reportingMTA"] = "dns; mx.x.example"  # a DSN's own spelling
    published, notified = one(record), one(twin)
    assert event_key(published) == event_key(notified) is not None
    assert (published.time, published.recipients) == (notified.time, notified.recipients)


def test_the_corpus_notification_and_event_record_of_one_bounce_have_one_key():
    """django-ses writes the same bounce as a notification and as an event-publishing record,
    with timestamps at a -07:00 offset: they parse to one time, with the recipients in order."""
    notified = events(ingest((CORPUS / "notification/djses-bounce-transient-no-status.json").read_bytes()))
    published = events(ingest((CORPUS / "event/djses-bounce-event-offset-timestamps.json").read_bytes()))
    assert [event_key(e) for e in notified] == [event_key(e) for e in published] == [
        ("Bounce", "000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000",
         "000001378603176d-5a4b5ad9-6f30-4198-a8c3-b1eb0c270a1d-000000")
    ]
    assert notified[0].time == published[0].time == 1337983178.605
    assert notified[0].recipients == published[0].recipients == ("recipient1@example.com", "recipient2@example.com")
    record = orjson.loads((CORPUS / "event/djses-bounce-event-offset-timestamps.json").read_bytes())
    del record["bounce"]["feedbackId"]  # keyed on time and recipients instead: still one key
    twin = notification(record)
    del twin["bounce"]["bouncedRecipients"][0]["status"]
    assert event_key(one(record)) == event_key(one(twin)) is not None


def test_recent_keys_forget_the_oldest_beyond_their_size():
    recent = RecentKeys(3)
    assert [recent.first(key) for key in "abca"] == [True, True, True, False]
    assert recent.first("d") and len(recent) == 3  # "a" is forgotten
    assert recent.first("a")  # so it is new again, and "b" is forgotten in turn
    assert [recent.first(key) for key in "dab"] == [False, False, True]


def test_keys_merged_in_as_older_fill_only_the_room_left():
    recent = RecentKeys(4)
    recent.first("x")
    recent.first("y")
    recent.remember_older(["a", "b", "c", "x"])  # oldest first; "x" is known already
    assert len(recent) == 4
    assert not recent.first("c") and not recent.first("b") and recent.first("a")


def test_bounces_and_delays_without_their_own_times_are_not_taken_for_copies():
    """Without a time of their own, these stand at the mail's send time, shared by every bounce
    or delay of the message: a hard bounce after a soft one, or a second delay, is no copy."""
    from sestui.describe import fields

    soft = bounce(BASE, "a@x.example", kind="Transient", sub="MailboxFull")
    hard = bounce(BASE, "a@x.example", kind="Permanent", sub="General", messageId=soft["mail"]["messageId"])
    for record in (soft, hard):
        del record["bounce"]["timestamp"], record["bounce"]["feedbackId"]
    delays = [
        event("DeliveryDelay", BASE, ["d@x.example"], "deliveryDelay", {"delayType": kind, "delayedRecipients": [{"emailAddress": "d@x.example"}]}, messageId="m-delayed")
        for kind in ("MailboxFull", "SpamDetected")
    ]
    store = ingest(jsonl([soft, hard, *delays]))
    assert store.stats.duplicates == 0
    assert sorted(e.bounce_type or e.delay_type for e in events(store)) == ["MailboxFull", "Permanent", "SpamDetected", "Transient"]
    assert all(e.time == BASE and e.time_borrowed and event_key(e) is None for e in events(store))
    assert "the mail's send time" in dict(fields(events(store)[0]))["Time"]
    # A send happens at its mail's time: nothing is borrowed.
    assert not one(send(BASE)).time_borrowed


def test_an_empty_id_is_no_id():
    first = bounce(BASE, "a@x.example")
    second = bounce(BASE + 60, "b@x.example", messageId=first["mail"]["messageId"])
    first["bounce"]["feedbackId"] = second["bounce"]["feedbackId"] = ""
    sends = [event("Send", BASE + i, [f"{i}@x.example"], "send", {}) for i in range(2)]
    for record in sends:
        record["mail"]["messageId"] = ""
    calls = [cloudtrail(BASE), cloudtrail(BASE)]
    for call in calls:
        call["requestID"] = ""
    store = ingest(jsonl([first, second, *sends, *calls]))
    assert store.stats.duplicates == 0
    assert len(events(store)) == 6
