from datetime import datetime, timezone

import pytest

from sestui.timeparse import iso, parse_duration, parse_since, parse_time

T = datetime(2016, 10, 19, 23, 21, 4, 133000, timezone.utc).timestamp()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2016-10-19T23:21:04.133Z", T),  # SES
        ("2016-10-19T23:21:04.133000+00:00", T),  # aws logs tail detailed
        ("2016-10-19T23:21:04.13300Z", T),  # five fraction digits
        ("2016-10-19T23:21:04.133000000Z", T),  # nine
        ("2016-10-19 23:21:04.133", T),  # space separated, no zone: UTC
        ("2016-10-19T16:21:04.133-07:00", T),  # offset
        ("2016-10-19T23:21:04Z", T - 0.133),  # CloudTrail whole seconds
        ("2016-10-19T23:21:04 +0000", T - 0.133),  # doc typo with a space
        ("Wed, 19 Oct 2016 23:21:04 +0000", T - 0.133),  # RFC 2822 header date
        ("19 Oct 2016 23:21:04 +0000", T - 0.133),
    ],
)
def test_every_timestamp_spelling(text: str, expected: float):
    assert parse_time(text) == pytest.approx(expected, abs=1e-6)


def test_epoch_milliseconds_and_seconds():
    assert parse_time(1476919264133) == pytest.approx(T)
    assert parse_time(1476919264.133) == pytest.approx(T)


@pytest.mark.parametrize("bad", ["", "yesterday", "9999-12-31T00:00:00Z", "1970-01-01T00:00:00Z", None, True, [], "2016-13-45T99:00:00Z", "x" * 500])
def test_unparseable_or_implausible_times_are_none(bad: object):
    assert parse_time(bad) is None


def test_iso_round_trip():
    assert iso(T) == "2016-10-19T23:21:04.133Z"
    assert iso(None) is None


def test_durations_and_since():
    assert parse_duration("90") == 90
    assert parse_duration("5m") == 300
    assert parse_duration("1.5h") == 5400
    assert parse_duration("7d") == 604800
    assert parse_duration("3650d") == 3650 * 86400
    for bad in ("soon", "0", "0s", "3651d", "1000000w", "9" * 400):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert parse_since("2h", 10_000.0) == 10_000.0 - 7200
    assert parse_since("2016-10-19T23:21:04.133Z", 0) == pytest.approx(T)
    with pytest.raises(ValueError):
        parse_since("whenever", 0)
