"""The scripts list: every script of the user with its trigger, build, last run and next run; New
script, blank or from an example."""

import reflex as rx

from app.core import runtimes
from app.pages import Page
from app.services import examples
from components.badges import build_badge, run_badge, runtime_badge
from components.layout import app_shell, empty_state, error_callout, page_header
from components.run_table import TRIGGER_ICONS
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


TRIGGER_WORDS = {"http": "HTTP hook", "schedule": "Schedule", "manual": "By hand"}  # a script's trigger, in a badge


def example_card(example: examples.Example) -> rx.Component:
    """One starting point: what it does, and what it needs besides (its packages, its secrets)."""
    trigger = example.trigger["type"]
    row = runtimes.row(example.runtime)
    needs = [rx.code(name, size="1") for name in (*example.dependencies, *example.secrets)]
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(example.title, weight="medium", size="3"),
                    rx.spacer(),
                    rx.badge(row.label, color_scheme=row.badge_colour, variant="soft"),
                    rx.badge(
                        rx.icon(TRIGGER_ICONS[trigger], size=12),
                        TRIGGER_WORDS[trigger],
                        color_scheme="gray",
                        variant="soft",
                    ),
                    align="center",
                    spacing="2",
                    width="100%",
                    wrap="wrap",
                ),
                rx.text(example.description, size="2", color_scheme="gray"),
                rx.hstack(rx.text("Uses", size="1", color_scheme="gray"), *needs, spacing="2", wrap="wrap")
                if needs
                else rx.fragment(),
                spacing="2",
                width="100%",
            ),
            width="100%",
            class_name="example-card",
        ),
        href=f"/scripts/new?example={example.name}",
        underline="none",
        color="inherit",
        id=f"example-{example.name}",
        width="100%",
    )


def examples_dialog(**props) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(rx.icon("sparkles", size=16), "From an example", variant="soft", white_space="nowrap", **props)
        ),
        rx.dialog.content(
            rx.dialog.title("Start from an example"),
            rx.dialog.description(
                "Each runs as it is: open one, try it out, then save it as your own script.",
                size="2",
                margin_bottom="1rem",
            ),
            rx.vstack(*[example_card(example) for example in examples.catalog()], spacing="3", width="100%"),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.link(rx.button(rx.icon("file-plus", size=14), "Blank script", variant="soft"), href="/scripts/new"),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
            max_width="36rem",
            id="examples-dialog",
        ),
    )


def listing() -> rx.Component:
    return rx.cond(
        ScriptsState.rows.length() == 0,
        empty_state(
            "file-code-2",
            "No scripts yet",
            "A script is a Node.js or Python handler you can run by hand, on a schedule or from an HTTP hook.",
            rx.hstack(
                new_button(size="2", id="new-script-empty"),
                examples_dialog(size="2", id="examples-open-empty"),
                spacing="3",
                wrap="wrap",
                justify="center",
            ),
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
            examples_dialog(id="examples-open"),
            new_button(id="new-script"),
            subtitle="Handlers you run by hand, on a schedule or from an HTTP hook.",
        ),
        error_callout(ScriptsState.load_error),
        rx.cond(ScriptsState.loaded, listing(), rx.center(rx.spinner(size="3"), padding_y="4rem")),
    )


PAGES = [Page("/scripts", scripts_page, "Scripts", [AuthState.require_login, ScriptsState.load])]
