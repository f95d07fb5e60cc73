"""The landing page: what Runpad is, nothing about this instance; a visitor who is not logged in is
sent to /login (its on_load), so nothing of the instance is shown before then either."""

import reflex as rx

from app.pages import Page
from components.layout import page_shell
from state.auth import AuthState


def index() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.heading("Runpad", size="8"),
            rx.text(
                "A self-hosted runner for small Node.js and Python scripts: "
                "run them by hand, on a schedule or from an HTTP hook, each in its own container.",
                size="4",
                color_scheme="gray",
            ),
            rx.link(rx.button("Open Runpad", rx.icon("arrow-right", size=16), size="3"), href="/scripts"),
            spacing="4",
            align="start",
        )
    )


PAGES = [Page("/", index, "Runpad", [AuthState.require_login])]
