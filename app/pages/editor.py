"""The editor: a script's code in Monaco with the try-out console under it, and its dependencies,
secrets, trigger and limits in a side panel; save, live dependency build, delete."""

import reflex as rx

from app.core import runtimes
from app.pages import Page
from components.badges import build_badge, runtime_badge
from components.build_panel import build_panel
from components.deps_picker import dependency_picker
from components.layout import app_shell, empty_state
from components.limits_panel import limits_panel
from components.monaco import code_editor, file_name_of, language_of
from components.secret_picker import secret_picker
from components.shortcut_sheet import shortcuts_button
from components.trigger_panel import trigger_panel
from components.tryout_console import tryout_console
from state.auth import AuthState
from state.build import BuildState
from state.draft import DraftState
from state.editor import EditorState
from state.secret_picker import SecretPickerState

SIDE_WIDTH = "380px"
TOP_OFFSET = "5rem"  # the app's top bar and the page padding above the panels


def by_width(narrow: str, wide: str):
    """`narrow` below 1024 px (phones, tablets), `wide` from there on."""
    return rx.breakpoints(initial=narrow, md=wide)


def runtime_picker() -> rx.Component:
    """A select for a new script; a saved script's runtime is fixed, so just its badge."""
    return rx.cond(
        DraftState.script_id == "",
        rx.select.root(
            rx.select.trigger(id="script-runtime", width="9rem"),
            rx.select.content(*[rx.select.item(row.label, value=name) for name, row in runtimes.RUNTIMES.items()]),
            value=DraftState.runtime,
            on_change=EditorState.set_runtime,
        ),
        runtime_badge(DraftState.runtime),
    )


def save_state() -> rx.Component:
    return rx.cond(
        DraftState.script_id == "",
        rx.text("Not saved yet", size="1", color_scheme="gray", id="save-state"),
        rx.cond(
            EditorState.unsaved,
            rx.badge(
                rx.icon("circle-dot", size=12),
                "Unsaved changes",
                color_scheme="amber",
                variant="soft",
                id="unsaved-indicator",
            ),
            rx.text("Version ", EditorState.version, " saved", size="1", color_scheme="gray", id="save-state"),
        ),
    )


def deploy_state() -> rx.Component:
    """Which version hooks and schedules run, and the one being edited; Deploy when it may go live."""
    return rx.cond(
        DraftState.script_id != "",
        rx.hstack(
            rx.tooltip(
                rx.text(EditorState.deploy_state, size="1", color_scheme="gray", id="deploy-state"),
                content=rx.cond(
                    EditorState.deploy_error != "",
                    EditorState.deploy_error,
                    "Hooks and schedules run the live version; a saved version goes live once its build succeeds",
                ),
            ),
            rx.cond(
                EditorState.deployable,
                rx.button(
                    rx.icon("rocket", size=14),
                    "Deploy v",
                    EditorState.version,
                    size="1",
                    variant="soft",
                    on_click=EditorState.deploy,
                    loading=EditorState.deploying,
                    disabled=~AuthState.can_write,
                    id="deploy-version",
                ),
            ),
            spacing="2",
            align="center",
        ),
    )


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("trash-2", size=14),
                "Delete",
                variant="soft",
                color_scheme="red",
                loading=EditorState.deleting,
                disabled=~AuthState.can_write,  # operators read; the server refuses their deletes too
                id="delete-script",
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete \u201c", EditorState.name, "\u201d?"),
            rx.alert_dialog.description(
                "Its versions, runs and logs are deleted too, and its hook URL stops working. This cannot be undone.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Delete", color_scheme="red", on_click=EditorState.delete, id="delete-script-confirm")
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="28rem",
        ),
    )


def saved_links() -> rx.Component:
    base = "/scripts/" + DraftState.script_id
    return rx.cond(
        DraftState.script_id != "",
        rx.hstack(
            rx.link(
                rx.button(rx.icon("list", size=14), "Runs", variant="ghost", color_scheme="gray"),
                href=base + "/runs",
                id="script-runs-link",
            ),
            rx.link(
                rx.button(rx.icon("history", size=14), "Versions", variant="ghost", color_scheme="gray"),
                href=base + "/versions",
                id="script-versions-link",
            ),
            delete_dialog(),
            spacing="2",
            align="center",
        ),
    )


def top_bar() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.icon_button(
                rx.icon("arrow-left", size=16), variant="ghost", color_scheme="gray", aria_label="Back to scripts"
            ),
            href="/scripts",
        ),
        rx.input(
            value=EditorState.name,
            on_change=EditorState.set_name,
            placeholder="Script name",
            id="script-name",
            size="3",
            width="20rem",
            max_length=200,
            aria_label="Script name",
        ),
        runtime_picker(),
        build_badge(BuildState.status, id="script-build-status", custom_attrs={"data-status": BuildState.status}),
        save_state(),
        deploy_state(),
        rx.spacer(),
        saved_links(),
        rx.button(
            rx.icon("save", size=16),
            "Save",
            on_click=EditorState.save,
            loading=EditorState.saving,
            disabled=~AuthState.can_write,  # operators read; the server refuses their saves too
            title=rx.cond(
                AuthState.can_write, "Save (Ctrl/Cmd+S)", "Your role here is operator: you can run, not change"
            ),
            id="save-script",
        ),
        align="center",
        spacing="3",
        width="100%",
        wrap="wrap",
    )


def message_row() -> rx.Component:
    """The save error, or a hint; always this high, so the page below never jumps."""
    return rx.box(
        rx.cond(
            EditorState.error != "",
            rx.hstack(
                rx.callout(
                    EditorState.error, icon="triangle-alert", color_scheme="red", size="1", flex="1", id="editor-error"
                ),
                rx.cond(
                    EditorState.can_save_draft,
                    rx.button(
                        rx.icon("file-pen", size=14),
                        "Save as draft",
                        variant="soft",
                        color_scheme="gray",
                        on_click=EditorState.save_draft,
                        loading=EditorState.saving,
                        id="save-draft",
                    ),
                ),
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.hstack(
                rx.text(
                    "Ctrl/Cmd+S saves · Ctrl/Cmd+Enter runs a try-out with the code as it is now",
                    size="1",
                    color_scheme="gray",
                ),
                shortcuts_button(id="shortcuts-open"),
                align="center",
                spacing="3",
                wrap="wrap",
                padding_top="0.5rem",
            ),
        ),
        min_height="2.75rem",
        width="100%",
        padding_y="0.5rem",
    )


def section(title: str, icon: str, body: rx.Component, id: str) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon(icon, size=16, color=rx.color("gray", 10)), rx.heading(title, size="3"), align="center", spacing="2"
        ),
        body,
        spacing="3",
        width="100%",
        padding="1rem",
        id=id,
        border_bottom=f"1px solid {rx.color('gray', 5)}",
    )


def side_panel() -> rx.Component:
    return rx.box(
        section("Dependencies", "package", dependency_picker(), "section-dependencies"),
        section("Secrets", "key-round", secret_picker(), "section-secrets"),
        section("Trigger", "zap", trigger_panel(), "section-trigger"),
        section("Limits", "gauge", limits_panel(), "section-limits"),
        width=by_width("100%", SIDE_WIDTH),
        flex_shrink="0",
        position=by_width("static", "sticky"),
        top=TOP_OFFSET,
        max_height=by_width("none", f"calc(100vh - {TOP_OFFSET} - 1rem)"),
        overflow_y=by_width("visible", "auto"),
        background_color=rx.color("gray", 1),
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-3)",
        id="editor-side-panel",
    )


def unticked_warning() -> rx.Component:
    """The code reads secrets that are not ticked: the run would not get them."""
    return rx.cond(
        SecretPickerState.unticked_reads.length() > 0,
        rx.callout(
            rx.text(
                "The code reads ",
                rx.foreach(SecretPickerState.unticked_reads, lambda name: rx.code(name, margin_right="0.25rem")),
                "but the secret is not ticked, so the run will not have it: tick it under Secrets.",
            ),
            icon="key-round",
            color_scheme="amber",
            size="1",
            width="100%",
            id="unticked-secrets",
        ),
    )


def main_column() -> rx.Component:
    return rx.vstack(
        rx.box(
            code_editor(
                initial=DraftState.code,
                doc_key=DraftState.doc_key,
                language=language_of(DraftState.runtime),
                file_name=file_name_of(DraftState.runtime),
                theme=rx.color_mode_cond("light", "dark"),
                on_change=DraftState.set_code,
                editor_id="code-editor",
                unsaved=EditorState.unsaved | EditorState.new_unsaved,
                height="60vh",
            ),
            width="100%",
            height="60vh",
            border=f"1px solid {rx.color('gray', 5)}",
            border_radius="var(--radius-3)",
            overflow="hidden",
            background_color=rx.color("gray", 1),
        ),
        unticked_warning(),
        build_panel(),
        tryout_console(),
        spacing="4",
        flex="1",
        min_width="0",
        width="100%",
    )


def not_found() -> rx.Component:
    return rx.box(
        empty_state(
            "file-question",
            "Script not found",
            "There is no script at this address, or it belongs to someone else.",
            rx.link(rx.button(rx.icon("arrow-left", size=14), "Back to scripts", variant="soft"), href="/scripts"),
        ),
        id="script-not-found",
        width="100%",
    )


def editor_page() -> rx.Component:
    return app_shell(
        rx.cond(
            ~EditorState.loaded,
            rx.center(rx.spinner(size="3"), padding_y="6rem"),
            rx.cond(
                EditorState.not_found,
                not_found(),
                rx.vstack(
                    top_bar(),
                    message_row(),
                    # side by side from 1024 px; on a phone or tablet the panels follow the editor
                    rx.flex(
                        main_column(),
                        side_panel(),
                        direction=by_width("column", "row"),
                        align="start",
                        gap="1rem",
                        width="100%",
                    ),
                    spacing="0",
                    width="100%",
                ),
            ),
        ),
        wide=True,
    )


ON_LOAD = [AuthState.require_login, EditorState.load]
PAGES = [
    Page("/scripts/new", editor_page, "New script", ON_LOAD),
    Page("/scripts/[script_id]", editor_page, "Script", ON_LOAD),
]
