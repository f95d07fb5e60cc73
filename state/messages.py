"""What a page tells a person when what they asked for did not happen: the one mapping of the error
family (app.core.errors) for every page."""

from __future__ import annotations

from app.core import errors

UNAVAILABLE = "The database is not answering. Reload the page in a moment."


def told(exc: Exception, failed: str) -> str:
    """`failed` names what did not happen ("The try-out did not start"); the rest says why and what to do."""
    if isinstance(exc, errors.Unavailable):
        return f"{failed}: {exc.service} is not answering. Try again in a moment."
    if isinstance(exc, errors.RunpadError):
        return f"{failed}: {exc}"  # written for the person: what was wrong and what to change
    return f"{failed}: a back-end service is not answering. Try again in a moment."


def expected(exc: Exception) -> bool:
    """An error of the family is told to the person; anything else is also worth a line in the log."""
    return isinstance(exc, errors.RunpadError)
