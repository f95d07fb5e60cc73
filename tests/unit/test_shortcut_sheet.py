"""The keyboard-shortcut sheet lists only keys that work: Runpad's editor shortcuts are exactly the ones
components/monaco.jsx handles, and `?` is ignored while the person types."""

from __future__ import annotations

import re
from pathlib import Path

from components.shortcut_sheet import SHORTCUTS

COMPONENTS = Path(__file__).resolve().parents[2] / "components"


def test_the_editor_rows_are_the_keys_monaco_jsx_handles():
    source = (COMPONENTS / "monaco.jsx").read_text()
    (table,) = re.findall(r"const SHORTCUTS = \{([^}]*)\}", source)
    handled = {key for key, _ in re.findall(r"(\w+): \"([\w-]+)\"", table)}
    assert "if (!(e.ctrlKey || e.metaKey)) return;" in source  # with Ctrl (or Cmd on a Mac) only
    editor_rows = dict(SHORTCUTS)["In the script editor"]
    assert all(combo[0] == "Ctrl/Cmd" for combo, _ in editor_rows)
    assert {combo[-1].lower() if len(combo[-1]) == 1 else combo[-1] for combo, _ in editor_rows} == handled


def test_the_question_mark_is_a_character_while_typing():
    source = (COMPONENTS / "shortcut_keys.jsx").read_text()
    assert 'e.key !== "?"' in source
    assert "INPUT|TEXTAREA|SELECT" in source and "isContentEditable" in source and ".monaco-editor" in source
