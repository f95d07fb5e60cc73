"""/help: the keyboard shortcuts and the user guide (the README's sections on using Runpad, as this
installation has them), with a way to the API reference."""

from __future__ import annotations

import reflex as rx

from app.pages import Page
from app.views.user_guide import user_guide
from components.layout import app_shell, page_header
from components.shortcut_sheet import shortcut_list
from state.auth import AuthState


def api_docs_link() -> rx.Component:
    # /api/docs is a server route, not one of the app's pages: the browser must load it itself.
    return rx.button(
        rx.el.a(rx.icon("book-open", size=14), "API reference", href="/api/docs", reload_document=True, id="api-docs"),
        as_child=True,
        variant="soft",
    )


def help_page() -> rx.Component:
    return app_shell(
        page_header("Help", api_docs_link(), subtitle="Runpad's user guide, from this installation's README."),
        rx.vstack(
            rx.card(
                rx.heading("Keyboard shortcuts", size="4", margin_bottom="0.75rem"),
                shortcut_list(),
                width="100%",
                size="3",
            ),
            rx.box(rx.markdown(user_guide()), id="user-guide", width="100%", overflow_wrap="anywhere"),
            spacing="5",
            width="100%",
            max_width="56rem",
        ),
    )


PAGES = [Page("/help", help_page, "Help", [AuthState.require_login])]
