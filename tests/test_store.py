"""The store and its windowed queries: exact counts, rankings, rates, latency, bounded memory."""

from __future__ import annotations

import random

import pytest

from factory import BASE, bounce, cloudtrail, complaint, delivery, jsonl, notification, send, sns
from helpers import NOW, SAMPLE_LOGS, events, ingest
from sestui.aggregates import TopCounter, exact_quantile
from sestui.filters import compile_filter
from sestui.ingest import StreamIngest
from sestui.query import WINDOWS_BY_NAME, Query, window_for
from sestui.report import summary
from sestui.paths import walk
from sestui.sources import Options, read_to_end
from sestui.store import Store


def q(store: Store, name: str = "all", top: int = 10) -> Query:
    return Query(store, WINDOWS_BY_NAME[name], top=top)



@pytest.mark.parametrize("span", ["5m", "26h", "35d", "400d", "3650d"])
def test_a_window_counts_every_event_from_its_start_whatever_its_length(span):
    """Custom windows whose start is aligned just past what the bucket tier for their width
    keeps (26h, 35d, the longest, 3650d) count from the start they report, as named ones do."""
    from sestui.timeparse import parse_duration

    edges = [days * 86400 + hours * 3600 for days in (1, 35, 3650) for hours in range(-30, 30, 5)]
    ages = sorted({int(1.02**i) for i in range(1200) if 1.02**i < 3660 * 86400} | set(edges), reverse=True)
    store = ingest(jsonl([bounce(BASE - age, f"u{age}@x.example") for age in ages] + [bounce(BASE, "now@x.example")]), max_events=10)
    store.settle()  # as a report does: buckets the newest time has left behind are dropped
    query = Query(store, window_for(parse_duration(span)))
    inside = sum(1 for age in [*ages, 0] if BASE - age >= query.start)
    assert query.counts()["Bounce"] == inside
    assert len(query.kind_trend("Bounce")) == query.buckets <= 70

def mixed(n: int, seed: int = 3, span: float = 3 * 86400) -> list[dict]:
    rng = random.Random(seed)
    records = []
    for i in range(n):
        at = BASE + span * i / n + rng.random()
        roll = rng.random()
        domain = rng.choice(["gmail.com", "yahoo.com", "outlook.com", "corp.example"])
        to = f"user{rng.randrange(40)}@{domain}"
        if roll < 0.5:
            records.append(delivery(at, to, ms=int(rng.lognormvariate(7, 0.6)), mta=f"a{rng.randrange(5)}.smtp-out.amazonses.com"))
        elif roll < 0.7:
            records.append(send(at, to))
        elif roll < 0.85:
            records.append(bounce(at, to, *rng.choice([("Permanent", "General"), ("Transient", "MailboxFull"), ("Permanent", "OnAccountSuppressionList")])))
        elif roll < 0.9:
            records.append(complaint(at, to, rng.choice(["abuse", "not-spam"])))
        else:
            records.append(cloudtrail(at, rng.choice(["GetSendQuota", "VerifyDomainIdentity", "ListIdentities"]), error=rng.choice([None, None, "AccessDenied"])))
    return records


def test_windows_are_relative_to_the_newest_event_and_aligned():
    store = ingest(jsonl([send(BASE - 3601), send(BASE - 3599), send(BASE - 200), send(BASE - 10), send(BASE)]))
    assert store.as_of == pytest.approx(BASE)
    five = q(store, "5m")
    assert five.start == BASE - 300  # as_of falls on a bucket edge here
    assert five.counts()["Send"] == 3
    hour = q(store, "1h")
    assert hour.start == BASE - 3600
    assert hour.counts()["Send"] == 4  # 59m59s before as_of is within the hour; 1h0m1s is not
    assert q(store, "all").counts()["Send"] == 5
    # One more bucket than the window holds: the last one, from as_of on.
    assert sum(five.kind_trend("Send")) == 3 and len(five.kind_trend("Send")) == 61


@pytest.mark.parametrize("seconds_past", [0.0, 0.5, 17.25, 59.9])
def test_a_window_covers_at_least_its_length_and_at_most_one_bucket_more(seconds_past: float):
    """An event 23h59m before the newest one is in the last 24 hours, wherever as_of falls."""
    now = BASE + seconds_past
    store = ingest(jsonl([send(now - 86400 + 60), send(now - 86400 - 60), send(now)]))
    day = q(store, "24h")
    assert day.width == 1440 and day.start % day.width == 0
    assert now - 86400 - day.width < day.start <= now - 86400
    assert day.counts()["Send"] == 2
    assert sum(day.kind_trend("Send")) == 2


@pytest.mark.parametrize("window", ["5m", "1h", "6h", "24h", "7d", "all"])
def test_counts_rates_and_trends_are_exact_whatever_the_ring_size(window: str):
    records = mixed(3000)
    big = ingest(jsonl(records))
    small = ingest(jsonl(records), max_events=50)
    assert len(small.main.ring) == 50
    a, b = q(big, window), q(small, window)
    assert a.counts() == b.counts()
    assert a.rates() == b.rates()
    assert a.kind_trend("Bounce") == b.kind_trend("Bounce")
    assert a.groups() == b.groups()
    # And the counts are the truth: recount the retained events of the big store by hand.
    assert a.exact
    truth = sum(1 for e in events(big) if e.kind == "Delivery" and e.time >= a.start)
    assert a.counts()["Delivery"] == truth


def test_rankings_are_exact_while_the_window_fits_in_the_ring():
    records = mixed(2000)
    store = ingest(jsonl(records))
    query = q(store, "24h")
    assert query.exact
    truth: dict[str, int] = {}
    for e in events(store):
        if e.kind == "Bounce" and e.time >= query.start:
            for r in e.recipients:
                domain = r.rsplit("@", 1)[1]
                truth[domain] = truth.get(domain, 0) + 1
    expected = sorted(truth.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert query.ranked("bounce_domains", 3).rows == expected


def test_rankings_say_when_they_cover_only_the_ring():
    store = ingest(jsonl(mixed(2000)), max_events=100)
    assert not q(store, "24h").exact
    assert not q(store, "all").exact
    # Window "all" falls back to the all-time counters, which saw every event.
    everything = sum(n for _, n in q(store, "all").ranked("bounce_domains", 100).rows)
    assert everything == q(store, "all").totals[13]  # one key per bounced recipient


def test_observed_rates_follow_the_documented_formulas():
    records = [delivery(BASE + i, f"d{i}@x") for i in range(90)]
    records += [bounce(BASE + 100 + i, f"b{i}@x", "Permanent", "General") for i in range(4)]
    records += [bounce(BASE + 110 + i, f"s{i}@x", "Permanent", "OnAccountSuppressionList") for i in range(3)]
    records += [bounce(BASE + 120 + i, f"t{i}@x", "Transient", "MailboxFull") for i in range(3)]
    records += [complaint(BASE + 130, "c@x", "abuse"), complaint(BASE + 131, "n@x", "not-spam")]
    rates = q(ingest(jsonl(records))).rates()
    assert rates["bounce"] == pytest.approx(4 / (90 + 10))
    assert rates["complaint"] == pytest.approx(1 / 90)
    assert q(ingest(jsonl([send(BASE)]))).rates() == {"bounce": None, "complaint": None}


@pytest.mark.parametrize("ms", [10**12, 10**15 - 1])
def test_quantiles_of_the_longest_times_a_record_may_give_stay_within_2_percent(ms):
    """Once the ring overflows, quantiles come from histograms, whose last bin used to open at
    about half a year: a p50 of 1.6e10 ms for deliveries that all took 1e12."""
    store = ingest(jsonl([delivery(BASE + i, f"u{i}@example.com", ms=ms, mta="mx.example") for i in range(50)]), max_events=5)
    (row,) = q(store).mta_stats()
    assert row.max == ms
    for value in (row.p50, row.p95, row.p99):
        assert value == pytest.approx(ms, rel=0.02)


def test_a_rate_just_under_a_threshold_never_reads_as_the_threshold():
    """1 complaint per 1,001 delivered recipients is 0.0999 %: shown rounded to nearest, it read
    "0.10% (ok)", at the 0.1 % warning threshold yet labelled ok."""
    from sestui.report import to_text
    from sestui.ui.widgets.panels import rates_text

    records = [delivery(BASE + i, f"u{i}@example.com") for i in range(1001)] + [complaint(BASE + 2000, "u1@example.com")]
    query = q(ingest(jsonl(records)))
    assert query.rates()["complaint"] == pytest.approx(1 / 1001)
    assert "complaint 0.099% (ok)" in to_text(summary(query))
    assert "0.099%  ok" in rates_text(query).plain
    from sestui.query import rate_percent

    complaint_rates = [0.001, 0.0029, 0.00499999, 0.005, 0.0095012, 0.00001]
    assert [rate_percent(r, 3, (0.001, 0.005)) for r in complaint_rates] == ["0.100%", "0.290%", "0.499%", "0.500%", "0.950%", "0.001%"]
    bounce_rates = [0.0499999, 0.05, 0.06798, 0.0999, 0.1, 0.0]
    assert [rate_percent(r, 2, (0.05, 0.1)) for r in bounce_rates] == ["4.99%", "5.00%", "6.80%", "9.99%", "10.00%", "0.00%"]


def test_mta_latency_statistics_and_outliers():
    rng = random.Random(5)
    records = []
    for i in range(4000):
        mta = "slow.smtp-out.amazonses.com" if i % 10 == 0 else "fast.smtp-out.amazonses.com"
        ms = int(rng.lognormvariate(9 if i % 10 == 0 else 6, 0.5))
        records.append(delivery(BASE + i, f"u{i}@x", ms=ms, mta=mta))
    exact_store = ingest(jsonl(records))
    rows = {row.mta: row for row in q(exact_store).mta_stats()}
    slow = sorted(r["delivery"]["processingTimeMillis"] for r in records if r["delivery"]["reportingMTA"].startswith("slow"))
    assert rows["slow.smtp-out.amazonses.com"].count == len(slow)
    assert rows["slow.smtp-out.amazonses.com"].p95 == exact_quantile(slow, 0.95)
    assert rows["slow.smtp-out.amazonses.com"].max == slow[-1]
    # With the ring overflowed, quantiles come from histograms: within 2 %.
    approx = {row.mta: row for row in q(ingest(jsonl(records), max_events=10)).mta_stats()}
    for quantile in ("p50", "p95", "p99"):
        assert getattr(approx["slow.smtp-out.amazonses.com"], quantile) == pytest.approx(getattr(rows["slow.smtp-out.amazonses.com"], quantile), rel=0.02)
    assert approx["slow.smtp-out.amazonses.com"].max == slow[-1]
    query = q(exact_store, top=5)
    threshold = query.outlier_threshold()
    outliers = query.outliers()
    assert len(outliers) == 5 and all(e.processing_ms > threshold for e in outliers)
    assert [e.processing_ms for e in outliers] == sorted((e.processing_ms for e in outliers), reverse=True)
    assert outliers[0].processing_ms == max(r["delivery"]["processingTimeMillis"] for r in records)


def test_quantiles_of_deliveries_retried_for_hours_stay_within_2_percent():
    """SES keeps retrying a delivery for up to 14 hours: such processing times are real, and
    the histograms must not flatten them."""
    from sestui.aggregates import LatencyHistogram

    rng = random.Random(7)
    values = sorted(int(rng.uniform(1, 24) * 3_600_000) for _ in range(2000))
    histogram = LatencyHistogram()
    for ms in values:
        histogram.add(ms)
    for quantile, found in zip((0.5, 0.95, 0.99), histogram.quantiles((0.5, 0.95, 0.99))):
        assert found == pytest.approx(exact_quantile(values, quantile), rel=0.02)


def test_the_mta_pool_knows_how_many_mtas_it_holds_also_across_merged_parts(monkeypatch):
    import sestui.store

    monkeypatch.setattr(sestui.store, "MAX_MTAS", 2)
    monkeypatch.setattr(sestui.store, "MAX_POOLED_NAMES", 5)

    def deliveries(*mtas: str, first_ms: int = 0):  # type: ignore[no-untyped-def]
        return ingest(jsonl([delivery(BASE + i, mta=mta, ms=first_ms + i) for i, mta in enumerate(mtas)])).main

    earlier, later = deliveries("a", "b", "c", "d", "c"), deliveries("e", "a", "f", first_ms=100)
    assert earlier.mta["(other)"].count == 3 and earlier.mta["(other)"].names == {"c", "d"}
    later.merge_earlier(earlier.detached(), [], 0, 0.0)  # as a report read on several cores merges
    # Rows for the first two seen in the whole input, a and b, as a sequential read gives them.
    assert list(later.mta) == ["a", "b", "(other)"] and (later.mta["a"].count, later.mta["b"].count) == (2, 1)
    assert later.mta["(other)"].count == 5 and later.mta["(other)"].names == {"c", "d", "e", "f"}
    crowd = deliveries(*(f"m{i}" for i in range(10)))
    assert crowd.mta["(other)"].count == 8 and len(crowd.mta["(other)"].names) == 5  # names kept: bounded
    assert sestui.store.pool_note(5).startswith("(other) pools the deliveries of at least 5 reporting MTAs beyond the first 2,")


def test_since_drops_older_events_and_counts_them():
    store = ingest(jsonl([send(BASE - 100), send(BASE)]), since=BASE - 50)
    assert [e.time for e in events(store)] == [pytest.approx(BASE)]
    assert store.stats.skipped == {"before_since": 1}
    # Each record is used or skipped, once.
    assert (store.stats.lines, store.stats.records, store.stats.events) == (2, 2, 1)
    # An event without a time stands at the newest time seen, here before --since: skipped, it
    # is no event, nor one without a usable time.
    undated = send(BASE - 100)
    del undated["mail"]["timestamp"]
    store = ingest(jsonl([send(BASE - 100), undated]), since=BASE - 50)
    assert store.stats.skipped == {"before_since": 2}
    assert (store.stats.events, store.stats.time_guessed) == (0, 0)


def test_filtered_view_rebuilds_from_the_ring_then_follows_new_events():
    records = mixed(1000)
    store = ingest(jsonl(records[:600]))
    match = compile_filter("kind:Bounce domain:gmail.com")
    store.set_filter(match)
    ingest(jsonl(records[600:]), store=store)
    expected = ingest(jsonl(records), keep=match)  # what `report --filter` computes
    assert q(store).counts() == q(expected).counts()
    assert q(store).ranked("bounce_addresses").rows == q(expected).ranked("bounce_addresses").rows
    store.set_filter(None)
    assert q(store).counts() == q(ingest(jsonl(records))).counts()


def test_a_filter_set_after_the_ring_let_events_go_says_how_many_its_counts_lack():
    records = mixed(1000)  # over three days, in time order
    store = ingest(jsonl(records), max_events=300)
    assert q(store).uncounted == 0  # unfiltered counts saw every event
    match = compile_filter("-kind:Send")
    store.set_filter(match)
    assert q(store, "all").uncounted == 700
    # The counts lack the let-go events that match, and only those.
    expected = ingest(jsonl(records), keep=match)
    let_go = ingest(jsonl(records[:700]), keep=match)
    assert sum(q(store).counts().values()) == sum(q(expected).counts().values()) - sum(q(let_go).counts().values())
    # A window that starts after the newest event let go lacks none: the last 300 events span
    # about 21 hours.
    assert (q(store, "24h").uncounted, q(store, "6h").uncounted) == (700, 0)
    store.set_filter(None)
    assert q(store).uncounted == 0


def test_uncounted_covers_events_that_arrived_and_left_the_ring_while_the_filter_was_built():
    """The view is built outside the store's lock while ingest goes on: events that arrive
    then and leave the ring before it is done were never seen by it, and count as missed."""
    store = ingest(jsonl([send(BASE + i) for i in range(300)]), max_events=100)
    assert store.main.evicted == 200
    fed = []

    def progress(done: int, total: int) -> None:  # runs outside the lock, as ingest does meanwhile
        if not fed:
            fed.append(True)
            ingest(jsonl([send(BASE + 300 + i) for i in range(150)]), store=store)

    store.set_filter(compile_filter("kind:Send"), progress)
    query = Query(store, WINDOWS_BY_NAME["all"])
    counted = query.counts()["Send"]
    # The copy's 100 and the 100 newest of those that came meanwhile are counted, of 450.
    assert (counted, query.uncounted) == (200, 250)


def answers(query: Query) -> tuple[object, ...]:
    return (
        query.as_of, query.counts(), query.rates(), query.trend(0), query.latency_trend(), query.mta_stats(),
        [e.seq for e in query.all_events()], [e.seq for e in query.outliers()], query.ranked("bounce_domains"),
    )


def test_a_snapshot_answers_as_the_store_did_whatever_arrives_later():
    records = mixed(3000)
    late = records[::2]  # every kind, at times across the span: older buckets change too
    store, before = ingest(jsonl(records[1::2]), max_events=1000), ingest(jsonl(records[1::2]), max_events=1000)
    store.set_filter(compile_filter("-kind:Send"))
    before.set_filter(compile_filter("-kind:Send"))
    snapshot = store.snapshot()
    ingest(jsonl(late), store=store)  # also evicts most of the snapshot's ring from the store's
    for name in ("1h", "24h", "all"):
        assert answers(Query(snapshot, WINDOWS_BY_NAME[name])) == answers(q(before, name))
    unfiltered = snapshot.filtered(None)
    before.set_filter(None)
    assert answers(Query(unfiltered, WINDOWS_BY_NAME["all"])) == answers(q(before))
    bounces = compile_filter("kind:Bounce")
    before.set_filter(bounces)
    assert answers(Query(unfiltered.filtered(bounces), WINDOWS_BY_NAME["24h"])) == answers(q(before, "24h"))


def test_a_reports_input_counts_come_from_the_same_read_as_its_counts():
    store = ingest(jsonl(mixed(200)))
    query = q(store)
    ingest(jsonl(mixed(50)), store=store)  # arrives while the report is being written
    report = summary(query)
    assert report["input"]["events"] == sum(report["counts"].values()) == 200
    assert report["input"]["lines"] == report["input"]["records"] == 200
    assert summary(Query(store.snapshot(), WINDOWS_BY_NAME["all"]))["input"]["events"] == 250


def test_heavy_hitter_counter_is_bounded_and_keeps_the_heavy_hitters():
    counter = TopCounter(capacity=100)
    rng = random.Random(1)
    for i in range(50_000):
        counter.update(["hot" if i % 10 == 0 else f"cold{rng.randrange(10**9)}"])
    assert len(counter) <= 200
    assert counter.top(1)[0][0] == "hot"
    assert 5000 - counter.error <= counter.top(1)[0][1] <= 5000
    assert counter.dropped > 0 and not counter.exact


def test_a_ranking_of_exactly_10000_keys_is_still_exact():
    # README: up to 10,000 keys of a ranking are counted exactly. 10,000 bounced addresses, each
    # once, in reverse order, with a ring too small to hold them (window "all" then ranks from
    # the all-time counters): ties rank by key, so the smallest addresses lead.
    n = 10_000
    store = ingest(jsonl([bounce(BASE + i * 0.001, f"u{n - i:05d}@d.example") for i in range(n)]), max_events=100)
    report = summary(Query(store, WINDOWS_BY_NAME["all"], top=3))
    assert report["bounces"]["top_addresses"] == [[f"u0000{i}@d.example", 1] for i in (1, 2, 3)]


def test_custom_window_durations():
    window = window_for(7200)
    assert window.name == "2h" and window.width % 5 == 0
    store = ingest(jsonl([send(BASE - 7000), send(BASE)]))
    assert Query(store, window).counts()["Send"] == 2


def test_a_store_that_drops_record_bytes_still_filters_on_tags_read_from_them():
    data = jsonl([send(BASE + i, tags={"campaign": ["winter" if i % 3 == 0 else "summer"]}) for i in range(30)])
    keep = compile_filter("tag.campaign:winter", None)
    lean = ingest(data, keep=keep, keep_raw=False)
    full = ingest(data, keep=keep)
    assert lean.stats.events == 30 and lean.stats.filtered == 20
    assert [e.raw for e in events(lean)] == [b""] * 10
    assert all(e.raw for e in events(full))
    strip = lambda store: [(e.kind, e.time, e.message_id, e.recipients) for e in events(store)]  # noqa: E731
    assert strip(lean) == strip(full)


def test_a_term_without_a_field_finds_status_codes_and_tag_values():
    status_only = bounce(BASE, "a@b.example")
    del status_only["bounce"]["bouncedRecipients"][0]["diagnosticCode"]
    status_only["bounce"]["bouncedRecipients"][0]["status"] = "5.7.1"
    records = [status_only, send(BASE + 1, tags={"campaign": ["winter-sale"]}), send(BASE + 2, tags={"campaign": ["summer"]})]
    for keep_raw in (True, False):
        store = ingest(jsonl(records), keep_raw=keep_raw)
        found = lambda text: [i for i, e in enumerate(events(store)) if compile_filter(text)(e)]  # noqa: E731, B023
        assert found("5.7.1") == found("status:5.7.1") == [0]
        if keep_raw:  # the tags are read back from the record
            assert found("WINTER-*") == found("tag.campaign:winter-sale") == [1]
    # A filter applied while reading sees the tags before the record's bytes are let go.
    lean = ingest(jsonl(records), keep=compile_filter("winter"), keep_raw=False)
    assert [e.time for e in events(lean)] == [BASE + 1]


def test_a_quoted_term_is_text_even_when_it_reads_like_a_field():
    from factory import event as event_record, ts
    from sestui.filters import FilterError

    record = event_record("Click", BASE, ["a@example.com"], "click", {"timestamp": ts(BASE), "link": "https://shop.example/sale?id=1"})
    [event] = events(ingest(jsonl([record])))
    assert compile_filter('"https://shop.example/sale?id=1"')(event)
    assert compile_filter("link:'https://shop.example/*'")(event)
    assert not compile_filter('-"https://shop.example/*"')(event)
    assert compile_filter("kind:Click")(event) and not compile_filter("'kind:Click'")(event)
    with pytest.raises(FilterError, match="quote the term"):
        compile_filter("https://shop.example/sale")  # a field name mistyped reads as one


def test_a_term_without_a_field_globs_anywhere_in_a_value():
    store = Store(clock=lambda: NOW)
    for path in walk(str(SAMPLE_LOGS)):
        read_to_end(path, store, Options())
    ring = list(store.main.ring)

    def matching(text: str) -> list[object]:
        match = compile_filter(text)
        return [e for e in ring if match(e)]

    outlook = matching("outlook")
    assert outlook and len(outlook) < len(ring)
    assert matching("outlook*") == matching("*outlook") == matching("OUT?OOK") == outlook
    assert matching("*") == ring
    assert matching("-outlook*") == [e for e in ring if e not in outlook]
    assert matching("outlook*.com") and len(matching("outlook*.com")) <= len(outlook)


def test_events_without_a_time_before_the_first_dated_one_take_its_time():
    # A replayed log whose first record has no time: the clock would drag "as of" to today
    # and leave every replayed event outside the windows.
    undated = {"eventType": "Delivery"}
    old = BASE - 30 * 86400  # a month before the store's clock
    data = jsonl([undated, undated]) + jsonl([send(old + i) for i in range(5)])
    for chunk in (1 << 16, 37):
        store = ingest(data, chunk=chunk)
        assert store.as_of == pytest.approx(old + 4)
        ring = events(store)
        assert [e.kind for e in ring] == ["Delivery", "Delivery"] + ["Send"] * 5  # arrival order
        assert ring[0].time == ring[1].time == pytest.approx(old) and ring[0].time_guessed
        assert store.stats.time_guessed == 2 and store.stats.events == 7
        assert Query(store, window_for(3600)).totals[:2] == [5, 2]  # Send, Delivery: the replay's last hour


def test_events_without_a_time_and_none_after_them_get_the_arrival_time_at_the_end():
    store = Store(clock=lambda: NOW)
    stream = StreamIngest(store, "x")
    stream.feed(b'{"eventType": "Delivery"}\n')
    stream.close()
    assert store.stats.events == 0 and len(store.waiting) == 1  # waiting for a dated event
    store.settle()
    assert store.stats.events == 1 and store.as_of == NOW and events(store)[0].time_guessed


def test_events_without_a_time_wait_no_longer_than_the_ring_holds():
    store = Store(clock=lambda: NOW, max_events=10)
    undated = jsonl([{"eventType": "Delivery"}] * 4)
    stream = StreamIngest(store, "x")
    for _ in range(5):
        stream.feed(undated)
        assert len(store.waiting) <= 10
    assert store.stats.events > 0 and len(store.main.ring) == 10 and events(store)[0].time == NOW


@pytest.mark.parametrize(
    "term, matched",
    [
        ("tag.ses:configuration-set:marketing", [0, 2]),  # SES's own tags have a colon in the name
        ("TAG.SES:Configuration-Set:MARKETING", [0, 2]),
        ("tag.campaign:a:b", [1]),  # a value may hold colons
        ("tag.Campaign:winter", [0, 2]),
        ("-tag.ses:configuration-set:*", [1]),
        ("tag.ses:from-domain:(missing)", [0, 1, 2]),
    ],
)
def test_tag_terms_match_ses_tags_and_ignore_case(term: str, matched: list[int]):
    tagged = [
        {"ses:configuration-set": ["marketing"], "campaign": ["winter"]},
        {"campaign": ["a:b"]},
        {"ses:configuration-set": ["Marketing"], "campaign": ["Winter"]},
    ]
    store = ingest(jsonl([send(BASE + i, tags=tags) for i, tags in enumerate(tagged)]))
    match = compile_filter(term, None)
    assert [i for i, e in enumerate(events(store)) if match(e)] == matched


def test_addresses_rank_without_display_names_and_case():
    records = [bounce(BASE, "Ann Lee <Ann@Example.com>"), bounce(BASE + 1, "ann@example.com "), bounce(BASE + 2, '"x <y" <z@example.com>'), bounce(BASE + 3, "<not an address>")]
    store = ingest(jsonl(records))
    for window in ("all", "1h"):  # the all-time counters and the per-window counts from the ring
        assert q(store, window).ranked("bounce_addresses").rows == [("ann@example.com", 2), ("<not an address>", 1), ("z@example.com", 1)]


# -- the same event read twice ------------------------------------------------------------------


def twice_read() -> bytes:
    """An SNS notification delivered twice, and a delivery published both as an event record and
    as a feedback notification, among other events."""
    bounced = sns(bounce(BASE + 1, "b@x.example"))
    delivered = delivery(BASE + 2, "d@x.example")
    return jsonl([send(BASE), bounced, delivered, send(BASE + 3), bounced, notification(delivered), delivery(BASE + 4)])


def test_an_sns_redelivery_and_a_notification_twin_are_counted_once():
    store = ingest(twice_read())
    assert store.stats.duplicates == 2
    assert store.stats.events == 7  # every event read; the duplicates are dropped from those
    assert {kind: n for kind, n in q(store).counts().items() if n} == {"Send": 2, "Delivery": 2, "Bounce": 1}
    assert [e.kind for e in events(store)] == ["Send", "Bounce", "Delivery", "Send", "Delivery"]
    assert q(store).rates() == q(ingest(jsonl([send(BASE), bounce(BASE + 1), delivery(BASE + 2), delivery(BASE + 4)]))).rates()
    assert store.stats.as_dict()["duplicates"] == 2


def test_without_dedupe_every_copy_counts():
    store = ingest(twice_read(), dedupe=False)
    assert store.stats.duplicates == 0 and store.stats.events == 7
    assert {kind: n for kind, n in q(store).counts().items() if n} == {"Send": 2, "Delivery": 3, "Bounce": 2}


def test_the_filtered_view_sees_the_events_the_main_aggregates_see():
    store = Store(clock=lambda: NOW)
    store.set_filter(compile_filter("-kind:Send"))
    ingest(twice_read(), store)
    assert store.stats.duplicates == 2
    live = q(store).counts()  # the view, fed as the events arrived
    assert {kind: n for kind, n in live.items() if n} == {"Delivery": 2, "Bounce": 1}
    store.set_filter(compile_filter("-kind:Send"))  # rebuilt from the ring: the same
    assert q(store).counts() == live


def test_only_the_keys_of_as_many_recent_events_as_the_ring_holds_are_remembered():
    again = send(BASE)
    near = ingest(jsonl([again, send(BASE + 1), send(BASE + 2), again]), max_events=3)
    assert near.stats.duplicates == 1
    far = ingest(jsonl([again, send(BASE + 1), send(BASE + 2), send(BASE + 3), again]), max_events=3)
    assert far.stats.duplicates == 0 and far.main.evicted == 2
    # A report part that retains no events (its ring shrunk to one) still remembers that many.
    part = Store(max_events=3, clock=lambda: NOW)
    part.max_events = 1
    assert ingest(jsonl([again, send(BASE + 1), send(BASE + 2), again]), part).stats.duplicates == 1


def test_duplicates_add_up_when_parts_are_merged():
    first, second = ingest(twice_read()), ingest(twice_read())
    first.stats.merge(second.stats)
    assert first.stats.duplicates == 4
