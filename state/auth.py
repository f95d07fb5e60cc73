"""Who is using this browser tab. The session cookie is HttpOnly and set by the server (POST /auth/login),
so the browser's scripts never see it: the backend reads it from the headers of the tab's websocket.
Every event that reads or changes data asks `await access_of(self)` (or `user_id_of` for what is
not a workspace's), which checks the session against the database each time and resolves the tab's
workspace (kept per tab in AuthState.workspace); a session that is gone raises SessionEnded, which
app/app.py turns into a redirect to /login. SessionBinding empties a tab's state when the session it
was loaded under is gone."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from urllib.parse import urlencode

import reflex as rx
from reflex.app import default_backend_exception_handler
from reflex_base.event import EventSpec

from app.core import errors
from app.services import access, sessions, workspaces

LOGIN_MESSAGES = {
    "invalid_credentials": "That email and password do not match an account.",
    "too_many_requests": "Too many failed logins for this account. Wait a few minutes, then try again.",
    "busy": "Too many logins at once. Try again in a moment.",
    "cross_site": "Log in from this page.",
    "payload_too_large": "That login could not be read. Try again.",
}


class SessionEnded(errors.Unauthorized):
    """The tab's session was revoked, expired or never existed; `path` is where the person was."""

    def __init__(self, path: str = "/"):
        super().__init__("the session has ended")
        self.path = path


def login_url(path: str) -> str:
    target = sessions.safe_next(path)
    return "/login" if target == sessions.HOME else f"/login?{urlencode({'next': target})}"


def session_token_of(state: rx.State) -> str:
    return sessions.token_in(state.router.headers.cookie)


def session_key(token: str) -> str:
    """Names a session without being it: what a tab's state remembers it was loaded under."""
    return hashlib.sha256(token.encode()).hexdigest() if token else ""


class AuthState(rx.State):
    user_email: str = ""
    login_error: str = ""
    next_path: str = ""  # the login form's hidden `next`; "" until on_load reads the URL (see web_auth.login)
    workspace: str = ""  # the slug of the workspace this tab acts in; "" for the personal one
    my_workspaces: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)  # slug, name, role, personal
    role: str = ""  # the user's role in the tab's workspace: what the pages offer (the server decides)
    is_admin: bool = False  # an installation admin: the Users page
    creating_workspace: bool = False  # the New workspace dialog is open
    workspace_error: str = ""
    _session_key: str = ""  # the session this tab's state belongs to (see SessionBinding)

    @rx.var
    def logged_in(self) -> bool:
        return bool(self.user_email)

    async def _resolve(self) -> bool:
        user = await asyncio.to_thread(sessions.user_for, session_token_of(self))
        self.user_email = user.email if user else ""
        if user is not None:
            mine = await asyncio.to_thread(workspaces.mine, access.actor_of(user))
            self._show_workspaces(mine)
            self.is_admin = user.is_admin
        return user is not None

    def _show_workspaces(self, mine: list[workspaces.Mine]) -> None:
        """The switcher's choices; a workspace the user is no longer in falls back to the personal one."""
        if self.workspace not in {w.slug for w in mine}:
            self.workspace = ""
        self.my_workspaces = [
            {"slug": w.slug, "name": w.name, "role": w.role.value, "personal": "yes" if w.personal else ""}
            for w in mine
        ]
        current = next((w for w in mine if w.slug == self.workspace or (not self.workspace and w.personal)), None)
        self.role = current.role.value if current else ""

    @rx.var
    def workspace_label(self) -> str:
        current = next(
            (w for w in self.my_workspaces if w["slug"] == self.workspace or (not self.workspace and w["personal"])),
            None,
        )
        return "Personal" if current is None or current["personal"] else current["name"]

    @rx.var
    def can_write(self) -> bool:
        """developer or admin: write scripts, try code out, set secrets."""
        return self.role in ("developer", "admin")

    @rx.var
    def can_manage(self) -> bool:
        return self.role == "admin"

    @rx.event
    async def switch_workspace(self, slug: str):
        """Acts in another of the user's workspaces in this tab (other tabs keep theirs)."""
        if not await self._resolve():
            return rx.redirect(login_url(self.router.url.path or "/"))
        known = {w["slug"]: w for w in self.my_workspaces}
        if slug not in known:
            return None
        self.workspace = "" if known[slug]["personal"] else slug
        self._show_workspaces(await asyncio.to_thread(workspaces.mine, await actor_of(self)))
        return rx.redirect("/scripts")

    @rx.event
    def open_new_workspace(self, is_open: bool = True):
        self.creating_workspace, self.workspace_error = is_open, ""

    @rx.event
    async def create_workspace(self, form: dict):
        """A new workspace with the user as its admin; the tab then acts in it."""
        actor = await actor_of(self)
        slug, name = str(form.get("slug", "")), str(form.get("name", ""))
        try:
            made = await asyncio.to_thread(workspaces.create, actor, slug, name or slug)
        except errors.RunpadError as exc:
            self.workspace_error = str(exc)
            return None
        self.creating_workspace, self.workspace = False, made.slug
        self._show_workspaces(await asyncio.to_thread(workspaces.mine, actor))
        return rx.redirect("/members")

    @rx.event
    async def require_login(self):
        """on_load of every page behind the login: sends the visitor to /login when the session is gone."""
        if not await self._resolve():
            return rx.redirect(login_url(self.router.url.path or "/"))

    @rx.event
    async def bounce_if_logged_in(self):
        """on_load of /login: the form's message and `next` from the URL, or straight on when logged in."""
        query = self.router.url.query_parameters
        self.next_path = sessions.safe_next(query.get("next"))
        if await self._resolve():
            return rx.redirect(self.next_path)
        self.login_error = LOGIN_MESSAGES.get(query.get("error", ""), "")


async def user_id_of(state: rx.State) -> uuid.UUID:
    """The logged-in user's id, checked against the database now; SessionEnded when the session is gone."""
    user = await asyncio.to_thread(sessions.user_for, session_token_of(state))
    if user is None:
        raise SessionEnded(str(state.router.url.path or "/"))
    return user.id


async def actor_of(state: rx.State) -> access.Actor:
    """The tab's user as an actor, checked against the database now; SessionEnded when the session is gone."""
    user = await asyncio.to_thread(sessions.user_for, session_token_of(state))
    if user is None:
        raise SessionEnded(str(state.router.url.path or "/"))
    return access.actor_of(user)


async def access_of(state: rx.State) -> access.Access:
    """The logged-in user acting in the tab's workspace, both checked against the database now. A tab
    whose workspace the user has left (or was removed from) falls back to the personal one."""
    actor = await actor_of(state)
    auth = state if isinstance(state, AuthState) else await state.get_state(AuthState)
    try:
        return await asyncio.to_thread(access.resolve, actor, auth.workspace or None)
    except access.NotMember:
        if not auth.workspace:
            raise
        auth.workspace = ""
        return await asyncio.to_thread(access.resolve, actor, None)


def on_backend_exception(exception: Exception) -> EventSpec | None:
    """rx.App's backend_exception_handler: an ended session goes to the login, anything else is
    Reflex's default (logged, and a toast saying something went wrong)."""
    if isinstance(exception, SessionEnded):
        return rx.redirect(login_url(exception.path))
    return default_backend_exception_handler(exception)


class SessionBinding(rx.Middleware):
    """Empties every substate of a tab whose state was loaded under another session than the one its
    socket now carries (logged out, or in as someone else), or whose session has ended, before the
    hydrate that would send that state to the browser: the next page shows nothing of the last user."""

    async def preprocess(self, app, state, event):
        if not event.name.endswith((".hydrate", ".hydrate_and_load")):
            return None
        await reset_unless_bound(state)
        return None


async def reset_unless_bound(root: rx.State) -> bool:
    """Resets the whole tree unless it belongs to the live session in its headers; returns whether it did."""
    auth = await root.get_state(AuthState)
    token = session_token_of(root)
    live = bool(token) and await asyncio.to_thread(sessions.user_for, token) is not None
    key = session_key(token) if live else ""
    if live and auth._session_key == key:
        return False
    root.reset()  # every loaded substate, recursively; router data is kept
    auth._session_key = key
    return True
