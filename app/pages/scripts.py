"""The scripts list: every script of the user with its trigger, build, last run and next run."""

import reflex as rx

from app.pages import Page
from components.badges import build_badge, run_badge, runtime_badge
from components.layout import app_shell, empty_state, error_callout, page_header
from state.auth import AuthState
from state.scripts import ScriptsState

MONO = "var(--code-font-family)"


def copy_button(text, what: str, **props) -> rx.Component:
    return rx.tooltip(
        rx.icon_button(
            rx.icon("copy", size=14),
            variant="ghost",
            color_scheme="gray",
            size="1",
            aria_label=f"Copy {what}",
            on_click=[rx.set_clipboard(text), rx.toast.success(f"{what} copied", duration=2000)],
            **props,
        ),
        content=f"Copy {what}",
    )


def trigger_cell(row) -> rx.Component:
    return rx.match(
        row["trigger_type"],
        (
            "http",
            rx.hstack(
                rx.icon("webhook", size=14, color=rx.color("gray", 10), flex_shrink="0"),
                rx.text(
                    row["hook_url"],
                    size="1",
                    font_family=MONO,
                    color=rx.color("gray", 11),
                    max_width="22rem",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                    title=row["hook_url"],
                ),
                copy_button(row["hook_url"], "Hook URL", class_name="copy-hook-url"),
                align="center",
                spacing="2",
            ),
        ),
        (
            "schedule",
            rx.hstack(
                rx.icon("calendar-clock", size=14, color=rx.color("gray", 10)),
                rx.text(row["trigger_text"], size="2"),
                rx.cond(~row["enabled"].to(bool), rx.badge("paused", color_scheme="gray", variant="outline", size="1")),
                align="center",
                spacing="2",
            ),
        ),
        rx.hstack(
            rx.icon("hand", size=14, color=rx.color("gray", 10)),
            rx.text("Manual", size="2"),
            align="center",
            spacing="2",
        ),
    )


def last_run_cell(row) -> rx.Component:
    return rx.cond(
        row["last_run_status"] != "",
        rx.hstack(
            run_badge(row["last_run_status"]),
            rx.text(row["last_run_ago"], size="1", color_scheme="gray"),
            align="center",
            spacing="2",
        ),
        rx.text("never", size="2", color_scheme="gray"),
    )


def script_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(row["name"], href="/scripts/" + row["id"].to(str), weight="medium", class_name="script-link"),
        ),
        rx.table.cell(runtime_badge(row["runtime"])),
        rx.table.cell(trigger_cell(row)),
        rx.table.cell(
            rx.cond(
                row["build_status"] != "",
                rx.tooltip(
                    rx.box(build_badge(row["build_status"])),
                    content=rx.cond(row["build_error"] != "", row["build_error"], "Dependency image"),
                ),
                rx.text("—", color_scheme="gray"),
            )
        ),
        rx.table.cell(last_run_cell(row)),
        rx.table.cell(
            rx.cond(row["next_run_in"] != "", rx.text(row["next_run_in"], size="2"), rx.text("—", color_scheme="gray"))
        ),
        align="center",
        custom_attrs={"data-script-name": row["name"]},
    )


def scripts_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[
                    rx.table.column_header_cell(label)
                    for label in ("Name", "Runtime", "Trigger", "Build", "Last run", "Next run")
                ],
            )
        ),
        rx.table.body(rx.foreach(ScriptsState.shown, script_row)),
        variant="surface",
        width="100%",
        id="scripts-table",
    )


def new_button(**props) -> rx.Component:
    return rx.link(
        rx.button(rx.icon("plus", size=16), "New script", white_space="nowrap", **props),
        href="/scripts/new",
        flex_shrink="0",
    )


def listing() -> rx.Component:
    return rx.cond(
        ScriptsState.rows.length() == 0,
        empty_state(
            "file-code-2",
            "No scripts yet",
            "A script is a Node.js or Python handler you can run by hand, on a schedule or from an HTTP hook.",
            new_button(size="2", id="new-script-empty"),
        ),
        rx.cond(
            ScriptsState.shown.length() == 0,
            empty_state(
                "search-x",
                "No script matches",
                "No script name contains \u201c"
                + ScriptsState.search
                + "\u201d. Check the spelling or clear the search.",
                rx.button("Clear search", variant="soft", on_click=ScriptsState.set_search(""), id="clear-search"),
            ),
            scripts_table(),
        ),
    )


def scripts_page() -> rx.Component:
    return app_shell(
        page_header(
            "Scripts",
            rx.input(
                rx.input.slot(rx.icon("search", size=14)),
                placeholder="Search by name",
                value=ScriptsState.search,
                on_change=ScriptsState.set_search,
                id="script-search",
                width="16rem",
            ),
            new_button(id="new-script"),
            subtitle="Handlers you run by hand, on a schedule or from an HTTP hook.",
        ),
        error_callout(ScriptsState.load_error),
        rx.cond(ScriptsState.loaded, listing(), rx.center(rx.spinner(size="3"), padding_y="4rem")),
    )


PAGES = [Page("/scripts", scripts_page, "Scripts", [AuthState.require_login, ScriptsState.load])]
