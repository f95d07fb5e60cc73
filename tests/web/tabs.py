"""A browser tab's Reflex state tree without a browser: logged in through a real session whose cookie
is in the tab's websocket headers, as Reflex hands them to the backend."""

from __future__ import annotations

import uuid

import reflex as rx
from reflex.istate.data import RouterData

from app.services import sessions

ORIGIN = "http://localhost:3000"


def router(pathname: str, as_path: str | None = None, cookie: str = "") -> RouterData:
    headers = {"origin": ORIGIN, **({"cookie": cookie} if cookie else {})}
    return RouterData.from_router_data({"pathname": pathname, "asPath": as_path or pathname, "headers": headers})


def tab(user_id: uuid.UUID | None, path: str, token: str | None = None) -> rx.State:
    """A tab on `path`, logged in as user_id with a new session (or with `token`), or logged out."""
    if token is None and user_id is not None:
        token = sessions.start(user_id)
    root = rx.State(_reflex_internal_init=True)
    root.router = router(path, cookie=f"theme=dark; {sessions.COOKIE}={token}" if token else "")
    return root


def navigate(root: rx.State, pathname: str, as_path: str | None = None) -> None:
    """The same tab (same socket, so the same cookie) on another page."""
    root.router = router(pathname, as_path, cookie=root.router.headers.cookie)


def sub(root: rx.State, cls):
    return root.substates[cls.get_name()]
