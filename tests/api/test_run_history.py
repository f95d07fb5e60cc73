"""The workspace's runs, filtered and paged (app/services/run_history.py and GET /runs), a run's event as
it is shown, and Run again (launch.rerun and POST /runs/{id}/rerun). Real PostgreSQL; history is written
as a worker leaves it and reruns stay queued in memory, so no worker is needed."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.core import errors
from app.models import Role, RunStatus, Trigger
from app.services import launch, run_history, runs
from app.services.run_history import CursorError, FilterError, RunFilter
from tests.api.helpers import assert_error
from tests.support.actors import acting, in_workspace, new_user, shared_workspace
from tests.support.runs import add_run
from tests.support.scripts import unbuilt_script

NODE = "export default (event) => event.body;"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
HOOK_EVENT = {
    "trigger": "http",
    "method": "POST",
    "path": "",
    "headers": {
        "content-type": "application/json",
        "authorization": "Bearer caller-s3cret",
        "cookie": "session=caller-cookie",
        "webhook-signature": "v1,c2lnbmVk",
        "x-api-key": "caller-key",
        "x-note": "kept",
    },
    "query": {},
    "body": {"n": 1},
}
CREDENTIALS = ("caller-s3cret", "caller-cookie", "c2lnbmVk", "caller-key")


def script_of(user_id: uuid.UUID, name: str = "history"):
    return unbuilt_script(acting(user_id), f"{name} {uuid.uuid4().hex[:6]}", "node", NODE)


def ids(found) -> list[uuid.UUID]:
    return [run.id for run in found]


# ---- filters and pages (the service) ----------------------------------------------------------


def test_a_filter_reads_text_or_typed_values_and_names_what_is_wrong():
    assert RunFilter.parse("", " ", None, "", "") == RunFilter()
    found = RunFilter.parse(None, "failed", Trigger.http, "2026-11-01T12:00", "2026-11-01T15:00:00+02:00")
    assert (found.status, found.trigger) == (RunStatus.failed, Trigger.http)
    assert found.since == T0 and found.until == T0 + timedelta(hours=1)  # no zone is UTC; a zone is converted
    for name, value in [
        ("script_id", "not-an-id"),
        ("status", "done"),
        ("trigger", "cron"),
        ("since", "yesterday"),
        ("until", "2026-13-01"),
        ("since", "0001-01-01T00:00+01:00"),  # before the first representable instant in UTC
    ]:
        with pytest.raises(FilterError, match=name):
            RunFilter.parse(**{name: value})
    with pytest.raises(FilterError, match="before until"):
        RunFilter.parse(since="2026-11-02", until="2026-11-01")


def test_pages_go_older_and_back_newer_without_overlap_or_gap():
    owner = new_user("pages")
    saved = script_of(owner.id)
    made = [add_run(saved, queued_at=T0 + timedelta(minutes=i)) for i in range(7)]
    made += [add_run(saved, queued_at=T0 + timedelta(minutes=3)) for _ in range(2)]  # ties: the id decides
    newest_first = ids(sorted(made, key=lambda r: (r.queued_at, r.id), reverse=True))
    where, what = acting(owner), RunFilter(script_id=saved.script.id)

    pages = [run_history.page(where, what, None, 4)]
    assert pages[0].newer is None
    while pages[-1].older:
        pages.append(run_history.page(where, what, pages[-1].older, 4))
    assert [len(p.runs) for p in pages] == [4, 4, 1]
    assert [run_id for p in pages for run_id in ids(p.runs)] == newest_first

    back = [pages[-1]]
    while back[-1].newer:
        back.append(run_history.page(where, what, back[-1].newer, 4))
    assert [ids(p.runs) for p in back] == [ids(p.runs) for p in reversed(pages)]
    assert back[-1].newer is None and back[-1].older == pages[0].older


def test_filters_narrow_to_the_workspace_s_matching_runs():
    owner, stranger = new_user("filters"), new_user("stranger")
    first, second = script_of(owner.id, "first"), script_of(owner.id, "second")
    manual = add_run(first, queued_at=T0)
    hook_failed = add_run(first, RunStatus.failed, Trigger.http, T0 + timedelta(minutes=1))
    scheduled = add_run(first, RunStatus.succeeded, Trigger.schedule, T0 + timedelta(minutes=2))
    other_failed = add_run(second, RunStatus.failed, Trigger.manual, T0 + timedelta(minutes=3))
    theirs = add_run(script_of(stranger.id), RunStatus.failed, Trigger.http, T0 + timedelta(minutes=4))
    where = acting(owner)

    def listed(**filters) -> list[uuid.UUID]:
        return ids(run_history.page(where, RunFilter.parse(**filters)).runs)

    assert listed(since=T0, until=T0 + timedelta(hours=1)) == [other_failed.id, scheduled.id, hook_failed.id, manual.id]
    assert listed(status="failed", since=T0) == [other_failed.id, hook_failed.id]
    assert listed(trigger="http", since=T0) == [hook_failed.id]
    assert listed(script_id=first.script.id) == [scheduled.id, hook_failed.id, manual.id]
    assert listed(script_id=str(first.script.id), status="succeeded", trigger="schedule") == [scheduled.id]
    assert listed(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3)) == [scheduled.id, hook_failed.id]
    # another workspace's script is not there, as it would not be alone; its runs never show
    with pytest.raises(errors.NotFound):
        run_history.page(where, RunFilter(script_id=theirs.script_id))
    their_cursor = run_history.cursor("older", theirs)
    assert theirs.id not in ids(run_history.page(where, RunFilter(), their_cursor).runs)
    assert ids(run_history.page(acting(stranger), RunFilter(), None).runs) == [theirs.id]


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "%%%",
        base64.urlsafe_b64encode(b"[]").decode(),
        base64.urlsafe_b64encode(b'{"d": "sideways", "t": "2026-11-01T12:00:00+00:00", "id": "0"}').decode(),
        base64.urlsafe_b64encode(b'{"d": "older", "t": 5, "id": null}').decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_cursor_that_was_not_given_out_is_refused(cursor):
    with pytest.raises(CursorError):
        run_history.page(acting(), RunFilter(), cursor)


# ---- GET /runs --------------------------------------------------------------------------------


def test_get_runs_filters_and_pages_by_its_link(alice, bob):
    saved = script_of(alice.id)
    made = [add_run(saved, RunStatus.succeeded, Trigger.http, T0 + timedelta(seconds=i)) for i in range(5)]
    failed = add_run(saved, RunStatus.failed, Trigger.schedule, T0 + timedelta(seconds=10))
    query = {"script_id": str(saved.script.id), "trigger": "http", "since": "2026-11-01T12:00:00Z", "limit": 2}
    page = alice.http.get("/runs", params=query)
    seen = []
    while True:
        assert page.status_code == 200, page.text
        seen += [run["id"] for run in page.json()]
        if "next" not in page.links:
            break
        page = alice.http.get(page.links["next"]["url"])
    assert seen == [str(r.id) for r in reversed(made)]
    assert [r["id"] for r in alice.http.get("/runs", params={"status": "failed", "since": "2026-11-01"}).json()] == [
        str(failed.id)
    ]
    window = {"since": "2026-11-01T12:00:01Z", "until": "2026-11-01T12:00:03Z"}
    assert [r["id"] for r in alice.http.get("/runs", params=window).json()] == [str(made[2].id), str(made[1].id)]
    # the old way to page still works beside the cursor
    before = alice.http.get("/runs", params={"script_id": str(saved.script.id), "before": str(made[1].id)})
    assert [r["id"] for r in before.json()] == [str(made[0].id)]

    for bad, field in [
        ({"status": "done"}, "status"),
        ({"trigger": "cron"}, "trigger"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"}, "since"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": 0}, "limit"),
    ]:
        assert field in assert_error(alice.http.get("/runs", params=bad), 422, "invalid_request")["message"]
    assert_error(bob.http.get("/runs", params={"script_id": str(saved.script.id)}), 404, "not_found")
    assert bob.http.get("/runs", params={"since": "2026-11-01T00:00:00Z"}).json() == []


# ---- the event shown, and Run again -----------------------------------------------------------


def test_a_run_shows_its_event_without_credential_headers(alice):
    run = add_run(script_of(alice.id), RunStatus.succeeded, Trigger.http, event=dict(HOOK_EVENT, run_id="x"))
    shown = alice.http.get(f"/runs/{run.id}").json()
    assert shown["event"]["headers"] == {"content-type": "application/json", "x-note": "kept"}
    assert shown["event"]["body"] == {"n": 1} and shown["rerun_of"] is None
    listed = alice.http.get("/runs", params={"script_id": str(run.script_id)}).text
    assert not any(secret in listed for secret in CREDENTIALS)


def test_run_again_queues_the_same_event_as_a_manual_run(alice, memory_queue):
    earlier = add_run(script_of(alice.id), RunStatus.failed, Trigger.http, event=dict(HOOK_EVENT, run_id="x"))
    r = alice.http.post(f"/runs/{earlier.id}/rerun")
    assert r.status_code == 202, r.text
    again = r.json()
    assert again["rerun_of"] == str(earlier.id) and again["trigger"] == "manual" and again["status"] == "queued"
    assert again["script_id"] == str(earlier.script_id) and r.headers["location"] == f"/api/v1/runs/{again['id']}"
    assert again["event"]["trigger"] == "http" and again["event"]["body"] == {"n": 1}  # the handler sees the same
    assert again["event"]["run_id"] == again["id"]
    assert memory_queue.run_ids() == [uuid.UUID(again["id"])]  # committed, then queued
    stored = runs.get(uuid.UUID(again["id"]))
    assert stored is not None and stored.event["headers"] == HOOK_EVENT["headers"]  # handed on whole, shown without
    assert alice.http.get("/runs", params={"trigger": "manual", "script_id": again["script_id"]}).json()[0] == again


def test_a_try_out_cannot_run_again_and_operators_may_rerun(alice, memory_queue):
    tried = launch.tryout(acting(alice.id), "node", NODE, [], [], {"n": 2})
    body = assert_error(alice.http.post(f"/runs/{tried.id}/rerun"), 409, "conflict")
    assert "try-out" in body["message"]
    assert_error(alice.http.post(f"/runs/{uuid.uuid4()}/rerun"), 404, "not_found")

    admin, operator, outsider = new_user("admin"), new_user("operator"), new_user("outsider")
    slug = shared_workspace(admin, [(operator, Role.operator)])
    earlier = add_run(unbuilt_script(in_workspace(admin, slug), "team", "node", NODE))
    again = launch.rerun(in_workspace(operator, slug), earlier.id)
    assert again.rerun_of == earlier.id and again.owner_id == operator.id
    with pytest.raises(errors.NotFound):
        launch.rerun(acting(outsider), earlier.id)
    assert memory_queue.run_ids() == [tried.id, again.id]
