"""/scripts/[script_id]/runs: a script's run history, newest first, with Run now (which asks for the event),
and the hook calls it turned away."""

import reflex as rx

from app.pages import Page
from components import run_table
from components.layout import app_shell, empty_state, error_callout, page_header
from components.log_view import MONO
from state.auth import AuthState
from state.runs import RunsState


def runs_table() -> rx.Component:
    return rx.vstack(
        run_table.runs_table(RunsState.rows, "runs-table"),
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


def turned_away_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.at, size="2", title=row.at_exact, white_space="nowrap")),
        rx.table.cell(
            rx.badge(row.status, color_scheme=rx.cond(row.status == 503, "red", "amber"), variant="soft", size="1")
        ),
        rx.table.cell(rx.text(row.reason, size="2", class_name="turned-away-reason", word_break="break-word")),
        custom_attrs={"data-status": row.status},
        align="center",
    )


def turned_away_card() -> rx.Component:
    """Hook calls that could not start a run (409 while the dependencies are not built, 503 when the
    queue is down): no run shows them, so the page lists them; shown only when there are some."""
    return rx.cond(
        (RunsState.turned_away.length() > 0) | (RunsState.turned_away_error != ""),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("ban", size=16, color=rx.color("amber", 10)),
                    rx.heading("Calls turned away", size="3"),
                    rx.badge(RunsState.turned_away.length(), color_scheme="gray", variant="soft", size="1"),
                    align="center",
                    spacing="2",
                ),
                rx.text(
                    "Hook calls that could not start a run, newest first: 409 while its dependencies are not "
                    "built, 503 while the queue is down. The last 100 are kept for a week.",
                    size="2",
                    color_scheme="gray",
                ),
                error_callout(RunsState.turned_away_error),
                rx.cond(
                    RunsState.turned_away.length() > 0,
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(*[rx.table.column_header_cell(h) for h in ("When", "Status", "Reason")])
                        ),
                        rx.table.body(rx.foreach(RunsState.turned_away, turned_away_row)),
                        variant="ghost",
                        size="1",
                        width="100%",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            id="turned-away",
            width="100%",
        ),
    )


def event_dialog() -> rx.Component:
    """Run now: the event to run with, checked as it is typed."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Run now"),
            rx.dialog.description(
                "The script runs with this JSON as the event's body (event.body).", size="2", margin_bottom="0.75rem"
            ),
            rx.text_area(
                value=RunsState.event_text,
                on_change=RunsState.set_event_text.debounce(150),
                id="run-event",
                font_family=MONO,
                rows="8",
                width="100%",
                spell_check=False,
                aria_label="Event body (JSON)",
            ),
            rx.cond(
                RunsState.event_error != "",
                rx.text(RunsState.event_error, id="run-event-error", size="1", color_scheme="red", margin_top="0.5rem"),
            ),
            rx.cond(
                RunsState.start_error != "",
                rx.callout(
                    RunsState.start_error, icon="triangle-alert", color_scheme="red", size="1", margin_top="0.75rem"
                ),
            ),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button(
                    rx.icon("play", size=14),
                    "Run",
                    id="run-event-start",
                    on_click=RunsState.run_now,
                    loading=RunsState.starting,
                    disabled=RunsState.event_error != "",
                ),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
            max_width="32rem",
        ),
        open=RunsState.event_open,
        on_open_change=RunsState.open_event,
    )


def run_now_button(**props) -> rx.Component:
    return rx.button(rx.icon("play", size=14), "Run now", on_click=RunsState.open_event(True), **props)


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
        rx.link(
            rx.button(rx.icon("list-filter", size=14), "Filter", variant="soft", color_scheme="gray"),
            href="/runs?script=" + RunsState.history_of,
            id="runs-filter",
        ),
        run_now_button(id="run-now"),
        spacing="2",
        wrap="wrap",
        justify="end",
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
            event_dialog(),
            rx.cond(
                RunsState.rows.length() > 0,
                runs_table(),
                empty_state(
                    "list",
                    "No runs yet",
                    "Runs appear here when the script runs by hand, on its schedule or from its hook. "
                    "Run it now to see one.",
                    run_now_button(),
                ),
            ),
            turned_away_card(),
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
