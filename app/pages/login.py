"""The login page: a plain HTML form posted to /auth/login, which sets the HttpOnly session cookie
and redirects; a refused login comes back here with ?error=, shown above the form."""

import reflex as rx

from app.pages import Page
from components.layout import error_callout, page_shell
from state.auth import AuthState


def login() -> rx.Component:
    return page_shell(
        rx.center(
            rx.card(
                rx.el.form(
                    rx.vstack(
                        rx.heading("Log in to Runpad", size="5"),
                        rx.box(error_callout(AuthState.login_error), id="login-error", width="100%"),
                        rx.text("Email", size="2", weight="medium"),
                        rx.input(
                            name="email",
                            type="email",
                            placeholder="you@example.com",
                            required=True,
                            auto_focus=True,
                            width="100%",
                            id="login-email",
                        ),
                        rx.text("Password", size="2", weight="medium"),
                        rx.input(name="password", type="password", required=True, width="100%", id="login-password"),
                        rx.el.input(type="hidden", name="next", value=AuthState.next_path),
                        rx.button("Log in", type="submit", width="100%", id="login-submit"),
                        spacing="3",
                        width="100%",
                    ),
                    # a real post, not a Reflex event: only the server can set an HttpOnly cookie
                    action="/auth/login",
                    method="post",
                    on_submit=None,
                ),
                width="100%",
                max_width="24rem",
                size="3",
            ),
            padding_top="4rem",
        )
    )


PAGES = [Page("/login", login, "Log in", [AuthState.bounce_if_logged_in])]
