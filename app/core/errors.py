"""Runpad's error family. Every error a person can act on is one of these kinds; each edge (the REST
API, the hooks origin, the Reflex pages, the CLI) maps the kinds once, never the single classes.

Modules keep their own classes for what they alone raise (scripts.ScriptError, runs.EventTooLarge,
...) as subclasses of a kind, so callers can catch either. The message is written for the person:
what was wrong and what to do."""

from __future__ import annotations


class RunpadError(Exception):
    """The family's root. `retry_after` (seconds) is set when waiting is the remedy."""

    status = 500  # the HTTP status both HTTP edges answer with
    code = "internal"  # the REST API's `error` field
    retry_after: int | None = None

    def __init__(self, message: str = "", *, retry_after: int | None = None):
        super().__init__(message)
        if retry_after is not None:
            self.retry_after = retry_after


class InvalidInput(RunpadError, ValueError):
    """The request cannot be done as asked; nothing was written. Change the input and send again."""

    status, code = 422, "invalid_request"


class Unauthorized(RunpadError):
    """Who is asking is not known: no, a wrong, an expired or a revoked credential."""

    status, code = 401, "unauthorized"


class NotFound(RunpadError, LookupError):
    """No such thing, or not the caller's: the two answer alike so ids cannot be probed."""

    status, code = 404, "not_found"


class Forbidden(RunpadError):
    """The caller is known but may not do this."""

    status, code = 403, "forbidden"


class Conflict(RunpadError):
    """The thing's current state does not allow it (yet)."""

    status, code = 409, "conflict"


class TooLarge(InvalidInput):
    """Bigger than a stated limit."""

    status, code = 413, "payload_too_large"


class RateLimited(RunpadError):
    """Too many in a window; `retry_after` says when to try again."""

    status, code = 429, "too_many_requests"


class Unavailable(RunpadError):
    """A backing service (database, queue, secret provider) is not answering, or Runpad is busy.
    Nothing the caller sent was wrong: the same request may succeed later."""

    status, code = 503, "unavailable"
    service = "a service Runpad needs"  # what is not answering, in words for a person
