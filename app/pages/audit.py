"""The Audit page: who did what and when in the tab's workspace (its admins) and, for installation
admins, on the installation; newest first, older events a page at a time."""

from __future__ import annotations

import reflex as rx

from app.pages import Page
from components.layout import app_shell, empty_state, error_callout, page_header
from components.log_view import MONO
from state.audit import AuditState
from state.auth import AuthState

SCOPE_LABELS = [("workspace", "This workspace"), ("installation", "Installation")]


def scope_switch() -> rx.Component:
    """Installation admins only: the workspace's events or the installation's."""
    return rx.cond(
        AuditState.installation_admin,
        rx.segmented_control.root(
            *[rx.segmented_control.item(label, value=v, id=f"audit-scope-{v}") for v, label in SCOPE_LABELS],
            value=AuditState.scope,
            on_change=AuditState.choose_scope,
            id="audit-scope",
            size="1",
        ),
    )


# Below 480 px the Who column gives its width to What, which names who on a line of its own
WIDE_ONLY = rx.breakpoints(initial="none", xs="table-cell")
NARROW_ONLY = rx.breakpoints(initial="block", xs="none")


def note(*text, **props) -> rx.Component:
    return rx.text(*text, size="1", color=rx.color("gray", 11), overflow_wrap="anywhere", **props)


def event_row(row) -> rx.Component:
    return rx.table.row(
        # on a phone the date and the time wrap onto two lines instead of widening the table
        rx.table.cell(rx.text(row.at, size="1", font_family=MONO, color=rx.color("gray", 11)), min_width="5.5rem"),
        rx.table.cell(rx.text(row.actor, size="2", overflow_wrap="anywhere"), display=WIDE_ONLY),
        rx.table.cell(
            rx.vstack(
                rx.flex(
                    rx.code(row.action, size="1", variant="soft", color_scheme="gray"),
                    rx.text(row.target, size="2", weight="medium", overflow_wrap="anywhere", title=row.target_id),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(row.details != "", note(row.details)),
                note("by ", row.actor, display=NARROW_ONLY),
                spacing="1",
            )
        ),
        custom_attrs={"data-event": row.id},
    )


def events_table() -> rx.Component:
    return rx.vstack(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Time (UTC)"),
                    rx.table.column_header_cell("Who", display=WIDE_ONLY),
                    rx.table.column_header_cell("What"),
                ),
            ),
            rx.table.body(rx.foreach(AuditState.rows, event_row)),
            id="audit-table",
            variant="surface",
            width="100%",
        ),
        rx.cond(
            AuditState.has_more,
            rx.button(
                "Older",
                rx.icon("chevron-down", size=14),
                id="audit-older",
                on_click=AuditState.load_more,
                loading=AuditState.loading_more,
                variant="soft",
                color_scheme="gray",
            ),
        ),
        align="center",
        spacing="3",
        width="100%",
    )


def refused() -> rx.Component:
    return rx.cond(
        AuditState.scope == "installation",
        empty_state("shield", "Installation admins only", "Only installation admins can see the installation's log."),
        empty_state(
            "shield",
            "Workspace admins only",
            rx.cond(
                AuditState.installation_admin,
                "Only workspace admins can see the audit log of this workspace. As an installation admin, you "
                "can see the installation's.",
                "Only workspace admins can see the audit log. Ask one of this workspace's admins.",
            ),
        ),
    )


def content() -> rx.Component:
    return rx.cond(
        ~AuditState.allowed,
        refused(),
        rx.vstack(
            error_callout(AuditState.error),
            rx.cond(
                AuditState.rows.length() > 0,
                events_table(),
                rx.cond(
                    AuditState.error == "",
                    empty_state("scroll-text", "No events yet", "Changes to scripts, secrets and members show here."),
                ),
            ),
            spacing="3",
            width="100%",
        ),
    )


def header() -> rx.Component:
    """The title with the scope switch right of it, or under it on a phone (beside it, the title wraps)."""
    return rx.flex(
        page_header(
            "Audit log",
            subtitle=rx.cond(
                AuditState.scope == "installation",
                rx.text("Users, tokens, settings and failed logins on this installation, newest first."),
                rx.text("Who changed what in ", rx.text.strong(AuthState.workspace_label), ", newest first."),
            ),
        ),
        rx.box(scope_switch(), flex_shrink="0", margin_bottom="1.25rem"),
        direction=rx.breakpoints(initial="column", xs="row"),
        align=rx.breakpoints(initial="start", xs="center"),
        column_gap="1rem",
        width="100%",
    )


def audit_page() -> rx.Component:
    return app_shell(
        header(),
        rx.cond(AuditState.loaded, content(), rx.center(rx.spinner(size="3"), padding_y="6rem")),
    )


PAGES = [Page("/audit", audit_page, "Audit log", [AuthState.require_login, AuditState.load])]
