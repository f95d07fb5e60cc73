"""Ids in a page's URL path."""

from __future__ import annotations

import uuid

import reflex as rx


def path_id(state: rx.State, after: str) -> uuid.UUID | None:
    """The id in the page's URL path that follows the segment `after` (/runs/<id>, /scripts/<id>/...)."""
    parts = str(state.router.url.path).strip("/").split("/")
    try:
        return uuid.UUID(parts[parts.index(after) + 1])
    except (ValueError, IndexError):
        return None
