"""The page for an address the app has no page at (Reflex's "404" route), in the app's own look,
with a way back to Scripts. Public: a visitor who is not logged in may land here too."""

from __future__ import annotations

import reflex as rx

from app.pages import Page
from components.layout import empty_state, page_shell


def not_found_page() -> rx.Component:
    return page_shell(
        rx.box(
            empty_state(
                "map-pin-off",
                "Page not found",
                "There is no page at this address. It may have moved, or the link has a typo.",
                rx.link(
                    rx.button(rx.icon("arrow-left", size=14), "Back to Scripts", variant="soft"),
                    href="/scripts",
                    id="back-to-scripts",
                ),
            ),
            id="page-not-found",
            width="100%",
        )
    )


PAGES = [Page("404", not_found_page, "Page not found")]
