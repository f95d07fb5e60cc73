"""CloudWatch Logs shipping: its configuration, and the pure rules that turn log rows into
PutLogEvents calls within the service's limits (workers/shipping.py runs the loop)."""

from __future__ import annotations

import functools
import logging
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError, HTTPClientError

from app.core import errors
from app.services import app_settings

log = logging.getLogger(__name__)
KEY = "cloudwatch"

# PutLogEvents limits (botocore's logs service model and the AWS docs). The model now allows events
# of 1 MB; we split at the long-standing 256 KiB event limit so that no endpoint or partition still
# enforcing it rejects a whole batch. Run lines are cut at 64 KiB anyway, so this costs nothing.
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_MESSAGE_BYTES = 256 * 1024 - EVENT_OVERHEAD
MAX_SPAN_MS = 24 * 3600 * 1000  # "the time span in a single batch cannot exceed 24 hours"
EMPTY_MESSAGE = " "  # messages must be non-empty; a blank line stays a (blank-looking) line

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_LOG_GROUP = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")
RETRYABLE_CODES = {
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ServiceUnavailableException",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalServerError",
    "RequestTimeout",
    "RequestTimeoutException",
}


class ConfigError(errors.InvalidInput):
    """A CloudWatch configuration that cannot work; nothing was stored."""


# ---- configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where and as whom to ship; holds the secret, so it never leaves the worker."""

    region: str
    log_group: str
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)


def configure(
    region: str,
    log_group: str,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    endpoint_url: str | None = None,
) -> dict[str, Any]:
    """Stores the configuration; without an access key boto3's default credential chain is used.
    Re-saving the same access key id without a secret keeps the stored secret."""
    if not _REGION.match(region or ""):
        raise ConfigError(f"region {region!r} is not an AWS region name such as 'eu-west-1'")
    if not _LOG_GROUP.match(log_group or ""):
        raise ConfigError("log group must be 1-512 of the characters A-Z a-z 0-9 . - _ / #")
    if endpoint_url and not endpoint_url.startswith(("http://", "https://")):
        raise ConfigError("endpoint_url must be an http:// or https:// URL")
    if secret_access_key and not access_key_id:
        raise ConfigError("a secret access key needs its access key id")
    current, secret = app_settings.get(KEY)
    if access_key_id and not secret_access_key and (current.get("access_key_id") != access_key_id or not secret):
        raise ConfigError("a new access key id needs its secret access key")
    value = {
        "region": region,
        "log_group": log_group,
        "endpoint_url": endpoint_url or None,
        "access_key_id": access_key_id or None,
    }
    app_settings.put(KEY, value, secret=secret_access_key, keep_secret=bool(access_key_id))
    return _shown(*app_settings.get(KEY))


def config() -> dict[str, Any] | None:
    """The configuration as a page or the API may show it: never the secret, only whether one is set."""
    value, secret = app_settings.get(KEY)
    return _shown(value, secret) if value else None


def _shown(value: dict[str, Any], secret: str | None) -> dict[str, Any]:
    return {**value, "has_secret_access_key": secret is not None}


def disable() -> None:
    app_settings.clear(KEY)


def target() -> Target | None:
    value, secret = app_settings.get(KEY)
    if not value.get("region") or not value.get("log_group"):
        return None
    return Target(
        value["region"],
        value["log_group"],
        value.get("endpoint_url"),
        value.get("access_key_id"),
        secret if value.get("access_key_id") else None,
    )


def client_for(t: Target):
    """A logs client that fails fast: retries are ours (with_retries), so botocore makes one attempt."""
    session = boto3.session.Session(
        aws_access_key_id=t.access_key_id, aws_secret_access_key=t.secret_access_key, region_name=t.region
    )
    return session.client(
        "logs",
        endpoint_url=t.endpoint_url,
        config=Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 1}),
    )


def stream_name(source: str, source_id: uuid.UUID) -> str:
    """One stream per run or build: run/<id>, build/<id>."""
    return f"{source}/{source_id}"


# ---- batching (pure) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """The part of a log_lines row that is shipped."""

    id: int
    seq: int
    ts: datetime
    line: str


@dataclass
class Batch:
    events: list[dict[str, Any]] = field(default_factory=list)  # logEvents of one PutLogEvents call
    row_ids: set[int] = field(default_factory=set)
    size: int = 0  # bytes as CloudWatch counts them

    def fits(self, timestamp: int, size: int) -> bool:
        return (
            len(self.events) < MAX_BATCH_EVENTS
            and self.size + size <= MAX_BATCH_BYTES
            and (not self.events or timestamp - self.events[0]["timestamp"] < MAX_SPAN_MS)
        )


def pieces(line: str, limit: int = MAX_MESSAGE_BYTES) -> list[str]:
    """A line as one or more non-empty messages of at most limit UTF-8 bytes, cut between characters."""
    if not line:
        return [EMPTY_MESSAGE]
    data = line.encode()
    out = []
    while len(data) > limit:
        cut = limit
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: the cut would split a character
            cut -= 1
        out.append(data[:cut].decode())
        data = data[cut:]
    out.append(data.decode())
    return out


def batches(rows: Iterable[Row]) -> list[Batch]:
    """One stream's rows as PutLogEvents batches: chronological (by timestamp, then seq), at most
    10,000 events and 1,048,576 bytes (message + 26 per event) each, spanning less than 24 hours."""
    out: list[Batch] = []
    for row in sorted(rows, key=lambda r: (_millis(r.ts), r.seq)):
        timestamp = _millis(row.ts)
        for message in pieces(row.line):
            size = len(message.encode()) + EVENT_OVERHEAD
            if not out or not out[-1].fits(timestamp, size):
                out.append(Batch())
            out[-1].events.append({"timestamp": timestamp, "message": message})
            out[-1].row_ids.add(row.id)
            out[-1].size += size
    return out


def _millis(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


# ---- calls ------------------------------------------------------------------------------------


def retryable(exc: BaseException) -> bool:
    """Throttling, a 5xx or a connection problem: worth trying again later."""
    if isinstance(exc, (BotoConnectionError, HTTPClientError)):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return exc.response.get("Error", {}).get("Code") in RETRYABLE_CODES or status >= 500
    return False


def error_code(exc: BaseException) -> str | None:
    return exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None


def with_retries(
    call: Callable[[], Any],
    attempts: int = 3,
    base: float = 0.2,
    cap: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """call(), retried on retryable errors with exponential backoff and jitter; kept short because
    the claimed rows stay locked meanwhile (the shipper backs off longer between rounds)."""
    for attempt in range(attempts):
        try:
            return call()
        except Exception as exc:
            if attempt == attempts - 1 or not retryable(exc):
                raise
            sleep(min(cap, base * 2**attempt) * random.uniform(0.5, 1.0))
    raise AssertionError("unreachable")


def put_batches(
    client, group: str, stream: str, planned: list[Batch], sleep: Callable[[float], None] = time.sleep
) -> tuple[set[int], BaseException | None]:
    """Sends the batches in order until one fails. Returns the ids of rows all of whose events were
    accepted (or rejected by CloudWatch as too old/new, which no retry fixes), and the error if any."""
    done: set[int] = set()
    for i, batch in enumerate(planned):
        try:
            send = functools.partial(
                client.put_log_events, logGroupName=group, logStreamName=stream, logEvents=batch.events
            )
            reply = with_retries(send, sleep=sleep)
        except Exception as exc:  # noqa: BLE001 - the caller decides; what was sent stays sent
            if error_code(exc) == "InvalidParameterException":
                log.error(
                    "CloudWatch refused %d event(s) of %s for good, skipping them: %s", len(batch.events), stream, exc
                )
                done |= batch.row_ids
                continue
            unsent = set().union(*(b.row_ids for b in planned[i:]))
            return done - unsent, exc
        if reply.get("rejectedLogEventsInfo"):
            log.warning("CloudWatch rejected some events of %s: %s", stream, reply["rejectedLogEventsInfo"])
        done |= batch.row_ids
    return done, None
