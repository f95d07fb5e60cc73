"""Run and build logs: each line is timestamped, redacted and capped, published to Redis at once
for live followers and stored in PostgreSQL in batches. A run's output streams are redacted as a
whole before they are cut into lines, so no secret escapes across a line break or a cut."""

from __future__ import annotations

import codecs
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import redis
from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError

from app.core.db import session
from app.core.redis import redis_client
from app.core.settings import settings
from app.models import LogLine
from app.services.redaction import Redactor

BATCH_LINES = 200
BATCH_SECONDS = 0.25
MAX_LINE = 64 * 1024  # characters; a longer line is stored in pieces


def channel(source: str, source_id: uuid.UUID) -> str:
    return f"runpad:log:{source}:{source_id}"


class LogSink:
    """Collects one run's or build's log: one writer thread, plus tick() from a timer thread so a
    line printed before a pause is stored within BATCH_SECONDS (a follower that subscribes late
    reads it from PostgreSQL)."""

    def __init__(
        self,
        source: str,
        source_id: uuid.UUID,
        redactor: Redactor | None = None,
        cap_bytes: int | None = None,
        start_seq: int = 0,
    ):
        self.source, self.source_id = source, source_id
        self.redactor = redactor or Redactor()
        self.cap = settings.log_cap_bytes if cap_bytes is None else cap_bytes
        self.bytes = 0
        self.seq = start_seq
        self.truncated = False
        self._batch: list[dict] = []
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()

    def write(self, stream: str, line: str) -> None:
        """One whole line from a source that splits its own lines (a build's output)."""
        self._store(stream, self.redactor.text(line.replace("\x00", "")))

    def output(self, stream: str) -> OutputStream:
        """A writer for a run's raw output on one stream (create it after setting the redactor)."""
        return OutputStream(self, stream)

    def _store(self, stream: str, line: str) -> None:
        if self.truncated:
            return
        size = len(line.encode()) + 1
        if self.bytes + size > self.cap:
            self.truncated = True
            self._append("system", f"log truncated: the run printed more than {self.cap} bytes; the rest is not kept")
            return
        self.bytes += size
        self._append(stream, line)

    def system(self, line: str) -> None:
        """A line from Runpad itself (not counted against the cap)."""
        self._append("system", self.redactor.text(line))

    def _append(self, stream: str, line: str) -> None:
        self.seq += 1
        ts = datetime.now(UTC)
        row = {
            "source": self.source,
            "source_id": self.source_id,
            "seq": self.seq,
            "ts": ts,
            "stream": stream,
            "line": line,
        }
        with self._lock:
            self._batch.append(row)
        try:
            redis_client().publish(
                channel(self.source, self.source_id),
                json.dumps({"seq": self.seq, "ts": ts.isoformat(), "stream": stream, "line": line}),
            )
        except redis.RedisError:
            pass  # live followers miss a line; PostgreSQL still gets it
        if len(self._batch) >= BATCH_LINES or time.monotonic() - self._last_flush > BATCH_SECONDS:
            try:
                self.flush()
            except OperationalError:
                pass  # PostgreSQL away (restarting): the lines wait in the batch for the next flush

    def flush(self) -> None:
        with self._lock:
            batch, self._batch = self._batch, []
            if batch:
                try:
                    with session() as s:
                        s.execute(insert(LogLine), batch)
                        s.commit()
                except OperationalError:
                    self._batch = batch  # kept, in order, for the next flush
                    raise
            self._last_flush = time.monotonic()

    def tick(self) -> None:
        """Stores a waiting batch that has waited long enough; safe from another thread."""
        if self._batch and time.monotonic() - self._last_flush > BATCH_SECONDS:
            self.flush()


class OutputStream:
    """One stream of a run's output as bytes cut anywhere: decoded, redacted, then cut into lines
    (at newlines, and every MAX_LINE characters of a longer line)."""

    def __init__(self, sink: LogSink, stream: str):
        self.sink, self.stream = sink, stream
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._redacted = sink.redactor.stream(self._lines)
        self._partial = ""

    def feed(self, data: bytes) -> None:
        if not self.sink.truncated:  # past the cap nothing is kept, so nothing needs redacting
            self._redacted.feed(self._decoder.decode(data).replace("\x00", ""))

    def finish(self) -> None:
        self._redacted.feed(self._decoder.decode(b"", final=True).replace("\x00", ""))
        self._redacted.finish()
        if self._partial:
            self._line(self._partial)
            self._partial = ""

    def _lines(self, text: str) -> None:
        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            self._line(line)
        while len(self._partial) > MAX_LINE:
            self._line(self._partial[:MAX_LINE])
            self._partial = self._partial[MAX_LINE:]

    def _line(self, line: str) -> None:
        line = line.removesuffix("\r")
        for start in range(0, max(len(line), 1), MAX_LINE):
            self.sink._store(self.stream, line[start : start + MAX_LINE])


def last_seq(source: str, source_id: uuid.UUID) -> int:
    """The seq of the last stored line (0 for none): a build done again carries on its log from there."""
    with session() as s:
        return (
            s.scalar(select(func.max(LogLine.seq)).where(LogLine.source == source, LogLine.source_id == source_id)) or 0
        )


def read(source: str, source_id: uuid.UUID, after_seq: int = 0) -> list[LogLine]:
    with session() as s:
        q = (
            select(LogLine)
            .where(LogLine.source == source, LogLine.source_id == source_id, LogLine.seq > after_seq)
            .order_by(LogLine.seq)
        )
        return list(s.scalars(q))


def as_text(lines: Iterator[LogLine] | list[LogLine]) -> str:
    return "".join(f"{ln.ts.isoformat()} {ln.stream} {ln.line}\n" for ln in lines)
