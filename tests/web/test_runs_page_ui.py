"""The Runs page, the run page's event and Run again, Run now's event, and a script's turned-away hook
calls, through their Reflex states without a browser, against the real PostgreSQL and Redis; started runs
stay queued in memory (no worker)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import redis

from app.core import redis as runpad_redis
from app.models import RunStatus, Trigger
from app.services import failures, launch, runs
from app.views import run_views
from state.all_runs import PAGE_SIZE, AllRunsState
from state.run import RunState
from state.runs import TURNED_AWAY_UNAVAILABLE, RunsState
from tests.integration.infisical_server import closed_port_url
from tests.support.actors import acting, new_user
from tests.support.runs import add_run
from tests.support.scripts import unbuilt_script
from tests.web.tabs import navigate, sub, tab
from tests.web.test_scripts_ui import run
from tests.web.test_session_checks import redirect_target

NODE = "export default (event) => event.body;"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
HOOK_EVENT = {
    "trigger": "http",
    "method": "POST",
    "headers": {"content-type": "application/json", "authorization": "Bearer page-s3cret", "x-note": "kept"},
    "body": {"n": 1},
}


def script_of(user, name: str):
    return unbuilt_script(acting(user), name, "node", NODE)


def runs_page(user, query: str = ""):
    root = tab(user.id, "/runs")
    navigate(root, "/runs", f"/runs{query}")
    state = sub(root, AllRunsState)
    asyncio.run(run(AllRunsState.load, state))
    return state


def shown(state) -> list[str]:
    return [row.id for row in state.rows]


def test_the_runs_page_lists_every_script_s_runs_and_filters_them():
    owner = new_user("runs-page")
    hook, nightly = script_of(owner, "hook"), script_of(owner, "nightly")
    ok = add_run(hook, RunStatus.succeeded, Trigger.http, T0)
    broken = add_run(hook, RunStatus.failed, Trigger.http, T0 + timedelta(minutes=1))
    tick = add_run(nightly, RunStatus.succeeded, Trigger.schedule, T0 + timedelta(minutes=2))
    state = runs_page(owner)
    assert shown(state) == [str(tick.id), str(broken.id), str(ok.id)]
    assert [row.script for row in state.rows] == ["nightly", "hook", "hook"]
    assert state.rows[0].started_exact == "2026-11-01 12:02:00 UTC"
    assert {s["name"] for s in state.scripts} == {"hook", "nightly"} and state.older == state.newer == ""

    asyncio.run(run(AllRunsState.filter_by, state, "status", "failed"))
    assert shown(state) == [str(broken.id)]
    asyncio.run(run(AllRunsState.filter_by, state, "status", "any"))
    asyncio.run(run(AllRunsState.filter_by, state, "script", str(hook.script.id)))
    assert shown(state) == [str(broken.id), str(ok.id)]
    asyncio.run(run(AllRunsState.filter_by, state, "until", "2026-11-01T12:01"))
    assert shown(state) == [str(ok.id)]
    asyncio.run(run(AllRunsState.filter_by, state, "since", "not a time"))
    assert state.rows == [] and "since" in state.error
    asyncio.run(run(AllRunsState.clear_filters, state))
    assert len(state.rows) == 3 and state.error == ""
    # a link presets the filters: a script's Filter button, or one shared
    preset = runs_page(owner, f"?script={nightly.script.id}&trigger=schedule")
    assert shown(preset) == [str(tick.id)] and preset.trigger == "schedule"


def test_the_runs_page_goes_older_and_newer():
    owner = new_user("runs-pages")
    saved = script_of(owner, "busy")
    made = [add_run(saved, queued_at=T0 + timedelta(seconds=i)) for i in range(PAGE_SIZE + 3)]
    state = runs_page(owner)
    first = shown(state)
    assert first == [str(r.id) for r in reversed(made)][:PAGE_SIZE] and state.newer == "" and state.older
    asyncio.run(run(AllRunsState.show_older, state))
    assert shown(state) == [str(r.id) for r in reversed(made[:3])] and state.older == "" and state.newer
    asyncio.run(run(AllRunsState.show_newer, state))
    assert shown(state) == first and state.newer == ""
    state.older = "forged"  # a tab's vars are the browser's: a cursor not given out is refused, showing nothing
    asyncio.run(run(AllRunsState.show_older, state))
    assert state.rows == [] and "cursor" in state.error


def test_the_run_page_shows_the_event_without_credentials_and_runs_it_again(memory_queue):
    owner = new_user("run-again")
    earlier = add_run(script_of(owner, "hook"), RunStatus.failed, Trigger.http, event=HOOK_EVENT)
    root = tab(owner.id, f"/runs/{earlier.id}")
    page = sub(root, RunState)
    asyncio.run(run(RunState.load, page))
    assert '"x-note": "kept"' in page.event and "page-s3cret" not in page.event and "authorization" not in page.event
    assert page.summary.started_exact and page.summary.finished_exact and page.rerun_of == ""

    *_, redirect = asyncio.run(run(RunState.rerun, page))
    [again_id] = memory_queue.run_ids()
    assert redirect_target(redirect) == f"/runs/{again_id}"
    again = runs.get(again_id)
    assert again is not None and again.rerun_of == earlier.id and again.event["body"] == {"n": 1}
    navigate(root, "/runs/[run_id]", f"/runs/{again_id}")
    asyncio.run(run(RunState.load, page))
    assert page.rerun_of == str(earlier.id) and page.summary.trigger == "manual"


def test_a_try_out_is_not_run_again_and_says_why(memory_queue):
    owner = new_user("tryout-again")
    tried = launch.tryout(acting(owner), "node", NODE, [], [], {})
    page = sub(tab(owner.id, f"/runs/{tried.id}"), RunState)
    asyncio.run(run(RunState.load, page))
    asyncio.run(run(RunState.rerun, page))
    assert "try-out cannot be run again" in page.error and memory_queue.run_ids() == [tried.id]


def test_run_now_asks_for_the_event_and_refuses_what_is_not_json(memory_queue):
    owner = new_user("run-now")
    saved = script_of(owner, "manual")
    history = sub(tab(owner.id, f"/scripts/{saved.script.id}/runs"), RunsState)
    asyncio.run(run(RunsState.load, history))
    asyncio.run(run(RunsState.open_event, history, True))
    assert history.event_open and history.event_text == "{}"
    asyncio.run(run(RunsState.set_event_text, history, '{"name": "Ada",}'))
    assert history.event_error.startswith("Line 1")
    asyncio.run(run(RunsState.run_now, history))
    assert memory_queue.run_ids() == [] and history.event_open  # nothing started, the dialog stays
    asyncio.run(run(RunsState.set_event_text, history, '{"name": "Ada"}'))
    asyncio.run(run(RunsState.run_now, history))
    [started] = memory_queue.run_ids()
    assert not history.event_open and history.rows[0].id == str(started)
    started_run = runs.get(started)
    assert started_run is not None and started_run.event["body"] == {"name": "Ada"}


def test_a_long_event_is_cut_for_the_page():
    text, cut = run_views.event_text({"body": "x" * (run_views.MAX_SHOWN_EVENT_CHARS + 10)})
    assert cut and len(text) == run_views.MAX_SHOWN_EVENT_CHARS
    assert run_views.event_text(None) == ("null", False)
    headers = {"Authorization": "b", "X-Hub-Signature-256": "s", "x-api-key": "k", "accept": "*/*"}
    assert runs.shown_event({"headers": headers})["headers"] == {"accept": "*/*"}


def script_runs_page(user, script_id) -> RunsState:
    history = sub(tab(user.id, f"/scripts/{script_id}/runs"), RunsState)
    asyncio.run(run(RunsState.load, history))
    return history


def test_a_script_s_runs_page_lists_the_hook_calls_it_turned_away(memory_queue, monkeypatch):
    owner, stranger = new_user("turned-away"), new_user("turned-away-stranger")
    saved = unbuilt_script(acting(owner), "hook", "node", NODE, trigger={"type": "http"})
    hook = saved.script
    quiet = unbuilt_script(acting(owner), "quiet", "node", NODE, trigger={"type": "http"}).script
    failures.turned_away(hook, 409, "its dependencies are not built yet", memory_queue.run)
    failures.turned_away(hook, 503, "the run queue is not answering", memory_queue.run)

    history = script_runs_page(owner, hook.id)
    assert [(row.status, row.reason) for row in history.turned_away] == [
        (503, "the run queue is not answering"),  # newest first
        (409, "its dependencies are not built yet"),
    ]
    assert history.turned_away[0].at == "just now" and history.turned_away[0].at_exact.endswith(" UTC")
    assert script_runs_page(owner, quiet.id).turned_away == []  # each script its own calls

    elsewhere = script_runs_page(stranger, hook.id)  # another workspace's script: nothing of it
    assert elsewhere.not_found and elsewhere.turned_away == []

    # Redis not answering: the runs are still listed, and the page says the calls cannot be read
    add_run(saved, RunStatus.failed, Trigger.http, T0)
    monkeypatch.setattr(runpad_redis, "_redis", redis.Redis.from_url(closed_port_url().replace("http", "redis")))
    down = script_runs_page(owner, hook.id)
    assert len(down.rows) == 1 and down.error == ""
    assert down.turned_away == [] and down.turned_away_error == TURNED_AWAY_UNAVAILABLE


def test_a_script_keeps_its_last_100_turned_away_calls(memory_queue):
    owner = new_user("turned-away-cap")
    hook = unbuilt_script(acting(owner), "busy hook", "node", NODE, trigger={"type": "http"}).script
    for n in range(failures.TURNED_AWAY_KEPT + 5):
        failures.turned_away(hook, 409, f"call {n}", memory_queue.run)
    listed = failures.recent_turned_away(acting(owner), hook.id)
    assert failures.TURNED_AWAY_KEPT == 100 and len(listed) == 100
    assert listed[0].error == "call 104" and listed[-1].error == "call 5"
