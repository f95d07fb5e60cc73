"""Schedules as a user sets them: validation messages, 5- and 6-field cron, intervals, timezones and
the two daylight-saving changes of America/New_York (2026-03-08 and 2026-11-01)."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from app.services.schedules import CRON_HINT, ScheduleError, describe, next_run, schedule_event, upcoming, validate

NY = ZoneInfo("America/New_York")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ny(ticks) -> list[str]:
    return [t.astimezone(NY).isoformat() for t in ticks]


@pytest.mark.parametrize(
    "cron, interval, tz, message",
    [
        (None, None, "UTC", "exactly one of cron and interval_seconds"),
        ("* * * * *", 60, "UTC", "exactly one of cron and interval_seconds"),
        ("* * * *", None, "UTC", "has 4 fields: use 5 fields"),
        ("0 0 * * * * 2026", None, "UTC", "has 7 fields"),
        ("@daily", None, "UTC", "has 1 fields"),
        ("61 * * * *", None, "UTC", "the minute field '61' is out of range 0-59"),
        ("*/0 * * * *", None, "UTC", "the minute field '*/0' is not valid"),
        ("0 0 30 2 *", None, "UTC", "never fires"),
        ("", None, "UTC", "non-empty"),
        (None, 0, "UTC", "from 1 to 31536000"),
        (None, 31_536_001, "UTC", "from 1 to 31536000"),
        (None, 1.5, "UTC", "whole number"),
        (None, True, "UTC", "whole number"),
        ("* * * * *", None, "Mars/Olympus_Mons", "unknown timezone 'Mars/Olympus_Mons'"),
        ("* * * * *", None, "../../etc/passwd", "unknown timezone"),
        ("* * * * *", None, "", "unknown timezone"),
    ],
)
def test_bad_schedules_are_refused_with_a_message(cron, interval, tz, message):
    with pytest.raises(ScheduleError, match=message.replace("*", r"\*")):
        validate(cron, interval, tz)


@pytest.mark.parametrize(
    "cron, message",
    [
        ("0 25 * * *", "cron '0 25 * * *': the hour field '25' is out of range 0-23"),
        ("0 9 * * 1-9", "the day-of-week field '1-9' is out of range 0-7"),
        ("0 9 0 * *", "the day-of-month field '0' is out of range 1-31"),
        ("0 9 * 13 *", "the month field '13' is out of range 1-12"),
        ("0 9 * JANUARY *", "the month field 'JANUARY' is not valid"),
        ("75 0 9 * * *", "the second field '75' is out of range 0-59"),  # 6 fields: seconds first
        ("0 75 9 * * *", "the minute field '75' is out of range 0-59"),
        ("*/90 25 * * *", "the hour field '25'"),  # a step over the range is allowed; the hour is not
    ],
)
def test_a_bad_cron_field_is_named_with_its_range(cron, message):
    with pytest.raises(ScheduleError) as refused:
        validate(cron, None, "UTC")
    assert message in str(refused.value)


def test_the_hint_reads_plainly():
    assert CRON_HINT == "5 fields: minute hour day-of-month month day-of-week, or 6 with seconds first"
    with pytest.raises(ScheduleError, match=f"has 3 fields: use {CRON_HINT}$"):
        validate("* * *", None, "UTC")


@pytest.mark.parametrize(
    "cron, interval, tz",
    [
        ("*/5 * * * *", None, "UTC"),
        ("0 9 * * MON-FRI", None, "Europe/Paris"),
        ("*/10 * * * * *", None, "UTC"),
        ("0 0 0 1 1 *", None, "Asia/Kolkata"),
        ("0 0 29 2 *", None, "UTC"),
        (None, 1, "UTC"),
        (None, 31_536_000, "America/New_York"),
    ],
)
def test_good_schedules_pass(cron, interval, tz):
    validate(cron, interval, tz)


def test_five_fields_fire_on_the_minute():
    assert next_run("*/5 * * * *", None, "UTC", utc(2026, 5, 1, 12, 3, 10)) == utc(2026, 5, 1, 12, 5)
    assert next_run("*/5 * * * *", None, "UTC", utc(2026, 5, 1, 12, 5)) == utc(2026, 5, 1, 12, 10)  # strictly after


def test_six_fields_take_seconds_first():
    assert next_run("*/15 * * * * *", None, "UTC", utc(2026, 5, 1, 12, 0, 7)) == utc(2026, 5, 1, 12, 0, 15)
    assert next_run("30 * * * * *", None, "UTC", utc(2026, 5, 1, 12, 0, 31)) == utc(2026, 5, 1, 12, 1, 30)
    after = utc(2026, 5, 1, 12, 0, 0, 500_000)
    assert upcoming("* * * * * *", None, "UTC", 3, after) == [utc(2026, 5, 1, 12, 0, s) for s in (1, 2, 3)]
    assert upcoming("0 30 2 * * *", None, "UTC", 3, after) == upcoming("30 2 * * *", None, "UTC", 3, after)


def test_an_interval_counts_from_the_save_on_whole_seconds():
    assert next_run(None, 90, "UTC", utc(2026, 5, 1, 12, 0, 0, 700_000)) == utc(2026, 5, 1, 12, 1, 30)
    assert upcoming(None, 1, "Asia/Tokyo", 3, utc(2026, 5, 1)) == [utc(2026, 5, 1, 0, 0, s) for s in (1, 2, 3)]


def test_cron_follows_the_scripts_timezone():
    assert next_run("0 9 * * *", None, "Europe/Paris", utc(2026, 1, 10)) == utc(2026, 1, 10, 8)  # CET
    assert next_run("0 9 * * *", None, "Europe/Paris", utc(2026, 7, 10)) == utc(2026, 7, 10, 7)  # CEST
    assert next_run("0 9 * * *", None, "Asia/Kolkata", utc(2026, 7, 10)) == utc(2026, 7, 10, 3, 30)
    assert next_run("0 0 * * MON", None, "Pacific/Auckland", utc(2026, 7, 10)) == utc(2026, 7, 12, 12)


def test_spring_forward_a_skipped_time_fires_once_at_the_end_of_the_gap():
    after = utc(2026, 3, 7, 12)  # Saturday noon; at 2026-03-08 02:00 EST clocks jump to 03:00 EDT
    assert ny(upcoming("30 2 * * *", None, "America/New_York", 3, after)) == [
        "2026-03-08T03:00:00-04:00",
        "2026-03-09T02:30:00-04:00",
        "2026-03-10T02:30:00-04:00",
    ]
    assert ny(upcoming("30 1 * * *", None, "America/New_York", 2, after)) == [
        "2026-03-08T01:30:00-05:00",
        "2026-03-09T01:30:00-04:00",
    ]


def test_spring_forward_hourly_and_sub_hourly_keep_real_time():
    hourly = upcoming("0 * * * *", None, "America/New_York", 3, utc(2026, 3, 8, 5, 30))
    assert ny(hourly) == ["2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00"]
    half = upcoming("*/30 * * * *", None, "America/New_York", 8, utc(2026, 3, 8, 5))
    assert {b - a for a, b in pairwise(half)} == {timedelta(minutes=30)}


def test_fall_back_a_repeated_time_fires_once_at_its_first_occurrence():
    after = utc(2026, 10, 31, 12)  # at 2026-11-01 02:00 EDT clocks go back to 01:00 EST
    assert ny(upcoming("30 1 * * *", None, "America/New_York", 2, after)) == [
        "2026-11-01T01:30:00-04:00",
        "2026-11-02T01:30:00-05:00",
    ]
    assert ny(upcoming("30 2 * * *", None, "America/New_York", 2, after)) == [
        "2026-11-01T02:30:00-05:00",
        "2026-11-02T02:30:00-05:00",
    ]
    # asked from inside the repeated hour, the daily job is already done for the day
    assert next_run("30 1 * * *", None, "America/New_York", utc(2026, 11, 1, 6, 10)) == utc(2026, 11, 2, 6, 30)


def test_fall_back_hourly_and_every_second_schedules_run_through_both_passes():
    hourly = upcoming("0 * * * *", None, "America/New_York", 3, utc(2026, 11, 1, 4, 30))
    assert ny(hourly) == ["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"]
    seconds = upcoming("* * * * * *", None, "America/New_York", 20, utc(2026, 11, 1, 5, 59, 50))
    assert {b - a for a, b in pairwise(seconds)} == {timedelta(seconds=1)}
    assert next_run("*/30 * * * *", None, "America/New_York", utc(2026, 11, 1, 6, 10)) == utc(2026, 11, 1, 6, 30)


def test_a_day_of_daily_ticks_across_each_change_is_one_run_per_day():
    for start in (utc(2026, 3, 6, 12), utc(2026, 10, 30, 12)):
        for cron in ("30 1 * * *", "30 2 * * *", "0 3 * * *"):
            days = [t.astimezone(NY).day for t in upcoming(cron, None, "America/New_York", 4, start)]
            assert days == [(start + timedelta(days=d)).day for d in (1, 2, 3, 4)]


def test_interval_ticks_ignore_clock_changes():
    ticks = upcoming(None, 3600, "America/New_York", 4, utc(2026, 11, 1, 4, 30))
    assert {b - a for a, b in pairwise(ticks)} == {timedelta(hours=1)}


def test_naive_after_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_run("* * * * *", None, "UTC", datetime(2026, 1, 1))


@pytest.mark.parametrize(
    "cron, interval, text",
    [
        ("*/5 * * * *", None, "Every 5 minutes"),
        ("*/10 * * * * *", None, "Every 10 seconds"),
        ("0 30 2 * * 1-5", None, "At 02:30 AM, Monday through Friday"),
        ("30 2 * * *", None, "At 02:30 AM"),
        (None, 1, "Every second"),
        (None, 90, "Every 90 seconds"),
        (None, 3600, "Every hour"),
        (None, 7200, "Every 2 hours"),
        (None, 86400, "Every day"),
    ],
)
def test_describe(cron, interval, text):
    assert describe(cron, interval) == text


def test_the_event_carries_the_tick_in_utc():
    assert schedule_event(datetime(2026, 11, 27, 18, tzinfo=NY)) == {
        "trigger": "schedule",
        "body": None,
        "scheduled_at": "2026-11-27T23:00:00Z",
    }
