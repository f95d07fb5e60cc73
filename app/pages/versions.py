"""/scripts/[script_id]/versions: a script's versions, two of them compared, and Restore."""

import reflex as rx

from app.pages import Page
from components.layout import app_shell, empty_state, error_callout, page_header
from components.log_view import MONO
from components.monaco import diff_editor, language_of
from state.auth import AuthState
from state.versions import VersionsState

CHANGE_COLOURS = {"added": "green", "removed": "red", "changed": "amber"}


def version_item(row) -> rx.Component:
    chosen = row.number == VersionsState.from_number
    return rx.box(
        rx.hstack(
            rx.text("v", row.number, weight="bold", size="2", font_family=MONO),
            rx.cond(row.current, rx.badge("current", color_scheme="gray", variant="soft", size="1")),
            rx.cond(row.live, rx.badge("live", color_scheme="green", variant="soft", size="1")),
            rx.cond(row.draft, rx.badge("draft", color_scheme="amber", variant="soft", size="1")),
            rx.spacer(),
            rx.tooltip(rx.text(row.created, size="1", color_scheme="gray"), content=row.created_exact),
            align="center",
            spacing="2",
        ),
        rx.text(
            rx.cond(row.dependencies.length() > 0, row.dependencies.join(", "), "no dependencies"),
            size="1",
            color_scheme="gray",
            font_family=MONO,
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
            title=row.dependencies.join(", "),
        ),
        on_click=VersionsState.choose(row.number),
        custom_attrs={"data-version": row.number},
        class_name="version-item",
        padding="0.5rem 0.75rem",
        border_radius="var(--radius-2)",
        cursor="pointer",
        width="100%",
        border=rx.cond(chosen, f"1px solid {rx.color('accent', 7)}", "1px solid transparent"),
        background_color=rx.cond(chosen, rx.color("accent", 3), "transparent"),
        _hover={"background_color": rx.cond(chosen, rx.color("accent", 4), rx.color("gray", 3))},
    )


def versions_list() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text("Versions", size="2", weight="medium", color_scheme="gray"),
            rx.vstack(rx.foreach(VersionsState.rows, version_item), spacing="1", width="100%"),
            spacing="2",
            width="100%",
        ),
        id="versions-list",
        width="100%",
        max_height="40vh",
        overflow_y="auto",
    )


def version_select(value, on_change, id: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(font_family=MONO, min_width="5.5rem"),
        rx.select.content(rx.foreach(VersionsState.choices, lambda n: rx.select.item("v" + n, value=n))),
        value=value.to_string(),
        on_change=on_change,
        size="2",
        id=id,
    )


def compare_bar() -> rx.Component:
    return rx.hstack(
        rx.text("Compare", size="2", color_scheme="gray"),
        version_select(VersionsState.from_number, VersionsState.set_from, "diff-from"),
        rx.icon("arrow-right", size=14, color=rx.color("gray", 10)),
        version_select(VersionsState.to_number, VersionsState.set_to, "diff-to"),
        rx.spacer(),
        rx.button(
            rx.icon("rocket", size=14),
            "Deploy v",
            VersionsState.from_number,
            variant="soft",
            on_click=VersionsState.deploy,
            loading=VersionsState.deploying,
            disabled=~VersionsState.can_deploy | ~AuthState.can_write,
            title="Make this version the one hooks and schedules run (its image must be built)",
            id="deploy-version",
        ),
        restore_dialog(),
        align="center",
        spacing="2",
        width="100%",
        wrap="wrap",
    )


def restore_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("rotate-ccw", size=14),
                "Restore v",
                VersionsState.from_number,
                id="restore-version",
                disabled=~VersionsState.can_restore,
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Restore v", VersionsState.from_number, "?"),
            rx.alert_dialog.description(
                "This saves a new version with the code, dependencies and secrets of v",
                VersionsState.from_number,
                ". Nothing is lost: the current version stays in the history.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep the current version", variant="soft", color_scheme="gray")),
                rx.button(
                    "Restore", on_click=VersionsState.restore, loading=VersionsState.restoring, id="restore-confirm"
                ),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
            max_width="28rem",
        ),
        open=VersionsState.confirming,
        on_open_change=VersionsState.set_confirming,
    )


def change_item(change) -> rx.Component:
    colour = rx.match(change["kind"], *CHANGE_COLOURS.items(), "gray")
    return rx.vstack(
        rx.hstack(
            rx.badge(change["kind"], color_scheme=colour, variant="soft", size="1"),
            rx.text(change["name"], size="2", weight="medium", font_family=MONO),
            align="center",
            spacing="2",
        ),
        rx.cond(
            change["kind"] == "changed",
            rx.text(change["old"], " → ", change["new"], size="1", color_scheme="gray", font_family=MONO),
        ),
        spacing="1",
        custom_attrs={"data-change": change["kind"]},
    )


def dependency_changes() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text("Dependency changes", size="2", weight="medium", color_scheme="gray"),
            rx.cond(
                VersionsState.changes.length() > 0,
                rx.vstack(rx.foreach(VersionsState.changes, change_item), spacing="3"),
                rx.text("Same dependencies in both versions.", size="2", color_scheme="gray"),
            ),
            spacing="3",
            width="100%",
        ),
        id="dependency-changes",
        width="100%",
    )


def side_column() -> rx.Component:
    """The versions and, under them, the dependency changes of the two compared: beside the diff."""
    return rx.vstack(
        versions_list(), dependency_changes(), spacing="3", width=["100%", "100%", "18rem"], flex_shrink="0"
    )


def comparison() -> rx.Component:
    return rx.vstack(
        compare_bar(),
        rx.box(
            diff_editor(
                original=VersionsState.original,
                modified=VersionsState.modified,
                language=language_of(VersionsState.runtime),
                theme=rx.color_mode_cond("light", "dark"),
                height="60vh",
            ),
            width="100%",
            border=f"1px solid {rx.color('gray', 6)}",
            border_radius="var(--radius-3)",
            overflow="hidden",
        ),
        spacing="3",
        width="100%",
        min_width="0",
    )


def content() -> rx.Component:
    return rx.cond(
        VersionsState.not_found,
        empty_state(
            "file-question",
            "No such script",
            "This script does not exist, or it is not yours.",
            rx.link(rx.button("All scripts", variant="soft"), href="/scripts"),
        ),
        rx.vstack(
            page_header(
                VersionsState.script_name,
                rx.link(
                    rx.button(rx.icon("code", size=14), "Editor", variant="soft", color_scheme="gray"),
                    href="/scripts/" + VersionsState.versions_of,
                    id="back-to-editor",
                ),
                subtitle="Versions: pick one to compare it with the current version, or choose any two",
            ),
            error_callout(VersionsState.error),
            rx.flex(
                side_column(),
                comparison(),
                direction=rx.breakpoints(initial="column", md="row"),
                style={"gap": "1.25rem"},
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
    )


def versions_page() -> rx.Component:
    return app_shell(
        rx.cond(VersionsState.loaded, content(), rx.center(rx.spinner(size="3"), padding_y="6rem")), wide=True
    )


PAGES = [
    Page("/scripts/[script_id]/versions", versions_page, "Versions", [AuthState.require_login, VersionsState.load])
]
