"""/scripts/[script_id]/runs: a script's run history, newest first, with Run now."""

import reflex as rx

from app.pages import Page
from components.layout import app_shell, empty_state, error_callout, page_header
from components.log_view import MONO, status_badge
from state.auth import AuthState
from state.runs import RunsState

TRIGGER_ICONS = {"manual": "hand", "http": "webhook", "schedule": "calendar-clock", "tryout": "flask-conical"}


def trigger_label(trigger) -> rx.Component:
    icon = rx.match(
        trigger, *[(t, rx.icon(name, size=14)) for t, name in TRIGGER_ICONS.items()], rx.icon("circle", size=14)
    )
    return rx.hstack(icon, rx.text(trigger, size="2"), align="center", spacing="1", color=rx.color("gray", 11))


def run_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(status_badge(row.status, size="1"), href="/runs/" + row.id, underline="none")),
        rx.table.cell(trigger_label(row.trigger)),
        rx.table.cell(rx.text(row.version, size="2", font_family=MONO, color=rx.color("gray", 11))),
        rx.table.cell(rx.tooltip(rx.text(row.started, size="2"), content=row.started_exact)),
        rx.table.cell(rx.text(row.duration, size="2", font_family=MONO)),
        rx.table.cell(
            rx.link(
                rx.hstack(rx.text("Open", size="2"), rx.icon("chevron-right", size=14), spacing="1", align="center"),
                href="/runs/" + row.id,
            ),
            text_align="right",
        ),
        custom_attrs={"data-run-id": row.id},
        align="center",
    )


def runs_table() -> rx.Component:
    return rx.vstack(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[rx.table.column_header_cell(h) for h in ("Status", "Trigger", "Version", "Started", "Duration")],
                    rx.table.column_header_cell(""),
                )
            ),
            rx.table.body(rx.foreach(RunsState.rows, run_row)),
            id="runs-table",
            variant="surface",
            width="100%",
        ),
        rx.cond(
            RunsState.has_more,
            rx.button(
                "Load more",
                rx.icon("chevron-down", size=14),
                id="runs-next",
                on_click=RunsState.load_more,
                loading=RunsState.loading_more,
                variant="soft",
                color_scheme="gray",
            ),
        ),
        align="center",
        spacing="3",
        width="100%",
    )


def actions() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.button(rx.icon("code", size=14), "Editor", variant="soft", color_scheme="gray"),
            href="/scripts/" + RunsState.history_of,
            id="back-to-editor",
        ),
        rx.link(
            rx.button(rx.icon("history", size=14), "Versions", variant="soft", color_scheme="gray"),
            href="/scripts/" + RunsState.history_of + "/versions",
        ),
        rx.button(
            rx.icon("play", size=14), "Run now", id="run-now", on_click=RunsState.run_now, loading=RunsState.starting
        ),
        spacing="2",
    )


def content() -> rx.Component:
    return rx.cond(
        RunsState.not_found,
        empty_state(
            "file-question",
            "No such script",
            "This script does not exist, or it is not yours.",
            rx.link(rx.button("All scripts", variant="soft"), href="/scripts"),
        ),
        rx.vstack(
            page_header(RunsState.script_name, actions(), subtitle="Runs, newest first"),
            error_callout(RunsState.error),
            rx.cond(
                RunsState.rows.length() > 0,
                runs_table(),
                empty_state(
                    "list",
                    "No runs yet",
                    "Runs appear here when the script runs by hand, on its schedule or from its hook. "
                    "Run it now to see one.",
                    rx.button(
                        rx.icon("play", size=14), "Run now", on_click=RunsState.run_now, loading=RunsState.starting
                    ),
                ),
            ),
            spacing="3",
            width="100%",
        ),
    )


def runs_page() -> rx.Component:
    return app_shell(
        rx.box(
            rx.cond(RunsState.loaded, content(), rx.center(rx.spinner(size="3"), padding_y="6rem")),
            on_mount=RunsState.resume,
            on_unmount=RunsState.leave,
            width="100%",
        )
    )


PAGES = [Page("/scripts/[script_id]/runs", runs_page, "Runs", [AuthState.require_login, RunsState.load])]
