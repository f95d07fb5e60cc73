"""Who is using this browser tab: the session cookie, login and logout. Other states ask it for the
user with `await user_id_of(self)`; page on_load lists start with AuthState.require_login."""

from __future__ import annotations

import asyncio
import uuid

import reflex as rx

from app.services import sessions

SESSION_SECONDS = int(sessions.LIFETIME.total_seconds())


class AuthState(rx.State):
    session_token: str = rx.Cookie("", name="runpad_session", max_age=SESSION_SECONDS, same_site="strict")
    user_email: str = ""
    login_error: str = ""
    logging_in: bool = False
    _user_id: str = ""  # backend only: never sent to the browser

    @rx.var
    def logged_in(self) -> bool:
        return bool(self.user_email)

    async def _resolve(self) -> bool:
        user = await asyncio.to_thread(sessions.user_for, self.session_token) if self.session_token else None
        self._user_id, self.user_email = (str(user.id), user.email) if user else ("", "")
        return user is not None

    @rx.event
    async def require_login(self):
        """on_load of every page behind the login: sends the visitor to /login when the session is gone."""
        if not await self._resolve():
            path = self.router.url.path or "/"
            return rx.redirect(f"/login?next={path}" if path.startswith("/") and path != "/login" else "/login")

    @rx.event
    async def bounce_if_logged_in(self):
        if await self._resolve():
            return rx.redirect("/scripts")

    @rx.event
    async def login(self, form: dict):
        self.logging_in, self.login_error = True, ""
        yield
        try:
            user, token = await asyncio.to_thread(sessions.login, form.get("email", ""), form.get("password", ""))
        except sessions.LoginError as exc:
            self.login_error, self.logging_in = str(exc), False
            return
        self.session_token, self._user_id, self.user_email, self.logging_in = token, str(user.id), user.email, False
        target = self.router.url.query_parameters.get("next", "/scripts")
        # only paths of this site: an absolute or protocol-relative URL would be an open redirect
        yield rx.redirect(target if target.startswith("/") and not target.startswith("//") else "/scripts")

    @rx.event
    async def logout(self):
        await asyncio.to_thread(sessions.logout, self.session_token)
        self.session_token, self._user_id, self.user_email = "", "", ""
        return rx.redirect("/login")


async def user_id_of(state: rx.State) -> uuid.UUID | None:
    """The logged-in user's id for any state's event handler, or None."""
    auth = await state.get_state(AuthState)
    return uuid.UUID(auth._user_id) if auth._user_id else None
