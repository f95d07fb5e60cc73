"""Supervises one run container from stdin to exit.

What it guarantees, whatever the user's code does:
- the payload is written to stdin once, then stdin is closed;
- all stdout/stderr output goes to the log writer's streams as it arrives (they redact it before
  cutting it into lines), except the nonce-framed result line, which never reaches the log;
- the container is killed at the deadline (timed_out), on cancel (cancelled) or once it has printed
  more than settings.output_kill_bytes (log_limit);
- it returns as soon as the result frame (stdout) and the nonce line (stderr) have arrived: the
  bootstrap drains both streams before writing them and exits right after, so nothing the handler
  printed is cut off; or else once the container has stopped; with one StopReason saying why.
The caller kills and removes the container (always, in a finally).
"""

from __future__ import annotations

import json
import math
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from app.core.settings import settings
from workers.runtime import containers
from workers.runtime.docker_client import client

MAX_LINE = 64 * 1024  # bytes of one line buffered here before they go on in pieces
MARKER_GRACE_SECONDS = 1.0
STREAMS = {1: "stdout", 2: "stderr"}


class StopReason(StrEnum):
    succeeded = "succeeded"
    failed = "failed"
    timed_out = "timed_out"
    cancelled = "cancelled"
    log_limit = "log_limit"


class OutputWriter(Protocol):
    def feed(self, data: bytes) -> None: ...
    def finish(self) -> None: ...


class LogWriter(Protocol):
    def output(self, stream: str) -> OutputWriter: ...


@dataclass
class Outcome:
    reason: StopReason
    result: Any = None
    error: str | None = None
    exit_code: int | None = None


class _Watchdog(threading.Thread):
    """Kills the container at the deadline or on cancel; records which came first."""

    def __init__(
        self, container_id: str, deadline: float, cancelled: Callable[[], bool], tick: Callable[[], None] = lambda: None
    ):
        super().__init__(daemon=True, name=f"watchdog-{container_id[:12]}")
        self.container_id, self.deadline, self.cancelled, self.tick = container_id, deadline, cancelled, tick
        self.done = threading.Event()
        self.reason: StopReason | None = None

    def stop_for(self, reason: StopReason) -> None:
        if self.reason is None:
            self.reason = reason
            containers.kill(self.container_id)

    def run(self) -> None:
        while not self.done.wait(min(0.2, max(0.0, self.deadline - time.monotonic()))):
            if time.monotonic() >= self.deadline:
                self.stop_for(StopReason.timed_out)
            elif self.cancelled():
                self.stop_for(StopReason.cancelled)
            try:
                self.tick()  # lines waiting in the log's batch reach PostgreSQL even while the run is quiet
            except Exception:  # noqa: BLE001 - the deadline matters more; the writer flushes again later
                pass


class _StreamSplitter:
    """Takes the result frame (stdout) and the nonce line (stderr) out of the multiplexed attach
    frames and passes everything else on, as it arrives, to the log's output streams, which redact
    it before cutting it into lines. The bootstrap writes each marker last, after a newline of its
    own, so a blank line is held back until the next line shows it was not that newline."""

    def __init__(self, nonce: str, log: LogWriter):
        self.nonce = nonce.encode()
        self.outputs = {stream: log.output(stream) for stream in STREAMS.values()}
        self.buffers = {stream: bytearray() for stream in STREAMS.values()}
        self.held_blank = dict.fromkeys(STREAMS.values(), False)
        self.frame: bytes | None = None
        self.stderr_done = False
        self.total = 0

    @property
    def complete(self) -> bool:
        return self.frame is not None and self.stderr_done

    def feed(self, stream: str, data: bytes) -> None:
        self.total += len(data)
        buf, out = self.buffers[stream], bytearray()
        buf.extend(data)
        while True:
            nl = buf.find(b"\n")
            if nl == -1:
                limit = settings.max_result_bytes + 1024 if buf.startswith(self.nonce) else MAX_LINE
                if len(buf) > limit:  # part of a long line: it goes on without its end
                    self._text(stream, bytes(buf[:MAX_LINE]), out)
                    del buf[:MAX_LINE]
                    continue
                break
            line = bytes(buf[:nl])
            del buf[: nl + 1]
            self._line(stream, line, out)
        if out:
            self.outputs[stream].feed(bytes(out))  # once per attach frame, not once per line

    def _line(self, stream: str, line: bytes, out: bytearray) -> None:
        if stream == "stdout" and self.frame is None and line.startswith(self.nonce):
            self.frame, self.held_blank[stream] = line[len(self.nonce) :], False
            return
        if stream == "stderr" and not self.stderr_done and line == self.nonce:
            self.stderr_done, self.held_blank[stream] = True, False
            return
        if line:
            self._text(stream, line + b"\n", out)
        else:
            self._text(stream, b"", out)
            self.held_blank[stream] = True

    def _text(self, stream: str, text: bytes, out: bytearray) -> None:
        if self.held_blank[stream]:
            out.extend(b"\n")
            self.held_blank[stream] = False
        out.extend(text)

    def finish(self) -> None:
        for stream, buf in self.buffers.items():
            out = bytearray(buf)
            if self.held_blank[stream]:
                out[:0] = b"\n"
            buf.clear()
            self.outputs[stream].feed(bytes(out))
            self.outputs[stream].finish()


def _recv_exactly(sock, n: int) -> bytes:
    chunks, size = [], 0
    while size < n:
        chunk = sock.recv(min(n - size, 1 << 20))
        if not chunk:
            return b""
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _read_stream(attached: containers.Attached, splitter: _StreamSplitter, watchdog: _Watchdog) -> None:
    while not splitter.complete:
        if splitter.frame is not None:  # stderr's marker is on its way; never wait long for it
            attached.sock.settimeout(MARKER_GRACE_SECONDS)
        try:
            header = _recv_exactly(attached.sock, 8)
        except TimeoutError:
            return
        if len(header) < 8:
            return
        kind, size = header[0], struct.unpack(">I", header[4:])[0]
        try:
            data = _recv_exactly(attached.sock, size)
        except TimeoutError:
            return
        if not data:
            return
        if kind in STREAMS:
            splitter.feed(STREAMS[kind], data)
        if splitter.total > settings.output_kill_bytes:
            watchdog.stop_for(StopReason.log_limit)


def _result_outcome(frame: bytes) -> Outcome:
    if len(frame) > settings.max_result_bytes:
        return Outcome(StopReason.failed, error=f"result is larger than {settings.max_result_bytes} bytes")
    doc = json.loads(frame)
    if doc.get("ok"):
        return Outcome(StopReason.succeeded, result=doc.get("result"))
    return Outcome(StopReason.failed, error=str(doc.get("error")))


def supervise(
    attached: containers.Attached,
    payload: bytes,
    nonce: str,
    log: LogWriter,
    timeout_seconds: float,
    cancelled: Callable[[], bool],
    memory_mb: int,
) -> Outcome:
    deadline = time.monotonic() + timeout_seconds
    watchdog = _Watchdog(attached.container_id, deadline, cancelled, getattr(log, "tick", lambda: None))
    watchdog.start()
    splitter = _StreamSplitter(nonce, log)
    try:
        attached.sock.sendall(payload)
        attached.sock.shutdown(1)  # SHUT_WR: the container sees EOF on stdin
        _read_stream(attached, splitter, watchdog)
        splitter.finish()
        if splitter.frame is not None:
            exit_code = 0  # the bootstrap exits 0 straight after the frame
        else:
            # stdout may close before the process ends (user code closed it): wait for the exit too
            wait = math.ceil(timeout_seconds) + 30
            exit_code = client().api.wait(attached.container_id, timeout=wait).get("StatusCode")
    finally:
        watchdog.done.set()
        attached.sock.close()
    if watchdog.reason is not None:
        errors = {
            StopReason.timed_out: f"timed out after {timeout_seconds:g} s",
            StopReason.cancelled: "cancelled",
            StopReason.log_limit: f"stopped after printing more than {settings.output_kill_bytes} bytes",
        }
        return Outcome(watchdog.reason, error=errors[watchdog.reason], exit_code=exit_code)
    if splitter.frame is not None:
        outcome = _result_outcome(splitter.frame)
        outcome.exit_code = exit_code
        return outcome
    state = client().api.inspect_container(attached.container_id)["State"]
    if state.get("OOMKilled"):
        error = f"out of memory: the run used more than its {memory_mb} MiB"
    else:
        error = f"the handler's process exited with code {exit_code} before returning a result"
    return Outcome(StopReason.failed, error=error, exit_code=exit_code)
