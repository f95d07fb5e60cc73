"""New script from an example (app/examples): the editor's new script starts as the example says (name,
runtime, code, packages, secrets, trigger and an event to try it with) and saves as it is; any other
name starts blank. tests/integration/test_examples.py runs each example's code."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from app.services import examples
from app.views import listings, overview
from state.draft import STARTERS, DraftState
from state.editor import EditorState
from state.trigger import TriggerState
from state.tryout import TryoutState
from tests.support.actors import acting
from tests.web.tabs import navigate, sub, tab
from tests.web.test_scripts_ui import new_user, run

SAVED_TRIGGER = {  # what the editor saves for each example's trigger, its defaults filled in
    "echo-hook": {"type": "http", "http_auth": "none"},
    "feed-to-webhook": {"type": "schedule", "cron": "0 * * * *", "interval_seconds": None, "timezone": "UTC"},
    "tidy-records": {"type": "manual"},
}


def new_script_tab(user, query: str):
    root = tab(user, "/scripts/new")
    navigate(root, "/scripts/new", f"/scripts/new{query}")
    asyncio.run(run(EditorState.load, sub(root, EditorState)))
    return root


@pytest.mark.parametrize("example", examples.catalog(), ids=lambda example: example.name)
def test_a_new_script_from_an_example_starts_as_the_example_and_saves(example, memory_queue):
    alice = new_user()
    root = new_script_tab(alice, f"?example={example.name}")
    ed, draft, trigger = sub(root, EditorState), sub(root, DraftState), sub(root, TriggerState)
    assert (ed.name, draft.script_id, draft.runtime, draft.code) == (
        example.script_name,
        "",
        example.runtime,
        example.code,
    )
    assert draft.dependencies == list(example.dependencies) and draft.secret_names == list(example.secrets)
    assert trigger.spec() == SAVED_TRIGGER[example.name] and trigger.schedule_error == ""
    assert json.loads(sub(root, TryoutState).event_text) == example.event

    asyncio.run(run(EditorState.save, ed))
    assert ed.error == ""
    [row] = overview.script_rows(acting(alice))
    assert (row.name, row.runtime, row.trigger_type) == (example.script_name, example.runtime, example.trigger["type"])
    _, version, _ = listings.script_view(acting(alice), uuid.UUID(row.id))
    assert (version.code, version.dependencies, version.secrets) == (
        example.code,
        list(example.dependencies),
        list(example.secrets),
    )


def test_an_unknown_example_starts_a_blank_script():
    root = new_script_tab(new_user(), "?example=no-such-thing")
    ed, draft = sub(root, EditorState), sub(root, DraftState)
    assert (ed.name, draft.runtime, draft.code, draft.dependencies) == ("", "node", STARTERS["node"], [])
    assert sub(root, TriggerState).trigger_type == "manual" and sub(root, TryoutState).event_text == "{}"
