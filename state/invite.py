"""/invite/[token]: whether the invitation link in the URL is live, and for whom. The password never
passes through this state: the page's plain form posts it to /auth/invite (app/api/web_auth.py), which
sets it, uses the link up and sets the HttpOnly session cookie."""

from __future__ import annotations

import asyncio
from urllib.parse import unquote

import reflex as rx

from app.services import users

# What /auth/invite's ?error= codes mean; any other value shows nothing (the query is never echoed).
INVITE_MESSAGES = {
    "weak_password": f"A password needs at least {users.MIN_PASSWORD} characters.",
    "invalid_invitation": "This invitation link is unknown, already used or expired.",
    "cross_site": "Set your password on this page.",
}


def token_in(path: str) -> str:
    """The token in /invite/<token> (what the page's [token] matched); "" for any other path."""
    parts = path.strip("/").split("/")
    return unquote(parts[1]) if len(parts) == 2 and parts[0] == "invite" else ""


class InviteState(rx.State):
    # Not `token`: the page's route argument [token] is already a var of the root state.
    invite_token: str = ""  # the form's hidden field; "" unless the link is live
    email: str = ""  # whom the live link is for; "" when it does not work
    checked: bool = False  # on_load has looked the link up
    error: str = ""  # why the last post came back, from INVITE_MESSAGES

    @rx.var
    def heading(self) -> str:
        return f"Set a password for {self.email}" if self.email else ""

    @rx.var
    def link_works(self) -> bool:
        return bool(self.email)

    @rx.event
    async def load(self):
        """on_load of /invite/[token]: the invited email when the link is live (the form is shown),
        otherwise nothing of the link (the page says it does not work, with no form)."""
        self.invite_token, self.email, self.error, self.checked = "", "", "", False
        token = token_in(str(self.router.url.path or ""))
        try:
            user = await asyncio.to_thread(users.invited, token)
        except users.InvitationError:
            self.checked = True
            return
        self.invite_token, self.email = token, user.email
        self.error = INVITE_MESSAGES.get(self.router.url.query_parameters.get("error", ""), "")
        self.checked = True
