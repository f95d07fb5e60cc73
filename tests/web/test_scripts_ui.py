"""The scripts list and the editor without a browser: the services they call (list rows, schedule
preview, changes to save, following a build) and what their Reflex states do, against the real
PostgreSQL and Redis. No Docker Engine: scripts.create hashes with the base catalog workers publish."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.core.db import session
from app.models import Build, BuildStatus
from app.services import builds, logs, scripts, users
from app.services.follow import Line
from app.views import build_log, editor, overview
from app.views.run_views import LogRow
from state.build import BuildState
from state.draft import STARTERS, DraftState
from state.editor import EditorState
from state.limits import LimitsState
from state.scripts import ScriptsState
from state.trigger import TriggerState
from state.tryout import TryoutState
from tests.support.actors import acting
from tests.support.runs import add_run
from tests.web.tabs import navigate, sub, tab

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def new_user() -> uuid.UUID:
    return users.create(f"ui-{uuid.uuid4().hex[:10]}@example.com", "a long enough password").id


# ---- the list's rows ---------------------------------------------------------------------------


def test_rows_show_trigger_last_run_and_next_run_of_own_scripts_only():
    alice, bob = new_user(), new_user()
    manual = scripts.create(acting(alice), "manual one", "node", STARTERS["node"])
    scripts.create(
        acting(alice),
        "every five",
        "python",
        STARTERS["python"],
        trigger={"type": "schedule", "interval_seconds": 300},
    )
    hook = scripts.create(acting(alice), "hooked", "node", STARTERS["node"], trigger={"type": "http"})
    scripts.create(acting(bob), "bob's", "node", STARTERS["node"])
    add_run(manual, "failed", queued_at=NOW - timedelta(hours=3))
    add_run(
        manual, "succeeded", queued_at=NOW - timedelta(minutes=3, seconds=20), finished_at=NOW - timedelta(minutes=3)
    )

    rows = {row.name: row for row in overview.script_rows(acting(alice), now=NOW)}

    assert set(rows) == {"manual one", "every five", "hooked"}
    assert (rows["manual one"].trigger_text, rows["manual one"].last_run_status, rows["manual one"].last_run_ago) == (
        "Manual",
        "succeeded",
        "3 min ago",
    )
    assert rows["every five"].trigger_text == "Every 5 minutes" and rows["every five"].last_run_status == ""
    # next_run_at is counted from the save (real time), so only its shape is fixed here
    assert overview.script_rows(acting(alice))[1].next_run_in in ("in 4 min", "in 5 min")
    assert rows["hooked"].hook_url.endswith(f"/hooks/{scripts.get(acting(alice), hook.script.id).hook_token}")
    assert rows["hooked"].trigger_text == rows["hooked"].hook_url and rows["hooked"].next_run_in == ""
    assert rows["manual one"].build_status in overview.BUILD_LABELS.values()


def test_paused_schedule_has_no_next_run():
    alice = new_user()
    scripts.create(
        acting(alice),
        "paused",
        "node",
        STARTERS["node"],
        enabled=False,
        trigger={"type": "schedule", "cron": "*/5 * * * *"},
    )
    (row,) = overview.script_rows(acting(alice))
    assert row.next_run_in == "" and row.trigger_text == "Every 5 minutes" and not row.enabled


def test_relative_times():
    assert overview.ago(NOW - timedelta(seconds=2), NOW) == "just now"
    assert overview.ago(NOW - timedelta(seconds=40), NOW) == "40 s ago"
    assert overview.ago(NOW - timedelta(hours=2, minutes=5), NOW) == "2 h ago"
    assert overview.ago(NOW - timedelta(days=3), NOW) == "3 days ago"
    assert overview.until(NOW + timedelta(minutes=7), NOW) == "in 7 min"
    assert overview.until(NOW - timedelta(seconds=3), NOW) == "due now"


# ---- the editor's services ---------------------------------------------------------------------


def test_preview_describes_and_lists_next_ticks_in_the_timezone():
    shown = editor.preview("cron", "30 9 * * 1-5", "", "Europe/Paris", now=NOW)  # a Monday, 13:00 in Paris
    assert shown.error == "" and shown.description == "At 09:30 AM, Monday through Friday"
    assert shown.times == [
        "Tue 3 Mar 2026, 09:30:00 CET",
        "Wed 4 Mar 2026, 09:30:00 CET",
        "Thu 5 Mar 2026, 09:30:00 CET",
        "Fri 6 Mar 2026, 09:30:00 CET",
        "Mon 9 Mar 2026, 09:30:00 CET",
    ]
    assert editor.preview("interval", "", "900", "UTC", now=NOW).description == "Every 15 minutes"


@pytest.mark.parametrize(
    ("kind", "cron", "interval", "tz", "needle"),
    [
        ("cron", "61 * * * *", "", "UTC", "the minute field '61' is out of range 0-59"),
        ("cron", "* * *", "", "UTC", "has 3 fields"),
        ("cron", "0 0 30 2 *", "", "UTC", "never fires"),
        ("cron", "   ", "", "UTC", "type a cron expression"),
        ("cron", "0 * * * *", "", "Mars/Olympus", "unknown timezone"),
        ("interval", "", "ten", "UTC", "whole number of seconds"),
        ("interval", "", "0", "UTC", "whole number of seconds"),
    ],
)
def test_preview_flags_what_cannot_be_saved(kind, cron, interval, tz, needle):
    shown = editor.preview(kind, cron, interval, tz)
    assert needle in shown.error and shown.times == [] and shown.description == ""
    with pytest.raises(editor.schedules.ScheduleError):
        editor.schedule_trigger(kind, cron, interval, tz)


def test_changes_leave_out_an_unchanged_trigger_so_an_interval_keeps_its_next_tick():
    alice = new_user()
    saved = scripts.create(
        acting(alice), "tick", "node", STARTERS["node"], trigger={"type": "schedule", "interval_seconds": 3600}
    )
    loaded = editor.load(acting(alice), saved.script.id)
    before = loaded.fields
    after = editor.Fields(**{**dataclasses.asdict(before), "code": before.code + "\n// edited\n"})
    assert editor.changes(before, after) == {"code": after.code}
    next_before = scripts.get(acting(alice), saved.script.id).next_run_at
    time.sleep(1.1)
    result = editor.update(acting(alice), saved.script.id, before, after)
    assert result.version.number == 2 and scripts.get(acting(alice), saved.script.id).next_run_at == next_before


def test_load_refuses_another_users_script():
    alice, bob = new_user(), new_user()
    saved = scripts.create(acting(alice), "mine", "node", STARTERS["node"])
    with pytest.raises(scripts.NotFound):
        editor.load(acting(bob), saved.script.id)
    assert editor.load(acting(alice), saved.script.id).fields.name == "mine"


def test_save_refuses_nul_in_code():
    with pytest.raises(scripts.ScriptError, match="NUL"):
        editor.create(
            acting(new_user()), "node", editor.Fields("x", "a\x00b", [], [], {"type": "manual"}, 30, 256, True, True)
        )


# ---- following a build -------------------------------------------------------------------------


def _build_row(status: str = BuildStatus.queued) -> uuid.UUID:
    with session() as s:
        build = Build(deps_hash=uuid.uuid4().hex, runtime="node", base_image="x", base_digest="x", status=status)
        s.add(build)
        s.commit()
        return build.id


async def _collect(build_id: uuid.UUID, max_seconds: float = 20) -> list:
    return [item async for item in build_log.follow_build(build_id, max_seconds)]


def test_follow_build_streams_stored_and_live_lines_then_the_end():
    build_id = _build_row()
    sink = logs.LogSink("build", build_id)
    sink.write("stdout", "before following")
    sink.flush()

    def worker():
        time.sleep(0.8)
        builds.claim(build_id, "test-worker")
        # the follower re-reads the row at most every CHECK_SECONDS, between ticks: a status held
        # longer than both is seen (a shorter one may not be, which the follower does not promise)
        time.sleep(build_log.CHECK_SECONDS + build_log.TICK_SECONDS + 0.1)
        for i in range(3):
            sink.write("stdout", f"installing {i}")
            time.sleep(0.1)
        sink.write("stderr", "npm warn something")
        sink.flush()
        builds.finish(build_id, error="npm exited with 1")

    thread = threading.Thread(target=worker)
    thread.start()
    items = asyncio.run(_collect(build_id))
    thread.join()

    lines = [item.line for item in items if isinstance(item, Line)]
    statuses = [item.status for item in items if isinstance(item, build_log.Status)]
    assert lines == ["before following", "installing 0", "installing 1", "installing 2", "npm warn something"]
    assert statuses[0] == "queued" and "building" in statuses
    assert items[-1] == build_log.Ended("failed", "npm exited with 1")


def test_follow_build_of_a_finished_build_ends_at_once():
    build_id = _build_row(BuildStatus.ready)
    items = asyncio.run(_collect(build_id))
    assert items == [build_log.Status("succeeded"), build_log.Ended("succeeded", "")]


# ---- the states --------------------------------------------------------------------------------


async def run(handler, state, *args) -> list:
    """Calls an event handler the way Reflex does and returns what it returned or yielded."""
    result = handler.fn(state, *args)
    if hasattr(result, "__aiter__"):
        return [item async for item in result]
    if asyncio.iscoroutine(result):
        result = await result
    return [result]


def test_scripts_state_lists_own_rows_and_filters_by_name():
    alice = new_user()
    for name in ("Nightly report", "Stripe hook", "nightly cleanup"):
        scripts.create(acting(alice), name, "node", STARTERS["node"])
    scripts.create(acting(new_user()), "Nightly of someone else", "node", STARTERS["node"])
    root = tab(alice, "/scripts")
    state = sub(root, ScriptsState)
    asyncio.run(run(ScriptsState.load, state))
    assert state.loaded and {row["name"] for row in state.rows} == {"Nightly report", "Stripe hook", "nightly cleanup"}
    ScriptsState.set_search.fn(state, "  NIGHTLY ")
    assert sorted(row["name"] for row in state.shown) == ["Nightly report", "nightly cleanup"]
    ScriptsState.set_search.fn(state, "zzz")
    assert state.shown == []


def test_new_script_starts_from_default_limits_and_swaps_an_untouched_starter():
    root = tab(new_user(), "/scripts/new")
    ed, draft = sub(root, EditorState), sub(root, DraftState)

    async def go():
        await run(EditorState.load, ed)
        assert (draft.script_id, draft.runtime, draft.code) == ("", "node", STARTERS["node"])
        assert sub(root, LimitsState).timeout_text == str(draft.timeout_seconds)
        await run(EditorState.set_runtime, ed, "typescript")
        assert draft.code == STARTERS["typescript"] and "interface Context" in draft.code
        await run(EditorState.set_runtime, ed, "python")
        assert draft.code == STARTERS["python"]
        DraftState.set_code.fn(draft, "print('mine')")
        await run(EditorState.set_runtime, ed, "node")
        assert (draft.runtime, draft.code) == ("node", "print('mine')")  # edited code is never thrown away

    asyncio.run(go())


def test_save_refuses_a_bad_schedule_and_keeps_the_draft():
    alice = new_user()
    root = tab(alice, "/scripts/new")
    ed, trigger, draft = sub(root, EditorState), sub(root, TriggerState), sub(root, DraftState)

    async def go():
        await run(EditorState.load, ed)
        EditorState.set_name.fn(ed, "bad schedule")
        DraftState.set_code.fn(draft, "export default async () => 1;\n")
        TriggerState.set_trigger_type.fn(trigger, "schedule")
        TriggerState.set_cron.fn(trigger, "61 * * * *")
        assert "the minute field '61' is out of range" in trigger.schedule_error and trigger.next_times == []
        await run(EditorState.save, ed)

    asyncio.run(go())
    assert ed.error == "The schedule cannot be saved: cron '61 * * * *': the minute field '61' is out of range 0-59"
    assert draft.code == "export default async () => 1;\n" and overview.script_rows(acting(alice)) == []


def test_limits_typed_out_of_range_are_flagged_and_block_save():
    alice = new_user()
    root = tab(alice, "/scripts/new")
    ed, limits, draft = sub(root, EditorState), sub(root, LimitsState), sub(root, DraftState)

    async def go():
        await run(EditorState.load, ed)
        await run(LimitsState.set_timeout, limits, "45")
        assert draft.timeout_seconds == 45 and limits.error == ""
        await run(LimitsState.set_memory, limits, "99999")
        assert "from 64 to 4096" in limits.memory_error
        EditorState.set_name.fn(ed, "limits")
        await run(EditorState.save, ed)

    asyncio.run(go())
    assert "from 64 to 4096" in ed.error and overview.script_rows(acting(alice)) == []


def test_save_creates_then_updates_with_a_hook_secret_shown_once():
    alice = new_user()
    root = tab(alice, "/scripts/new")
    ed, trigger, draft = sub(root, EditorState), sub(root, TriggerState), sub(root, DraftState)

    async def create():
        await run(EditorState.load, ed)
        EditorState.set_name.fn(ed, "  Stripe hook ")
        TriggerState.set_trigger_type.fn(trigger, "http")
        TriggerState.set_http_auth.fn(trigger, "bearer")
        return await run(EditorState.save, ed)

    events = asyncio.run(create())
    ((row,),) = [overview.script_rows(acting(alice))]
    assert ed.error == "" and row.name == "Stripe hook" and row.trigger_type == "http"
    assert any(f"/scripts/{row.id}" in str(event) for event in events)  # the redirect to the saved script
    secret = trigger.hook_secret
    assert secret and scripts.hook_secret_of(scripts.get(acting(alice), uuid.UUID(row.id))) == secret

    # the redirect's on_load: the secret stays for this script, and nothing is unsaved
    navigate(root, "/scripts/[script_id]", f"/scripts/{row.id}")

    async def reload_and_edit():
        await run(EditorState.load, ed)
        assert draft.script_id == row.id and trigger.hook_secret == secret and trigger.hook_url == row.hook_url
        assert not await ed.unsaved
        DraftState.set_code.fn(draft, draft.code + "// more\n")
        assert await ed.unsaved
        await run(EditorState.save, ed)
        assert not await ed.unsaved and trigger.hook_secret == secret  # still this visit
        await run(EditorState.load, ed)  # coming back later: the secret is never shown again

    asyncio.run(reload_and_edit())
    assert ed.error == "" and ed.version == 2 and trigger.hook_secret == ""
    assert editor.load(acting(alice), uuid.UUID(row.id)).fields.code.endswith("// more\n")


def test_another_users_script_is_not_found():
    saved = scripts.create(acting(new_user()), "private", "node", "export default async () => 'private';\n")
    root = tab(new_user(), f"/scripts/{saved.script.id}")
    ed, draft = sub(root, EditorState), sub(root, DraftState)
    asyncio.run(run(EditorState.load, ed))
    assert ed.not_found and draft.script_id == "" and "private" not in draft.code
    root = tab(new_user(), "/scripts/not-a-uuid")
    asyncio.run(run(EditorState.load, sub(root, EditorState)))
    assert sub(root, EditorState).not_found


def test_delete_removes_the_script():
    alice = new_user()
    saved = scripts.create(acting(alice), "doomed", "node", STARTERS["node"])
    root = tab(alice, f"/scripts/{saved.script.id}")
    ed = sub(root, EditorState)
    asyncio.run(run(EditorState.load, ed))
    asyncio.run(run(EditorState.delete, ed))
    with pytest.raises(scripts.NotFound):
        scripts.get(acting(alice), saved.script.id)


def test_build_state_takes_batches_and_the_end():
    root = tab(new_user(), "/scripts/new")
    state = sub(root, BuildState)
    assert state.show("b1", "queued", "")
    state.take([{"stream": "stdout", "line": "a"}], build_log.Status("building"))
    state.take([{"stream": "stderr", "line": "b"}], build_log.Ended("failed", "npm exited with 1"))
    assert [line["line"] for line in state.lines] == ["a", "b"]
    assert (state.status, state.error, state.following) == ("failed", "npm exited with 1", False)
    assert not state.show("b2", "succeeded", "") and state.lines == []


def test_the_try_out_starts_empty_for_another_script():
    alice = new_user()
    node = scripts.create(acting(alice), "node one", "node", STARTERS["node"])
    python = scripts.create(acting(alice), "python one", "python", STARTERS["python"])
    root = tab(alice, f"/scripts/{node.script.id}")
    ed, tryout = sub(root, EditorState), sub(root, TryoutState)
    asyncio.run(run(EditorState.load, ed))
    tryout.event_text, tryout.status, tryout.result = '{"from": "node"}', "succeeded", '"node result"'
    tryout.rows = [LogRow(1, "12:00:00.000", "", "stdout")]

    asyncio.run(run(EditorState.load, ed))  # the same script again (after a save, say): kept
    assert tryout.event_text == '{"from": "node"}' and tryout.result == '"node result"'

    navigate(root, f"/scripts/{python.script.id}")
    asyncio.run(run(EditorState.load, ed))
    assert (tryout.event_text, tryout.status, tryout.result, tryout.rows) == ("{}", "", "", [])

    tryout.result = '"python result"'
    navigate(root, "/scripts/new")
    asyncio.run(run(EditorState.load, ed))
    assert tryout.result == "" and tryout.event_text == "{}"
