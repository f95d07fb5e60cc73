"""/runs: the workspace's runs across its scripts, filtered by script, status, trigger and time, with
Newer / Older paging."""

import reflex as rx

from app.models import RunStatus, Trigger
from app.pages import Page
from components.layout import app_shell, empty_state, error_callout, page_header
from components.log_view import STATUS_LABELS
from components.run_table import runs_table
from state.all_runs import ANY, AllRunsState
from state.auth import AuthState


def choice(name: str, label: str, items: list[tuple[str, str]], value, width: str) -> rx.Component:
    """A filter select; `items` are (value, label) besides "any"."""
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", weight="medium"),
        rx.select.root(
            rx.select.trigger(width="100%"),
            rx.select.content(
                rx.select.item(f"Any {label.lower()}", value=ANY), *[rx.select.item(text, value=v) for v, text in items]
            ),
            value=rx.cond(value != "", value, ANY),
            on_change=lambda v: AllRunsState.filter_by(name, v),
            size="2",
        ),
        id=f"filter-{name}",
        spacing="1",
        width=["calc(50% - 0.375rem)", width],
    )


def script_choice() -> rx.Component:
    return rx.vstack(
        rx.text("Script", size="1", color_scheme="gray", weight="medium"),
        rx.select.root(
            rx.select.trigger(width="100%", max_width="100%"),
            rx.select.content(
                rx.select.item("Any script", value=ANY),
                rx.foreach(AllRunsState.scripts, lambda s: rx.select.item(s["name"], value=s["id"])),
            ),
            value=rx.cond(AllRunsState.script != "", AllRunsState.script, ANY),
            on_change=lambda v: AllRunsState.filter_by("script", v),
            size="2",
        ),
        id="filter-script",
        spacing="1",
        width=["100%", "14rem"],
        min_width="0",
    )


def time_input(name: str, label: str, value) -> rx.Component:
    return rx.vstack(
        rx.text(label, " (UTC)", size="1", color_scheme="gray", weight="medium"),
        rx.input(
            type="datetime-local",
            value=value,
            on_change=lambda v: AllRunsState.filter_by(name, v),
            id=f"filter-{name}",
            size="2",
            width="100%",
        ),
        spacing="1",
        width=["calc(50% - 0.375rem)", "13rem"],
    )


def filters() -> rx.Component:
    statuses = [(s.value, STATUS_LABELS.get(s.value, s.value)) for s in RunStatus]
    triggers = [(t.value, t.value) for t in Trigger]
    return rx.flex(
        script_choice(),
        choice("status", "Status", statuses, AllRunsState.status, "9rem"),
        choice("trigger", "Trigger", triggers, AllRunsState.trigger, "9rem"),
        time_input("since", "Since", AllRunsState.since),
        time_input("until", "Until", AllRunsState.until),
        rx.button(
            rx.icon("x", size=14),
            "Clear",
            on_click=AllRunsState.clear_filters,
            variant="soft",
            color_scheme="gray",
            id="filters-clear",
        ),
        wrap="wrap",
        spacing="3",
        align="end",
        width="100%",
        id="runs-filters",
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=14),
            "Newer",
            on_click=AllRunsState.show_newer,
            disabled=AllRunsState.newer == "",
            variant="soft",
            color_scheme="gray",
            id="runs-newer",
        ),
        rx.button(
            "Older",
            rx.icon("chevron-right", size=14),
            on_click=AllRunsState.show_older,
            disabled=AllRunsState.older == "",
            variant="soft",
            color_scheme="gray",
            id="runs-older",
        ),
        justify="center",
        spacing="3",
        width="100%",
    )


def content() -> rx.Component:
    return rx.vstack(
        page_header("Runs", subtitle="Every run in this workspace, newest first"),
        filters(),
        error_callout(AllRunsState.error),
        rx.cond(
            AllRunsState.rows.length() > 0,
            rx.vstack(
                runs_table(AllRunsState.rows, "all-runs-table", with_script=True), pager(), spacing="3", width="100%"
            ),
            empty_state(
                "list-filter",
                "No runs here",
                "No run matches these filters. Runs appear here when a script runs by hand, on its schedule or "
                "from its hook, and when code is tried out.",
                rx.cond(AllRunsState.newer != "", pager()),
            ),
        ),
        spacing="4",
        width="100%",
    )


def all_runs_page() -> rx.Component:
    return app_shell(
        rx.box(
            rx.cond(AllRunsState.loaded, content(), rx.center(rx.spinner(size="3"), padding_y="6rem")),
            on_mount=AllRunsState.resume,
            on_unmount=AllRunsState.leave,
            width="100%",
        )
    )


PAGES = [Page("/runs", all_runs_page, "Runs", [AuthState.require_login, AllRunsState.load])]
