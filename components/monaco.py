"""Monaco, the code editor of VS Code, as Reflex components: the editor and the diff editor.

The React side is components/monaco.jsx, bundled with the app (no CDN)."""

from __future__ import annotations

import reflex as rx

from app.core import runtimes

MONACO_PACKAGES = ["@monaco-editor/react@4.7.0", "monaco-editor@0.52.2"]
_MODULE = rx.asset("monaco.jsx", shared=True).importable_path


# NoSSR: the module is imported in the browser only (React.lazy). Monaco touches `self` and
# `document` as it loads, which would break the build's prerender in Node.
class _Monaco(rx.NoSSRComponent):
    library = _MODULE
    lib_dependencies: list[str] = MONACO_PACKAGES
    language: rx.Var[str]
    theme: rx.Var[str]
    height: rx.Var[str]


class CodeEditor(_Monaco):
    tag = "RunpadEditor"
    initial: rx.Var[str]  # the text at mount; later edits arrive through on_change
    doc_key: rx.Var[str]  # change it to load other text
    read_only: rx.Var[bool]
    editor_id: rx.Var[str]
    file_name: rx.Var[str]  # handler.ts, ...: Monaco's TypeScript worker checks types only in a .ts model
    unsaved: rx.Var[bool]  # leaving the page asks first while it is true
    # Reflex's own way to declare an event that passes a value on; mypy reads the call as a bad type
    on_change: rx.EventHandler[rx.event.passthrough_event_spec(str)]  # type: ignore[type-arg,valid-type]


class DiffEditor(_Monaco):
    tag = "RunpadDiffEditor"
    original: rx.Var[str]
    modified: rx.Var[str]


def language_of(runtime) -> rx.Var:
    """Monaco's language for a runtime (a Var), from the runtime table."""
    return rx.match(
        runtime,
        *[(name, row.editor_language) for name, row in runtimes.RUNTIMES.items()],
        runtimes.DEFAULT.editor_language,
    )


def file_name_of(runtime) -> rx.Var:
    """The handler's file name for a runtime (a Var), from the runtime table."""
    return rx.match(
        runtime,
        *[(name, f"handler{row.file_extension}") for name, row in runtimes.RUNTIMES.items()],
        f"handler{runtimes.DEFAULT.file_extension}",
    )


code_editor = CodeEditor.create
diff_editor = DiffEditor.create
