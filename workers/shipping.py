"""Ships run and build logs from PostgreSQL to CloudWatch Logs, and enforces log retention, in a
thread of its own: a run only ever writes to PostgreSQL, so CloudWatch being slow or down never
slows or fails it; the backlog (log_lines WHERE NOT shipped) waits there and goes out once it is back.

Several workers may ship at once: each round claims rows with FOR UPDATE SKIP LOCKED and keeps
them locked until the rows whose PutLogEvents succeeded are marked shipped and committed. Delivery
is at least once: a worker dying between a successful call and its commit means a resend."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import not_, select, update

from app.core.db import session
from app.integrations import cloudwatch
from app.integrations.cloudwatch import Row, Target
from app.models import LogLine
from app.services import log_retention

log = logging.getLogger(__name__)
CLAIM_ROWS = 1000  # run lines are at most 64 KiB, so a claim holds at most 64 MiB
KNOWN_STREAMS = 10_000  # streams remembered as created; a forgotten one costs one AlreadyExists


@dataclass
class Round:
    claimed: int
    shipped: int


class Shipper:
    """Ships one claim of the backlog per call. Not thread-safe: one per thread."""

    def __init__(self, client_for=cloudwatch.client_for, claim_rows: int = CLAIM_ROWS, sleep=time.sleep):
        self._client_for, self.claim_rows, self._sleep = client_for, claim_rows, sleep
        self._target: Target | None = None
        self._client = None
        self._groups: set[str] = set()
        self._streams: OrderedDict[str, None] = OrderedDict()

    def ship_pending(self) -> Round | None:
        """Ships up to claim_rows lines; None when CloudWatch is not configured. Raises the first
        failure after committing what did ship, so the caller can back off."""
        t = cloudwatch.target()
        if t is None:
            return None
        client = self._client_of(t)
        with session() as s:
            rows = s.execute(
                select(LogLine.id, LogLine.source, LogLine.source_id, LogLine.seq, LogLine.ts, LogLine.line)
                .where(not_(LogLine.shipped))
                .order_by(LogLine.id)
                .limit(self.claim_rows)
                .with_for_update(skip_locked=True)
            ).all()
            done, error = self._ship_rows(client, t.log_group, rows)
            if done:
                s.execute(update(LogLine).where(LogLine.id.in_(done)).values(shipped=True))
            s.commit()
        if error is not None:
            raise error
        return Round(len(rows), len(done))

    def _ship_rows(self, client, group: str, rows) -> tuple[set[int], BaseException | None]:
        done: set[int] = set()
        by_stream = sorted(rows, key=lambda r: (r.source, str(r.source_id)))
        for (source, source_id), stream_rows in groupby(by_stream, key=lambda r: (r.source, r.source_id)):
            stream = cloudwatch.stream_name(source, source_id)
            try:
                self._ensure(client, group, stream)
            except Exception as exc:  # noqa: BLE001 - reported after committing what shipped
                return done, exc
            planned = cloudwatch.batches(Row(r.id, r.seq, r.ts, r.line) for r in stream_rows)
            shipped, error = cloudwatch.put_batches(client, group, stream, planned, sleep=self._sleep)
            done |= shipped
            if error is not None:
                if cloudwatch.error_code(error) == "ResourceNotFoundException":
                    self._forget()  # deleted behind our back: create it again next round
                return done, error  # CloudWatch is likely down: stop this round here
        return done, None

    def _client_of(self, t: Target):
        if t != self._target:  # configuration changed: new client, and nothing is known to exist there
            self._client, self._target = self._client_for(t), t
            self._forget()
        return self._client

    def _forget(self) -> None:
        self._groups.clear()
        self._streams.clear()

    def _ensure(self, client, group: str, stream: str) -> None:
        """Creates the group and the stream once per process; someone else creating them first is fine."""
        if group not in self._groups:
            # a writer-only IAM policy (infra/terraform) may not create groups: the group is made there
            _create(
                lambda: client.create_log_group(logGroupName=group),
                self._sleep,
                tolerated=("ResourceAlreadyExistsException", "AccessDeniedException"),
            )
            self._groups.add(group)
        if stream in self._streams:
            self._streams.move_to_end(stream)
            return
        _create(lambda: client.create_log_stream(logGroupName=group, logStreamName=stream), self._sleep)
        self._streams[stream] = None
        if len(self._streams) > KNOWN_STREAMS:
            self._streams.popitem(last=False)


def _create(call, sleep, tolerated=("ResourceAlreadyExistsException",)) -> None:
    try:
        cloudwatch.with_retries(call, sleep=sleep)
    except Exception as exc:
        if cloudwatch.error_code(exc) not in tolerated:
            raise


class Backoff:
    """Exponential delay after consecutive failures, with jitter so workers do not retry in step."""

    def __init__(self, base: float = 1.0, cap: float = 60.0):
        self.base, self.cap, self.failures = base, cap, 0

    def failed(self) -> float:
        self.failures += 1
        return min(self.cap, self.base * 2 ** (self.failures - 1)) * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.failures = 0


class LogShipper(threading.Thread):
    """Every `interval` seconds ships the backlog when CloudWatch is configured (at once again while
    claims come back full); every `retention_every` seconds deletes logs past their retention."""

    def __init__(
        self,
        shipper: Shipper | None = None,
        interval: float = 1.0,
        retention_every: float = 3600.0,
        max_backoff: float = 60.0,
    ):
        super().__init__(daemon=True, name="log-shipper")
        self.shipper = shipper or Shipper()
        self.interval, self.retention_every = interval, retention_every
        self.backoff = Backoff(interval, max_backoff)
        self.stopping = threading.Event()
        self._next_retention = time.monotonic()

    def run(self) -> None:
        delay = 0.0
        while not self.stopping.wait(delay):
            self._retention_if_due()
            delay = self._ship()

    def stop(self, timeout: float | None = None) -> None:
        self.stopping.set()
        if timeout is not None and self.is_alive():
            self.join(timeout)

    def _ship(self) -> float:
        try:
            result = self.shipper.ship_pending()
        except Exception as exc:  # noqa: BLE001 - lines stay in PostgreSQL; try again later
            delay = self.backoff.failed()
            level = logging.WARNING if self.backoff.failures == 1 else logging.DEBUG  # one warning per outage
            log.log(level, "shipping logs to CloudWatch failed (%s); retrying in %.1f s", exc, delay)
            return delay
        if self.backoff.failures:
            log.warning("shipping logs to CloudWatch works again after %d failed round(s)", self.backoff.failures)
            self.backoff.reset()
        full = result is not None and result.claimed >= self.shipper.claim_rows
        return 0.0 if full else self.interval

    def _retention_if_due(self) -> None:
        if time.monotonic() < self._next_retention:
            return
        self._next_retention = time.monotonic() + self.retention_every
        try:
            deleted = log_retention.enforce_retention()
            if deleted:
                log.info("deleted %d log line(s) past retention", deleted)
        except Exception:  # next time
            log.exception("enforcing log retention failed")
