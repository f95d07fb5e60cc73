"""The pieces of a settings card, shared by the installation's Settings page and the Workspace page: a
titled card, labelled fields in a grid, write-only credential inputs, a section's message line, and
the Infisical connection form both pages show.

infisical_form works with any state that has the vars infisical (the plain fields), infisical_configured,
infisical_secret_set, busy, messages, failed and revision, and the events save_infisical,
disconnect_infisical and test_infisical (state/settings.py, state/workspace_settings.py)."""

from __future__ import annotations

import reflex as rx

MONO = "var(--code-font-family)"


def section(title: str, description, *children: rx.Component, badge: rx.Component | None = None) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(title, size="4"), badge or rx.fragment(), align="center", spacing="3"),
            rx.text(description, size="2", color_scheme="gray"),
            rx.separator(size="4", margin_y="0.25rem"),
            *children,
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def field(label: str, control: rx.Component, hint: str | rx.Var | None = None) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        control,
        rx.text(hint, size="1", color_scheme="gray") if hint is not None else rx.fragment(),
        spacing="1",
        width="100%",
    )


def grid(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%")


def text_input(
    name: str, id_: str, value, placeholder: str = "", mono: bool = False, disabled=False, **props
) -> rx.Component:
    return rx.input(
        name=name,
        id=id_,
        default_value=value,
        placeholder=placeholder,
        width="100%",
        disabled=disabled,
        font_family=MONO if mono else None,
        auto_complete="off",
        **props,
    )


def secret_input(name: str, id_: str, is_set, disabled=False) -> rx.Component:
    """A write-only credential: empty keeps the stored one."""
    return rx.input(
        name=name,
        id=id_,
        type="password",
        width="100%",
        disabled=disabled,
        auto_complete="new-password",
        placeholder=rx.cond(is_set, "set (leave empty to keep it)", "not set"),
    )


def status_badge(on, on_text: str, off_text: str) -> rx.Component:
    return rx.cond(on, rx.badge(on_text, color_scheme="green"), rx.badge(off_text, color_scheme="gray"))


def message(state, section_key: str, id_: str) -> rx.Component:
    """The section's "Saved" or error line; its height is kept so buttons do not move."""
    return rx.text(
        state.messages.get(section_key, ""),
        id=id_,
        size="2",
        min_height="1.5rem",
        overflow_wrap="anywhere",
        color_scheme=rx.cond(state.failed.get(section_key, False), "red", "green"),
    )


def actions(editable, *buttons: rx.Component) -> rx.Component:
    return rx.cond(editable, rx.hstack(*buttons, spacing="3", wrap="wrap"))


def infisical_form(state, editable, can_test) -> list[rx.Component]:
    """The connection's fields with Save and Disconnect, then Test connection and its result.
    editable: whether the viewer may change it; can_test: whether there is a connection to test."""
    return [_infisical_fields(state, editable), _test_row(state, can_test)]


def _infisical_fields(state, editable) -> rx.Component:
    read_only = ~editable

    def entry(name: str, placeholder: str = "", mono: bool = True) -> rx.Component:
        id_ = "infisical-" + name.replace("_", "-")  # infisical-site-url, ...: what the e2e tests fill in
        return text_input(name, id_, state.infisical[name], placeholder, mono, read_only)

    return rx.form(
        rx.vstack(
            grid(
                field("Site URL", entry("site_url", "https://app.infisical.com", mono=False)),
                field("Secret path", entry("secret_path", "/")),
                field("Client id", entry("client_id"), "A machine identity with Universal Auth."),
                field(
                    "Client secret",
                    secret_input("client_secret", "infisical-client-secret", state.infisical_secret_set, read_only),
                    "Write-only.",
                ),
                field("Project id", entry("project_id")),
                field("Environment", entry("environment", "prod")),
            ),
            actions(
                editable,
                rx.button("Save", type="submit", id="infisical-save", loading=state.busy == "infisical"),
                rx.button(
                    "Disconnect",
                    type="button",
                    variant="soft",
                    color_scheme="red",
                    id="infisical-disconnect",
                    on_click=state.disconnect_infisical,
                    disabled=~state.infisical_configured,
                ),
            ),
            message(state, "infisical", "infisical-message"),
            spacing="4",
            width="100%",
        ),
        on_submit=state.save_infisical,
        key=state.revision.to_string() + "-infisical",
    )


def _test_row(state, can_test) -> rx.Component:
    return check_row(
        rx.button(
            rx.icon("plug-zap", size=14),
            "Test connection",
            type="button",
            variant="surface",
            id="infisical-test",
            on_click=state.test_infisical,
            loading=state.busy == "infisical-test",
            disabled=~can_test,
        ),
        state.messages.get("infisical-test", ""),
        "infisical-result",
        rx.cond(state.failed.get("infisical-test", False), "red", "green"),
    )


def check_row(button: rx.Component, result, result_id: str, color) -> rx.Component:
    """A button that checks something, with what it found beside it (a long result wraps)."""
    return rx.hstack(
        button,
        rx.text(result, id=result_id, size="2", overflow_wrap="anywhere", flex="1", color_scheme=color),
        align="center",
        spacing="3",
        width="100%",
        min_height="2rem",
    )
