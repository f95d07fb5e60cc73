"""A small client for Runpad's REST API (/api/v1): bearer token, workspace header, the one error
shape turned into ApiError, and a Server-Sent Events reader for followed logs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from runpad_cli.config import Settings

RECONNECTS = 5  # a followed log resumes after its last line this many times when the stream drops


class ApiError(Exception):
    """An answer that is not a success, or no answer at all; str() is the message for a person."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.code = status, code


@dataclass
class LogLine:
    ts: str
    stream: str
    line: str


@dataclass
class LogEnd:
    status: str


class Client:
    def __init__(self, settings: Settings, timeout: float = 60):
        headers = {"authorization": f"Bearer {settings.token}", "user-agent": "runpad-cli"}
        if settings.workspace:
            headers["x-runpad-workspace"] = settings.workspace
        self.http = httpx.Client(base_url=f"{settings.url}/api/v1", headers=headers, timeout=timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The decoded JSON answer (None for 204); ApiError for anything else."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(f"cannot reach Runpad at {self.http.base_url}: {exc}") from None
        check(response)
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params or None)

    def follow_log(self, run_id: str) -> Iterator[LogLine | LogEnd]:
        """A run's log as it is written, until the run ends (the last item is a LogEnd). A dropped
        stream is resumed after the last line seen (Last-Event-ID), so no line is lost or repeated."""
        last_id, drops = None, 0
        while True:
            headers: dict[str, str] = {"last-event-id": last_id} if last_id else {}
            try:
                with self.http.stream(
                    "GET", f"/runs/{run_id}/logs", params={"follow": 1}, headers=headers, timeout=httpx.Timeout(60)
                ) as response:
                    if response.is_error:
                        response.read()
                        check(response)
                    for event, data, event_id in _events(response.iter_lines()):
                        if event == "end":
                            yield LogEnd(json.loads(data).get("status", "unknown"))
                            return
                        last_id = event_id or last_id
                        item = json.loads(data)
                        yield LogLine(item.get("ts", ""), item.get("stream", "stdout"), item.get("line", ""))
            except httpx.HTTPError as exc:
                reason = str(exc) or type(exc).__name__
            else:
                reason = "the stream ended before the run did"
            drops += 1
            if drops > RECONNECTS:
                raise ApiError(f"lost the log stream of run {run_id}: {reason}")


def check(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body = response.json()
        message, code = body.get("message") or str(body), body.get("error")
    except (ValueError, AttributeError):
        message, code = response.text.strip()[:500] or response.reason_phrase, None
    raise ApiError(f"{message} (HTTP {response.status_code})", response.status_code, code)


def _events(lines: Iterator[str]) -> Iterator[tuple[str, str, str | None]]:
    """(event, data, id) of each Server-Sent Event; comments (keepalives) are skipped."""
    event, data = "message", []  # type: str, list[str]
    event_id: str | None = None
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data), event_id
            event, data, event_id = "message", [], None
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
            elif field == "id":
                event_id = value
