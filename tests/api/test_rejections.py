"""GET /api/v1/scripts/{id}/rejections (contract §3): the hook calls a script turned away for Runpad's
reasons, newest first; another workspace's script is not found."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from app.services import failures, queue, scripts
from tests.api.conftest import new_user as api_user
from tests.support.actors import acting

NODE = "export default (event) => event.body;"


def test_a_script_s_turned_away_calls_are_listed_to_its_workspace_only(base_url):
    owner, outsider = api_user(base_url), api_user(base_url)
    made = owner.http.post(
        "/scripts", json={"name": "hook", "runtime": "node", "code": NODE, "trigger": {"type": "http"}}
    )
    script = scripts.get(acting(owner.id), uuid.UUID(made.json()["id"]))
    assert owner.http.get(f"/scripts/{script.id}/rejections").json() == []

    memory = queue.Memory()
    failures.turned_away(script, 409, "its dependencies are not built yet", memory.run)
    failures.turned_away(script, 503, "the run queue is not answering", memory.run)
    answer = owner.http.get(f"/scripts/{script.id}/rejections")
    assert answer.status_code == 200
    listed = answer.json()
    assert [(c["status"], c["error"]) for c in listed] == [
        (503, "the run queue is not answering"),
        (409, "its dependencies are not built yet"),
    ]
    at = datetime.fromisoformat(listed[0]["at"])
    assert abs(datetime.now(UTC) - at) < timedelta(minutes=1)

    assert outsider.http.get(f"/scripts/{script.id}/rejections").status_code == 404
    assert owner.http.get("/scripts/not-an-id/rejections").status_code == 422
