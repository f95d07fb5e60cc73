"""The invitation page, /invite/<token>: the invited person sets a password in a plain HTML form posted
to /auth/invite, which logs them in and goes on to the scripts; a refused post comes back here with
?error=, shown above the form. A link that is unknown, used or expired shows why, and no form."""

import reflex as rx

from app.pages import Page
from app.services.users import MIN_PASSWORD
from components.layout import error_callout, page_shell
from state.invite import InviteState


def password_form() -> rx.Component:
    return rx.el.form(
        rx.vstack(
            rx.heading(InviteState.heading, size="5", id="invite-heading"),
            rx.text(
                "You have been invited to Runpad. Choose a password to log in with.", size="2", color_scheme="gray"
            ),
            rx.box(error_callout(InviteState.error), id="invite-error", width="100%"),
            # for password managers: the account the new password belongs to (the server ignores it)
            rx.el.input(
                type="email",
                name="username",
                value=InviteState.email,
                auto_complete="username",
                read_only=True,
                hidden=True,
            ),
            rx.text("Password", size="2", weight="medium"),
            rx.input(
                name="password",
                type="password",
                auto_complete="new-password",
                min_length=MIN_PASSWORD,
                required=True,
                auto_focus=True,
                width="100%",
                id="invite-password",
            ),
            rx.text(f"At least {MIN_PASSWORD} characters.", size="1", color_scheme="gray"),
            rx.el.input(type="hidden", name="token", value=InviteState.invite_token),
            rx.button("Set password and log in", type="submit", width="100%", id="invite-submit"),
            spacing="3",
            width="100%",
        ),
        # a real post, not a Reflex event: only the server can set an HttpOnly cookie
        action="/auth/invite",
        method="post",
        on_submit=None,
    )


def dead_link() -> rx.Component:
    return rx.vstack(
        rx.heading("This invitation link does not work", size="5"),
        rx.text(
            "It is unknown, already used or expired (a link works once, for 7 days). "
            "Ask an admin of this Runpad for a new one.",
            size="2",
        ),
        rx.link("Go to the login", href="/login", size="2"),
        spacing="3",
        width="100%",
        id="invite-dead",
    )


def invite() -> rx.Component:
    return page_shell(
        rx.center(
            rx.card(
                rx.cond(
                    InviteState.checked,
                    rx.cond(InviteState.link_works, password_form(), dead_link()),
                    rx.center(rx.spinner(size="3"), padding_y="2rem"),
                ),
                width="100%",
                max_width="24rem",
                size="3",
            ),
            padding_top="4rem",
        )
    )


PAGES = [Page("/invite/[token]", invite, "Accept invitation", [InviteState.load])]
