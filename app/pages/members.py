"""The Members page: the tab's workspace's members and roles; its admins add, change and remove."""

from __future__ import annotations

import reflex as rx

from app.pages import Page
from components.layout import app_shell, error_callout, page_header
from state.auth import AuthState
from state.members import ROLES, MembersState

ROLE_HINTS = {
    "operator": "reads scripts, runs and logs; starts runs",
    "developer": "also writes scripts, tries code out and sets secrets",
    "admin": "also manages members and the workspace's settings",
}


def role_cell(row: dict) -> rx.Component:
    return rx.cond(
        AuthState.can_manage,
        rx.select(
            ROLES,
            value=row["role"],
            on_change=lambda role: MembersState.set_role(row["user_id"], role),
            size="1",
            aria_label="Role of " + row["email"],
        ),
        rx.badge(row["role"], variant="soft"),
    )


def member_row(row: dict) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row["email"], size="2", weight="medium", overflow_wrap="anywhere")),
        rx.table.cell(role_cell(row)),
        rx.table.cell(
            rx.cond(
                AuthState.can_manage,
                rx.icon_button(
                    rx.icon("user-minus", size=14),
                    variant="ghost",
                    color_scheme="red",
                    size="1",
                    aria_label="Remove " + row["email"],
                    on_click=MembersState.remove(row["user_id"]),
                ),
            ),
            text_align="right",
        ),
        data_member=row["email"],
        align="center",
    )


def add_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Add a member", size="3"),
                rx.text(
                    "Someone who has an account. An installation admin creates or invites new people.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.input(
                    name="email", id="member-email", type="email", placeholder="colleague@example.com", width="100%"
                ),
                rx.select(ROLES, name="role", default_value="developer", width="100%"),
                rx.vstack(
                    *[
                        rx.text(rx.text.strong(role), ": ", hint, size="1", color_scheme="gray")
                        for role, hint in ROLE_HINTS.items()
                    ],
                    spacing="0",
                ),
                rx.button(rx.icon("user-plus", size=14), "Add", type="submit", id="member-add"),
                spacing="2",
                width="100%",
            ),
            on_submit=MembersState.add,
            reset_on_submit=False,
        ),
        width="100%",
        size="2",
    )


def members_page() -> rx.Component:
    return app_shell(
        page_header(
            "Members",
            subtitle=rx.text("Who works in ", rx.text.strong(AuthState.workspace_label), " and what they may do."),
        ),
        rx.vstack(
            error_callout(MembersState.error),
            rx.cond(
                MembersState.notice != "",
                rx.callout(MembersState.notice, icon="circle-check", color_scheme="green", size="1", width="100%"),
            ),
            width="100%",
            spacing="2",
            margin_bottom="1rem",
        ),
        rx.flex(
            rx.box(
                rx.cond(
                    MembersState.loaded,
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell("Email"),
                                rx.table.column_header_cell("Role"),
                                rx.table.column_header_cell(""),
                            )
                        ),
                        rx.table.body(rx.foreach(MembersState.rows, member_row)),
                        id="members-table",
                        variant="surface",
                        width="100%",
                    ),
                    rx.center(rx.spinner(size="3"), padding_y="4rem", width="100%"),
                ),
                flex="1",
                min_width="0",
            ),
            rx.cond(AuthState.can_manage, rx.box(add_form(), width=["100%", "100%", "22rem"], flex_shrink="0")),
            direction=rx.breakpoints(initial="column", md="row"),
            spacing="5",
            width="100%",
            align="start",
        ),
    )


PAGES = [Page("/members", members_page, "Members", [AuthState.require_login, MembersState.load])]
