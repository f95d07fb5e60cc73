"""Scripts through the REST API: create, read, change, version, roll back, rotate, delete; each user
sees only their own."""

import uuid

import pytest
from sqlalchemy import select

from app.core.db import session
from app.core.settings import settings
from app.models import Script
from tests.api.helpers import assert_error

NODE = "export default (event) => ({ got: event.body });"


def create(user, **fields):
    body = {"name": f"script-{uuid.uuid4().hex[:6]}", "runtime": "node", "code": NODE, **fields}
    r = user.http.post("/scripts", json=body)
    assert r.status_code == 201, r.text
    return r


def test_create_answers_the_script_with_version_build_and_location(alice):
    r = create(alice, dependencies=[], secrets=["API_KEY"], timeout_seconds=5, memory_mb=128)
    script = r.json()
    assert r.headers["location"] == f"/api/v1/scripts/{script['id']}"
    assert script["version"] == 1 and script["runtime"] == "node" and script["code"] == NODE
    assert script["secrets"] == ["API_KEY"] and script["timeout_seconds"] == 5 and script["memory_mb"] == 128
    assert script["trigger"] == {
        "type": "manual",
        "cron": None,
        "interval_seconds": None,
        "timezone": "UTC",
        "http_auth": "none",
        "allow_overlap": False,
    }
    assert script["build"]["status"] in ("queued", "building", "ready") and script["build"]["error"] is None
    assert script["hook_url"] is None and script["next_run_at"] is None and script["hook_secret"] is None
    with session() as s:
        assert s.get(Script, uuid.UUID(script["id"])).owner_id == alice.id
    assert alice.http.get(f"/scripts/{script['id']}").json() == {k: v for k, v in script.items() if k != "hook_secret"}


def test_defaults_come_from_settings(alice):
    script = create(alice).json()
    assert script["timeout_seconds"] == settings.default_timeout_seconds
    assert script["memory_mb"] == settings.default_memory_mb and script["enabled"] is True


def test_an_http_script_has_a_hook_url_and_its_secret_is_shown_only_once(alice):
    script = create(alice, trigger={"type": "http", "http_auth": "hmac"}).json()
    assert script["hook_url"].startswith(f"{settings.hooks_url}/hooks/")  # the hooks origin, not the IDE's
    assert len(script["hook_url"].rsplit("/", 1)[1]) >= 32
    assert script["hook_secret"].startswith("whsec_") and len(script["hook_secret"]) >= 32
    again = alice.http.get(f"/scripts/{script['id']}").json()
    assert "hook_secret" not in again and again["hook_url"] == script["hook_url"]
    listed = next(s for s in alice.http.get("/scripts").json() if s["id"] == script["id"])
    assert "hook_secret" not in listed


def test_rotation_gives_a_new_url_and_secret(alice):
    script = create(alice, trigger={"type": "http", "http_auth": "bearer"}).json()
    rotated = alice.http.post(f"/scripts/{script['id']}/hook-token/rotate")
    assert rotated.status_code == 200
    assert rotated.json()["hook_url"] != script["hook_url"] and rotated.json()["hook_secret"] not in (
        None,
        script["hook_secret"],
    )
    manual = create(alice).json()
    body = assert_error(alice.http.post(f"/scripts/{manual['id']}/hook-token/rotate"), 409, "conflict")
    assert "http trigger" in body["message"]


def test_list_holds_only_my_scripts_newest_first(alice, bob):
    first, second = create(alice).json(), create(alice).json()
    create(bob)
    listed = alice.http.get("/scripts").json()
    assert [s["id"] for s in listed] == [second["id"], first["id"]]


def test_patch_changes_fields_and_code_makes_a_new_version(alice):
    script = create(alice).json()
    sid = script["id"]
    r = alice.http.patch(f"/scripts/{sid}", json={"name": "renamed", "timeout_seconds": 10, "enabled": False})
    assert r.status_code == 200
    assert r.json()["name"] == "renamed" and r.json()["timeout_seconds"] == 10 and r.json()["version"] == 1
    assert r.json()["enabled"] is False and r.json()["code"] == NODE
    changed = alice.http.patch(f"/scripts/{sid}", json={"code": "export default () => 2;"}).json()
    assert changed["version"] == 2 and changed["name"] == "renamed"
    with_secret = alice.http.patch(f"/scripts/{sid}", json={"secrets": ["TOKEN"]}).json()
    assert with_secret["version"] == 3 and with_secret["secrets"] == ["TOKEN"]
    auth = alice.http.patch(f"/scripts/{sid}", json={"trigger": {"type": "http"}}).json()
    assert auth["hook_url"] and auth["hook_secret"] is None
    hmac = alice.http.patch(f"/scripts/{sid}", json={"trigger": {"http_auth": "hmac"}}).json()
    assert hmac["trigger"]["type"] == "http" and hmac["hook_url"] == auth["hook_url"] and hmac["hook_secret"]


@pytest.mark.parametrize(
    "body,fragment",
    [
        ({"name": None}, "name"),
        ({"enabled": None}, "enabled"),
        ({"memory_mb": 32}, "memory_mb"),
        ({"runtime": "python"}, "runtime"),
        ({"dependencies": ["requests==2.32.3"]}, "invalid npm package name"),
        ({"trigger": {"type": "cron"}}, "trigger.type"),
        ({"trigger": {"http_auth": "basic"}}, "trigger.http_auth"),
        ({"name": "   "}, "name must be 1 to 200 characters"),
    ],
)
def test_patch_refuses_bad_changes_and_changes_nothing(alice, body, fragment):
    script = create(alice).json()
    message = assert_error(alice.http.patch(f"/scripts/{script['id']}", json=body), 422, "invalid_request")["message"]
    assert fragment in message
    assert alice.http.get(f"/scripts/{script['id']}").json()["updated_at"] == script["updated_at"]


def test_versions_are_listed_newest_first_and_restore_makes_a_new_one(alice):
    sid = create(alice).json()["id"]
    alice.http.patch(f"/scripts/{sid}", json={"code": "export default () => 'v2';"})
    versions = alice.http.get(f"/scripts/{sid}/versions").json()
    assert [v["number"] for v in versions] == [2, 1] and versions[1]["code"] == NODE
    restored = alice.http.post(f"/scripts/{sid}/versions/1/restore")
    assert restored.status_code == 200 and restored.json()["version"] == 3 and restored.json()["code"] == NODE
    body = assert_error(alice.http.post(f"/scripts/{sid}/versions/9/restore"), 404, "not_found")
    assert "no version 9" in body["message"]


def test_delete_removes_the_script(alice):
    sid = create(alice).json()["id"]
    assert alice.http.delete(f"/scripts/{sid}").status_code == 204
    assert_error(alice.http.get(f"/scripts/{sid}"), 404, "not_found")
    assert_error(alice.http.delete(f"/scripts/{sid}"), 404, "not_found")
    with session() as s:
        assert s.scalars(select(Script).where(Script.id == uuid.UUID(sid))).first() is None


def test_another_users_script_is_not_found_for_every_call(alice, bob):
    sid = create(alice, trigger={"type": "http"}).json()["id"]
    for method, path, body in [
        ("GET", "", None),
        ("PATCH", "", {"name": "mine now"}),
        ("DELETE", "", None),
        ("GET", "/versions", None),
        ("POST", "/versions/1/restore", None),
        ("POST", "/hook-token/rotate", None),
        ("POST", "/runs", {"event": 1}),
    ]:
        assert_error(bob.http.request(method, f"/scripts/{sid}{path}", json=body), 404, "not_found")
    assert_error(bob.http.get("/runs", params={"script_id": sid}), 404, "not_found")
    assert alice.http.get(f"/scripts/{sid}").json()["name"] != "mine now"


def test_a_schedule_trigger_has_a_next_run(alice):
    pytest.importorskip("app.services.schedules")
    script = create(alice, trigger={"type": "schedule", "interval_seconds": 3600}).json()
    assert script["next_run_at"] is not None and script["hook_url"] is None
    bad = alice.http.post(
        "/scripts",
        json={"name": "x", "runtime": "node", "code": NODE, "trigger": {"type": "schedule", "cron": "not a cron"}},
    )
    assert_error(bad, 422, "invalid_request")
    manual = alice.http.patch(f"/scripts/{script['id']}", json={"trigger": {"type": "manual"}}).json()
    assert manual["next_run_at"] is None


def test_a_save_before_any_worker_published_its_base_image_says_to_start_one(alice, empty_catalog):
    """The web process has no Docker Engine: it hashes with the base images workers publish at start."""
    r = alice.http.post("/scripts", json={"name": "early", "runtime": "node", "code": NODE})
    assert "no worker has published the node base image yet: start a worker" in assert_error(r, 422)["message"]
    r = alice.http.post("/tryout", json={"runtime": "python", "code": "def handler(e, c):\n    return 1\n"})
    assert "no worker has published the python base image yet: start a worker" in assert_error(r, 422)["message"]


BROKEN_NODE = "export default (event) => {\n  return { got: ;\n};\n"


@pytest.mark.parametrize(
    ("runtime", "code", "where"),
    [
        ("node", BROKEN_NODE, "line 2, column "),
        ("python", "def handler(event, ctx):\n    return (\n", "line 2, column 12"),
    ],
)
def test_code_that_does_not_parse_is_refused_with_its_line_and_column_unless_a_draft(alice, runtime, code, where):
    r = alice.http.post("/scripts", json={"name": "broken", "runtime": runtime, "code": code})
    assert_error(r, 422, "syntax_error")
    assert where in r.json()["message"] and "draft" in r.json()["message"]
    script = create(alice, runtime=runtime, code=code, draft=True).json()
    assert script["draft"] is True and script["deployed_version"] is None and script["code"] == code

    fine = create(alice).json()
    r = alice.http.patch(f"/scripts/{fine['id']}", json={"code": code})
    assert_error(r, 422, "syntax_error")
    assert alice.http.get(f"/scripts/{fine['id']}").json()["version"] == 1  # nothing was written
    r = alice.http.patch(f"/scripts/{fine['id']}", json={"code": code, "draft": True})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["draft"] is True
    versions = alice.http.get(f"/scripts/{fine['id']}/versions").json()
    assert [(v["number"], v["draft"]) for v in versions] == [(2, True), (1, False)]


def test_deploying_a_version_names_what_stops_it(alice):
    script = create(alice, dependencies=["runpad-never-built-api@1.0.0"]).json()
    assert script["deployed_version"] is None and script["deploy_error"] is None
    r = alice.http.post(f"/scripts/{script['id']}/versions/1/deploy")
    assert_error(r, 409, "conflict")
    assert "not ready" in r.json()["message"]
    assert_error(alice.http.post(f"/scripts/{script['id']}/versions/9/deploy"), 404, "not_found")


def test_deploying_a_version_number_past_the_database_integer_is_not_found(alice):
    script = create(alice).json()
    assert_error(alice.http.post(f"/scripts/{script['id']}/versions/{2**40}/deploy"), 404, "not_found")
    assert_error(alice.http.post(f"/scripts/{script['id']}/versions/0/deploy"), 404, "not_found")
