"""The landing page: what Runpad is and how many scripts this instance holds."""

import reflex as rx

from app.pages import Page
from components.layout import page_shell
from state.base import OverviewState


def script_count() -> rx.Component:
    return rx.cond(
        OverviewState.loaded,
        rx.cond(
            OverviewState.database_up,
            rx.text(
                rx.text.strong(OverviewState.script_count),
                rx.cond(OverviewState.script_count == 1, " script", " scripts"),
                size="3",
            ),
            rx.text("Script count unavailable: the database is not answering.", size="3", color_scheme="red"),
        ),
        rx.text("Counting scripts…", size="3", color_scheme="gray"),
    )


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
            rx.card(script_count(), width="100%", max_width="24rem"),
            rx.link(rx.button("Open Runpad", rx.icon("arrow-right", size=16), size="3"), href="/scripts"),
            spacing="4",
            align="start",
        )
    )


PAGES = [Page("/", index, "Runpad", [OverviewState.load])]
