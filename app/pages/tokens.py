"""Settings > API tokens: the user's tokens for the REST API and the command line; make one (shown
once, with a copy button) and revoke one."""

from __future__ import annotations

import reflex as rx

from app.pages import Page
from app.services.tokens import EXPIRY_DAYS
from components.layout import app_shell, empty_state, error_callout, page_header
from components.trigger_panel import copy_icon
from state.auth import AuthState
from state.tokens import DEFAULT_EXPIRY_DAYS, NEW_TOKEN_BOX, TokensState

MONO = "var(--code-font-family)"
# What the copy button copies: the box's text, read in the browser (the token is in no state var).
NEW_TOKEN_TEXT = rx.Var(f"(document.getElementById({NEW_TOKEN_BOX!r})?.value ?? '')").to(str)


def create_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("New token", size="3"),
                rx.text("Name", size="2", weight="medium"),
                rx.input(name="name", id="token-name", placeholder="e.g. laptop CLI", max_length=100, width="100%"),
                rx.text("Expires after (days)", size="2", weight="medium"),
                rx.input(
                    name="expires_in_days",
                    id="token-expiry",
                    type="number",
                    min=EXPIRY_DAYS.start,
                    max=EXPIRY_DAYS.stop - 1,
                    default_value=str(DEFAULT_EXPIRY_DAYS),
                    width="100%",
                    max_width="10rem",
                ),
                rx.text(
                    f"{EXPIRY_DAYS.start} to {EXPIRY_DAYS.stop - 1}; empty for a token that never expires.",
                    size="1",
                    color_scheme="gray",
                ),
                rx.button(
                    rx.icon("plus", size=14),
                    "Make token",
                    type="submit",
                    id="token-create",
                    loading=TokensState.creating,
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=TokensState.create,
            reset_on_submit=True,
        ),
        width="100%",
        size="2",
    )


def fresh_token() -> rx.Component:
    """Always rendered (hidden until a token is made), so the box is there when the token arrives."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("key-round")),
        rx.vstack(
            rx.text(
                "Copy the token ",
                rx.text.strong(TokensState.fresh_name),
                " now: it is not shown again. Send it as ",
                rx.code("Authorization: Bearer <token>"),
                ".",
                size="2",
            ),
            rx.hstack(
                rx.input(id=NEW_TOKEN_BOX, read_only=True, font_family=MONO, flex="1", min_width="0"),
                copy_icon(NEW_TOKEN_TEXT, "token", "new-token-copy"),
                rx.button("Done", size="1", variant="soft", on_click=TokensState.dismiss, id="new-token-done"),
                align="center",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        color_scheme="green",
        width="100%",
        display=rx.cond(TokensState.fresh_name != "", "flex", "none"),
        id="new-token-callout",
    )


def revoke_button(row: dict) -> rx.Component:
    """Revoke, after a confirmation: programs using the token are refused from then on."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Revoke", size="1", variant="soft", color_scheme="red", class_name="token-revoke")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Revoke the token ", rx.text.strong(row["name"]), "?"),
            rx.alert_dialog.description(
                "Programs that use it are refused (401) from now on. This cannot be undone.", size="2"
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Revoke",
                        color_scheme="red",
                        on_click=TokensState.revoke(row["id"]),
                        class_name="token-revoke-confirm",
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="28rem",
        ),
    )


# The times have a column each from a tablet's width up; on a phone they are a line under the name.
WIDE = ["none", "none", "table-cell"]
NARROW = ["block", "block", "none"]


def time_cell(text) -> rx.Component:
    return rx.table.cell(rx.text(text, size="2", color_scheme="gray", white_space="nowrap"), display=WIDE)


def token_row(row: dict) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.hstack(
                rx.text(row["name"], size="2", weight="medium", overflow_wrap="break-word"),
                rx.cond(
                    row["status"] != "live",
                    rx.badge(
                        row["status"], variant="soft", color_scheme=rx.cond(row["status"] == "revoked", "red", "gray")
                    ),
                ),
                spacing="2",
                wrap="wrap",
                align="center",
            ),
            rx.text(
                "Made ",
                row["created"],
                " · expires ",
                row["expires"],
                " · last used ",
                row["last_used"],
                size="1",
                color_scheme="gray",
                display=NARROW,
                margin_top="0.25rem",
            ),
        ),
        time_cell(row["created"]),
        time_cell(row["expires"]),
        time_cell(row["last_used"]),
        rx.table.cell(rx.cond(row["status"] == "live", revoke_button(row)), text_align="right"),
        data_token=row["name"],
        data_status=row["status"],
        align="center",
    )


def tokens_table() -> rx.Component:
    return rx.cond(
        TokensState.rows.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Name"),
                    rx.table.column_header_cell("Created", display=WIDE),
                    rx.table.column_header_cell("Expires", display=WIDE),
                    rx.table.column_header_cell("Last used", display=WIDE),
                    rx.table.column_header_cell(""),
                )
            ),
            rx.table.body(rx.foreach(TokensState.rows, token_row)),
            id="tokens-table",
            variant="surface",
            width="100%",
        ),
        empty_state("key-round", "No API tokens", "Make one to call the REST API or use the runpad command line."),
    )


def tokens_page() -> rx.Component:
    return app_shell(
        page_header(
            "API tokens",
            subtitle="For the REST API and the command line. A token acts as you, in every workspace you are in.",
        ),
        rx.vstack(error_callout(TokensState.error), fresh_token(), width="100%", spacing="2", margin_bottom="1rem"),
        rx.flex(
            rx.box(
                rx.cond(TokensState.loaded, tokens_table(), rx.center(rx.spinner(size="3"), padding_y="4rem")),
                flex="1",
                min_width="0",
                width="100%",
            ),
            rx.box(create_form(), width=["100%", "100%", "20rem"], flex_shrink="0"),
            direction=rx.breakpoints(initial="column", md="row"),
            spacing="5",
            width="100%",
            align="start",
        ),
    )


PAGES = [Page("/settings/tokens", tokens_page, "API tokens", [AuthState.require_login, TokensState.load])]
