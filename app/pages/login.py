"""The login page."""

import reflex as rx

from app.pages import Page
from components.layout import error_callout, page_shell
from state.auth import AuthState


def login() -> rx.Component:
    return page_shell(
        rx.center(
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading("Log in to Runpad", size="5"),
                        error_callout(AuthState.login_error),
                        rx.text("Email", size="2", weight="medium"),
                        rx.input(name="email", type="email", placeholder="you@example.com", required=True,
                                 auto_focus=True, width="100%", id="login-email"),
                        rx.text("Password", size="2", weight="medium"),
                        rx.input(name="password", type="password", required=True, width="100%", id="login-password"),
                        rx.button("Log in", type="submit", loading=AuthState.logging_in, width="100%", id="login-submit"),
                        spacing="3", width="100%",
                    ),
                    on_submit=AuthState.login,
                ),
                width="100%", max_width="24rem", size="3",
            ),
            padding_top="4rem",
        )
    )


PAGES = [Page("/login", login, "Log in", [AuthState.bounce_if_logged_in])]
