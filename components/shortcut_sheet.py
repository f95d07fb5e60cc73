"""The keyboard-shortcut sheet: `?` opens it on any page behind the login (unless the person is typing).
It lists only keys that work: Runpad's own (components/monaco.jsx SHORTCUTS) and a few of Monaco's."""

from __future__ import annotations

import reflex as rx

from state.shortcuts import ShortcutsState

# (where, [(keys pressed together, what they do)]); tests/unit/test_shortcut_sheet.py holds the editor's
# rows to monaco.jsx, so a shortcut listed here exists there.
SHORTCUTS: list[tuple[str, list[tuple[tuple[str, ...], str]]]] = [
    ("Anywhere", [(("?",), "Show this list"), (("Esc",), "Close it, or any dialog")]),
    (
        "In the script editor",
        [
            (("Ctrl/Cmd", "S"), "Save the script"),
            (("Ctrl/Cmd", "Enter"), "Try out the code as it is now, saved or not"),
        ],
    ),
    (
        "In the code (Monaco's own)",
        [
            (("F1",), "Every editor command, searchable"),
            (("Ctrl/Cmd", "F"), "Find"),
            (("Ctrl/Cmd", "/"), "Comment or uncomment the line"),
            (("Alt", "↑ or ↓"), "Move the line up or down"),
        ],
    ),
]


class QuestionMarkKey(rx.Component):
    """Listens for `?` on the whole page (components/shortcut_keys.jsx); renders nothing."""

    library = rx.asset("shortcut_keys.jsx", shared=True).importable_path
    tag = "QuestionMarkKey"
    # Reflex's own way to declare an event without arguments; mypy reads the call as a bad type
    on_press: rx.EventHandler[rx.event.no_args_event_spec]  # type: ignore[type-arg,valid-type]


def keys(combo: tuple[str, ...]) -> rx.Component:
    parts: list[rx.Component] = []
    for n, key in enumerate(combo):
        if n:
            parts.append(rx.text("+", size="1", color_scheme="gray"))
        parts.append(rx.code(key, variant="outline", size="2", white_space="nowrap"))
    return rx.hstack(*parts, spacing="1", align="center")


def shortcut_list() -> rx.Component:
    """Every group as a two-column list; also on the Help page."""
    return rx.vstack(
        *[
            rx.vstack(
                rx.text(group, size="2", weight="bold"),
                rx.data_list.root(
                    *[
                        rx.data_list.item(
                            rx.data_list.label(keys(combo), min_width="9rem"),
                            rx.data_list.value(rx.text(what, size="2")),
                            align="center",
                        )
                        for combo, what in rows
                    ],
                    orientation="horizontal",
                    size="2",
                ),
                spacing="2",
                width="100%",
            )
            for group, rows in SHORTCUTS
        ],
        spacing="4",
        width="100%",
        id="shortcut-list",
    )


def shortcut_sheet() -> rx.Component:
    return rx.fragment(
        QuestionMarkKey.create(on_press=ShortcutsState.set_open(True)),
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title("Keyboard shortcuts"),
                rx.dialog.description(
                    "Ctrl on Windows and Linux, Cmd on a Mac.", size="2", color_scheme="gray", margin_bottom="1rem"
                ),
                shortcut_list(),
                rx.hstack(
                    rx.link("The user guide", href="/help", size="2", on_click=ShortcutsState.set_open(False)),
                    rx.spacer(),
                    rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray", id="shortcuts-close")),
                    align="center",
                    margin_top="1.25rem",
                    width="100%",
                ),
                max_width="32rem",
                id="shortcut-sheet",
            ),
            open=ShortcutsState.open,
            on_open_change=ShortcutsState.set_open,
        ),
    )


def shortcuts_button(**props) -> rx.Component:
    """A visible way to the sheet, for people who do not know about `?`."""
    return rx.button(
        rx.icon("keyboard", size=14),
        "Shortcuts",
        rx.code("?", variant="outline", size="1"),
        variant="ghost",
        color_scheme="gray",
        size="1",
        on_click=ShortcutsState.set_open(True),
        **props,
    )
