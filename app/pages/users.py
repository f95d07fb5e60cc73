"""Settings > Users (installation admins): create with a password or an invitation link, disable,
make admins."""

from __future__ import annotations

import reflex as rx

from app.pages import Page
from components.layout import app_shell, empty_state, error_callout, page_header
from state.auth import AuthState
from state.users import UsersState


def user_row(row: dict) -> rx.Component:
    disabled = row["disabled"] == "yes"
    admin = row["admin"] == "yes"
    return rx.table.row(
        rx.table.row_header_cell(
            rx.hstack(
                rx.text(row["email"], size="2", weight="medium", overflow_wrap="anywhere"),  # long emails on a phone
                rx.cond(admin, rx.badge("admin", variant="soft", color_scheme="violet")),
                rx.cond(row["invited"] == "yes", rx.badge("invited", variant="soft", color_scheme="amber")),
                rx.cond(disabled, rx.badge("disabled", variant="soft", color_scheme="red")),
                spacing="2",
                wrap="wrap",
            )
        ),
        rx.table.cell(
            rx.flex(
                rx.button(
                    rx.cond(disabled, "Enable", "Disable"),
                    size="1",
                    variant="soft",
                    color_scheme=rx.cond(disabled, "green", "red"),
                    on_click=UsersState.set_disabled(row["id"], ~disabled),
                ),
                rx.button(
                    rx.cond(admin, "Remove admin", "Make admin"),
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=UsersState.set_admin(row["id"], ~admin),
                ),
                spacing="2",
                justify="end",
                # side by side from 520 px up; on a phone one above the other, so the row never scrolls sideways
                direction=rx.breakpoints(initial="column", xs="row"),
                align=rx.breakpoints(initial="end", xs="center"),
            ),
            text_align="right",
        ),
        data_user=row["email"],
        align="center",
    )


def create_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Add a user", size="3"),
                rx.input(
                    name="email", id="user-email", type="email", placeholder="colleague@example.com", width="100%"
                ),
                rx.input(
                    name="password",
                    id="user-password",
                    type="password",
                    placeholder="Password (leave empty to invite by link)",
                    auto_complete="new-password",
                    width="100%",
                ),
                rx.checkbox("Installation admin (manages users)", name="is_admin", size="1"),
                rx.button(
                    rx.icon("user-plus", size=14), "Create", type="submit", id="user-create", loading=UsersState.saving
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=UsersState.create,
            reset_on_submit=False,
        ),
        width="100%",
        size="2",
    )


def users_page() -> rx.Component:
    return app_shell(
        page_header("Users", subtitle="Everyone with an account on this installation."),
        rx.cond(
            UsersState.loaded & ~UsersState.allowed,
            empty_state("shield", "Installation admins only", "Ask an admin to create or invite people."),
            rx.vstack(
                error_callout(UsersState.error),
                rx.cond(
                    UsersState.notice != "",
                    rx.callout(UsersState.notice, icon="circle-check", color_scheme="green", size="1", width="100%"),
                ),
                rx.cond(
                    UsersState.invite_link != "",
                    rx.hstack(
                        rx.code(UsersState.invite_link, id="invite-link", word_break="break-all"),
                        rx.icon_button(
                            rx.icon("copy", size=14),
                            size="1",
                            variant="soft",
                            on_click=rx.set_clipboard(UsersState.invite_link),
                            aria_label="Copy the invitation link",
                        ),
                        align="center",
                        width="100%",
                    ),
                ),
                rx.flex(
                    rx.box(
                        rx.table.root(
                            rx.table.header(
                                rx.table.row(rx.table.column_header_cell("User"), rx.table.column_header_cell(""))
                            ),
                            rx.table.body(rx.foreach(UsersState.rows, user_row)),
                            id="users-table",
                            variant="surface",
                            width="100%",
                        ),
                        flex="1",
                        min_width="0",
                    ),
                    rx.box(create_form(), width=["100%", "100%", "22rem"], flex_shrink="0"),
                    direction=rx.breakpoints(initial="column", md="row"),
                    spacing="5",
                    width="100%",
                    align="start",
                ),
                width="100%",
                spacing="3",
            ),
        ),
    )


PAGES = [Page("/settings/users", users_page, "Users", [AuthState.require_login, UsersState.load])]
