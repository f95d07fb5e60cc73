"""The PutLogEvents rules, checked on the calls a recording client receives (moto does not enforce
the limits, so these calls are the seam where they are visible)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from app.integrations import cloudwatch
from app.integrations.cloudwatch import (
    EVENT_OVERHEAD,
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    MAX_MESSAGE_BYTES,
    MAX_SPAN_MS,
    Row,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class RecordingClient:
    """Records put_log_events kwargs; raises the queued errors first, one per call."""

    def __init__(self, errors=()):
        self.calls: list[dict] = []
        self.errors = list(errors)

    def put_log_events(self, **kwargs):
        if self.errors:
            error = self.errors.pop(0)
            if error is not None:
                raise error
        self.calls.append(kwargs)
        return {}


def client_error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutLogEvents"
    )


def rows_of(lines, step=timedelta(milliseconds=1)) -> list[Row]:
    return [Row(id=i + 1, seq=i + 1, ts=T0 + i * step, line=line) for i, line in enumerate(lines)]


def ship(rows, client=None) -> tuple[RecordingClient, set[int], BaseException | None]:
    client = client or RecordingClient()
    done, error = cloudwatch.put_batches(client, "g", "run/x", cloudwatch.batches(rows), sleep=lambda s: None)
    return client, done, error


def assert_within_limits(call: dict) -> None:
    events = call["logEvents"]
    stamps = [e["timestamp"] for e in events]
    assert 1 <= len(events) <= MAX_BATCH_EVENTS
    assert sum(len(e["message"].encode()) + EVENT_OVERHEAD for e in events) <= MAX_BATCH_BYTES
    assert stamps == sorted(stamps), "events must be chronological within a call"
    assert stamps[-1] - stamps[0] < MAX_SPAN_MS
    assert all(0 < len(e["message"].encode()) <= MAX_MESSAGE_BYTES for e in events)


def sent_messages(client: RecordingClient) -> list[str]:
    return [e["message"] for call in client.calls for e in call["logEvents"]]


def test_at_most_10000_events_per_call():
    rows = rows_of([f"line {i}" for i in range(10_001)])
    client, done, error = ship(rows)
    assert error is None and done == {r.id for r in rows}
    assert [len(c["logEvents"]) for c in client.calls] == [10_000, 1]
    assert sent_messages(client) == [r.line for r in rows]
    for call in client.calls:
        assert_within_limits(call)


def test_byte_limit_counts_26_bytes_per_event():
    # 1024 events of 998 bytes are exactly 1,048,576 bytes with the overhead: the 1025th needs a new call
    client, _, _ = ship(rows_of(["x" * 998] * 1025))
    assert [len(c["logEvents"]) for c in client.calls] == [1024, 1]
    # without the overhead 1000-byte lines would fit 1048 to a call; with it only 1022 do
    client, _, _ = ship(rows_of(["y" * 1000] * 2000))
    assert [len(c["logEvents"]) for c in client.calls] == [1022, 978]
    for call in client.calls:
        assert_within_limits(call)


def test_events_are_chronological_by_timestamp_then_seq():
    rows = [Row(id=n, seq=n, ts=T0 + timedelta(milliseconds=n // 3), line=f"l{n}") for n in range(1, 301)]
    random.Random(4).shuffle(rows)
    client, done, _ = ship(rows)
    assert sent_messages(client) == [f"l{n}" for n in range(1, 301)]  # same millisecond: print order
    assert len(done) == 300
    # a clock stepping back a little: timestamp order wins over seq, as CloudWatch requires
    stepped = [Row(1, 1, T0 + timedelta(seconds=1), "first printed"), Row(2, 2, T0, "second printed")]
    client, _, _ = ship(stepped)
    assert_within_limits(client.calls[0])


def test_empty_lines_are_sent_as_a_single_space():
    client, done, _ = ship(rows_of(["before", "", "after"]))
    assert sent_messages(client) == ["before", " ", "after"]
    assert done == {1, 2, 3}


def test_long_lines_are_split_between_utf8_characters():
    line = ("a€" * 200_000) + "é" * 10  # 800,020 bytes; a 3-byte character straddles every cut point
    pieces = cloudwatch.pieces(line)
    assert "".join(pieces) == line
    assert all(0 < len(p.encode()) <= MAX_MESSAGE_BYTES for p in pieces)
    assert len(pieces) == 4
    client, done, _ = ship(rows_of(["short", line, "after"]))
    assert "".join(sent_messages(client)[1:-1]) == line
    assert done == {1, 2, 3}
    for call in client.calls:
        assert_within_limits(call)


def test_four_maximal_pieces_fill_one_call_exactly():
    client, _, _ = ship(rows_of(["z" * (MAX_MESSAGE_BYTES * 4)]))
    assert [len(c["logEvents"]) for c in client.calls] == [4]
    assert sum(len(e["message"]) + EVENT_OVERHEAD for e in client.calls[0]["logEvents"]) == MAX_BATCH_BYTES


def test_a_call_spans_less_than_24_hours():
    day = timedelta(hours=24)
    offsets = [timedelta(0), day - timedelta(milliseconds=1), day, day + timedelta(hours=1), 3 * day]
    rows = [Row(i + 1, i + 1, T0 + off, f"at {off}") for i, off in enumerate(offsets)]
    client, done, _ = ship(rows)
    assert [[e["message"] for e in c["logEvents"]] for c in client.calls] == [
        [r.line for r in rows[:2]],
        [r.line for r in rows[2:4]],
        [rows[4].line],
    ]
    assert done == {1, 2, 3, 4, 5}
    for call in client.calls:
        assert_within_limits(call)


def test_throttling_and_5xx_are_retried_with_growing_delays():
    sleeps = []
    client = RecordingClient([client_error("ThrottlingException"), client_error("InternalFailure", 500)])
    done, error = cloudwatch.put_batches(client, "g", "s", cloudwatch.batches(rows_of(["a"])), sleep=sleeps.append)
    assert error is None and done == {1} and len(client.calls) == 1
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] * 0.9


def test_a_failing_call_leaves_its_rows_and_later_ones_unshipped():
    line = "q" * (MAX_MESSAGE_BYTES * 5)  # five pieces: three fit in the first call, two go in the second
    rows = rows_of(["x" * 1000] * 10) + [
        Row(11, 11, T0 + timedelta(seconds=1), line),
        Row(12, 12, T0 + timedelta(seconds=2), "z"),
    ]
    down = EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
    client = RecordingClient([None, down, down, down])
    _, done, error = ship(rows, client)
    assert error is down
    assert done == set(range(1, 11))  # row 11 is only partly sent: it is not shipped until all of it is


def test_a_call_refused_for_good_is_skipped_but_others_wait():
    _, done, error = ship(rows_of(["a", "b"]), RecordingClient([client_error("InvalidParameterException")]))
    assert error is None and done == {1, 2}
    client, done, error = ship(rows_of(["a"]), RecordingClient([client_error("AccessDeniedException")]))
    assert cloudwatch.error_code(error) == "AccessDeniedException" and done == set() and client.calls == []


@pytest.mark.parametrize(
    "exc, expected",
    [
        (client_error("ThrottlingException"), True),
        (client_error("ServiceUnavailableException", 503), True),
        (client_error("Whatever", 502), True),
        (EndpointConnectionError(endpoint_url="x"), True),
        (client_error("ResourceNotFoundException"), False),
        (client_error("UnrecognizedClientException"), False),
        (ValueError("bug"), False),
    ],
)
def test_retryable_errors(exc, expected):
    assert cloudwatch.retryable(exc) is expected
