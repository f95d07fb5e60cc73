"""The dependency picker for the editor's side panel: type a package name, pick a suggested version or
type one, choose how to pin it, add it; the list of the draft's packages with remove buttons."""

from __future__ import annotations

import reflex as rx

from app.core import runtimes
from state.deps import DepsState
from state.draft import DraftState

MONO = "var(--code-font-family)"


def by_runtime(pick) -> rx.Var:
    """A Var that is pick(row) for the draft's runtime, for each row of the runtime table."""
    return rx.match(
        DepsState.runtime, *[(name, pick(row)) for name, row in runtimes.RUNTIMES.items()], pick(runtimes.DEFAULT)
    )


def pin_select(row: runtimes.RuntimeRow) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(width="100%", aria_label="How to pin the version", id="dep-pin"),
        rx.select.content(*[rx.select.item(label, value=mode) for mode, _, label in row.pin_modes]),
        value=DepsState.pin_mode,
        on_change=DepsState.set_mode,
        size="2",
        name="dep_pin",
    )


def versions_select() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder="Versions", aria_label="Suggested versions", width="7rem", id="dep-version-pick"),
        rx.select.content(
            rx.foreach(
                DepsState.versions,
                lambda v: rx.select.item(rx.cond(v == DepsState.latest, v + "  (latest)", v), value=v),
            ),
        ),
        value="",  # always shows "Versions": the picked one goes into the version field
        on_change=DepsState.pick_version,
        disabled=DepsState.versions.length() == 0,
        size="2",
        name="dep_version_pick",
    )


def field_note(message, color: str = "red") -> rx.Component:
    """One line under a field, always taking its height so the form does not jump."""
    return rx.text(
        message, size="1", color_scheme=color, min_height="1.25rem", line_height="1.25rem", overflow_wrap="anywhere"
    )


def lookup_note() -> rx.Component:
    return rx.cond(
        DepsState.add_error != "",
        field_note(DepsState.add_error),
        rx.cond(
            DepsState.looking_up,
            rx.hstack(
                rx.spinner(size="1"),
                rx.text("Looking up versions…", size="1", color_scheme="gray"),
                align="center",
                spacing="2",
                min_height="1.25rem",
            ),
            rx.cond(
                DepsState.lookup_error != "",
                field_note(DepsState.lookup_error, "amber"),
                rx.cond(
                    DepsState.preview != "",
                    rx.text(
                        "Adds ",
                        rx.code(DepsState.preview, variant="ghost", font_family=MONO),
                        size="1",
                        color_scheme="gray",
                        min_height="1.25rem",
                        line_height="1.25rem",
                        overflow_wrap="anywhere",
                    ),
                    field_note("", "gray"),
                ),
            ),
        ),
    )


def add_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.input(
                placeholder=by_runtime(lambda row: f"Package, e.g. {row.package_example}"),
                name="dep_name",
                value=DepsState.name,
                on_change=DepsState.set_name,
                id="dep-name",
                aria_label="Package name",
                font_family=MONO,
                width="100%",
                auto_complete="off",
                spell_check=False,
                color_scheme=rx.cond(DepsState.name_error != "", "red", "accent"),
            ),
            rx.cond(DepsState.name_error != "", field_note(DepsState.name_error)),
            rx.hstack(
                rx.input(
                    placeholder=by_runtime(lambda row: f"Version or range, e.g. {row.version_example}"),
                    name="dep_version",
                    value=DepsState.version,
                    on_change=DepsState.set_version,
                    id="dep-version",
                    aria_label="Version or range",
                    font_family=MONO,
                    flex="1",
                    min_width="0",
                    auto_complete="off",
                    spell_check=False,
                ),
                versions_select(),
                spacing="2",
                width="100%",
            ),
            rx.hstack(
                rx.box(by_runtime(pin_select), flex="1"),
                rx.button(rx.icon("plus", size=14), "Add", type="submit", id="dep-add"),
                spacing="2",
                width="100%",
            ),
            lookup_note(),
            spacing="2",
            width="100%",
        ),
        on_submit=DepsState.submit,
        reset_on_submit=False,
        width="100%",
    )


# a package's row, declared or detected
ROW_LOOK = {
    "align": "center",
    "spacing": "3",
    "width": "100%",
    "padding_x": "0.5rem",
    "padding_y": "0.4rem",
    "border_radius": "var(--radius-2)",
    "_hover": {"background_color": rx.color("gray", 3)},
}


def dep_row(row: dict) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(row["label"], size="2", weight="medium", font_family=MONO, overflow_wrap="anywhere"),
            rx.text(row["version"], size="1", color_scheme="gray", font_family=MONO, overflow_wrap="anywhere"),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.badge(row["kind"], color_scheme=rx.cond(row["kind"] == "pinned", "green", "blue"), variant="soft", size="1"),
        rx.icon_button(
            rx.icon("x", size=14),
            on_click=DepsState.remove(row["spec"]),
            variant="ghost",
            color_scheme="gray",
            size="1",
            aria_label="Remove " + row["name"],
            type="button",
        ),
        class_name="dep-item",
        data_dep=row["spec"],
        **ROW_LOOK,
    )


def detected_row(row: dict) -> rx.Component:
    """A package the code imports without declaring it: installed at its pinned version; Pin declares it."""
    return rx.hstack(
        rx.vstack(
            rx.text(row["label"], size="2", weight="medium", font_family=MONO, overflow_wrap="anywhere"),
            rx.text(row["version"], size="1", color_scheme="gray", font_family=MONO, overflow_wrap="anywhere"),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.tooltip(
            rx.badge("detected", color_scheme="amber", variant="soft", size="1"),
            content="Imported by the code but not declared: installed at this version",
        ),
        rx.button(
            rx.icon("pin", size=12),
            "Pin",
            on_click=DepsState.pin(row["spec"]),
            variant="soft",
            size="1",
            aria_label="Pin " + row["name"],
            type="button",
            class_name="dep-pin",
        ),
        class_name="dep-item dep-detected",
        data_dep=row["spec"],
        **ROW_LOOK,
    )


def dep_list() -> rx.Component:
    return rx.box(
        rx.cond(
            (DepsState.rows.length() > 0) | (DepsState.detected_rows.length() > 0),
            rx.vstack(
                rx.foreach(DepsState.rows, dep_row),
                rx.foreach(DepsState.detected_rows, detected_row),
                spacing="1",
                width="100%",
            ),
            rx.text(
                "No packages yet. Only the standard library is available to the handler.",
                size="1",
                color_scheme="gray",
                padding="0.5rem",
            ),
        ),
        id="dep-list",
        width="100%",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-3)",
        padding="0.25rem",
        background_color=rx.color("gray", 1),
    )


def dependency_picker() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Packages", size="2", weight="bold"),
            rx.badge(DraftState.dependencies.length(), variant="surface", color_scheme="gray", size="1"),
            rx.spacer(),
            rx.text(by_runtime(lambda row: f"from {row.ecosystem}"), size="1", color_scheme="gray"),
            align="center",
            width="100%",
        ),
        add_form(),
        dep_list(),
        spacing="2",
        width="100%",
        id="dependency-picker",
    )
